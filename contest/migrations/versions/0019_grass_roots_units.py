"""grass-roots unions online: unit and county accounts by invitation, unit profiles, online
registration (and the event's closing day for it), labour-competition filings

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 17:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('event', sa.Column('registration_closes', sa.Date(), nullable=True))
    op.create_table(
        'unit_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(unit_id is null) <> (area_id is null)', name='unit_invitation_one_scope'),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['area_id'], ['area.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index(op.f('ix_unit_invitation_unit_id'), 'unit_invitation', ['unit_id'], unique=False)
    op.create_table(
        'unit_account',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(unit_id is null) <> (area_id is null)', name='unit_account_one_scope'),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['area_id'], ['area.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('account_id'),
    )
    op.create_index(op.f('ix_unit_account_unit_id'), 'unit_account', ['unit_id'], unique=False)
    op.create_index(op.f('ix_unit_account_area_id'), 'unit_account', ['area_id'], unique=False)
    op.create_table(
        'unit_profile',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=True),
        sa.Column('workers', sa.Integer(), nullable=True),
        sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('unit_id'),
    )
    op.create_table(
        'registration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('track_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=False),
        sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('id_masked', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column('phone_masked', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('skill_level', sa.Integer(), nullable=True),
        sa.Column('front_line', sa.Boolean(), nullable=False),
        sa.Column('migrant_worker', sa.Boolean(), nullable=False),
        sa.Column('new_employment_form', sa.Boolean(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['entry_id'], ['entry.id']),
        sa.ForeignKeyConstraint(['track_id'], ['track.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('track_id', 'id_hash'),
    )
    op.create_index(op.f('ix_registration_track_id'), 'registration', ['track_id'], unique=False)
    op.create_index(op.f('ix_registration_unit_id'), 'registration', ['unit_id'], unique=False)
    op.create_table(
        'filing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('teams', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column('person_times', sa.Integer(), nullable=False),
        sa.Column('awards', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('results_filed', sa.Boolean(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('filed_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_filing_unit_id'), 'filing', ['unit_id'], unique=False)
    op.create_index(op.f('ix_filing_year'), 'filing', ['year'], unique=False)
    op.create_table(
        'filing_participant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('filing_id', sa.Integer(), nullable=False),
        sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column('front_line', sa.Boolean(), nullable=False),
        sa.Column('migrant_worker', sa.Boolean(), nullable=False),
        sa.Column('new_employment_form', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['filing_id'], ['filing.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('filing_id', 'id_hash'),
    )
    op.create_index(op.f('ix_filing_participant_filing_id'), 'filing_participant', ['filing_id'], unique=False)
    for table in ('unit_invitation', 'unit_account', 'unit_profile', 'registration', 'filing', 'filing_participant'):
        op.execute(f"select watch_revision('{table}')")  # writes move the public revision (0018)


def downgrade() -> None:
    op.drop_table('filing_participant')
    op.drop_table('filing')
    op.drop_table('registration')
    op.drop_table('unit_profile')
    op.drop_table('unit_account')
    op.drop_table('unit_invitation')
    op.drop_column('event', 'registration_closes')
