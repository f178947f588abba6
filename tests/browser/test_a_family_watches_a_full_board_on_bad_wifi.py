"""A family watches a board on a phone when the server already has all the live streams it may
keep (CONTEST_MAX_STREAMS=1, taken by a viewer at the venue), then on bad Wi-Fi: the phone is told
the board refreshes itself, shows a new total by polling, takes the stream once the other viewer
leaves, and after going offline and coming back catches up with what changed meanwhile — never
reloaded."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.builders import FULL, make_contest, set_visibility, submit
from tests.support import contest_server, wait_until

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
TOTAL = """(code) => { const td = document.querySelector(`#row-${code} td.total`);
                       return td && td.textContent.trim() !== ""; }"""


@pytest.fixture(scope="module")
def full_server(settings, tmp_path_factory):
    with contest_server(settings, 1, tmp_path_factory.mktemp("full-server") / "server.log",
                        CONTEST_MAX_STREAMS="1") as base:
        yield base


async def score(session, contest, entry, judges) -> None:
    await submit(session, contest, contest.judges[0], contest.theory, entry, {"written": "88"})
    for judge in judges:
        await submit(session, contest, judge, contest.practical, entry, FULL)


async def test_a_family_on_a_phone_catches_up_with_a_full_server_and_bad_wifi(browser, full_server, session,
                                                                              clean_db, tmp_path):
    contest = await make_contest(session, contestants=3, judges=3)
    await set_visibility(session, contest, "blind")
    first, second = contest.entries[0], contest.entries[1]
    await score(session, contest, first, contest.judges[:-1])  # one sheet short of a total
    board = f"{full_server}/events/cook/tracks/{contest.track.slug}"

    venue = await browser.new_context(locale="zh-CN")
    venue_page = await venue.new_page()
    await venue_page.goto(board)
    await expect(venue_page.locator("#live-state")).to_have_text("实时更新")

    family = await browser.new_context(**PHONE)
    phone = await family.new_page()
    await phone.goto(board)
    await expect(phone.locator("#live-state")).to_contain_text("观看人数较多", timeout=10_000)
    await phone.evaluate("window.__notReloaded = true")
    await phone.screenshot(path=str(tmp_path / "phone-busy.png"), full_page=True)

    await submit(session, contest, contest.judges[-1], contest.practical, first, FULL)
    await wait_until(venue_page, TOTAL, arg=first.blind_code, timeout=5_000)  # the stream's viewer at once
    await wait_until(phone, TOTAL, arg=first.blind_code, timeout=20_000)  # the phone at its next poll

    await venue_page.goto("about:blank")  # the venue's viewer leaves: the stream is free
    await venue.close()
    await expect(phone.locator("#live-state")).to_have_text("实时更新", timeout=70_000)

    await family.set_offline(True)  # the Wi-Fi drops; meanwhile the second entry gets its total
    await score(session, contest, second, contest.judges)
    await phone.wait_for_timeout(3_000)
    await family.set_offline(False)
    await wait_until(phone, TOTAL, arg=second.blind_code, timeout=20_000)
    await expect(phone.locator("#live-state")).to_have_text("实时更新", timeout=10_000)
    assert await phone.evaluate("window.__notReloaded === true"), "the page was reloaded"
    await phone.screenshot(path=str(tmp_path / "phone-caught-up.png"), full_page=True)
    await phone.goto("about:blank")
    await family.close()
