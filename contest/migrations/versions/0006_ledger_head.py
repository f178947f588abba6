"""ledger head: the chain's last hash in a one-row table, locked by each append

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 17:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.CheckConstraint('id = 1', name='ledger_head_one_row')
    )
    # The head of the chain written so far (or the genesis hash of an empty one).
    op.execute("insert into ledger_head (id, hash) select 1, coalesce("
               "(select hash from ledger_entry order by id desc limit 1), repeat('0', 64))")


def downgrade() -> None:
    op.drop_table('ledger_head')
