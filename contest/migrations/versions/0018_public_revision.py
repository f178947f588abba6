"""the public revision: one counter that every write to what public pages show moves, announced

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 17:10:00.000000

A trigger on each table public pages read (deferred to the commit; on TRUNCATE at once) bumps the
counter once per transaction and queues a NOTIFY on the channel `revision`, which PostgreSQL delivers only when the transaction
commits: every worker then knows its rendered public pages are out of date (contest.notify.Revision).
A later migration that adds a table public pages read calls `select watch_revision('its_table')`.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written often and shown on no cached public page: sessions, sign-in throttling, the exams' and
# practice's own tables (their pages are not kept), and the counter itself.
UNWATCHED = ('alembic_version', 'revision', 'web_session', 'sign_in_guard', 'bank', 'question', 'exam', 'sitting',
             'paper_item', 'answer', 'fill_mark', 'learner', 'practice_set', 'attempt', 'attempt_answer')


def upgrade() -> None:
    op.create_table('revision', sa.Column('scope', sa.Text(), nullable=False),
                    sa.Column('n', sa.BigInteger(), nullable=False), sa.PrimaryKeyConstraint('scope'))
    # numbers from a sequence, which no TRUNCATE of the table takes back: a revision never repeats
    op.execute("create sequence revision_n")
    op.execute("insert into revision (scope, n) values ('public', nextval('revision_n'))")
    op.execute("""
        create function bump_revision() returns trigger language plpgsql as $$
        declare
            moved bigint;
        begin
            -- once per transaction: its first write moves the counter, later ones find it moved
            if current_setting('contest.revision_bumped', true) = 'yes' then
                return null;
            end if;
            insert into revision (scope, n) values ('public', nextval('revision_n'))
            on conflict (scope) do update set n = excluded.n returning n into moved;
            perform set_config('contest.revision_bumped', 'yes', true);
            perform pg_notify('revision', moved::text);
            return null;
        end $$""")
    op.execute("""
        create function watch_revision(watched regclass) returns void language plpgsql as $$
        begin
            -- deferred to the commit: the counter's row is locked only while a transaction commits,
            -- never from its first write on (two open writing transactions would wait on each other)
            execute format('create constraint trigger %s after insert or update or delete on %s '
                           'deferrable initially deferred for each row execute function bump_revision()',
                           quote_ident(watched::text || '_revision'), watched);
            execute format('create trigger %s after truncate on %s for each statement '
                           'execute function bump_revision()', quote_ident(watched::text || '_truncated'), watched);
        end $$""")
    op.execute(f"""
        select watch_revision(tablename::regclass) from pg_tables
        where schemaname = current_schema() and tablename not in {UNWATCHED!r}""")


def downgrade() -> None:
    op.execute(f"""
        do $$ declare t text; begin
            for t in select tablename from pg_tables
                     where schemaname = current_schema() and tablename not in {UNWATCHED!r} loop
                execute format('drop trigger if exists %I on %I', t || '_revision', t);
                execute format('drop trigger if exists %I on %I', t || '_truncated', t);
            end loop;
        end $$""")
    op.execute("drop function watch_revision(regclass)")
    op.execute("drop function bump_revision()")
    op.drop_table('revision')
    op.execute("drop sequence revision_n")
