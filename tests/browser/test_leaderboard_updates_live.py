"""Live boards in a real browser: a judge submits the sheet that completes an entry's result on a
tablet, and the public board on a phone and the venue's big screen show the new total within a few
seconds without a reload — also when the board and the tablet are served by different server
processes (PostgreSQL LISTEN/NOTIFY through Litestar channels). Then the award ceremony: the
organiser freezes the big screen and reveals it from the last place up; and a whole ceremony on a
1920×1080 screen (see test_ceremony_on_a_1080p_screen)."""
import asyncio
import itertools
import re
import time

import httpx
import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import expect
from sqlalchemy import text

from contest.auth import create_account
from tests.builders import judge_on_a_tablet, make_contest, set_visibility, sign_off_stage
from tests.builders import submit as submit_sheet
from tests.support import wait_until

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
SCREEN = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
LIVE_WITHIN_MS = 5_000  # "within a few seconds"

# Counts the server-sent events htmx receives, so a test can tell a pushed update from the 30 s poll.
SSE_PROBE = """
window.__sse = {open: 0, messages: 0, last: 0};
document.addEventListener("htmx:sseOpen", () => { window.__sse.open += 1; });
document.addEventListener("htmx:sseMessage", () => { window.__sse.messages += 1; window.__sse.last = Date.now(); });
"""

# Records every class the row with this id gets, from now on, with the time since now.
CLASS_LOG = """(id) => {
  const t0 = performance.now();
  window.__classLog = [];
  new MutationObserver(() => {
    const tr = document.getElementById(id);
    const last = window.__classLog[window.__classLog.length - 1];
    if (tr && (!last || last[1] !== tr.className)) {
      window.__classLog.push([Math.round(performance.now() - t0), tr.className]);
    }
  }).observe(document.getElementById("board-rows"), {subtree: true, childList: true, attributes: true,
                                                    attributeFilter: ["class"]});
}"""

LAST_MARKS = {"prep": "9.5", "skill": "39", "quality": "39", "safety": "0"}  # the browser judge's sheet
STRONG = {"prep": "9", "skill": "38", "quality": "38", "safety": "0"}


async def almost_complete(session, contest, last_judge) -> None:
    """Every sheet of both stages except the last judge's practical sheet of the first entry, which
    then has two practical marks of the three the scheme needs (min_judges 3): its result is
    incomplete and shows no total until the browser judge submits."""
    first = contest.entries[0]
    for n, entry in enumerate(contest.entries):
        written = "95" if entry.id == first.id else str(60 + 3 * n)
        await submit_sheet(session, contest, contest.judges[0], contest.theory, entry, {"written": written})
        for j, judge in enumerate(contest.judges):
            if entry.id == first.id and judge.id == last_judge.id:
                continue
            marks = STRONG if entry.id == first.id else {"prep": "7", "skill": str(28 + j),
                                                         "quality": str(20 + n), "safety": "1"}
            await submit_sheet(session, contest, judge, contest.practical, entry, marks)


_track_ids = itertools.count(101)


async def contest_on_a_fresh_channel(session, contestants: int):
    """make_contest, with a track id (so a live channel, `track_<id>`) that no earlier test of this
    session used: every test starts with no viewers on its channel in any server process, whatever
    the tests before it left behind."""
    await session.exec(text("select setval(pg_get_serial_sequence('track', 'id'), :n, false)")
                       .bindparams(n=next(_track_ids)))
    await session.commit()
    return await make_contest(session, contestants=contestants, judges=3)


async def leave(context) -> None:
    """A viewer leaves as people do: the page navigates away (the browser closes its streams)."""
    for page in context.pages:
        await page.goto("about:blank")
    await context.close()


async def sign_in_judge(browser, base, contest, number):
    """A judge's tablet, signed in and showing the practical stage, synced."""
    context, page = await judge_on_a_tablet(browser, base, contest, number)
    await page.goto(f"{base}/judge/stages/{contest.practical.id}")
    await expect(page.locator("#sync")).to_have_text("已同步")
    return context, page


async def open_live(browser, options, url):
    """A page with the SSE probe, loaded and with its stream open and its first event received."""
    context = await browser.new_context(**options)
    await context.add_init_script(SSE_PROBE)
    page = await context.new_page()
    await page.goto(url)
    await wait_until(page, "window.__sse.open >= 1 && window.__sse.messages >= 1")
    if await page.locator("#live-state").count():  # a board page says that it is live (the big screen has no label)
        await expect(page.locator("#live-state")).to_have_text("实时更新")
    await page.evaluate("window.__notReloaded = true")
    return context, page


TOTAL_SHOWN = """(sel) => { const td = document.querySelector(sel); return td && td.textContent.trim() !== ""; }"""


def row(code: str) -> str:
    return f"#board-rows tr#row-{code}"


async def submit_last_sheet_and_time(tablet, watchers, entry) -> dict[str, float]:
    """The judge fills and confirms the sheet. Returns milliseconds from the confirm click: "saved"
    until the tablet shows the sheet accepted, and per watching page until the entry's total shows in
    its DOM (inf if not within 20 s — the board page also polls every 30 s, which must not count)."""
    await tablet.click(f"[data-entry='{entry.id}']")
    await expect(tablet.locator(".sheet-head")).to_contain_text(entry.blind_code)
    for key, value in LAST_MARKS.items():
        await tablet.fill(f"input[data-key={key}]", value)
    await tablet.click("[data-act=submit]")
    await expect(tablet.locator("#confirm-submit")).to_contain_text("提交后将锁定")
    for page in watchers.values():
        total = await page.locator(f"{row(entry.blind_code)} td.total").text_content()
        assert total.strip() == "", "the entry's total showed before its result was complete"
    started = time.monotonic()
    await tablet.click("#confirm-ok")

    async def saved() -> float:  # the server has committed the sheet (the tablet got its answer)
        await expect(tablet.locator(f"[data-entry='{entry.id}'] .badge")).to_have_text("已提交", timeout=30_000)
        return (time.monotonic() - started) * 1000

    async def shown(page) -> float:
        try:
            await wait_until(page, TOTAL_SHOWN, arg=f"{row(entry.blind_code)} td.total", timeout=20_000)
        except PlaywrightTimeout:
            return float("inf")
        return (time.monotonic() - started) * 1000

    names = list(watchers)
    results = await asyncio.gather(saved(), *(shown(watchers[n]) for n in names))
    delays = {"saved": results[0], **dict(zip(names, results[1:], strict=True))}
    return delays


async def assert_live(page, delays: dict[str, float], name: str) -> None:
    if delays[name] >= LIVE_WITHIN_MS:
        state = await page.evaluate("JSON.stringify(window.__sse)")
        html = await page.locator("#board-rows").inner_html()
        pytest.fail(f"the {name} did not show the new total within {LIVE_WITHIN_MS} ms (delays {delays}); "
                    f"SSE probe {state}; rows now: {html[:600]}")


async def assert_pushed_without_reload(page, messages_before: int) -> None:
    state = await page.evaluate("({reloaded: !window.__notReloaded, messages: window.__sse.messages})")
    assert not state["reloaded"], "the page was reloaded"
    assert state["messages"] > messages_before, "the change did not come through server-sent events"


async def board_feed(base: str, contest) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=10) as c:
        return (await c.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()


async def judge_completes_entry(browser, session, contest, board_base, judge_base, tmp_path, label):
    """The shared scenario: a phone on `board_base`, J02's tablet on `judge_base`."""
    j02 = contest.judges[1]
    await set_visibility(session, contest, "blind")
    await almost_complete(session, contest, j02)
    first = contest.entries[0]
    board_url = f"{board_base}/events/cook/tracks/{contest.track.slug}"
    phone_context, phone = await open_live(browser, PHONE, board_url)
    tablet_context, tablet = await sign_in_judge(browser, judge_base, contest, "J02")
    try:
        waiting = phone.locator(row(first.blind_code))
        await expect(waiting).to_contain_text("评分中")  # incomplete: shown, but without a total or rank
        await expect(waiting.locator("td.rank")).to_have_text("")
        await phone.screenshot(path=str(tmp_path / f"{label}-phone-before.png"), full_page=True)
        before = await phone.evaluate("window.__sse.messages")

        delays = await submit_last_sheet_and_time(tablet, {"phone": phone}, first)
        print(f"\n[{label}] board on {board_base}, judge on {judge_base}: submit click → sheet saved "
              f"{delays['saved']:.0f} ms, → total on the phone's board {delays['phone']:.0f} ms")
        await assert_live(phone, delays, "phone")

        await assert_pushed_without_reload(phone, before)
        feed = await board_feed(board_base, contest)
        mine = next(r for r in feed["rows"] if r["code"] == first.blind_code)
        assert mine["rank"] == 1 and mine["total"]
        await expect(phone.locator(f"{row(first.blind_code)} td.total")).to_have_text(mine["total"])
        await expect(phone.locator(f"{row(first.blind_code)} td.rank")).to_have_text("1")
        await expect(phone.locator("#board-rows tr").first).to_have_id(f"row-{first.blind_code}")  # moved up
        await expect(phone.locator(row(first.blind_code))).not_to_contain_text("评分中")
        await phone.screenshot(path=str(tmp_path / f"{label}-phone-after.png"), full_page=True)
        # The family reloads and comes back from the event's page: the page kept in the server's
        # memory (and the proxy's ETag) never brings back the board from before the change.
        for _ in range(3):
            await phone.reload()
            await expect(phone.locator(f"{row(first.blind_code)} td.total")).to_have_text(mine["total"], timeout=1)
        await phone.goto(f"{board_base}/events/cook")
        await phone.click(f"a[href='/events/cook/tracks/{contest.track.slug}']")
        await expect(phone.locator(f"{row(first.blind_code)} td.total")).to_have_text(mine["total"], timeout=1)
        return delays
    finally:
        await leave(tablet_context)
        await leave(phone_context)


async def test_phone_board_updates_live_when_a_judge_submits(browser, live_server, session, clean_db, tmp_path):
    contest = await contest_on_a_fresh_channel(session, 4)
    await judge_completes_entry(browser, session, contest, live_server, live_server, tmp_path, "same-server")


async def test_update_crosses_server_processes(browser, live_server, second_server, session, clean_db, tmp_path):
    """The board is served by one process, the judge's submission by another: only PostgreSQL
    NOTIFY connects them."""
    contest = await contest_on_a_fresh_channel(session, 4)
    await judge_completes_entry(browser, session, contest, second_server, live_server, tmp_path, "two-servers")


async def test_a_board_opened_after_another_viewer_left_still_updates(browser, live_server, second_server, session,
                                                                     clean_db, tmp_path):
    """One worker (the second server): a viewer opens the board and leaves, the next viewer opens
    it; the next submission must still reach the next viewer. (Everyone leaves a board sooner or
    later: a worker whose boards stop updating after the first viewer left is no live board.)"""
    contest = await contest_on_a_fresh_channel(session, 4)
    await set_visibility(session, contest, "blind")
    board_url = f"{second_server}/events/cook/tracks/{contest.track.slug}"
    context, _ = await open_live(browser, PHONE, board_url)
    await leave(context)
    await asyncio.sleep(2)  # the server notices the disconnect and ends the stream
    await judge_completes_entry(browser, session, contest, second_server, live_server, tmp_path, "after-a-viewer-left")


async def sign_in_organiser(browser, base, session):
    await create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
    context = await browser.new_context(**DESK)
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", "clerk")
    await page.fill("input[name=password]", "correct-horse")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    await page.goto(f"{base}/admin/events/cook/publication/")
    await expect(page.locator("h1")).to_contain_text("成绩发布")
    return context, page


async def desk_click(desk, contest, label: str) -> float:
    """Click a button of the track's section on the publication desk (and confirm, where the desk
    asks first); returns the click's time."""
    section = desk.locator(f"#track-{contest.track.slug}")
    started = time.monotonic()
    await section.get_by_role("button", name=label).click()
    if await desk.locator("#confirm-change[open]").count():
        await desk.click("#confirm-change-ok")
    await desk.wait_for_load_state()
    return started


async def visible_codes(screen) -> list[str]:
    return await screen.eval_on_selector_all(
        "#board-rows tr[id^='row-']",
        "rows => rows.filter(r => getComputedStyle(r).display !== 'none').map(r => r.id.slice(4))")


async def test_big_screen_updates_live_and_the_ceremony_reveals_from_the_bottom(
        browser, live_server, second_server, session, clean_db, tmp_path):
    contest = await contest_on_a_fresh_channel(session, 5)
    j02 = contest.judges[1]
    await set_visibility(session, contest, "named")
    await almost_complete(session, contest, j02)
    first = contest.entries[0]
    screen_context, screen = await open_live(browser, SCREEN, f"{live_server}/screen/events/cook/tracks/"
                                                              f"{contest.track.slug}")
    tablet_context, tablet = await sign_in_judge(browser, second_server, contest, "J02")
    desk_context = None
    try:
        # Named board: the row of the entry still being judged shows its name, no total yet.
        await expect(screen.locator(row(first.blind_code))).to_contain_text("评分中")
        problems = []  # checked at the end, so that the ceremony is tested too
        await screen.evaluate(CLASS_LOG, f"row-{first.blind_code}")
        await screen.screenshot(path=str(tmp_path / "screen-before.png"))
        before = await screen.evaluate("window.__sse.messages")
        delays = await submit_last_sheet_and_time(tablet, {"screen": screen}, first)
        print(f"\n[big screen] board on {live_server}, judge on {second_server}: submit click → sheet saved "
              f"{delays['saved']:.0f} ms, → total on the big screen {delays['screen']:.0f} ms")
        await assert_live(screen, delays, "screen")
        await assert_pushed_without_reload(screen, before)
        await expect(screen.locator("#board-rows tr").first).to_have_id(f"row-{first.blind_code}")
        # screen.js highlights a row whose total changed (a 4 s animation): still on after 300 ms
        await screen.wait_for_timeout(300)
        classes = await screen.locator(row(first.blind_code)).get_attribute("class")
        if not re.search(r"\bchanged\b", classes or ""):
            log = await screen.evaluate("JSON.stringify(window.__classLog)")
            problems.append(f"the changed row is not highlighted 300 ms after the update (class={classes!r}); "
                            f"class changes of the row (ms after the probe started, class): {log}")
        await screen.screenshot(path=str(tmp_path / "screen-after.png"))

        # The ceremony: the organiser freezes the board, then reveals it one place at a time.
        order = [r["code"] for r in (await board_feed(live_server, contest))["rows"]]
        assert len(order) == 5 and order[0] == first.blind_code
        desk_context, desk = await sign_in_organiser(browser, live_server, session)
        await desk.screenshot(path=str(tmp_path / "desk.png"), full_page=True)
        before = await screen.evaluate("window.__sse.messages")
        started = await desk_click(desk, contest, "冻结榜单（颁奖揭晓）")
        await wait_until(screen, "!document.querySelector(\"#board-rows tr[id^='row-']\")",
                         timeout=LIVE_WITHIN_MS)
        print(f"[ceremony] freeze click → screen empty: {(time.monotonic() - started) * 1000:.0f} ms")
        await expect(screen.locator("#board-rows")).to_contain_text("榜单已冻结，等待揭晓")
        await assert_pushed_without_reload(screen, before)
        await screen.screenshot(path=str(tmp_path / "screen-frozen.png"))
        await expect(desk.locator(f"#track-{contest.track.slug}")).to_contain_text("已揭晓 0 / 5")

        started = await desk_click(desk, contest, "揭晓下一名")
        await wait_until(screen, "document.querySelectorAll(\"#board-rows tr[id^='row-']\").length === 1",
                         timeout=LIVE_WITHIN_MS)
        print(f"[ceremony] reveal click → last place on screen: {(time.monotonic() - started) * 1000:.0f} ms")
        assert await visible_codes(screen) == order[-1:]  # the last place first
        await screen.screenshot(path=str(tmp_path / "screen-revealed-1.png"))

        await desk_click(desk, contest, "揭晓下一名")
        await wait_until(screen, "document.querySelectorAll(\"#board-rows tr[id^='row-']\").length === 2",
                         timeout=LIVE_WITHIN_MS)
        assert await visible_codes(screen) == order[-2:]
        await expect(desk.locator(f"#track-{contest.track.slug}")).to_contain_text("已揭晓 2 / 5")
        state = await screen.evaluate("!window.__notReloaded")
        assert not state, "the big screen was reloaded"

        # The JSON feed for TV graphics shows exactly what the frozen screen shows.
        feed = await board_feed(live_server, contest)
        assert feed["frozen"] and [r["code"] for r in feed["rows"]] == order[-2:]
        assert not problems, "\n".join(problems)
    finally:
        if desk_context is not None:
            await leave(desk_context)
        await leave(tablet_context)
        await leave(screen_context)


CONTESTANTS = 30
BOARD = "events/cook/tracks/chef"
SECONDS = 3  # the screen's page time in this test (?seconds=3)

# Where a row is on the screen: shown at all, and its box against the viewport.
PLACE = """(id) => {
  const tr = document.getElementById(id);
  if (!tr) return null;
  const box = tr.getBoundingClientRect();
  const foot = document.getElementById("screen-foot").getBoundingClientRect();
  return {shown: getComputedStyle(tr).display !== "none", top: box.top, bottom: box.bottom, left: box.left,
          right: box.right, footTop: foot.top, width: innerWidth, height: innerHeight};
}"""

SIZES = """() => {
  const px = (sel) => {
    const el = document.querySelector(sel);
    return el ? parseFloat(getComputedStyle(el).fontSize) : 0;
  };
  const shown = [...document.querySelectorAll("#board-rows tr[id^='row-']")]
      .filter((tr) => getComputedStyle(tr).display !== "none");
  return {code: px("#board-rows td.who .code"), total: px("#board-rows td.total"), head: px("table.board th"),
          headers: [...document.querySelectorAll("table.board th")].map((th) => th.textContent.trim()),
          perPage: shown.length, lastBottom: Math.max(...shown.map((tr) => tr.getBoundingClientRect().bottom)),
          foot: document.getElementById("screen-foot").getBoundingClientRect().top};
}"""


def marks_for(n: int) -> dict:
    """Practical marks that differ from entry to entry (and so spread the board)."""
    return {"prep": str(5 + (n % 10) * 0.5), "skill": str(20 + n % 20), "quality": str(15 + (n * 7) % 25),
            "safety": "1"}


async def score_all_but_one(session, contest) -> None:
    """Every sheet, except the last practical sheet of the last entry (which stays 评分中)."""
    last = contest.entries[-1]
    for n, entry in enumerate(contest.entries):
        written = {"written": str(40 + (n * 13) % 60)}
        await submit_sheet(session, contest, contest.judges[0], contest.theory, entry, written)
        for j, judge in enumerate(contest.judges):
            if entry.id == last.id and j == len(contest.judges) - 1:
                continue
            await submit_sheet(session, contest, judge, contest.practical, entry, marks_for(n + j))


async def assert_on_screen(screen, code: str, what: str) -> None:
    place = await screen.evaluate(PLACE, f"row-{code}")
    assert place and place["shown"], f"{what}: row {code} is not shown: {place}"
    inside = place["top"] >= 0 and place["bottom"] <= min(place["footTop"], place["height"]) + 1 \
        and place["left"] >= 0 and place["right"] <= place["width"] + 1
    assert inside, f"{what}: row {code} is outside the screen: {place}"


async def test_ceremony_on_a_1080p_screen(browser, live_server, session, clean_db, tmp_path):
    """The award ceremony on the venue's 1920×1080 screen, a blind board of 30 contestants: the running
board pages by itself, its blind codes are the largest text and the empty county column is gone, and
a change on a page nobody is looking at shows in the "latest changes" strip. The host cannot freeze
while someone is still being judged; frozen, the screen shows the 颁奖典礼 backdrop; the host reveals
everyone down to 4th place at once, then 3rd, 2nd and 1st one by one — and each revealed row is on
the screen, inside the viewport, the moment it appears; the pages stand still while frozen; and
unfreezing asks for a confirmation first."""
    contest = await contest_on_a_fresh_channel(session, CONTESTANTS)
    await set_visibility(session, contest, "blind")
    await score_all_but_one(session, contest)
    screen_context, screen = await open_live(
        browser, SCREEN, f"{live_server}/screen/events/cook/tracks/{contest.track.slug}?seconds={SECONDS}")
    desk_context = None
    try:
        sizes = await screen.evaluate(SIZES)
        print(f"\n[screen] {sizes['perPage']} rows a page; blind code {sizes['code']} px, total {sizes['total']} px, "
              f"column heads {sizes['head']} px")
        assert sizes["code"] >= 48 and sizes["total"] >= 40 and sizes["head"] >= 24, sizes
        assert "县(市、区)" not in sizes["headers"], sizes["headers"]  # empty on a blind board: not shown
        assert sizes["perPage"] >= 10 and sizes["lastBottom"] <= sizes["foot"] + 1, sizes
        await screen.screenshot(path=str(tmp_path / "screen-running.png"))
        first_page = await screen.locator("#page-indicator").text_content()
        await expect(screen.locator("#page-indicator")).not_to_have_text(first_page, timeout=(SECONDS + 3) * 1000)

        # A change on a page nobody is looking at: named in the strip.
        last = contest.entries[-1]
        await submit_sheet(session, contest, contest.judges[-1], contest.practical, last, marks_for(99))
        await expect(screen.locator("#changes-list li").first).to_contain_text(last.blind_code, timeout=10_000)
        await screen.screenshot(path=str(tmp_path / "screen-latest-change.png"))

        for stage in (contest.theory, contest.practical):
            await sign_off_stage(session, contest, stage)  # re-checked, then signed
        feed = await (await screen.request.get(f"{live_server}/api/{BOARD}/board")).json()
        order = {r["rank"]: r["code"] for r in feed["rows"]}
        assert sorted(order)[:4] == [1, 2, 3, 4], sorted(order)  # no tie at the podium in this test

        desk_context, desk = await sign_in_organiser(browser, live_server, session)
        section = desk.locator(f"#track-{contest.track.slug}")
        await section.get_by_role("button", name="冻结榜单（颁奖揭晓）").click()
        await desk.wait_for_load_state()
        await expect(screen.locator("#backdrop")).to_contain_text("颁奖典礼", timeout=5_000)
        await expect(screen.locator("#backdrop")).to_contain_text(contest.event.name)
        await screen.screenshot(path=str(tmp_path / "screen-frozen.png"))

        # Down to 4th place at once: 4th is on the screen the moment it appears.
        await section.locator("input[name=down_to]").fill("4")
        started = time.monotonic()
        await section.get_by_role("button", name="一次揭晓到此名次").click()
        await screen.wait_for_selector(f"#row-{order[4]}", state="attached", timeout=5_000)
        await assert_on_screen(screen, order[4], "revealed down to 4th")
        print(f"[ceremony] reveal to 4th → on screen {(time.monotonic() - started) * 1000:.0f} ms")
        await screen.screenshot(path=str(tmp_path / "screen-revealed-to-4.png"))

        for place in (3, 2, 1):
            await section.get_by_role("button", name="揭晓下一名").click()
            await screen.wait_for_selector(f"#row-{order[place]}", state="attached", timeout=5_000)
            await assert_on_screen(screen, order[place], f"revealed {place}")
            await screen.screenshot(path=str(tmp_path / f"screen-revealed-{place}.png"))
        await expect(section).to_contain_text("已全部揭晓")

        # Frozen, the pages stand still: the champion is still there after more than a page's time.
        await screen.wait_for_timeout((SECONDS + 1) * 1000)
        for place in (1, 2, 3, 4):
            await assert_on_screen(screen, order[place], f"{place} after {SECONDS + 1} s frozen")

        # Unfreezing asks first: without the tick nothing is sent.
        await section.locator("details.unfreeze summary").click()
        await section.get_by_role("button", name="解除冻结").click()
        assert await section.locator("input[name=confirm]").evaluate("el => !el.validity.valid")
        await expect(screen.locator("#screen-board")).to_have_attribute("data-frozen", "1")
        await section.locator("input[name=confirm]").check()
        await section.get_by_role("button", name="解除冻结").click()
        await desk.wait_for_load_state()
        await expect(screen.locator("#screen-board")).to_have_attribute("data-frozen", "0", timeout=5_000)
        await expect(screen.locator("#board-rows tr[id^='row-']")).to_have_count(CONTESTANTS)
    finally:
        if desk_context is not None:
            await leave(desk_context)
        await leave(screen_context)
