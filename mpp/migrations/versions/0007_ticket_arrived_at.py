"""ticket: when the citizen was there (arrived_at)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 14:50:00

A booking checked in on time is queued as if issued at its slot's start (``issued_at``), so
waiting times measured from ``issued_at`` came out negative when it was called early. The
wait is measured from ``arrived_at``: the moment the ticket was taken, or the booking
checked in (issue 10). Existing tickets get their issue time, a checked-in booking's ticket
its check-in time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE ticket SET arrived_at = issued_at")
    op.execute("UPDATE ticket SET arrived_at = booking.checked_in_at FROM booking "
               "WHERE booking.ticket_id = ticket.id AND booking.checked_in_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('arrived_at')
