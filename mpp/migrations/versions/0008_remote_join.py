"""remote join: service.remote_join, ticket.check_in_by and remote, the remote_join table

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 15:00:00

A service may let citizens take a ticket for today from their phone; it is called only once
checked in at the hall, within the site's ``[remote_join] check_in_minutes`` (issue 10).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service') as batch:
        batch.add_column(sa.Column('remote_join', sa.Boolean(), nullable=False,
                                   server_default=sa.text('false')))
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('check_in_by', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('remote', sa.Boolean(), nullable=False,
                                   server_default=sa.text('false')))
    op.create_table(
        'remote_join',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('business_date', sa.Date(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('phone_key', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('check_in_by', sa.DateTime(timezone=True), nullable=False),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'],
                                name=op.f('fk_remote_join_service_id_service')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                                name=op.f('fk_remote_join_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_join')),
        sa.UniqueConstraint('code', name=op.f('uq_remote_join_code')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_remote_join_ticket_id')),
    )
    op.create_index('ix_remote_join_phone', 'remote_join', ['phone_key', 'business_date'])


def downgrade() -> None:
    op.drop_index('ix_remote_join_phone', table_name='remote_join')
    op.drop_table('remote_join')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('remote')
        batch.drop_column('check_in_by')
    with op.batch_alter_table('service') as batch:
        batch.drop_column('remote_join')
