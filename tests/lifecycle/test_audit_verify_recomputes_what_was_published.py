"""`contest audit verify` recomputes the published figures from the ledger alone: it passes on a
finalised contest, and a direct SQL edit of a result's total, of what a rank follows from, of an
award, a notice row, a draw's code, a scheme's text or a certificate's digest is each named."""
import asyncpg
import pytest

from tests.builders import certified_contest
from tests.support import audit_verify as verify
from tests.support import libpq, published_order


def edits(first: str, second: str, third: str, last: str) -> dict[str, tuple[str, list[str]]]:
    """(the SQL, what `audit verify` must say) for each edit, by the bibs of the places it touches."""
    entry = "(select id from entry where bib = '{}')".format
    return {
        "a result's total": (
            f"update result set total = '99.99' where entry_id = {entry(second)}",
            [f"track chef entry {second}: result total 99.99 stored but", "recomputed from the ledger's marks"]),
        "a stage total that ranks follow from": (
            "update result set stage_totals = jsonb_set(stage_totals::jsonb, '{practical}', '\"1\"')::json"
            f" where entry_id = {entry(last)}",
            [f"track chef entry {last}: result stage_totals"]),
        "a notice row's rank": (
            f"update notice_row set rank = 1 where entry_id = {entry(second)}",
            [f"notice v1 track chef entry {second}: rank 1 in the database but 2 on the ledger"]),
        "a notice row's award": (
            f"update notice_row set award = '一等奖' where entry_id = {entry(second)}",
            [f"notice v1 track chef entry {second}: award 一等奖 in the database but 二等奖 on the ledger"]),
        "a notice row removed": (
            f"delete from notice_row where entry_id = {entry(last)}",
            [f"notice v1 track chef entry {last}: row on the ledger but missing in the database"]),
        "a certificate's award": (
            f"update certificate set award = '特等奖' where entry_id = {entry(first)}",
            [f"(track chef entry {first}): award 特等奖 in the database but 一等奖 on the ledger"]),
        "a draw's code": (
            f"update entry set blind_code = '999' where bib = '{third}'",
            [f"track chef entry {third}: blind code 999 but the ledgered draw gave"]),
        "a scheme's text": (
            "update round set scheme = jsonb_set(scheme::jsonb, '{awards,tiers,0,share}', '\"0.5\"')::json",
            ["track chef round 1: the scheme in use differs from its ledgered version 1"]),
        "a certificate's digest": (
            f"update certificate set digest = repeat('a', 64) where entry_id = {entry(first)}",
            [f"(track chef entry {first}): digest {'a' * 64} in the database but",
             f"(track chef entry {first}): digest aaaaaaaaaaaa… but the ledger's marks and scheme version 1 give"]),
    }


EDITS = list(edits("a", "b", "c", "d"))


async def test_verify_passes_on_a_finalised_contest(contest, session, settings):
    await certified_contest(session, contest)
    ok = verify(settings, "--event", "cook")
    assert ok.returncode == 0, ok.stderr
    assert "账本完好" in ok.stdout and "6 个成绩、6 行公示名单和 4 张证书与数据库一致" in ok.stdout


@pytest.mark.parametrize("edit", EDITS)
async def test_verify_names_each_edit_behind_the_platforms_back(edit, contest, session, settings, pg_url):
    await certified_contest(session, contest)
    ranked = await published_order(pg_url)
    sql, said = edits(ranked[0], ranked[1], ranked[2], ranked[-1])[edit]
    conn = await asyncpg.connect(libpq(pg_url))
    try:
        assert (await conn.execute(sql)).split()[-1] != "0", sql  # the edit touched a row
    finally:
        await conn.close()
    broken = verify(settings)
    assert broken.returncode == 1, broken.stdout
    for words in said:
        assert words in broken.stderr, f"{edit}: {words!r} not in\n{broken.stderr}"
