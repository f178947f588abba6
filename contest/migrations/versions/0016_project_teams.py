"""project teams: members as people, team shown on published rows, a certificate per member

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id', 'person_id')
    )
    op.create_index(op.f('ix_team_member_entry_id'), 'team_member', ['entry_id'], unique=False)
    op.create_index(op.f('ix_team_member_person_id'), 'team_member', ['person_id'], unique=False)
    op.add_column('notice_row', sa.Column('team', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('notice_row', sa.Column('team_unit_ids', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('certificate', sa.Column('team_member_id', sa.Integer(), nullable=True))
    op.add_column('certificate', sa.Column('project', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.create_foreign_key('certificate_team_member_id_fkey', 'certificate', 'team_member', ['team_member_id'], ['id'])
    op.drop_index('certificate_current', table_name='certificate', postgresql_where=sa.text('superseded_by IS NULL'))
    op.create_index('certificate_current', 'certificate', ['entry_id', 'round_id'], unique=True,
                    postgresql_where=sa.text('superseded_by IS NULL AND team_member_id IS NULL'))
    op.create_index('certificate_member_current', 'certificate', ['team_member_id', 'round_id'], unique=True,
                    postgresql_where=sa.text('superseded_by IS NULL'))


def downgrade() -> None:
    op.drop_index('certificate_member_current', table_name='certificate', postgresql_where=sa.text('superseded_by IS NULL'))
    op.drop_index('certificate_current', table_name='certificate',
                  postgresql_where=sa.text('superseded_by IS NULL AND team_member_id IS NULL'))
    op.create_index('certificate_current', 'certificate', ['entry_id', 'round_id'], unique=True,
                    postgresql_where=sa.text('superseded_by IS NULL'))
    op.drop_constraint('certificate_team_member_id_fkey', 'certificate', type_='foreignkey')
    op.drop_column('certificate', 'project')
    op.drop_column('certificate', 'team_member_id')
    op.drop_column('notice_row', 'team_unit_ids')
    op.drop_column('notice_row', 'team')
    op.drop_index(op.f('ix_team_member_person_id'), table_name='team_member')
    op.drop_index(op.f('ix_team_member_entry_id'), table_name='team_member')
    op.drop_table('team_member')
