"""Every page type of the Xianning demo in chromium — as a visitor, the organiser, a registry
reviewer, a scorer and a chief judge — under the Content-Security-Policy the server sends: no
policy violation, no script error. The pages are found by following links (one page per address
shape), plus the pages reached by posting a form (the judges' access sheet) and those no link
leads to (the scheme builder, a track's certificates, the exam hall's console, marking, a practice
attempt, a chief judge's read-only sheet). What used to be inline handlers still works: a filter
applies when chosen, signing a stage off asks first, and the exam console refreshes itself."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest import seed
from contest.cli import DEFAULT_SEED
from contest.events.models import Event, Judge, PanelMember, Track
from contest.exams.models import Attempt, Exam
from tests.support import ID_KEY

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
SKIP = re.compile(r"\.(xlsx|csv|json|ico)$|^/live/|^/static/|^/schema")
LISTEN = """() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
}"""


def shape(path: str) -> str:
    """Addresses that differ only in an id or a code show the same kind of page (an event's slug
    is kept: a closed event has pages a running one has not)."""
    path = re.sub(r"/\d+(?=/|$)", "/N", urlsplit(path).path)
    return re.sub(r"/(?=[^/]*\d)(?=[^/]*[A-Za-z])[\w-]{12,}(?=/|$)", "/CODE", path)


class Crawl:
    def __init__(self, base: str) -> None:
        self.base, self.seen, self.problems, self.visited = base, set(), [], []

    async def visit(self, page, path: str, budget: int = 30) -> None:
        """Open the page and the pages it links to, one page per address shape, at most `budget`."""
        queue, stop_at = [path], len(self.visited) + budget
        while queue and len(self.visited) < stop_at:
            path = queue.pop(0)
            if shape(path) in self.seen or SKIP.search(urlsplit(path).path):
                continue
            self.seen.add(shape(path))
            await self.check(page, path)
            links = await page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
            for href in links:
                url = urljoin(self.base + path, href)
                if url.startswith(self.base) and "#" not in href:
                    queue.append(url[len(self.base):])

    async def check(self, page, path: str) -> None:
        """Open the page; note every policy violation and script error it causes."""
        errors: list[str] = []

        def script_error(exc) -> None:
            errors.append(f"script error: {exc}")

        def console(message) -> None:
            if "Content Security Policy" in message.text:
                errors.append(message.text)

        page.on("pageerror", script_error)
        page.on("console", console)
        try:
            await page.goto(self.base + path)
            await page.wait_for_timeout(400)  # deferred scripts, htmx and the live stream start
            errors += await page.evaluate("window.__violations")
        finally:
            page.remove_listener("pageerror", script_error)
            page.remove_listener("console", console)
        self.visited.append(path)
        self.problems += [f"{path}: {problem}" for problem in errors]


async def signed_in(browser, base: str, username: str | None = None, path: str | None = None):
    context = await browser.new_context(**DESK)
    await context.add_init_script(f"({LISTEN})()")
    page = await context.new_page()
    if username:
        await page.goto(f"{base}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", "xiangcheng2026")
        await page.click("button[type=submit]")
        await page.wait_for_url(lambda url: "/login" not in url)  # each role lands on its own page
    if path:
        await page.goto(base + path)
    return context, page


async def test_every_page_type_keeps_to_the_policy(browser, live_server, session):
    await seed.load_demo(session, DEFAULT_SEED, ID_KEY.encode())
    crawl = Crawl(live_server)

    visitor, page = await signed_in(browser, live_server)
    for start in ("/", "/registry", "/studios", "/alliances", "/no-such-page", "/login", "/judge/login"):
        await crawl.visit(page, start, budget=12)
    running = (await session.exec(select(Event).where(Event.status == "running"))).first()
    published = (await session.exec(select(Event).where(Event.status == "closed"))).first()
    track = (await session.exec(select(Track).where(Track.event_id == published.id))).first()
    board = f"/events/{published.slug}/tracks/{track.slug}"
    await page.goto(live_server + board)
    await page.select_option("select[name=area]", index=1)  # a filter applies as soon as it is chosen
    await page.wait_for_url(re.compile(r"area=\d+"))
    await crawl.visit(page, f"/screen{board}", budget=1)
    await crawl.visit(page, "/practice", budget=6)
    await crawl.visit(page, "/exam", budget=1)
    attempt = (await session.exec(select(Attempt).order_by(Attempt.finished_at.is_not(None)))).first()
    await crawl.visit(page, f"/practice/attempts/{attempt.token}", budget=1)
    await visitor.close()

    organiser, page = await signed_in(browser, live_server, "admin")
    await crawl.visit(page, "/admin", budget=30)
    await crawl.visit(page, "/admin/registry/report", budget=3)
    await crawl.visit(page, "/admin/exams/", budget=12)
    running_track = (await session.exec(select(Track).where(Track.event_id == running.id))).first()
    await crawl.visit(page, f"/admin/events/{running.slug}/tracks/{running_track.slug}/rounds/1/scheme", budget=1)
    await crawl.visit(page, f"/admin/events/{published.slug}/tracks/{track.slug}/certificates", budget=1)
    exam = (await session.exec(select(Exam))).first()
    await crawl.visit(page, f"/marking/tests/{exam.id}", budget=1)
    await crawl.visit(page, f"/invigilate/tests/{exam.id}", budget=1)
    # the console refreshes itself every 5 s, by site.js rather than an expression htmx would evaluate
    await page.goto(f"{live_server}/invigilate/tests/{exam.id}")
    await page.wait_for_event("request", lambda r: r.url.endswith(f"/invigilate/tests/{exam.id}/rows"),
                              timeout=12_000)
    await page.goto(f"{live_server}/admin/events/{running.slug}")
    await page.eval_on_selector("form[action$='/judges/sheet']", "form => form.removeAttribute('target')")
    await page.click("form[action$='/judges/sheet'] button")
    await page.click("#confirm-change-ok")  # new cards void the old PINs: asked in the shared dialog
    await page.wait_for_url(re.compile(r"/judges/sheet$"))
    await page.wait_for_timeout(400)
    crawl.problems += [f"access sheet: {v}" for v in await page.evaluate("window.__violations")]
    await organiser.close()

    for username in ("reviewer", "scorer1"):
        context, page = await signed_in(browser, live_server, username)
        await crawl.visit(page, "/admin/registry" if username == "reviewer" else "/scorer", budget=8)
        await context.close()

    # a chief judge signs in with the QR link of the (re-issued) access card
    chief = (await session.exec(select(Judge).join(PanelMember, PanelMember.judge_id == Judge.id)
                                .where(Judge.event_id == running.id, PanelMember.is_chief))).first()
    await session.refresh(chief)
    context, page = await signed_in(browser, live_server, path=f"/judge/login/{chief.login_token}")
    await crawl.visit(page, "/judge", budget=8)
    console = next(p for p in crawl.visited if p.startswith("/chief/"))
    await page.goto(live_server + console)
    sheet = await page.eval_on_selector_all("a[href*='/sheets/']", "els => els.map(a => a.getAttribute('href'))")
    if sheet:  # a submitted sheet, read-only
        await crawl.visit(page, sheet[0], budget=1)
        await page.goto(live_server + console)
    button = "form[action$='/signoff'] button"
    await page.eval_on_selector(button, "b => { b.disabled = false; }")  # sheets are missing: it is disabled
    await page.click(button)
    # the confirmation still comes, without an inline handler; cancelled, nothing is signed off
    await expect(page.locator("#confirm-change-text")).to_contain_text("签字确认")
    await page.click("#confirm-change button[value=cancel]")
    await context.close()

    print("VISITED", len(crawl.visited), crawl.visited)
    assert len(crawl.visited) >= 25, crawl.visited
    assert not crawl.problems, "\n".join(crawl.problems)
