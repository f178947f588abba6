"""registry expert review opinions: each expert's written opinion (评审意见) on a candidate, which
the registry's review scheme now requires

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 14:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TARGET = sa.table('target', sa.column('id', sa.Integer()), sa.column('review_scheme', sa.JSON()))


def _set_opinion(value: str | None) -> None:
    """The review stage of the stored review scheme says whether an opinion is required."""
    bind = op.get_bind()
    for row in bind.execute(sa.select(TARGET.c.id, TARGET.c.review_scheme)).all():
        scheme = dict(row.review_scheme)
        stages = [dict(stage) for stage in scheme.get('stages', [])]
        for stage in stages:
            stage.pop('opinion', None)
            if value:
                stage['opinion'] = value
        bind.execute(TARGET.update().where(TARGET.c.id == row.id).values(review_scheme={**scheme, 'stages': stages}))


def upgrade() -> None:
    op.create_table('review_opinion',
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('candidate_id', 'reviewer')
    )
    op.create_index(op.f('ix_review_opinion_candidate_id'), 'review_opinion', ['candidate_id'], unique=False)
    _set_opinion('required')


def downgrade() -> None:
    _set_opinion(None)
    op.drop_index(op.f('ix_review_opinion_candidate_id'), table_name='review_opinion')
    op.drop_table('review_opinion')
