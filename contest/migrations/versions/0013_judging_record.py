"""the judging record: a sheet's opinion (评审意见), a note per criterion and the contestant's
confirmation of measured values, submitted and ledgered with the marks; the words of a draft;
whether the event shows opinions to contestants; the event's pledge and each judge's accepted
pledge with the relations declared

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sheet', sa.Column('opinion', sa.Text(), nullable=False, server_default=''))
    op.add_column('sheet', sa.Column('notes', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('sheet', sa.Column('draft_words', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('sheet', sa.Column('confirmation', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('event', sa.Column('opinions_public', sa.Boolean(), nullable=False, server_default='false'))
    op.add_column('event', sa.Column('pledge', sa.Text(), nullable=False, server_default=''))
    op.create_table(
        'judge_pledge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('judge_id', sa.Integer(), nullable=False),
        sa.Column('pledge', sa.Text(), nullable=False),
        sa.Column('declared', sa.JSON(), nullable=False),
        sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(['judge_id'], ['judge.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('judge_id'),
    )


def downgrade() -> None:
    op.drop_table('judge_pledge')
    op.drop_column('event', 'pledge')
    op.drop_column('event', 'opinions_public')
    op.drop_column('sheet', 'confirmation')
    op.drop_column('sheet', 'draft_words')
    op.drop_column('sheet', 'notes')
    op.drop_column('sheet', 'opinion')
