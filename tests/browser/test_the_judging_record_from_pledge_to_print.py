"""The judging record in a real browser (issue 23). Judge J02 on a 10-inch tablet signs in for the
first time: accepts the pledge and declares a relation to one contestant, who then drops out of
the judge's queue (recused). Offline, J02 scores an entry with a note on one criterion and an
opinion on the sheet, the contestant confirms the measured time with their admission number, and
the tablet syncs it all when the network is back. The chief judge reads the note, the opinion and
the confirmation from the console's grid, signs off and prints the stage's judging record on A4;
after publication the contestant's page shows the opinion where the event's rules allow it."""
import uuid
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest import clock
from contest.events.models import Recusal
from contest.judging import service as svc
from contest.judging.models import Sheet
from contest.leaderboards import service as boards
from tests.browser.paper import A4_CONTENT_WIDTH, pdf_text, printed
from tests.builders import (
    badge,
    judge_on_a_tablet,
    make_contest,
    open_once_announced,
    sign_off,
    submit_on_the_tablet,
    time_the_practical,
)

pytestmark = pytest.mark.browser

MARKS = {"prep": "8.5", "skill": "35", "quality": "36", "safety": "1", "minutes": "42.5"}
NOTE = "刀工不均，丝粗细不一"
OPINION = "火候掌握较好，调味偏咸；整体完成度中上。"
RELATION = "该选手是本人的徒弟"


async def test_the_judging_record_from_pledge_to_print(browser, live_server, session, clean_db, tmp_path):
    contest = await make_contest(session, contestants=3, judges=3, pledged=False)
    await time_the_practical(session, contest)
    contest.event.opinions_public = True
    session.add(contest.event)
    await session.commit()
    chief, j02, j03 = contest.judges
    entry, other, apprentice = contest.entries
    for judge in (chief, j03):
        await svc.accept_pledge(session, judge, contest.event, svc.current_pledge(contest.event), [], [], "")

    # first sign-in: the pledge, and a relation to one contestant
    context, page = await judge_on_a_tablet(browser, live_server, contest, "J02", lands="/judge/pledge")
    await expect(page.locator("#pledge-text")).to_contain_text("公平、公正、独立地评分")
    await page.check(f"input[name=entry_ids][value='{apprentice.id}']")
    await page.fill("input[name=relation]", RELATION)
    await page.check("input[name=agree]")
    await page.screenshot(path=str(tmp_path / "pledge.png"), full_page=True)
    await page.click("#pledge button")
    await page.wait_for_url(f"{live_server}/judge")
    recused = (await session.exec(select(Recusal.entry_id).where(Recusal.judge_id == j02.id))).all()
    assert recused == [apprentice.id]

    await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
    await expect(page.locator("#sync")).to_have_text("已同步")
    assert await page.locator(f"[data-entry='{apprentice.id}']").count() == 0  # recused: not in the queue

    # offline: marks, a note, an opinion, and the contestant confirms the measured time
    await context.set_offline(True)
    await page.click(f"[data-entry='{entry.id}']")
    for key, value in MARKS.items():
        await page.fill(f"input[data-key={key}]", value)
    note = page.locator("[data-key=skill] .crit-note")
    await note.locator("summary").click()
    await note.locator("textarea").fill(NOTE)
    await page.fill("textarea[data-opinion]", OPINION)
    await page.click("[data-act=submit]")  # not yet: the contestant has not confirmed
    await expect(page.locator("[data-msg=confirmation]")).to_contain_text("请让选手确认测量结果")
    box = page.locator("#confirm-box")
    await expect(box.locator(".measured")).to_contain_text("完成用时（分钟）：42.5")
    await box.locator("[data-confirm=bib]").fill(entry.bib)
    await box.locator("[data-act=confirm-ok]").click()
    await expect(box).to_contain_text("选手已确认无误")
    await page.screenshot(path=str(tmp_path / "tablet-words.png"), full_page=True)
    await submit_on_the_tablet(page)
    await expect(page.locator("#sync")).to_contain_text("离线")
    await expect(badge(page, entry)).to_have_text("待同步")
    await expect(page.locator("textarea[data-opinion]")).to_be_disabled()
    await context.set_offline(False)
    await expect(page.locator("#sync")).to_have_text("已同步", timeout=15_000)
    await expect(badge(page, entry)).to_have_text("已提交")
    await page.reload()  # the server's copy now: words and confirmation as submitted
    await page.click(f"[data-entry='{entry.id}']")
    await expect(page.locator("textarea[data-opinion]")).to_have_value(OPINION)
    await expect(page.locator("[data-key=skill] textarea[data-note]")).to_have_value(NOTE)
    await expect(page.locator("#confirm-box")).to_contain_text("选手已确认无误")
    sheet = (await session.exec(select(Sheet).where(Sheet.judge_id == j02.id, Sheet.entry_id == entry.id)
                                .execution_options(populate_existing=True))).one()
    await session.commit()
    assert (sheet.state, sheet.opinion, sheet.notes) == ("submitted", OPINION, {"skill": NOTE})
    assert sheet.confirmation == {"values": {"minutes": "42.5"}, "agreed": True}

    # the other sheets, then the chief judge opens J02's sheet from the grid
    for judge, stage, target, marks in ((j02, contest.practical, other, MARKS),
                                        (chief, contest.practical, entry, MARKS),
                                        (chief, contest.practical, other, MARKS),
                                        (chief, contest.practical, apprentice, MARKS),
                                        *((j03, contest.practical, e, MARKS) for e in contest.entries),
                                        (chief, contest.theory, entry, {"written": "80"}),
                                        (chief, contest.theory, other, {"written": "70"}),
                                        (chief, contest.theory, apprentice, {"written": "75"})):
        await svc.write_sheet(session, svc.SheetInput(
            judge.id, judge.event_id, stage.id, target.id, marks, base_version=0, submit=True, key=uuid.uuid4().hex,
            confirmation={"bib": target.bib, "values": {"minutes": "42.5"}, "agreed": True}))
    chief_context, console = await judge_on_a_tablet(browser, live_server, contest, "J01")
    await console.goto(f"{live_server}/chief/stages/{contest.practical.id}")
    await expect(console.locator("#pledges")).to_contain_text(RELATION)
    cell = console.locator(f"#progress tr:has(td:text-is('{entry.blind_code}')) td:nth-child(3)")
    await expect(cell).to_contain_text("✎")
    await cell.locator("a").click()
    await expect(console.locator("#marks")).to_contain_text(NOTE)
    await expect(console.locator("#opinion")).to_have_text(OPINION)
    await expect(console.locator("#confirmation")).to_contain_text("选手以参赛证号确认无误")
    await console.screenshot(path=str(tmp_path / "chief-sheet.png"), full_page=True)

    # signed off, the stage's judging record prints on A4 without the site's menu
    await sign_off(session, contest)
    layout = await printed(browser, f"{live_server}/chief/stages/{contest.practical.id}/record",
                           tmp_path / "record.pdf", chief_context)
    assert not layout["chrome"] and not layout["cut"] and layout["scrollWidth"] <= A4_CONTENT_WIDTH, layout
    text = pdf_text(tmp_path / "record.pdf")
    for words in ("评分记录表", NOTE, OPINION[:8], "选手以参赛证号确认无误", "已由裁判长 J01", entry.blind_code,
                  "回避：J02", "裁判长签字"):
        assert words in text, (words, text[:800])
    assert "评分任务" not in text  # no navigation

    # published: the contestant's page shows the opinion and the note, the judges unnamed
    today = clock.today()
    await boards.publish(session, contest.event, today, today + timedelta(days=7), "", "account:1 竞赛办")
    row = next(r for r in (await boards.board(session, contest.track.id)).rows if r.entry_id == entry.id)
    visitor = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = await visitor.new_page()
    address = f"{live_server}/events/{contest.event.slug}/tracks/{contest.track.slug}/entries/{row.code}"
    await phone.goto(address)
    await expect(phone.locator("#opinions")).to_contain_text(OPINION)
    await expect(phone.locator("#opinions")).to_contain_text(NOTE)
    assert j02.name not in await phone.locator("#opinions").inner_text()
    # the judge by the alias their marks have on the same page's score sheet (J2 of J01–J03)
    await expect(phone.locator("#opinions h4")).to_contain_text("裁判 J2")
    await expect(phone.locator("#explain")).to_contain_text("J2:")
    await phone.screenshot(path=str(tmp_path / "contestant-opinions.png"), full_page=True)

    contest.event.opinions_public = False  # the event's rules do not allow it: nothing shown
    session.add(contest.event)
    await session.commit()
    async def no_opinions() -> bool:
        return await phone.locator("#opinions").count() == 0
    await open_once_announced(phone, address, no_opinions)
    await expect(phone.locator("#standing")).to_be_visible()
    assert await phone.locator("#opinions").count() == 0
    for c in (visitor, chief_context, context):
        await c.close()
