"""notifications: the webhook outbox and its delivery tries

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:30:00

Citizens are told through the site's webhook when their ticket is near or called and about
their bookings (issue 10); each message waits in ``notification`` until a server process
delivers it, and every try is kept in ``notification_try`` for the admin to read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('event_key', sa.String(length=120), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
        sa.UniqueConstraint('event_key', name=op.f('uq_notification_event_key')),
    )
    op.create_index('ix_notification_due', 'notification', ['status', 'next_try_at'])
    op.create_index(op.f('ix_notification_created_at'), 'notification', ['created_at'])
    op.create_table(
        'notification_try',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.String(length=32), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id'],
                                name=op.f('fk_notification_try_notification_id_notification')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_try')),
    )
    op.create_index(op.f('ix_notification_try_notification_id'), 'notification_try',
                    ['notification_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_try_notification_id'), table_name='notification_try')
    op.drop_table('notification_try')
    op.drop_index(op.f('ix_notification_created_at'), table_name='notification')
    op.drop_index('ix_notification_due', table_name='notification')
    op.drop_table('notification')
