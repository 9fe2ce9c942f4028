"""survey: the respondent's profile

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 12:10:00

The SKM of PermenPANRB 14/2017 asks the respondent's sex, age, education and occupation
with the nine elements, and its report tabulates them; each is optional.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('survey_response') as batch:
        batch.add_column(sa.Column('respondent', sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('survey_response') as batch:
        batch.drop_column('respondent')
