"""A contestant who thinks a judge was unfair opens their own page on a phone after the results are
published and reads how the score was made: every judge's mark by number (J1…, as the public marks
file names them), the marks dropped and why (a deduction's smallest is 去掉最少扣分, not 去掉最低分),
the judge who stepped aside noted as such, and every rounding step — the page's text is the engine's
explanation, and `contest results compute --explain` on the published files prints the same. Before
publication the page shows no score sheet."""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest import clock, scoring
from contest.events import service as events
from contest.events.models import Recusal
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.people.models import Area, Person, Unit
from tests.browser.phone import PHONE, Seen, check_phone_page
from tests.builders import (
    CONTACT,
    PUBLIC_AREAS,
    PUBLIC_UNITS,
    open_once_announced,
    person,
    running_contest,
    sign_off,
    staff_page,
    submit,
)
from tests.support import ID_KEY

pytestmark = pytest.mark.browser


async def _scored_with_a_recusal(session):
    """Six contestants of three units, five judges; J05 declares a conflict with the second unit
    before scoring and so marks neither of its two contestants; everyone else marks everything."""
    session.add_all([Area(code=code, name=name) for code, name in PUBLIC_AREAS])
    await session.commit()
    rows = [person(i, *PUBLIC_UNITS[i % len(PUBLIC_UNITS)]) for i in range(6)]
    contest = await running_contest(session, events.EventInput(slug="cook", name="烹饪大赛", year=2026,
                                                               visibility="blind"), rows, judges=5)
    unit = (await session.exec(select(Unit).where(Unit.name == PUBLIC_UNITS[1][0]))).one()
    await events.declare_conflict(session, contest.judges[4], unit.id, None, "曾在该单位任职")
    recused = {(r.judge_id, r.entry_id) for r in (await session.exec(select(Recusal))).all()}
    assert len(recused) == 2
    for n, entry in enumerate(contest.entries):
        await submit(session, contest, contest.judges[0], contest.theory, entry, {"written": str(61 + 3 * n)})
        for j, judge in enumerate(contest.judges):
            if (judge.id, entry.id) in recused:
                continue
            await submit(session, contest, judge, contest.practical, entry, {
                "prep": str(7 + (j + n) % 3 * 0.5), "skill": str(30 + (j * 7 + n) % 5),
                "quality": str(20 + n + j % 2), "safety": str(j % 3 * 0.5)})
    return contest, unit


def _cli_explain(tmp_path, base: str, bib: str) -> str:
    """`contest results compute --explain` on the scheme and marks anyone can download."""
    import httpx

    for name in ("scheme.json", "marks.csv"):
        (tmp_path / name).write_bytes(httpx.get(f"{base}/{name}").content)
    return subprocess.run([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme",
                           str(tmp_path / "scheme.json"), "--marks", str(tmp_path / "marks.csv"), "--explain",
                           "--entry", bib], capture_output=True, text=True, check=True, env=os.environ).stdout


async def test_a_contestant_reads_every_mark_and_rounding_step(browser, live_server, session, clean_db, tmp_path):
    contest, unit = await _scored_with_a_recusal(session)
    await sign_off(session, contest)
    entry = next(e for e in contest.entries if e.unit_id == unit.id)  # one J05 stepped aside from
    other = next(e for e in contest.entries if e.unit_id != unit.id)
    base = f"{live_server}/events/cook/tracks/chef"
    page_of = f"{base}/entries/{entry.blind_code}"

    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(page_of)
    assert await page.locator("#score-sheet").count() == 0  # signed off, not yet published

    today = clock.today()
    await boards.publish(session, contest.event, today, today + timedelta(days=6), CONTACT, "account:1 竞赛办")
    results = {r.entry: r for r in await judging.compute_round(session, (await events.list_rounds(
        session, contest.track))[0], anonymise=True)}
    expected = scoring.explain_text(results[entry.bib], {"practical": ["J5"]})

    seen = Seen([])

    async def published() -> bool:
        return await page.locator("#explain").count() == 1
    await open_once_announced(page, page_of, published)
    shown = await page.locator("#explain").inner_text()
    assert shown == expected
    await check_phone_page(page, "contestant's score sheet", seen)
    await page.screenshot(path=str(tmp_path / "score-sheet.png"), full_page=True)
    assert not seen.problems, seen.problems
    assert "回避: 裁判 J5 与选手有利害关系，依规回避，未评分" in shown
    assert "J5:" not in shown.split("【实际操作】")[1]  # no mark of the recused judge
    assert "去掉最高分" in shown and "去掉最少扣分" in shown and "舍入 (" in shown
    marks = [m for m in judging.anonymised(await judging.round_marks(session, contest.practical.round_id))
             if m.entry == entry.bib and m.stage == "practical"]
    assert len(marks) == 16 and all(f"{m.judge}: {m.value}" in shown for m in marks)  # 4 judges × 4 criteria
    for step in results[entry.bib].explanation.stages[1].criteria[0].rounding:
        assert f"{step.before} → {step.after}" in shown

    # The command line prints the same sheet from the published files (it knows nothing of recusals).
    cli = _cli_explain(tmp_path, base, entry.bib)
    assert cli == expected.replace("  回避: 裁判 J5 与选手有利害关系，依规回避，未评分\n", "")
    await page.goto(f"{base}/entries/{other.blind_code}")
    assert await page.locator("#explain").inner_text() == _cli_explain(tmp_path, base, other.bib)
    await context.close()


async def test_a_blind_contestant_reads_their_sheet_by_admission_card_before_publication(
        browser, live_server, session, clean_db, tmp_path):
    """A blind event's board shows codes, not names, until the notice: the contestant finds their own
    sheet by the admission number and the look-up code printed on their admission card (准考证) —
    refused before the sign-off, refused with a wrong code (without saying which part was wrong),
    and then the engine's explanation, while the board still names nobody."""
    contest, unit = await _scored_with_a_recusal(session)
    entry = next(e for e in contest.entries if e.unit_id == unit.id)
    person_name = (await session.get(Person, entry.person_id)).name

    office = await staff_page(browser, live_server, session,
                              path="/admin/events/cook/tracks/chef/admission-cards")
    card = office.locator(f".access-card[data-bib='{entry.bib}']")
    await expect(card).to_contain_text(person_name)
    code = (await card.locator(".lookup-code").inner_text()).strip()
    assert len(code) == 8 and code == events.lookup_code(entry, ID_KEY.encode())
    await office.close()

    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    form = f"{live_server}/events/cook/tracks/chef/my-score"
    await page.goto(f"{form}?bib={entry.bib}")
    await page.fill("input[name=code]", code)
    await page.click("#my-score button[type=submit]")
    await expect(page.locator(".error-box")).to_contain_text("成绩尚未签字确认")  # still being judged

    await sign_off(session, contest)
    await page.goto(f"{form}?bib={entry.bib}")
    await page.fill("input[name=code]", "AAAAAAAA")
    await page.click("#my-score button[type=submit]")
    await expect(page.locator(".error-box")).to_contain_text("参赛证号或查分码不正确")
    assert await page.locator("#explain").count() == 0
    await page.fill("input[name=bib]", entry.bib.lstrip("0"))  # 1 for 0001, as people say it
    await page.fill("input[name=code]", code.lower())  # as typed on a phone
    await page.click("#my-score button[type=submit]")
    results = {r.entry: r for r in await judging.compute_round(session, (await events.list_rounds(
        session, contest.track))[0], anonymise=True)}
    assert await page.locator("#explain").inner_text() == scoring.explain_text(results[entry.bib],
                                                                                 {"practical": ["J5"]})
    seen = Seen([])
    await check_phone_page(page, "own score sheet by admission card", seen)
    assert not seen.problems, seen.problems
    await page.goto(f"{live_server}/events/cook/tracks/chef")
    assert person_name not in await page.inner_text("body")  # the board still shows codes only
    await context.close()
