"""innovation results (五小, 合理化建议, 先进操作法, 创新成果): authors, attachments, experts, marks, opinions

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 17:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def _child(name: str, *columns: sa.Column, unique: tuple[str, ...] = ()) -> None:
    """A table belonging to one innovation result, indexed by it."""
    op.create_table(name, sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('result_id', sa.Integer(), nullable=False), *columns,
                    sa.ForeignKeyConstraint(['result_id'], ['innovation_result.id'], ),
                    sa.PrimaryKeyConstraint('id'), *([sa.UniqueConstraint(*unique)] if unique else []))
    op.create_index(op.f(f'ix_{name}_result_id'), name, ['result_id'], unique=False)


def upgrade() -> None:
    op.create_table('innovation_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', S(length=120), nullable=False),
    sa.Column('kind', S(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('description', S(length=4000), nullable=False),
    sa.Column('submitter', S(length=10), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_account_id', sa.Integer(), nullable=True),
    sa.Column('state', S(length=12), nullable=False),
    sa.Column('review_total', S(length=20), nullable=True),
    sa.Column('award', S(length=12), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['studio_id'], ['studio.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('year', 'studio_id', 'unit_id'):
        op.create_index(op.f(f'ix_innovation_result_{column}'), 'innovation_result', [column], unique=False)
    _child('innovation_author', sa.Column('person_id', sa.Integer(), nullable=False),
           sa.Column('position', sa.Integer(), nullable=False),
           sa.ForeignKeyConstraint(['person_id'], ['person.id'], ), unique=('result_id', 'person_id'))
    op.create_index(op.f('ix_innovation_author_person_id'), 'innovation_author', ['person_id'], unique=False)
    _child('innovation_file', sa.Column('name', S(length=120), nullable=False),
           sa.Column('media_type', S(length=40), nullable=False), sa.Column('size', sa.Integer(), nullable=False),
           sa.Column('sha256', S(length=64), nullable=False), sa.Column('public', sa.Boolean(), nullable=False))
    _child('innovation_expert', sa.Column('account_id', sa.Integer(), nullable=False),
           sa.Column('unit_id', sa.Integer(), nullable=True), sa.Column('studio_id', sa.Integer(), nullable=True),
           sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
           sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
           sa.ForeignKeyConstraint(['studio_id'], ['studio.id'], ), unique=('result_id', 'account_id'))
    op.create_index(op.f('ix_innovation_expert_account_id'), 'innovation_expert', ['account_id'], unique=False)
    _child('innovation_mark', sa.Column('account_id', sa.Integer(), nullable=False),
           sa.Column('criterion', S(length=40), nullable=False), sa.Column('value', S(length=20), nullable=False),
           sa.ForeignKeyConstraint(['account_id'], ['account.id'], ), unique=('result_id', 'account_id', 'criterion'))
    _child('innovation_opinion', sa.Column('account_id', sa.Integer(), nullable=False),
           sa.Column('opinion', sa.Text(), nullable=False),
           sa.ForeignKeyConstraint(['account_id'], ['account.id'], ), unique=('result_id', 'account_id'))
    for table in ('innovation_result', 'innovation_author', 'innovation_file', 'innovation_expert', 'innovation_mark',
                  'innovation_opinion'):
        op.execute(f"select watch_revision('{table}')")  # the gallery is a public page kept by revision (0018)


def downgrade() -> None:
    for name in ('innovation_opinion', 'innovation_mark', 'innovation_expert', 'innovation_file', 'innovation_author'):
        op.drop_table(name)
    op.drop_table('innovation_result')
