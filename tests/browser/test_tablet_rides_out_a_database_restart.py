"""A judge scoring on a 10-inch tablet while PostgreSQL stops at once (`pg_ctl stop -m immediate`)
and starts again, with no restart of the app: the sheet submitted meanwhile waits in the tablet's
outbox and the tablet says the server is unavailable; a reload in the outage reopens the tablet
from the device (the server's 503 page would have lost it); once the database is back the outbox
goes out by itself, the next sheet is submitted as usual, and every sheet is stored exactly once."""
import asyncio
from pathlib import Path

import pytest
from playwright.async_api import expect
from sqlalchemy import text
from sqlmodel import func, select

from contest import db
from contest.judging.models import Sheet
from tests.builders import badge, fill_sheet, judge_on_a_tablet, make_contest, submit_on_the_tablet

pytestmark = pytest.mark.browser

MARKS = [
    {"prep": "8.5", "skill": "35", "quality": "36", "safety": "1"},
    {"prep": "9", "skill": "32.5", "quality": "30", "safety": "0"},
    {"prep": "7", "skill": "38", "quality": "37.5", "safety": "2.5"},
]


async def test_the_tablet_keeps_its_sheets_through_a_database_restart(browser, live_server, session, clean_db,
                                                                      tmp_path):
    contest = await make_contest(session, contestants=3, judges=2)
    pgdata = Path((await session.exec(text("show data_directory"))).scalar_one())
    await session.commit()
    entries, j02 = contest.entries, contest.judges[1]
    context, page = await judge_on_a_tablet(browser, live_server, contest, "J02")
    await page.goto(f"{live_server}/judge/stages/{contest.practical.id}")
    await expect(page.locator("#offline-ready")).to_be_visible(timeout=15_000)  # kept on the device
    await fill_sheet(page, entries[0], MARKS[0])
    await submit_on_the_tablet(page)
    await expect(badge(page, entries[0])).to_have_text("已提交", timeout=15_000)

    db._pg_ctl(pgdata, "stop", "-m", "immediate")
    try:
        await fill_sheet(page, entries[1], MARKS[1])
        await submit_on_the_tablet(page)
        await expect(page.locator("#sync")).to_contain_text("服务器暂时不可用", timeout=15_000)
        await expect(badge(page, entries[1])).to_have_text("待同步")
        await page.reload()
        await expect(page.locator("h1.stage-title")).to_contain_text(contest.practical.name)
        await expect(badge(page, entries[1])).to_have_text("待同步")
        await page.screenshot(path=str(tmp_path / "tablet-database-down.png"))
    finally:
        await asyncio.to_thread(db.EmbeddedPostgres(pgdata.parent).start)

    await expect(page.locator("#sync")).to_have_text("已同步", timeout=30_000)
    await expect(badge(page, entries[1])).to_have_text("已提交")
    await fill_sheet(page, entries[2], MARKS[2])
    await submit_on_the_tablet(page)
    await expect(badge(page, entries[2])).to_have_text("已提交", timeout=15_000)
    copies = (await session.exec(select(Sheet.entry_id, Sheet.state, func.count()).where(
        Sheet.judge_id == j02.id, Sheet.stage_id == contest.practical.id).group_by(Sheet.entry_id, Sheet.state))).all()
    await session.commit()
    assert sorted(copies) == sorted((e.id, "submitted", 1) for e in entries)
    await context.close()
