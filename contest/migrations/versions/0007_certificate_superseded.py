"""certificates can be superseded: one current certificate per entry and round

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('certificate', sa.Column('superseded_by', sqlmodel.sql.sqltypes.AutoString(length=24),
                                           nullable=True))
    op.drop_constraint('certificate_entry_id_round_id_key', 'certificate', type_='unique')
    op.create_index('certificate_current', 'certificate', ['entry_id', 'round_id'], unique=True,
                    postgresql_where=sa.text('superseded_by IS NULL'))


def downgrade() -> None:
    op.drop_index('certificate_current', table_name='certificate', postgresql_where=sa.text('superseded_by IS NULL'))
    op.execute("delete from certificate where superseded_by is not null")
    op.create_unique_constraint('certificate_entry_id_round_id_key', 'certificate', ['entry_id', 'round_id'])
    op.drop_column('certificate', 'superseded_by')
