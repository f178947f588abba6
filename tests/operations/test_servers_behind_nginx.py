"""Several servers behind one address, as deploy/nginx.conf sets them up: that very file (its paths
and ports rewritten for a temporary folder and loopback) runs in a real nginx in front of two
`contest serve` servers on one database. A judge submits the sheet that completes a result through
server A; the change arrives on a live stream opened through nginx and on one opened on server B.
Through nginx: anonymous public pages are kept a second (never a response that sets a cookie),
signed-in visitors and the organiser's pages pass by the cache, live streams are neither
buffered nor compressed, static files are kept long when named by their content."""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.builders import FULL, make_contest, put_sheet, set_visibility, sign_in_judge, submit
from tests.support import Client, contest_server, nginx_binary, nginx_in_front


@pytest.fixture(scope="module")
def server_b(settings, live_server, tmp_path_factory) -> Iterator[str]:
    with contest_server(settings, 1, tmp_path_factory.mktemp("server-b") / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def nginx(live_server, server_b) -> Iterator[str]:
    if nginx_binary() is None:
        pytest.fail("no nginx on this machine: apt-get install nginx (CI's .ci/run does)")
    with nginx_in_front([live_server, server_b]) as base:
        yield base


async def board_events(base: str, path: str, into: list[str], opened: asyncio.Event) -> None:
    """Collect the `board` events of a live stream (their data lines) until cancelled."""
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10, read=60)) as client, \
            client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert "content-encoding" not in response.headers  # a compressed stream would wait for a full buffer
        event, data = None, []
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and event == "board":
                into.append("\n".join(data))
                opened.set()
            if line == "":
                event, data = None, []


def total_of(html: str, code: str) -> str:
    found = re.search(rf'<tr id="row-{code}".*?<td class="num total">([^<]*)</td>', html, re.S)
    return found.group(1).strip() if found else ""


async def test_a_sheet_through_one_server_reaches_streams_through_nginx_and_on_another(
        nginx, live_server, server_b, session):
    contest = await make_contest(session, contestants=3, judges=3)
    await set_visibility(session, contest, "blind")  # totals show before sign-off, under blind codes
    first, last_judge = contest.entries[0], contest.judges[-1]
    await submit(session, contest, contest.judges[0], contest.theory, first, {"written": "90"})
    for judge in contest.judges[:-1]:
        await submit(session, contest, judge, contest.practical, first, FULL)

    path = f"/live/tracks/{contest.track.id}"
    streams = {"through nginx": (nginx, []), "on server B": (server_b, [])}
    opened = {name: asyncio.Event() for name in streams}
    readers = [asyncio.create_task(board_events(base, path, seen, opened[name]))
               for name, (base, seen) in streams.items()]
    try:
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened.values())), 20)
        for _, seen in streams.values():
            assert total_of(seen[-1], first.blind_code) == "", "the total showed before the last sheet"

        async with Client(base_url=live_server, timeout=10) as judge_a:  # server A, directly
            assert (await sign_in_judge(judge_a, contest, last_judge.number)).status_code == 200
            answer = await put_sheet(judge_a, contest, first, FULL, 0, submit=True)
            assert answer.status_code == 200, answer.text

        deadline = time.monotonic() + 10
        while not all(seen and total_of(seen[-1], first.blind_code) for _, seen in streams.values()):
            assert time.monotonic() < deadline, {n: len(s) for n, (_, s) in streams.items()}
            await asyncio.sleep(0.05)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def test_nginx_keeps_public_pages_a_second_and_nothing_private(nginx, session):
    contest = await make_contest(session, contestants=3, judges=3)
    board = f"/events/{contest.event.slug}/tracks/{contest.track.slug}"
    async with httpx.AsyncClient(base_url=nginx, timeout=10) as anonymous:
        page = await anonymous.get(board)
        assert page.status_code == 200 and contest.track.name in page.text
        again = await anonymous.get(board)
        # nginx keeps no response that sets a cookie; one that sets none is served from the cache
        assert again.headers["x-cache"] == ("MISS" if "set-cookie" in page.headers else "HIT")
        assert again.text == page.text

        signed_in = await anonymous.get(board, headers={"Cookie": "session=a-token"})
        assert signed_in.headers["x-cache"] == "BYPASS"
        admin = await anonymous.get("/admin/", follow_redirects=False)
        assert "x-cache" not in admin.headers  # the organiser's pages have no cache at all

        script = await anonymous.get("/static/js/board.js")
        assert script.status_code == 200 and script.headers["cache-control"] == "public, max-age=300"
        named = await anonymous.get("/static/js/board.js?v=0123abcd")
        assert named.headers["cache-control"] == "public, max-age=31536000, immutable"
