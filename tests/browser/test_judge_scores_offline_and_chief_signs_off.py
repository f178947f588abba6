"""On a 10-inch tablet in a real browser: judge J02 scores three entries, loses the network,
scores the fourth on the device alone and sees it sync when the network is back; the chief
judge sends one sheet back with a reason, J02 corrects and resubmits it, and the chief signs
the stage off, which locks the tablet. And a reload without network, kept by the service worker."""
import copy
import uuid
from decimal import Decimal

import httpx
import pytest
from playwright.async_api import expect
from sqlmodel import func, select

from contest.events.models import Round
from contest.judging import service as svc
from contest.judging.models import Mark, Sheet
from contest.ledger import LedgerEntry
from tests.builders import NAMES, badge, fill_sheet, judge_on_a_tablet, make_contest, submit_on_the_tablet

pytestmark = pytest.mark.browser

MARKS = [
    {"prep": "8.5", "skill": "35", "quality": "36", "safety": "1"},
    {"prep": "9", "skill": "32.5", "quality": "30", "safety": "0"},
    {"prep": "7", "skill": "38", "quality": "37.5", "safety": "2.5"},
    {"prep": "6.5", "skill": "28", "quality": "31", "safety": "0.5"},
]


async def sheets_of(session, judge, stage):
    fresh = select(Sheet).where(Sheet.judge_id == judge.id, Sheet.stage_id == stage.id)
    rows = (await session.exec(fresh.execution_options(populate_existing=True))).all()
    marks = {s.entry_id: {m.criterion: plain(m.value) for m in (await session.exec(
        select(Mark).where(Mark.sheet_id == s.id))).all()} for s in rows}
    await session.commit()  # end the read, so the next one sees what the server wrote since
    return rows, marks


def plain(value) -> str:
    return format(Decimal(value).normalize(), "f")  # "35.0000" → "35", as the judge typed it


async def submit_all_for(session, contest, judge, stages=None):
    """A judge's sheets written through the service: the practical stage and (the chief) the theory."""
    for stage, marks in ((contest.practical, MARKS[0]), (contest.theory, {"written": "88"})):
        if stages and stage not in stages:
            continue
        for entry in contest.entries:
            await svc.write_sheet(session, svc.SheetInput(judge.id, judge.event_id, stage.id, entry.id, marks,
                                                          base_version=0, submit=True, key=uuid.uuid4().hex))


async def test_judge_scores_offline_and_chief_signs_off(browser, live_server, session, clean_db, tmp_path):
    contest = await make_contest(session, contestants=4, judges=3)  # the scheme's trimmed mean needs three
    chief, j02, j03 = contest.judges
    entries = contest.entries
    context, page = await judge_on_a_tablet(browser, live_server, contest, "J02")
    await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
    await expect(page.locator("#sync")).to_have_text("已同步")
    html = await page.content()
    assert all(e.blind_code in html for e in entries)
    assert not any(e.bib in html for e in entries if e.bib != e.blind_code)
    assert not any(name in html for name in NAMES) and "咸安区" not in html  # blind: codes only

    # The answer to the third submission is lost on the way back: the tablet retries with the same key.
    keys = []

    async def lose_first_answer(route):
        if route.request.post_data_json["submit"]:
            keys.append(route.request.post_data_json["key"])
        if len(keys) == 1 and route.request.post_data_json["submit"]:
            await route.fetch()  # the server does the work…
            await route.abort("internetdisconnected")  # …but its answer never arrives
        else:
            await route.continue_()

    await page.route(f"**/api/judge/stages/{contest.practical.id}/entries/{entries[2].id}", lose_first_answer)

    # Three entries online; the first one's deduction through the stepper.
    for entry, marks in zip(entries[:3], MARKS[:3], strict=True):
        await fill_sheet(page, entry, marks)
        if entry is entries[0]:
            await page.fill("input[data-key=safety]", "0.5")
            await page.click("[data-key=safety] [data-act=plus]")
            await expect(page.locator("input[data-key=safety]")).to_have_value(marks["safety"])
        await submit_on_the_tablet(page)
        await expect(badge(page, entry)).to_have_text("已提交", timeout=15_000)
    await expect(page.locator("#sync")).to_have_text("已同步")
    assert len(keys) == 2 and keys[0] == keys[1]
    await page.screenshot(path=str(tmp_path / "tablet-portrait.png"), full_page=True)

    # A change typed a moment before a reload is still there afterwards (kept on the device).
    fourth = entries[3]
    await fill_sheet(page, fourth, {"prep": "6.5"})
    await page.reload()
    await expect(page.locator(".sheet-head")).to_contain_text(fourth.blind_code)
    await expect(page.locator("input[data-key=prep]")).to_have_value("6.5")
    await expect(page.locator("#sync")).to_have_text("已同步")

    # Offline: the fourth is scored and submitted on the device alone.
    await context.set_offline(True)
    await fill_sheet(page, fourth, MARKS[3])
    await expect(page.locator("#subtotal")).to_have_text("75")  # 6.5 + 28 + 31 + (10 − 0.5)
    await submit_on_the_tablet(page)
    await expect(page.locator("#sync")).to_have_text("离线：1项修改保存在本机，联网后自动同步")
    await expect(badge(page, fourth)).to_have_text("待同步")
    await expect(page.locator("input[data-key=prep]")).to_be_disabled()
    await page.screenshot(path=str(tmp_path / "tablet-offline.png"))
    await page.click(f"[data-entry='{entries[0].id}']")  # moving around needs no network
    await expect(page.locator("input[data-key=prep]")).to_have_value(MARKS[0]["prep"])
    assert "null" not in await page.locator("#sheet").inner_text()  # no confirmation box, no opinion: nothing
    await context.set_offline(False)
    await expect(page.locator("#sync")).to_have_text("已同步", timeout=15_000)
    await expect(badge(page, fourth)).to_have_text("已提交")

    rows, marks = await sheets_of(session, j02, contest.practical)
    assert len(rows) == 4 and {s.entry_id for s in rows} == {e.id for e in entries}
    assert all(s.state == "submitted" for s in rows)
    assert marks == {e.id: {k: plain(v) for k, v in m.items()} for e, m in zip(entries, MARKS, strict=True)}
    submits = (await session.exec(select(LedgerEntry.subject, func.count()).where(
        LedgerEntry.action == "sheet.submit", LedgerEntry.subject.in_([f"sheet:{s.id}" for s in rows]))
        .group_by(LedgerEntry.subject))).all()
    assert sorted(n for _, n in submits) == [1, 1, 1, 1]

    # The chief's own sheets, then the console: one of J02's sheets goes back with a reason.
    await submit_all_for(session, contest, chief)
    await submit_all_for(session, contest, j03, (contest.practical,))
    chief_context, console = await judge_on_a_tablet(browser, live_server, contest, "J01")
    await console.goto(f"{live_server}/chief/stages/{contest.practical.id}")
    back = entries[1]
    cell = console.locator(f"#progress tr:has(td:text-is('{back.blind_code}')) td:nth-child(3)")
    await cell.locator("summary").click()
    await cell.locator("input[name=reason]").fill("成品质量分与评分细则不符，请复核")
    await cell.locator("button").click()
    await console.wait_for_url(f"{live_server}/chief/stages/{contest.practical.id}")

    await page.reload()
    await expect(badge(page, back)).to_have_text("已退回")
    await page.click(f"[data-entry='{back.id}']")
    await expect(page.locator(".notice-reopened")).to_contain_text("成品质量分与评分细则不符，请复核")
    await expect(page.locator("input[data-key=quality]")).to_have_value(MARKS[1]["quality"])
    await page.screenshot(path=str(tmp_path / "tablet-reopened.png"))
    await page.fill("input[data-key=quality]", "31.5")
    await submit_on_the_tablet(page)
    await expect(badge(page, back)).to_have_text("已提交")
    await expect(page.locator("#sync")).to_have_text("已同步")
    rows, marks = await sheets_of(session, j02, contest.practical)
    assert marks[back.id]["quality"] == "31.5" and all(s.state == "submitted" for s in rows)

    # The re-check: drawn once, every entry on it confirmed (the corrected one with a note); sign-off
    # waits for it, then locks the stage: the tablet shows it and offers no way to change a mark.
    await console.reload()
    await expect(console.locator("#signoff")).to_contain_text("请先抽取复核名单")
    await console.click("#recheck button")
    await console.click("#confirm-change-ok")
    await console.wait_for_url(f"{live_server}/chief/stages/{contest.practical.id}#recheck")
    listed = console.locator("#recheck-list tbody tr")
    for i in range(await listed.count()):
        row = listed.nth(i)
        if await row.get_attribute("id") == f"recheck-{back.blind_code}":
            await row.locator("select[name=outcome]").select_option("corrected")
            await row.locator("input[name=note]").fill("成品质量分按细则更正为31.5")
        await row.locator("button").click()
        await expect(listed.nth(i).locator("strong")).to_be_visible()  # the finding, recorded
    await expect(console.locator(f"#recheck-{back.blind_code}")).to_contain_text("已更正：成品质量分按细则更正为31.5")
    await console.click("#signoff button")
    await console.click("#confirm-change-ok")  # the shared confirmation dialog
    await expect(console.locator("#signoff")).to_contain_text("已签字确认")
    await page.reload()
    await expect(page.locator("#signed-off")).to_contain_text("签字确认")
    await expect(page.locator("input[data-key=prep]")).to_be_disabled()
    await expect(page.locator("[data-act=submit]")).to_have_count(0)
    await page.screenshot(path=str(tmp_path / "tablet-signed-off.png"))
    await chief_context.close()
    await context.close()


async def test_levels_are_tappable_and_marks_are_checked_before_submitting(browser, live_server, session, clean_db,
                                                                           tmp_path):
    contest = await make_contest(session, contestants=2, judges=2)
    round_ = await session.get(Round, contest.practical.round_id)
    scheme = copy.deepcopy(round_.scheme)
    prep = next(c for s in scheme["stages"] for c in s["criteria"] if c["key"] == "prep")
    prep.pop("step")
    prep.update(scale=3, levels=["0 不合格", "1 一般", "2 良好", "3 优秀"])
    round_.scheme = scheme
    session.add(round_)
    await session.commit()

    context, page = await judge_on_a_tablet(browser, live_server, contest, "J02")
    await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
    await expect(page.locator("[data-key=skill] .crit-meta")).to_contain_text("步长 0.5")
    await expect(page.locator("[data-key=prep] .crit-meta")).not_to_contain_text("步长")  # the scheme sets none
    await page.click("[data-key=prep] .level[data-value='2']")
    await expect(page.locator("input[data-key=prep]")).to_have_value("2")
    await expect(page.locator("[data-key=prep] .level[data-value='2']")).to_have_attribute("aria-pressed", "true")
    await page.fill("input[data-key=skill]", "30")
    await page.fill("input[data-key=safety]", "1")
    await expect(page.locator("#subtotal")).to_have_text("41")  # 2 + 30 + (10 − 1)

    await page.fill("input[data-key=skill]", "30.3")
    await expect(page.locator("[data-msg=skill]")).to_have_text("应为 0.5 的整数倍")
    await page.click("[data-act=submit]")
    await expect(page.locator("[data-msg=quality]")).to_have_text("请打分")
    await expect(page.locator("#confirm-submit")).not_to_be_visible()
    await page.screenshot(path=str(tmp_path / "tablet-levels.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.screenshot(path=str(tmp_path / "tablet-landscape.png"))

    await page.fill("input[data-key=skill]", "30.5")
    await page.fill("input[data-key=quality]", "33")
    await submit_on_the_tablet(page)
    await expect(badge(page, contest.entries[0])).to_have_text("已提交")
    await expect(page.locator("#sync")).to_have_text("已同步")
    rows, marks = await sheets_of(session, contest.judges[1], contest.practical)
    assert marks == {contest.entries[0].id: {"prep": "2", "skill": "30.5", "quality": "33", "safety": "1"}}
    await context.close()


async def test_a_tablet_behind_another_device_is_told_and_can_refresh(browser, live_server, session, clean_db):
    contest = await make_contest(session, contestants=2, judges=2)
    entry = contest.entries[0]
    pages = []
    for _ in range(2):
        context, page = await judge_on_a_tablet(browser, live_server, contest, "J02")
        await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
        pages.append((context, page))
    (first_context, first), (second_context, second) = pages

    await fill_sheet(first, entry, {"prep": "8"})
    await first.click("[data-act=save]")
    await expect(first.locator("#sync")).to_have_text("已同步")
    await expect(badge(first, entry)).to_have_text("草稿")

    await fill_sheet(second, entry, {"prep": "9"})
    await second.click("[data-act=save]")
    await expect(second.locator(".notice-error")).to_contain_text("另一台设备")
    await expect(second.locator("#sync")).to_have_text("已同步")  # the refused change left the queue
    await second.click("[data-act=refresh]")
    await expect(second.locator("input[data-key=prep]")).to_have_value("8")
    await expect(second.locator(".notice-error")).to_have_count(0)
    await first_context.close()
    await second_context.close()


async def test_tablet_reloads_offline_and_submits_each_sheet_once(browser, live_server, session, clean_db, tmp_path):
    """A judge on bad Wi-Fi: the judges' service worker keeps the tablet's page on the device, so a
    reload without network reopens it — with the sheets submitted before, and with the outbox of what
    was scored offline; scoring goes on, and when the network is back every sheet is submitted
    exactly once. Back online, a reload shows the server's page again (the chief's reopening)."""
    async with httpx.AsyncClient(base_url=live_server) as client:
        worker = await client.get("/judge/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")

    contest = await make_contest(session, contestants=4, judges=2)
    chief, j02 = contest.judges
    entries = contest.entries
    context, page = await judge_on_a_tablet(browser, live_server, contest, "J02")
    try:
        await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
        await expect(page.locator("#offline-ready")).to_be_visible(timeout=15_000)  # kept on the device
        await fill_sheet(page, entries[0], MARKS[0])
        await submit_on_the_tablet(page)
        await expect(badge(page, entries[0])).to_have_text("已提交")
        await expect(page.locator("#sync")).to_have_text("已同步")

        # No network: the reload still opens the tablet, the sheet submitted a moment ago included.
        await context.set_offline(True)
        await page.reload()
        await expect(page.locator("h1.stage-title")).to_contain_text(contest.practical.name)
        await expect(badge(page, entries[0])).to_have_text("已提交")
        await page.click(f"[data-entry='{entries[0].id}']")
        await expect(page.locator("input[data-key=prep]")).to_have_value(MARKS[0]["prep"])
        await page.screenshot(path=str(tmp_path / "tablet-reloaded-offline.png"))

        # Scoring goes on offline; a second reload keeps the outbox.
        for entry, marks in zip(entries[1:3], MARKS[1:3], strict=True):
            await fill_sheet(page, entry, marks)
            await submit_on_the_tablet(page)
            await expect(badge(page, entry)).to_have_text("待同步")
        await expect(page.locator("#sync")).to_have_text("离线：2项修改保存在本机，联网后自动同步")
        await page.reload()
        await expect(page.locator("#sync")).to_have_text("离线：2项修改保存在本机，联网后自动同步")
        await expect(badge(page, entries[2])).to_have_text("待同步")
        await fill_sheet(page, entries[3], MARKS[3])
        await submit_on_the_tablet(page)
        await expect(page.locator("#sync")).to_have_text("离线：3项修改保存在本机，联网后自动同步")

        # Meanwhile the chief sends the first sheet back (the tablet cannot know yet).
        sheets, _ = await sheets_of(session, j02, contest.practical)
        first = next(s for s in sheets if s.entry_id == entries[0].id)
        await svc.reopen_sheet(session, first.id, "请复核准备分", svc.actor_of(chief), contest.event.id)

        # The network is back: the outbox goes out, each sheet once.
        await context.set_offline(False)
        await expect(page.locator("#sync")).to_have_text("已同步", timeout=20_000)
        for entry in entries[1:]:
            await expect(badge(page, entry)).to_have_text("已提交")
        rows, marks = await sheets_of(session, j02, contest.practical)
        assert {s.entry_id: s.state for s in rows} == {entries[0].id: "reopened",
                                                       **{e.id: "submitted" for e in entries[1:]}}
        assert marks == {e.id: {k: plain(v) for k, v in m.items()} for e, m in zip(entries, MARKS, strict=True)}
        submits = (await session.exec(select(LedgerEntry.subject, func.count()).where(
            LedgerEntry.action == "sheet.submit", LedgerEntry.subject.in_([f"sheet:{s.id}" for s in rows]))
            .group_by(LedgerEntry.subject))).all()
        await session.commit()
        assert sorted(n for _, n in submits) == [1, 1, 1, 1], submits

        # Online again, a reload is the server's page: the sheet sent back shows as such.
        await page.reload()
        await expect(badge(page, entries[0])).to_have_text("已退回")
        await page.click(f"[data-entry='{entries[0].id}']")
        await expect(page.locator(".notice-reopened")).to_contain_text("请复核准备分")
    finally:
        await context.close()
