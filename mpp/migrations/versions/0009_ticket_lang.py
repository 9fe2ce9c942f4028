"""ticket.lang: the language the citizen used at the kiosk (its printed ticket's language)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 16:00:00

The kiosk sends its language with the issue request; the print job prints the ticket in it,
reprints too (issue 12). Null: the site's default language.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('lang', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('lang')
