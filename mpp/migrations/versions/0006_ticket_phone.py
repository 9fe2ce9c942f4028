"""ticket: the citizen's phone for notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:50:00

A citizen may give a phone number with a ticket (``POST /api/v1/tickets``) to be told when
it is near and called; a checked-in booking's ticket takes the booking's (issue 10).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('phone')
