"""Public pages from memory: no database query per view while nothing changes, never older than the
announcement of a committed change, the database asked again whenever the announcements may be missed."""
from __future__ import annotations

import asyncio

import asyncpg

from contest import db
from contest.leaderboards.service import BOARDS
from tests.builders import public_contest, set_visibility
from tests.support import statements


async def _announced(app, write: str, pg_url: str) -> None:
    """Commit a write from another connection (as another worker or server would) and wait until
    its announcement has reached this worker."""
    revision = app.state.revision
    before = revision._generation
    conn = await asyncpg.connect(db.libpq_url(pg_url))
    try:
        await conn.execute(write)
    finally:
        await conn.close()
    for _ in range(500):
        if revision._generation != before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the announcement never reached the worker")


async def _public_board(session):
    contest = await public_contest(session)
    await set_visibility(session, contest, "public")
    return contest, f"/events/{contest.event.slug}/tracks/{contest.track.slug}"


async def test_views_cost_no_query_while_nothing_changes(app, client, session):
    contest, board = await _public_board(session)
    pages = [board, f"{board}/rows?page=1", f"/api{board}/board", f"/events/{contest.event.slug}", "/",
             "/registry", "/studios"]
    for page in pages:  # rendered once each
        assert (await client.get(page)).status_code == 200
    with statements(app) as sent:
        for _ in range(100):
            for page in pages:
                assert (await client.get(page)).status_code == 200
    assert sent == []


async def test_a_page_after_an_announced_change_shows_it(app, client, session, pg_url):
    contest, board = await _public_board(session)
    first = await client.get(board)
    assert first.status_code == 200 and "全市烹饪技能大赛" not in first.text
    tag = first.headers["etag"]
    await _announced(app, f"update event set name = '全市烹饪技能大赛' where id = {contest.event.id}", pg_url)
    changed = await client.get(board, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "全市烹饪技能大赛" in changed.text
    assert changed.headers["etag"] != tag
    assert "全市烹饪技能大赛" in (await client.get(f"/events/{contest.event.slug}")).text
    assert "全市烹饪技能大赛" in (await client.get("/")).text


async def test_without_announcements_every_view_asks_the_database(app, client, session, pg_url):
    _, board = await _public_board(session)
    listener = app.state.revision._listener
    await client.get(board)
    listener.up = False  # as while the worker reconnects to a restarted database
    try:
        with statements(app) as sent:
            await client.get(board)
            await client.get(board)
        assert len(sent) == 2  # the revision, once per view; the page itself still from memory
        conn = await asyncpg.connect(db.libpq_url(pg_url))
        try:  # committed while nothing would be heard
            await conn.execute("update track set name = '中式烹调（决赛）'")
        finally:
            await conn.close()
        assert "中式烹调（决赛）" in (await client.get(board)).text
    finally:
        listener.up = True
        app.state.revision.forget()


async def test_pages_typed_by_hand_do_not_grow_memory(app, client, session, monkeypatch):
    _, board = await _public_board(session)
    monkeypatch.setattr(BOARDS, "MAX_PAGES", 20)
    for n in range(60):
        await client.get(f"{board}?q={n}")
    assert len(BOARDS._pages) == 20
