"""Every response carries the security headers (a Content-Security-Policy without inline script,
no framing, no sniffing, a referrer policy); no template holds inline script or event handlers for
that policy to break; the pages with PINs are never cached; cookies are Secure behind HTTPS."""
import re
from dataclasses import replace
from pathlib import Path

import httpx

from contest.app import create_app
from tests.builders import make_contest

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
EVAL_IN_HTMX = re.compile(r"hx-on|hx-vals=['\"]js:|hx-trigger=\"[^\"]*\[")


def assert_secured(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_pages_files_errors_and_api_carry_the_headers(client, session):
    await make_contest(session)
    for path in ("/", "/login", "/judge/login", "/static/js/site.js", "/no-such-page", "/admin",
                 "/api/judge/queue", "/events/cook"):
        assert_secured(await client.get(path))


def test_no_template_or_script_relies_on_inline_code():
    for template in (ROOT / "templates").rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(html), f"{template}: inline <script>"
        assert not HANDLER.search(html), f"{template}: an on… handler attribute"
        assert "javascript:" not in html and " style=" not in html, f"{template}: javascript: URL or style attribute"
        assert not EVAL_IN_HTMX.search(html), f"{template}: an htmx feature that needs eval"


async def test_pages_showing_pins_are_not_stored(organiser, session):
    contest = await make_contest(session)
    added = await organiser.form(f"/admin/events/{contest.event.slug}/judges", {"name": "评委新"})
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    sheet = await organiser.form(f"/admin/events/{contest.event.slug}/judges/sheet")
    assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"


async def test_cookies_are_secure_when_served_over_https(settings, clean_db):
    from contest.auth import create_account

    app = create_app(replace(settings, base_url="https://jingsai.example.cn", secure_cookies=True))
    async with app.lifespan():
        async with app.state.sessionmaker() as session:
            await create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
            page = await c.get("/login")
            assert "secure" in page.headers["set-cookie"].lower()  # the CSRF cookie
            assert page.headers["strict-transport-security"].startswith("max-age=")
            signed = await c.post("/login", data={"username": "clerk", "password": "correct-horse"},
                                  headers={"x-csrftoken": c.cookies["csrftoken"]})
            assert signed.status_code == 303
            session_cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith("session="))
            assert "secure" in session_cookie.lower() and "httponly" in session_cookie.lower()


def test_an_https_base_url_turns_secure_cookies_on(monkeypatch, tmp_path):
    from contest.settings import Settings

    monkeypatch.setenv("CONTEST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONTEST_BASE_URL", "https://jingsai.example.cn")
    monkeypatch.delenv("CONTEST_SECURE_COOKIES", raising=False)
    assert Settings.from_env().secure_cookies
    monkeypatch.setenv("CONTEST_BASE_URL", "http://192.168.1.10:8000")
    assert not Settings.from_env().secure_cookies
