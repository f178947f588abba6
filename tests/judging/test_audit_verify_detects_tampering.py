"""`contest audit verify` passes on marks written through the platform and fails, naming the
sheet and the ledger entry, after one mark is changed directly in SQL."""
import asyncpg
from sqlmodel import select

from tests.builders import score_everything
from tests.support import audit_verify as verify
from tests.support import libpq


async def test_verify_passes_then_names_a_mark_changed_in_sql(contest, session, settings, pg_url):
    await score_everything(session, contest)
    ok = verify(settings, "--event", "cook")
    assert ok.returncode == 0 and "账本完好" in ok.stdout
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


async def test_the_database_chains_entries_as_verify_recomputes_them(session):
    """The append hashes in SQL, verify in Python: they agree on any text an entry may carry."""
    from contest import ledger

    awkward = ['引号 "quoted" \\ back\\slash', "new\nline\ttab", "emoji 🍵🥢", "", "'single' & <tag> %s $1"]
    for i, text_ in enumerate(awkward):
        await ledger.append(session, event_id=i or None, actor=text_, device=text_[::-1], action="test.awkward",
                            subject=f"case:{i}", payload={"text": text_, "nested": {"list": [text_, i, None, 1.5]},
                                                          "z": True, "a": text_})
    await session.commit()
    checked, broken = await ledger.verify_chain(session)
    assert (checked, broken) == (len(awkward), None)
    rows = (await session.exec(select(ledger.LedgerEntry).order_by(ledger.LedgerEntry.id))).all()
    for row in rows:
        assert row.hash == ledger.entry_digest(row.prev_hash, row.at, row.event_id, row.actor, row.device, row.action,
                                               row.subject, row.payload)


async def test_verify_names_an_entry_whose_code_differs_from_its_ledgered_draw(contest, session, settings, pg_url):
    ok = verify(settings, "--event", "cook")
    assert ok.returncode == 0, ok.stderr
    conn = await asyncpg.connect(libpq(pg_url))
    bib, code = await conn.fetchrow("select bib, blind_code from entry order by bib limit 1")
    await conn.execute("update entry set blind_code = '999' where bib = $1", bib)
    await conn.close()
    broken = verify(settings)
    assert broken.returncode == 1
    assert f"entry {bib}: blind code 999 but the ledgered draw gave {code}" in broken.stderr
