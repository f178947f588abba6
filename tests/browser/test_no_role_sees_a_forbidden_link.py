"""Each role signs in, lands on its own home page, and finds no link on the pages it can reach that
answers 403: menus show only what the role may open (organiser, registry reviewer, scorer, and a
invigilator, marker, and a judge and a chief judge signed in with their PINs)."""
from urllib.parse import urljoin, urlsplit

import pytest

from contest.auth import create_account
from contest.events import service as events
from tests.builders import public_contest, score_everything

pytestmark = pytest.mark.browser

PAGES_PER_ROLE = 40  # enough to reach every menu page and the pages they link to
NEVER_ENDING = ("/live/",)  # server-sent event streams

LINKS = """() => [...document.querySelectorAll("a[href]")].map((a) => a.href)"""


async def crawl(context, base: str, start: str) -> dict[str, int]:
    """Status of every same-site link on the pages reached from `start` (breadth first)."""
    page = await context.new_page()
    seen: dict[str, int] = {}
    queue = [start]
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        url = queue.pop(0)
        await page.goto(url)
        visited += 1
        for link in await page.evaluate(LINKS):
            link = link.split("#")[0]
            if urlsplit(link).netloc != urlsplit(base).netloc or link in seen or \
                    any(part in link for part in NEVER_ENDING):
                continue
            answer = await context.request.get(link, max_redirects=0)
            seen[link] = answer.status
            if answer.status == 200 and "text/html" in answer.headers.get("content-type", ""):
                queue.append(link)  # a page to look at in turn (not a download)
    await page.close()
    return seen


async def sign_in(context, base: str, username: str, password: str) -> str:
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state("networkidle")
    landed = page.url
    await page.close()
    return landed


@pytest.mark.parametrize(("role", "home"), [("organiser", "/admin"), ("registry_reviewer", "/admin/registry/"),
                                            ("scorer", "/scorer"), ("invigilator", "/invigilate"),
                                            ("marker", "/marking")])
async def test_an_account_lands_home_and_meets_no_forbidden_link(browser, live_server, session, clean_db, role,
                                                                 home):
    contest = await public_contest(session)
    await score_everything(session, contest)
    await create_account(session, "someone", "某人", role, "xianning-2026")
    context = await browser.new_context(locale="zh-CN")
    landed = await sign_in(context, live_server, "someone", "xianning-2026")
    assert urlsplit(landed).path == home
    statuses = await crawl(context, live_server, landed)
    forbidden = [link for link, status in statuses.items() if status == 403]
    assert not forbidden, f"{role} sees links that answer 403: {forbidden}"
    assert len(statuses) > 3
    await context.close()


async def test_judges_meet_no_forbidden_link(browser, live_server, session, clean_db):
    contest = await public_contest(session)
    issued = dict((j.number, pin) for j, pin in await events.reissue_access(session, contest.event))
    for number in ("J01", "J02"):  # the chief judge and a judge
        context = await browser.new_context(locale="zh-CN")
        page = await context.new_page()
        await page.goto(f"{live_server}/judge/login")
        await page.fill("input[name=event_code]", contest.event.judge_code)
        await page.fill("input[name=number]", number)
        await page.fill("input[name=pin]", issued[number])
        await page.click("button[type=submit]")
        await page.wait_for_url(urljoin(live_server, "/judge"))
        statuses = await crawl(context, live_server, page.url)
        forbidden = [link for link, status in statuses.items() if status == 403]
        assert not forbidden, f"judge {number} sees links that answer 403: {forbidden}"
        await context.close()
