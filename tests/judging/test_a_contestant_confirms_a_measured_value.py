"""Issue 23, item 3: a value measured at the station (a criterion with `confirm`) is confirmed by
the contestant with their admission number, which is checked; a disagreement with its reason flags
the sheet on the chief judge's console; the confirmation is ledgered and audited."""
import asyncpg
from sqlmodel import select

from contest import ledger
from contest.judging.models import Sheet
from tests.builders import FULL, make_contest, put_sheet, sign_in_judge, time_the_practical
from tests.setup.cli_runner import run_cli
from tests.support import libpq

TIMED = {**FULL, "minutes": "42.5"}


async def timed_contest(session):
    contest = await make_contest(session, contestants=2, judges=2)
    await time_the_practical(session, contest)
    return contest


async def test_a_disagreement_is_recorded_and_flags_the_sheet(client, session, settings, pg_url):
    contest = await timed_contest(session)
    entry = contest.entries[0]
    await sign_in_judge(client, contest)
    tablet = (await client.get(f"/judge/stages/{contest.practical.id}")).text
    assert '"confirm": true' in tablet  # the tablet knows which value the contestant confirms

    def confirmation(**kw):
        return {"bib": entry.bib, "values": {"minutes": "42.5"}, "agreed": True, "reason": ""} | kw

    missing = await put_sheet(client, contest, entry, TIMED, 0, submit=True)
    assert missing.status_code == 400 and missing.json()["field"] == "confirmation"
    wrong = await put_sheet(client, contest, entry, TIMED, 0, submit=True, confirmation=confirmation(bib="9999"))
    assert wrong.status_code == 400 and "参赛证号" in wrong.json()["error"]
    other = await put_sheet(client, contest, entry, TIMED, 0, submit=True,
                            confirmation=confirmation(values={"minutes": "40"}))
    assert other.status_code == 400 and "不一致" in other.json()["error"]
    bare = await put_sheet(client, contest, entry, TIMED, 0, submit=True, confirmation=confirmation(agreed=False))
    assert bare.status_code == 400 and "理由" in bare.json()["error"]
    assert (await session.exec(select(Sheet))).all() == []  # nothing written by any of them

    reason = "计时器启动晚了约两分钟，实际用时约40分钟"
    done = await put_sheet(client, contest, entry, TIMED, 0, submit=True,
                           confirmation=confirmation(agreed=False, reason=reason, values={"minutes": "42.50"}))
    assert done.status_code == 200, done.text
    sheet = (await session.exec(select(Sheet).where(Sheet.id == done.json()["sheet_id"]))).one()
    assert sheet.confirmation == {"values": {"minutes": "42.5"}, "agreed": False, "reason": reason}
    submitted = [e async for e in ledger.walk(session) if e.action == "sheet.submit"][-1]
    assert submitted.payload["confirmation"] == sheet.confirmation

    await sign_in_judge(client, contest, "J01")
    console = (await client.get(f"/chief/stages/{contest.practical.id}")).text
    assert "选手对测量结果有异议（1）" in console and reason in console and "完成用时（分钟） 42.5" in console
    assert "⚠异议" in console
    page = (await client.get(f"/chief/stages/{contest.practical.id}/sheets/{sheet.id}")).text
    assert "选手有异议" in page and reason in page

    agreed = await put_sheet(client, contest, contest.entries[1], TIMED, 0, submit=True,
                             confirmation={"bib": contest.entries[1].bib, "values": {"minutes": "42.5"},
                                           "agreed": True})
    assert agreed.status_code == 200, agreed.text
    console = (await client.get(f"/chief/stages/{contest.practical.id}")).text
    assert "选手对测量结果有异议（1）" in console  # a confirmed value flags nothing

    assert run_cli(settings, "audit", "verify", "--event", "cook").returncode == 0
    conn = await asyncpg.connect(libpq(pg_url))
    await conn.execute("""update sheet set confirmation = '{"values": {"minutes": "42.5"}, "agreed": true}'
                          where id = $1""", sheet.id)
    await conn.close()
    broken = run_cli(settings, "audit", "verify")
    assert broken.returncode == 1 and f"sheet {sheet.id}" in broken.stderr and "confirmation" in broken.stderr
