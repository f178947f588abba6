"""Public pages as a proxy or CDN in front expects them: cacheable for a second, revalidated by ETag,
no cookie where none is needed, compressed, HEAD everywhere, static files under their content's hash."""
from __future__ import annotations

import asyncio
import gzip
import re

from litestar.routes import HTTPRoute

from contest import web
from tests.builders import public_contest, score_everything, set_visibility, sign_in_organiser


async def _public(session):
    contest = await public_contest(session)
    await set_visibility(session, contest, "public")
    return contest


def _pages(contest) -> list[str]:
    board = f"/events/{contest.event.slug}/tracks/{contest.track.slug}"
    return ["/", f"/events/{contest.event.slug}", board, f"{board}/rows", f"/api{board}/board",
            f"/screen{board}", "/registry", "/registry/people", "/studios", "/alliances", "/innovations"]


async def test_anonymous_public_pages_set_no_cookie_and_a_proxy_may_keep_them(client, session):
    contest = await _public(session)
    for path in _pages(contest):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path
        # stale while revalidating for proxies only: a browser would answer the page's fetch() of the
        # board's feed from its stale copy for 30 s after a change (seen in Chromium)
        assert response.headers["cache-control"] == "public, max-age=0, s-maxage=1", path
        assert response.headers["cdn-cache-control"] == "public, max-age=1, stale-while-revalidate=30", path
        assert response.headers["etag"].startswith('W/"'), path
    assert not client.cookies


async def test_static_files_under_their_hash_are_kept_a_year_and_set_no_cookie(client):
    page = (await client.get("/")).text
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links and all("?v=" in link for link in links)
    for link in links:
        response = await client.get(link)
        assert response.status_code == 200, link
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", link
        assert "set-cookie" not in response.headers, link
    plain = await client.get("/static/css/site.css")  # asked for without its hash: revalidated
    assert "immutable" not in plain.headers["cache-control"] and "set-cookie" not in plain.headers


def test_the_static_address_changes_with_the_content(tmp_path):
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "site.css"
    style.write_text("body { color: black }")
    before = web._static_hashes(tmp_path)["css/site.css"]
    style.write_text("body { color: navy }")
    assert web._static_hashes(tmp_path)["css/site.css"] != before
    assert web.static_url("css/site.css") == f"/static/css/site.css?v={web._HASHES['css/site.css']}"


async def test_a_proxy_revalidates_with_the_etag_and_a_change_gives_a_new_one(client, session):
    contest = await _public(session)
    board = f"/events/{contest.event.slug}/tracks/{contest.track.slug}"
    first = await client.get(board)
    tag = first.headers["etag"]
    again = await client.get(board, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert again.headers["cache-control"] == "public, max-age=0, s-maxage=1"  # replaces the kept copy's headers
    await score_everything(session, contest)  # committed: the board shows the scores
    changed = await client.get(board, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


async def test_forms_and_signed_in_pages_keep_csrf_and_no_shared_cache(client, session):
    contest = await _public(session)
    for path in ("/login", f"/events/{contest.event.slug}/tracks/{contest.track.slug}/my-score"):
        client.cookies.clear()
        response = await client.get(path)
        assert "csrftoken=" in response.headers["set-cookie"], path
        assert response.headers["cache-control"] == "private, no-cache", path
    client.cookies.clear()
    await sign_in_organiser(client, session)  # the form's token still works
    admin = await client.get("/admin")
    assert admin.status_code == 200 and admin.headers["cache-control"] == "private, no-cache"


async def test_html_json_and_css_are_gzipped(client, session):
    contest = await _public(session)
    board = f"/events/{contest.event.slug}/tracks/{contest.track.slug}"
    for path in (board, f"/api{board}/board", web.static_url("css/site.css")):
        response = await client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers.get("content-encoding") == "gzip", path
        assert response.content  # httpx decoded it
    raw = await client.get(board, headers={"Accept-Encoding": "gzip"})
    assert len(gzip.compress(raw.content)) < len(raw.content)


def _filled(path: str, contest) -> str:
    values = {"slug": contest.event.slug, "track": contest.track.slug, "track_id": str(contest.track.id)}
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: values.get(m[1], "1" if m[2] == "int" else "x"), path)


async def test_head_answers_like_get_on_every_get_route(app, client, session):
    contest = await _public(session)
    routes = [r for r in app.routes if isinstance(r, HTTPRoute) and "GET" in r.methods]
    paths = sorted({_filled(route.path, contest) for route in routes if not route.path.startswith("/static")})
    paths.append(web.static_url("css/site.css"))
    assert len(paths) > 100
    live = next(path for path in paths if path.startswith("/live/"))
    paths.remove(live)  # a stream's GET never ends; its HEAD ends after the headers
    head = await asyncio.wait_for(client.head(live), 10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("text/event-stream")
    for path in paths:
        got, head = await client.get(path), await client.head(path)
        assert head.status_code == got.status_code != 405, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert head.headers.get("cache-control") == got.headers.get("cache-control"), path  # a proxy asks HEAD too
