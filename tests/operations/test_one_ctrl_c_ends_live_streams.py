"""One SIGINT to the server's process stops everything within a few seconds, even with 50 live
boards open: the streams end as soon as the server is told to stop (uvicorn would otherwise wait
for them until its grace period runs out), then the workers, the server and its embedded PostgreSQL."""
import asyncio
import re
import signal
import time

import httpx
import psutil

from tests.setup.serving import Server, no_postgres_left

STREAMS = 50
LIMIT = 10  # seconds from the signal to nothing left running
PROMPT = 2  # seconds from the signal to the streams' end: they do not wait for uvicorn's grace period


async def follow(client: httpx.AsyncClient, url: str, opened: asyncio.Queue) -> float:
    """Read one live stream until the server ends it; the moment it ended."""
    async with client.stream("GET", url) as response:
        assert response.status_code == 200
        try:
            async for line in response.aiter_lines():
                if line.startswith("event: board"):
                    opened.put_nowait(url)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            pass  # a connection cut rather than closed still ends the stream
    return time.monotonic()


async def test_one_sigint_with_50_live_streams_stops_everything_within_10_s(seeded_folder):
    async with Server(seeded_folder, "--workers", "2") as server:
        page = await server.ready(path="/events/tea-2026/tracks/tea-tasting")
        live = re.search(r'sse-connect="(/live/tracks/\d+)', page.text)[1]
        processes = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(recursive=True)]
        opened: asyncio.Queue = asyncio.Queue()
        limits = httpx.Limits(max_connections=STREAMS + 5)
        async with httpx.AsyncClient(base_url=server.base, timeout=httpx.Timeout(5, read=60), limits=limits) as client:
            streams = [asyncio.create_task(follow(client, live, opened)) for _ in range(STREAMS)]
            for _ in range(STREAMS):  # every stream has its first board: 50 open live boards
                await asyncio.wait_for(opened.get(), 30)
            signalled = time.monotonic()
            server.proc.send_signal(signal.SIGINT)  # to the server's process alone
            ended = await asyncio.wait_for(asyncio.gather(*streams), LIMIT)
            await asyncio.to_thread(server.proc.wait, LIMIT)
            _, left = await asyncio.to_thread(psutil.wait_procs, processes, LIMIT - (time.monotonic() - signalled))
            await no_postgres_left(seeded_folder)
            stopped = time.monotonic() - signalled
    assert max(ended) - signalled < PROMPT, f"the last stream ended {max(ended) - signalled:.1f} s after SIGINT"
    assert not left, left
    assert stopped < LIMIT, f"everything stopped {stopped:.1f} s after the signal"
    print(f"\n{STREAMS} streams ended {max(ended) - signalled:.2f} s after SIGINT; "
          f"server and PostgreSQL gone after {stopped:.2f} s")
