"""bookings: a service's booking rules, the booking table, booked tickets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:20:00

Citizens book a slot of a service from their phone (issue 10): ``service.booking`` holds the
site file's ``booking`` table, ``booking`` one row per booking, and ``ticket.booked`` marks a
ticket issued at an on-time check-in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service') as batch:
        batch.add_column(sa.Column('booking', sa.JSON(), nullable=True))
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('booked', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        'booking',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('business_date', sa.Date(), nullable=False),
        sa.Column('slot_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('slot_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('phone_key', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('moved_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'],
                                name=op.f('fk_booking_service_id_service')),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_booking_site_id_site')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                                name=op.f('fk_booking_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
        sa.UniqueConstraint('code', name=op.f('uq_booking_code')),
        sa.UniqueConstraint('token', name=op.f('uq_booking_token')),
    )
    op.create_index('ix_booking_slot', 'booking', ['service_id', 'business_date', 'status'])
    op.create_index('ix_booking_phone', 'booking', ['phone_key', 'business_date'])


def downgrade() -> None:
    op.drop_index('ix_booking_phone', table_name='booking')
    op.drop_index('ix_booking_slot', table_name='booking')
    op.drop_table('booking')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('booked')
    with op.batch_alter_table('service') as batch:
        batch.drop_column('booking')
