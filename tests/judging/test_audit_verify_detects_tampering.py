"""`contest audit verify` passes on marks written through the platform and fails, naming the
sheet and the ledger entry, after one mark is changed directly in SQL."""
import os
import subprocess
import sys

import asyncpg

from tests.conftest import libpq
from tests.judging.conftest import score_everything


def verify(settings, *extra):
    env = os.environ | {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "contest.cli", "audit", "verify", *extra], env=env,
                          capture_output=True, text=True)


async def test_verify_passes_then_names_a_mark_changed_in_sql(contest, session, settings, pg_url):
    await score_everything(session, contest)
    ok = verify(settings, "--event", "cook")
    assert ok.returncode == 0 and "ledger intact" in ok.stdout
    conn = await asyncpg.connect(libpq(pg_url))
    sheet_id = await conn.fetchval("select sheet_id from mark where criterion = 'quality' order by id limit 1")
    await conn.execute("update mark set value = value + 1 where sheet_id = $1 and criterion = 'quality'", sheet_id)
    await conn.close()
    broken = verify(settings)
    assert broken.returncode == 1
    assert f"sheet {sheet_id}" in broken.stderr and "quality" in broken.stderr and "ledger entry #" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1


async def test_verify_names_a_ledger_entry_altered_in_sql(contest, session, settings, pg_url):
    await score_everything(session, contest)
    conn = await asyncpg.connect(libpq(pg_url))
    victim = await conn.fetchval("select id from ledger_entry order by id offset 3 limit 1")
    await conn.execute("update ledger_entry set actor = 'someone else' where id = $1", victim)
    await conn.close()
    broken = verify(settings)
    assert broken.returncode == 1 and f"ledger entry #{victim}" in broken.stderr


async def test_verify_notices_entries_deleted_from_the_end_of_the_chain(contest, session, settings, pg_url):
    await score_everything(session, contest)
    conn = await asyncpg.connect(libpq(pg_url))
    last = await conn.fetchval("select max(id) from ledger_entry")
    await conn.execute("delete from ledger_entry where id = $1", last)  # the chain itself still links up
    await conn.close()
    broken = verify(settings)
    assert broken.returncode == 1
    assert f"ledger entry #{last - 1}" in broken.stderr and "removed from its end" in broken.stderr
