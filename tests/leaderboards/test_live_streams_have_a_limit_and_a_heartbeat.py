"""A worker's live streams at city scale, against a real `contest serve` (CONTEST_MAX_STREAMS=1,
CONTEST_LIVE_HEARTBEAT=1): an open stream gets a comment at every heartbeat, so idle proxies keep it;
the stream over the limit is refused with a 503, Retry-After and a Chinese message, and changes
nothing; once a viewer leaves, the next is let in (and a stream refused as not found keeps no place)."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.builders import make_contest
from tests.support import contest_server


@pytest.fixture(scope="module")
def one_stream_server(settings, tmp_path_factory):
    with contest_server(settings, 1, tmp_path_factory.mktemp("one-stream") / "server.log",
                        CONTEST_MAX_STREAMS="1", CONTEST_LIVE_HEARTBEAT="1") as base:
        yield base


async def read_until(lines, wanted: str, seconds: float) -> list[str]:
    """The stream's lines up to and including the first that starts with `wanted`."""
    seen = []

    async def read() -> None:
        async for line in lines:
            seen.append(line)
            if line.startswith(wanted):
                return

    await asyncio.wait_for(read(), seconds)
    return seen


async def test_one_stream_in_and_the_next_told_to_come_back(one_stream_server, session):
    contest = await make_contest(session, contestants=2, judges=3)
    path = f"/live/tracks/{contest.track.id}"
    async with httpx.AsyncClient(base_url=one_stream_server, timeout=10) as client:
        async with client.stream("GET", path) as first:
            assert first.status_code == 200
            assert first.headers["content-type"].startswith("text/event-stream")
            assert first.headers["x-accel-buffering"] == "no"  # nginx passes it through unbuffered
            lines = first.aiter_lines()
            assert "event: board" in await read_until(lines, "event: board", 10)
            await read_until(lines, ": ping", 5)  # the heartbeat comes while nothing changes (the default: 20 s)
            await read_until(lines, ": ping", 5)

            refused = await client.get(path, headers={"Accept": "text/event-stream"})
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "15"
            assert "人数较多" in refused.text

        async def admitted() -> bool:  # the server notices the first viewer left, then lets the next in
            async with client.stream("GET", path) as again:
                return again.status_code == 200

        async def unknown_track() -> int:  # asked once the last viewer's place is free again
            deadline = time.monotonic() + 10
            while (status := (await client.get("/live/tracks/99999")).status_code) == 503:
                assert time.monotonic() < deadline, "a stream that ended still counts against the limit"
                await asyncio.sleep(0.2)
            return status

        deadline = time.monotonic() + 10
        while not await admitted():
            assert time.monotonic() < deadline, "a stream that ended still counts against the limit"
            await asyncio.sleep(0.2)
        for _ in range(2):  # a stream refused for another reason holds no place either
            assert await unknown_track() == 404
        assert await admitted()
