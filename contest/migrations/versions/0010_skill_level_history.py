"""skill level history

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 11:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('skill_level_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('level_before', sa.Integer(), nullable=True),
    sa.Column('level_after', sa.Integer(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_skill_level_change_changed_on'), 'skill_level_change', ['changed_on'], unique=False)
    op.create_index(op.f('ix_skill_level_change_person_id'), 'skill_level_change', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_skill_level_change_person_id'), table_name='skill_level_change')
    op.drop_index(op.f('ix_skill_level_change_changed_on'), table_name='skill_level_change')
    op.drop_table('skill_level_change')
