"""registry transitions: a named candidate always has a batch and a year; objections carry a
receipt code, their channel, the objector's masked and hashed mobile number, and their outcome

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMED = "('named', 'suspended', 'retired', 'deceased')"


def upgrade() -> None:
    op.create_check_constraint('candidate_named_in_a_batch', 'candidate',
                               f"state not in {NAMED} or (batch_id is not null and named_year is not null)")
    text = sqlmodel.sql.sqltypes.AutoString
    op.add_column('objection', sa.Column('receipt', text(length=12), nullable=True))
    op.add_column('objection', sa.Column('channel', text(length=8), nullable=False, server_default='office'))
    op.alter_column('objection', 'channel', server_default=None)
    op.add_column('objection', sa.Column('contact_masked', text(length=16), nullable=True))
    op.add_column('objection', sa.Column('contact_hash', text(length=64), nullable=True))
    op.add_column('objection', sa.Column('outcome', text(length=10), nullable=True))
    op.add_column('objection', sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('objection', sa.Column('resolved_by', text(length=80), nullable=True))
    op.execute("update objection set outcome = 'dismissed' where resolution is not null")
    op.create_unique_constraint('objection_receipt_key', 'objection', ['receipt'])
    op.create_index(op.f('ix_objection_contact_hash'), 'objection', ['contact_hash'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_objection_contact_hash'), table_name='objection')
    op.drop_constraint('objection_receipt_key', 'objection', type_='unique')
    for column in ('resolved_by', 'resolved_at', 'outcome', 'contact_hash', 'contact_masked', 'channel', 'receipt'):
        op.drop_column('objection', column)
    op.drop_constraint('candidate_named_in_a_batch', 'candidate', type_='check')
