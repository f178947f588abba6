"""the public revision watches the tables 0019 (grass-roots units) and 0020 (innovation results)
added: they were written beside 0018, so no trigger moved the revision when, say, a result was
awarded — and the innovation gallery could not be kept as a public page

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 18:10:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('unit_invitation', 'unit_account', 'unit_profile', 'registration', 'filing', 'filing_participant',
          'innovation_result', 'innovation_author', 'innovation_file', 'innovation_expert', 'innovation_mark',
          'innovation_opinion')


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"select watch_revision('{table}')")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop trigger if exists {table}_revision on {table}")
        op.execute(f"drop trigger if exists {table}_truncated on {table}")
