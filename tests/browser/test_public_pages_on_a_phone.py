"""The public pages on a phone (390×844): the event list, an event, a board filtered by county, a
unit's results, the notice (公示), a certificate and its verification; and a family looking for
their person: on a board by name (then their page and their unit's), in the 香城工匠 registry by
pinyin, and on a board left open while the results are published. Each page is screenshot
for a person to look at; the test checks that nothing runs off the side of the screen (wide
tables scroll inside `.scroll-x`), that no text is too small to read, and that no ID number or
mobile number — not even a masked one — appears on any public page. The certificate prints as
one A4 landscape page."""
import re
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest import clock
from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate
from contest.people.models import Area, Unit
from contest.registry import importers as craftsmen_import
from tests.browser.phone import DESKTOP, ID_NUMBER, MOBILE, PHONE, Seen, check_phone_page
from tests.builders import (
    CONTACT,
    EVENT_NAME,
    PUBLIC_UNITS,
    craftsmen_file,
    person,
    public_contest,
    registry_areas,
    score_everything,
    set_visibility,
    signed_off_contest,
    wang_craftsmen,
)
from tests.support import ID_KEY

pytestmark = pytest.mark.browser


# Text of the certificate that the absolutely placed foot (QR code, issuer, date) sits on.
CERTIFICATE_OVERLAPS = """() => {
  const lines = (sel) => [...document.querySelectorAll(sel)].flatMap((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return [...range.getClientRects()].filter((b) => b.width && b.height).map((b) => [sel, b]);
  });
  const foot = [...document.querySelectorAll(".certificate .qr svg, .certificate .qr span, .certificate .issuer")]
      .map((el) => el.getBoundingClientRect());
  const hits = new Set();
  for (const [sel, b] of [".certificate h1", ".certificate .holder", ".certificate .body", ".certificate .award",
                          ".certificate .titles"].flatMap(lines)) {
    for (const f of foot) {
      if (b.left < f.right - 1 && f.left < b.right - 1 && b.top < f.bottom - 1 && f.top < b.bottom - 1) hits.add(sel);
    }
  }
  const sheet = document.querySelector(".certificate");
  return {overlapping: [...hits], overflowing: sheet.scrollHeight > sheet.clientHeight + 1};
}"""


def private_numbers() -> list[str]:
    """The contestants' real ID and mobile numbers as imported, and the usual masked forms."""
    numbers = []
    for i in range(6):
        row = person(i)
        numbers += [row[2], row[3], row[2][:4] + "*" * 10 + row[2][-4:], row[3][:3] + "****" + row[3][-4:]]
    return numbers


def test_the_patterns_catch_ids_and_mobiles_plain_and_masked():
    for number in private_numbers():
        assert ID_NUMBER.search(f"身份证 {number}") or MOBILE.search(f"电话：{number}"), number
    assert ID_NUMBER.search("证件号4212**********123X。") and MOBILE.search("手机138****1234")
    for harmless in ("总分 95.00", "0715-8123456", "2026-11-23", "5f0c2d9e1a3b4c5d6e7f80911213141516171819",
                     "证书编号 AbC-13800001234x"):
        assert not ID_NUMBER.search(harmless) and not MOBILE.search(harmless), harmless


async def look_at(page, url: str, shot, seen: Seen, wait_for: str | None = None) -> str:
    """Open a public page on the phone, screenshot it, check overflow, tiny text and private numbers."""
    response = await page.goto(url)
    where = url.split("//", 1)[-1].split("/", 1)[-1] or "home"
    where = "/" + where if not where.startswith("/") else where
    if response is None or response.status != 200:
        seen.add(where, f"answered {response.status if response else 'nothing'}")
    if wait_for:
        await expect(page.locator(wait_for).first).to_be_visible()
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(shot), full_page=True)
    await check_page(page, where, seen)
    return where


async def check_page(page, where: str, seen: Seen) -> None:
    await check_phone_page(page, where, seen, private_numbers())


async def test_public_pages_on_a_phone(browser, live_server, session, clean_db, tmp_path):
    contest = await public_contest(session)
    await signed_off_contest(session, contest)
    event, track = contest.event, contest.track
    await boards.add_title_rule(session, event, 1, "推荐授予“咸宁市技术能手”称号", True)
    today = clock.today()
    await boards.publish(session, event, today - timedelta(days=7), today + timedelta(days=2), CONTACT,
                         "account:1 竞赛办", today=today - timedelta(days=7))
    seen = Seen([])
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    base = live_server
    board_url = f"{base}/events/cook/tracks/{track.slug}"
    try:
        # Under notice: the home page, the event with its notice banner, the notice itself.
        await look_at(page, f"{base}/", tmp_path / "phone-1-home.png", seen, "#events a")
        await expect(page.locator("#events")).to_contain_text(EVENT_NAME)
        await page.click(f"#events a:has-text('{EVENT_NAME}')")
        await page.wait_for_url(f"{base}/events/cook")
        await look_at(page, f"{base}/events/cook", tmp_path / "phone-2-event.png", seen, "#tracks a")
        await expect(page.locator("#notice-banner")).to_contain_text("距公示结束还有")
        await look_at(page, f"{base}/events/cook/notice", tmp_path / "phone-3-notice.png", seen, "h1")
        await expect(page.locator("h1")).to_contain_text("公示")
        notice_text = await page.evaluate("document.body.innerText")
        assert "*" not in notice_text  # not even a masked ID number on a notice
        # the prize is in sight without swiping the table sideways (the county column gives way)
        prize = await page.locator("table.notice th", has_text="奖项").bounding_box()
        assert prize and prize["x"] + prize["width"] <= 390, prize

        # Final results, certificates issued.
        await boards.finalise(session, event, "account:1 竞赛办", today=today + timedelta(days=3))
        await boards.issue_certificates(session, event, track)

        # The board, then filtered by county through the select (the form submits on change).
        await look_at(page, board_url, tmp_path / "phone-4-board.png", seen, "#board-rows tr")
        all_rows = await page.locator("#board-rows tr[id^='row-']").count()
        assert all_rows == 6
        # What a phone board is for: rank, who and total at a glance, without scrolling sideways.
        total = await page.locator("#board-rows tr[id^='row-'] td.total").first.bounding_box()
        right, screen_width = total["x"] + total["width"], PHONE["viewport"]["width"]
        if right > screen_width:
            seen.add("/events/cook/tracks/chef", f"the total column ends at x={right:.0f} px, past the "
                                                 f"{screen_width} px phone screen (scroll sideways to see it)")
        await page.locator(".scroll-x").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        await page.screenshot(path=str(tmp_path / "phone-4b-board-scrolled-right.png"))
        async with page.expect_navigation():
            await page.select_option("select[name=area]", label="赤壁市")
        where = "/events/cook/tracks/chef?area=赤壁市"
        if "area=" not in page.url:
            seen.add(where, f"choosing a county did not filter (still at {page.url})")
        if await page.locator("#board-rows").count() != 1:
            seen.add(where, f"the filtered board did not load: {page.url} shows "
                            f"{(await page.evaluate('document.body.innerText'))[:200]!r}")
            area_id = (await session.exec(select(Area.id).where(Area.name == "赤壁市"))).one()
            await page.goto(f"{board_url}?area={area_id}")  # the filter itself, without the form's empty unit=
        if await page.locator("#board-rows").count() == 1:
            await page.wait_for_load_state("networkidle")
            await page.screenshot(path=str(tmp_path / "phone-5-board-filtered.png"), full_page=True)
            await check_page(page, where, seen)
            areas = await page.locator("#board-rows tr[id^='row-'] td.area").all_text_contents()
            assert areas == ["赤壁市", "赤壁市"], areas
            await expect(page.locator("select[name=area] option[selected]")).to_have_text("赤壁市")
            await expect(page.locator("#board-count")).to_have_text("找到 2 名")

        # A unit's page: only its own contestants.
        unit = (await session.exec(select(Unit).where(Unit.name == PUBLIC_UNITS[2][0]))).one()
        await look_at(page, f"{base}/units/{unit.id}", tmp_path / "phone-6-unit.png", seen, "h1")
        await expect(page.locator("h1")).to_have_text(PUBLIC_UNITS[2][0])
        unit_rows = await page.locator("tr[id^='row-'] td.area").all_text_contents()
        assert unit_rows == ["通城县", "通城县"], unit_rows

        # The notice after the results became final, a certificate and its verification.
        await look_at(page, f"{base}/events/cook/notice", tmp_path / "phone-7-notice-final.png", seen, "h1")
        cert = (await session.exec(select(Certificate).order_by(Certificate.rank))).first()
        assert cert is not None and cert.rank == 1
        await look_at(page, f"{base}/certificates/{cert.code}", tmp_path / "phone-8-certificate.png", seen,
                      ".certificate")
        await expect(page.locator(".certificate .award")).to_have_text(cert.award)
        await look_at(page, f"{base}/verify/{cert.code}", tmp_path / "phone-9-verify.png", seen, "#verification")
        await expect(page.locator("#verification")).to_contain_text("此证书真实有效")
        await expect(page.locator("#verification")).to_contain_text(cert.digest)
    finally:
        await context.close()

    # The certificate on a desk: an A4 landscape sheet on screen and exactly one A4 landscape page in print.
    desk = await browser.new_context(**DESKTOP)
    try:
        page = await desk.new_page()
        await page.goto(f"{base}/certificates/{cert.code}")
        await page.wait_for_load_state("networkidle")
        await page.screenshot(path=str(tmp_path / "desktop-certificate.png"), full_page=True)
        box = await page.locator(".certificate").bounding_box()
        assert abs(box["width"] / box["height"] - 297 / 210) < 0.01, box
        layout = await page.evaluate(CERTIFICATE_OVERLAPS)
        if layout["overlapping"]:
            seen.add("certificate", f"the QR code / issuer block covers text of {layout['overlapping']}")
        if layout["overflowing"]:
            seen.add("certificate", "the text runs past the bottom of the A4 sheet")
        await page.emulate_media(media="print")
        await page.screenshot(path=str(tmp_path / "print-certificate.png"), full_page=True)
        pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
        (tmp_path / "certificate.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        boxes = {tuple(float(v) for v in m.groups())
                 for m in re.finditer(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
        if pages != 1:
            seen.add("certificate (print)", f"prints on {pages} pages, not one")
        a4_landscape = (841.89, 595.28)  # 297 × 210 mm in points
        if not boxes or any(abs(w - a4_landscape[0]) > 1.5 or abs(h - a4_landscape[1]) > 1.5 for w, h in boxes):
            seen.add("certificate (print)", f"page size {boxes} pt, not A4 landscape {a4_landscape}")
    finally:
        await desk.close()

    print(f"\nscreenshots: {tmp_path}")
    assert not seen.problems, "problems on the public pages:\n" + "\n".join(seen.problems)


async def test_registry_search_by_pinyin_and_page_two_on_a_phone(browser, live_server, session, clean_db, tmp_path):
    """A family looks for their craftsman in the public registry by pinyin, and goes on to page 2."""
    await registry_areas(session)
    report = await craftsmen_import.import_craftsmen(session, "名单.xlsx", craftsmen_file(wang_craftsmen(70)),
                                                     ID_KEY.encode(), skip_bad=False, actor="account:1 工匠办")
    assert report.imported == 72, report.problems

    seen = Seen([])
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/registry/people")
        await page.fill("input[name=q]", "wang")
        async with page.expect_navigation():
            await page.get_by_role("button", name="查询").click()
        await expect(page.locator("#total")).to_have_text("（71 人）")
        await expect(page.locator("#craftsmen tbody tr")).to_have_count(50)
        await page.screenshot(path=str(tmp_path / "registry-wang.png"), full_page=True)
        edges = await page.locator("#craftsmen th").evaluate_all(
            "cells => cells.filter(c => c.offsetWidth).map(c => c.getBoundingClientRect().right)")
        assert max(edges) <= PHONE["viewport"]["width"], f"a column of the list is cut off on a phone: {edges}"
        await check_page(page, "/registry/people?q=wang", seen)
        first_page = await page.locator("#craftsmen tbody td:first-child").all_text_contents()

        async with page.expect_navigation():
            await page.locator(".pager").get_by_role("link", name="2", exact=True).click()
        assert "q=wang" in page.url and "page=2" in page.url, page.url
        await expect(page.locator("input[name=q]")).to_have_value("wang")
        await expect(page.locator(".pager strong")).to_have_text("2")
        second_page = await page.locator("#craftsmen tbody td:first-child").all_text_contents()
        assert len(second_page) == 21 and not set(second_page) & set(first_page)
        assert all(name[0] in "王汪" for name in first_page + second_page)
        await page.screenshot(path=str(tmp_path / "registry-wang-page-2.png"), full_page=True)
        await check_page(page, "/registry/people?q=wang&page=2", seen)
        pager = await page.locator(".pager a").first.bounding_box()
        assert pager["height"] >= 32, f"pager links are too small to tap: {pager}"

        await page.fill("input[name=q]", "wxyz")
        async with page.expect_navigation():
            await page.get_by_role("button", name="查询").click()
        await expect(page.locator("#empty")).to_contain_text("没有找到符合条件的工匠")
    finally:
        await context.close()
    assert not seen.problems, "\n".join(seen.problems)


async def test_family_finds_their_contestant_on_a_board_by_name(browser, live_server, session, clean_db, tmp_path):
    """A named board: the family types the name in pinyin, opens the contestant's page (stage scores,
    place, prize), goes on to the unit's page; and a board left open on the phone while the results
    are published switches its head from 加密号 to names without a reload."""
    contest = await public_contest(session)
    await set_visibility(session, contest, "named")
    await score_everything(session, contest)
    seen = Seen([])
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/events/cook/tracks/{contest.track.slug}")
        await page.fill("input[name=q]", "liu fang")
        async with page.expect_navigation():
            await page.get_by_role("button", name="查找").click()
        await expect(page.locator("#board-rows tr[id^='row-']")).to_have_count(1)
        await expect(page.locator("#board-count")).to_have_text("找到 1 名")
        await page.screenshot(path=str(tmp_path / "board-search.png"), full_page=True)
        await check_page(page, "board?q=liu fang", seen)

        async with page.expect_navigation():
            await page.locator("#board-rows a.name", has_text="刘芳").click()
        await expect(page.locator("#contestant h1")).to_have_text("刘芳")
        await expect(page.locator("#stage-scores")).to_contain_text("理论知识")
        await expect(page.locator("#stage-scores")).to_contain_text("实际操作")
        await expect(page.locator("#standing")).to_contain_text("名")
        await page.screenshot(path=str(tmp_path / "contestant.png"), full_page=True)
        await check_page(page, "contestant 刘芳", seen)

        unit = await page.locator("#contestant .unit a").text_content()
        async with page.expect_navigation():
            await page.locator("#contestant .unit a").click()
        await expect(page.locator("h1")).to_have_text(unit)
        await expect(page.locator("tr[id^='row-']", has_text="刘芳")).to_have_count(1)
        await check_page(page, "unit page", seen)
    finally:
        await context.close()
    assert not seen.problems, "\n".join(seen.problems)


async def test_a_board_left_open_follows_publication(browser, live_server, session, clean_db, tmp_path):
    contest = await public_contest(session)  # blind
    await signed_off_contest(session, contest)
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/events/cook/tracks/{contest.track.slug}")
        await expect(page.locator("#live-state")).to_have_text("实时更新", timeout=10_000)
        await expect(page.locator("table.board thead")).to_contain_text("加密号")
        await expect(page.locator("#board-state")).to_have_text("裁判长已确认")
        await page.evaluate("window.__notReloaded = true")
        today = clock.today()
        await boards.publish(session, contest.event, today, today + timedelta(days=6), "", "account:1 竞赛办")
        await expect(page.locator("table.board thead")).to_contain_text("姓名 / 单位", timeout=10_000)
        await expect(page.locator("#board-state")).to_have_text("公示中")
        await expect(page.locator("#board-rows a.name").first).to_be_visible()
        assert await page.evaluate("window.__notReloaded === true"), "the page was reloaded"
        await page.screenshot(path=str(tmp_path / "board-published-live.png"), full_page=True)
    finally:
        await context.close()
