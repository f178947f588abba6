"""the shortest 公示 of an event's results in working days; late draws

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('event', sa.Column('notice_workdays', sa.Integer(), server_default='5', nullable=False))
    op.alter_column('event', 'notice_workdays', server_default=None)
    op.add_column('draw', sa.Column('late', sa.Boolean(), server_default='false', nullable=False))
    op.alter_column('draw', 'late', server_default=None)


def downgrade() -> None:
    op.drop_column('draw', 'late')
    op.drop_column('event', 'notice_workdays')
