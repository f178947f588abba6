"""In a real browser, a WorldSkills-style stage: a judge's tablet takes a signed mark and refuses
one outside the criterion's range or with more than four decimals; marks further apart than the
scheme's spread show on the chief judge's console, whose sign-off stays disabled until a judge's
sheet is reopened and corrected."""
import copy
import uuid

import pytest
from playwright.async_api import expect

from contest.events import service as events
from contest.events.models import Round
from contest.judging import service as svc
from tests.builders import badge, judge_on_a_tablet, make_contest, recheck, submit_on_the_tablet

pytestmark = pytest.mark.browser
MARKS = {"prep": "8", "skill": "30", "quality": "30", "safety": "1"}


async def worldskills(session, contest) -> None:
    round_ = await session.get(Round, contest.practical.round_id)
    scheme = copy.deepcopy(round_.scheme)
    practical = next(s for s in scheme["stages"] if s["key"] == "practical")
    practical["panel"].update(spread="1", spread_blocks_signoff=True)
    practical["criteria"].append({"key": "bonus", "name": "创新加减分", "max": 3, "min": -3, "kind": "judgement",
                                  "step": "0.5"})
    await events.set_scheme(session, round_, scheme)


async def test_signed_marks_and_the_spread_limit(browser, live_server, session, clean_db, tmp_path):
    contest = await make_contest(session, contestants=1, judges=3)
    await worldskills(session, contest)
    entry = contest.entries[0]
    chief, first, second = contest.judges
    for judge, bonus in ((chief, "1"), (first, "2")):
        await svc.write_sheet(session, svc.SheetInput(judge.id, judge.event_id, contest.practical.id, entry.id,
                                                      {**MARKS, "bonus": bonus}, base_version=0, submit=True,
                                                      key=uuid.uuid4().hex))

    context, page = await judge_on_a_tablet(browser, live_server, contest, second.number)
    await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
    await page.click(f"[data-entry='{entry.id}']")
    for key, value in MARKS.items():
        await page.fill(f"input[data-key={key}]", value)
    await page.fill("input[data-key=bonus]", "-4")
    await expect(page.locator("[data-msg=bonus]")).to_have_text("超出范围 -3–3")
    await page.fill("input[data-key=bonus]", "-0.12345")
    await expect(page.locator("[data-msg=bonus]")).to_have_text("最多保留4位小数")
    await page.fill("input[data-key=bonus]", "-0.5")
    await expect(page.locator("[data-msg=bonus]")).to_have_text("")
    await submit_on_the_tablet(page)
    await expect(badge(page, entry)).to_have_text("已提交")
    await page.screenshot(path=str(tmp_path / "tablet-signed-mark.png"), full_page=True)

    chief_context, console = await judge_on_a_tablet(browser, live_server, contest, chief.number)
    await console.goto(f"{live_server}/chief/stages/{contest.practical.id}/")
    blocking = console.locator("#consistency li.blocking")
    await expect(blocking).to_have_count(1)
    await expect(blocking).to_contain_text("创新加减分：J03 评 -0.5，J02 评 2，相差 2.5，超过评分标准允许的 1")
    await expect(console.locator("#signoff button")).to_be_disabled()
    await expect(console.locator("#signoff")).to_contain_text("退回相关评分表修改后才能签字确认")
    await console.screenshot(path=str(tmp_path / "console-spread.png"), full_page=True)

    # The chief sends J03's sheet back; J03 corrects the mark; the stage can be signed off.
    sheet = next(s for s in (await svc.progress(session, contest.practical, contest.track)).cells.values()
                 if s.judge_id == second.id)
    await svc.reopen_sheet(session, sheet.id, "创新加减分与其他裁判相差超过1分，请复核", svc.actor_of(chief),
                           contest.event.id)
    await page.reload()
    await page.click(f"[data-entry='{entry.id}']")
    await page.fill("input[data-key=bonus]", "1.5")
    await submit_on_the_tablet(page)
    await expect(badge(page, entry)).to_have_text("已提交")
    await recheck(session, contest, contest.practical)  # sign-off waits for the re-check's findings
    await console.reload()
    await expect(console.locator("#consistency li.blocking")).to_have_count(0)
    await console.click("#signoff button")
    await console.click("#confirm-change-ok")  # the shared confirmation dialog
    await expect(console.locator(".ok-box")).to_contain_text("已签字确认")
    await chief_context.close()
    await context.close()
