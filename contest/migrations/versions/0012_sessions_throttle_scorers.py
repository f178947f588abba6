"""server-side sessions, the sign-in throttle, scorers assigned to events, paper passes by account

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('web_session_subject', 'web_session', ['kind', 'subject_id'], unique=False)
    op.create_table('sign_in_guard',
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('who', 'address')
    )
    op.create_table('event_scorer',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'account_id')
    )
    op.add_column('paper_entry', sa.Column('scorer_id', sa.Integer(), nullable=True))
    op.create_foreign_key('paper_entry_scorer_id_fkey', 'paper_entry', 'account', ['scorer_id'], ['id'])
    # the failed-PIN count moved to sign_in_guard (per judge and address, counted in one statement)
    op.drop_column('judge', 'failed_pins')
    op.drop_column('judge', 'locked_until')


def downgrade() -> None:
    op.add_column('judge', sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('judge', sa.Column('failed_pins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_constraint('paper_entry_scorer_id_fkey', 'paper_entry', type_='foreignkey')
    op.drop_column('paper_entry', 'scorer_id')
    op.drop_table('event_scorer')
    op.drop_table('sign_in_guard')
    op.drop_index('web_session_subject', table_name='web_session')
    op.drop_table('web_session')
