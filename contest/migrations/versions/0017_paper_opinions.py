"""paper sheets' opinions: the judge's written opinion (评审意见) typed by each scorer's pass

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 15:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('paper_entry', sa.Column('opinion', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    op.drop_column('paper_entry', 'opinion')
