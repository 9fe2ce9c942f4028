"""service standard: product, complaint handling, English texts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 12:00:00

The two components of a published service standard that were missing (what the citizen
receives, how complaints are handled), and the standard's texts in English (requirements,
procedure, product, complaints) for the kiosk's English mode.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service') as batch:
        batch.add_column(sa.Column('product', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('complaints', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('texts_en', sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('service') as batch:
        batch.drop_column('texts_en')
        batch.drop_column('complaints')
        batch.drop_column('product')
