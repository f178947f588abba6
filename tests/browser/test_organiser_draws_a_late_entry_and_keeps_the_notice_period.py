"""The organiser, in a browser, after a late entry (the event taken back to 报名中 after the draw):
the public board says one waits for the draw; the track page names the entry and draws it alone —
the next code, every other code as it was. Later, at the publication desk, a 公示 shorter than five
working days is refused in Chinese naming the earliest end, and the period the desk proposes is taken;
finalising before its end is refused."""
import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest import clock
from contest.events import service as events
from contest.events.models import Entry
from tests.browser.speaks_chinese import assert_chinese
from tests.builders import ID_KEY, make_contest, person, score_everything, set_visibility, sign_off, staff_page, xlsx

pytestmark = pytest.mark.browser


async def _confirm(page) -> None:
    await expect(page.locator("#confirm-change")).to_be_visible()
    async with page.expect_navigation():
        await page.click("#confirm-change-ok")
    await assert_chinese(page)


async def _codes(session, contest) -> dict[str, str | None]:
    return dict((await session.exec(select(Entry.bib, Entry.blind_code).where(Entry.track_id == contest.track.id)
                                    .execution_options(populate_existing=True))).all())


async def test_a_late_entry_is_drawn_alone_and_the_notice_cannot_be_cut_short(browser, live_server, session,
                                                                              clean_db):
    contest = await make_contest(session)
    await set_visibility(session, contest, "blind")
    before = await _codes(session, contest)
    await events.set_event_status(session, contest.event, "registration")
    await events.import_contestants(session, contest.track, "补报.xlsx", xlsx([person(6)]), id_key=ID_KEY.encode())
    late = next(bib for bib in await _codes(session, contest) if bib not in before)

    page = await staff_page(browser, live_server, session, "organiser", "/admin/events/cook/tracks/chef")
    public = await browser.new_page()
    await public.goto(f"{live_server}/events/cook/tracks/chef")
    await expect(public.locator("#board-undrawn")).to_have_text("另有 1 名已报名、待抽签，抽签后列入本榜")

    await page.goto(f"{live_server}/admin/events/cook/tracks/chef#draw")
    await expect(page.locator("#undrawn")).to_contain_text(f"1 名选手待抽签（补报或恢复参赛，尚无加密号）：{late}")
    await page.locator("form[data-action='draw.late'] button").click()
    await _confirm(page)
    await expect(page.locator("#draw table")).to_contain_text("1（补报抽签）")
    await expect(page.locator("#undrawn")).to_have_count(0)
    after = await _codes(session, contest)
    assert {bib: after[bib] for bib in before} == before and after[late] == "007"
    await public.reload()
    await expect(public.locator("#board-undrawn")).to_have_count(0)
    await expect(public.locator("#board-count")).to_have_text("共 7 名")

    await events.set_event_status(session, contest.event, "running")
    contest.entries.append((await session.exec(select(Entry).where(Entry.bib == late))).one())
    await score_everything(session, contest)
    await sign_off(session, contest)
    await page.goto(f"{live_server}/admin/events/cook/publication/")
    publish = page.locator("form[data-action='notice.publish']")
    today = clock.today()
    earliest = clock.workday_end(today, 5)
    await expect(publish).to_contain_text("不少于 5 个工作日")
    assert await publish.locator("input[name=ends_on]").input_value() == earliest.isoformat()
    await publish.locator("input[name=ends_on]").evaluate("(el, day) => { el.min = ''; el.value = day; }",
                                                          (earliest.fromordinal(earliest.toordinal() - 1)).isoformat())
    await publish.locator("button").click()
    await _confirm(page)
    await expect(page.locator("main")).to_contain_text(f"最早可到 {earliest} 结束")

    await page.goto(f"{live_server}/admin/events/cook/publication/")
    await page.locator("form[data-action='notice.publish'] button").click()
    await _confirm(page)
    await expect(page.locator("#notice")).to_contain_text(f"公示期 {today} 至 {earliest}")
    await page.locator("form[data-action='finalise'] button").click()
    await _confirm(page)
    await expect(page.locator("main")).to_contain_text(f"公示期至 {earliest} 结束，结束后才能确定最终成绩")
    await public.close()
    await page.close()
