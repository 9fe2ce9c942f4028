"""The ticket index of the reads every issue and call makes: a service's tickets of one day

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:10:00

Issuing counts the waiting tickets ahead of the new one and the priority tickets waiting,
the queue feed reads a service's waiting tickets in issue order, call-next reads each
service's oldest, and the estimate reads the service's last finished tickets of the day.
All of them name the business date, which the index they used, (service_id, status,
issued_at), does not hold: each visited the row of every waiting ticket counted (the count
grew with the queue) and the estimate every finished ticket of the service since the hall
opened (it grew with the history). The new index replaces it: the day comes second, and the
kind of ticket last, so that the counts and the order are read from the index alone
(issue 8).
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_ticket_service_day', 'ticket',
                    ['service_id', 'business_date', 'status', 'issued_at', 'priority'])
    op.drop_index('ix_ticket_queue', table_name='ticket')


def downgrade() -> None:
    op.create_index('ix_ticket_queue', 'ticket', ['service_id', 'status', 'issued_at'])
    op.drop_index('ix_ticket_service_day', table_name='ticket')
