"""/healthz asks the database: 503 within 2 s of PostgreSQL stopping (a load balancer stops sending
people to a server that can only fail), 200 again once it is back."""
import asyncio
import signal
import time

import httpx

from contest import db
from tests.setup.serving import Server, postgres_serving

WITHIN = 2  # seconds


async def poll_until(client: httpx.AsyncClient, status: int, limit: float) -> tuple[float, list[float]]:
    """Ask /healthz until it answers `status`; the seconds that took and how long each answer took."""
    started, took = time.monotonic(), []
    while time.monotonic() - started < limit:
        asked = time.monotonic()
        response = await client.get("/healthz")
        took.append(time.monotonic() - asked)
        if response.status_code == status:
            return time.monotonic() - started, took
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz did not answer {status} within {limit} s")


async def test_healthz_follows_the_database(seeded_folder):
    async with Server(seeded_folder) as server, httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        ok = await server.ready()
        assert ok.json() == {"status": "ok", "database": "ok"}
        [postmaster] = postgres_serving(seeded_folder)
        postmaster.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown, as a crash or an operator would
        await asyncio.to_thread(postmaster.wait, 30)
        after, took = await poll_until(client, 503, WITHIN)
        assert max(took) < WITHIN
        down = await client.get("/healthz")
        assert down.status_code == 503 and down.json()["status"] == "unavailable"

        postgres = db.EmbeddedPostgres(seeded_folder)  # PostgreSQL comes back
        await asyncio.to_thread(postgres.start)
        try:
            back, _ = await poll_until(client, 200, 10)
            assert (await client.get("/")).status_code == 200
        finally:
            assert postgres.stop() is False  # the server still uses it: left running
        print(f"\n/healthz: 503 {after:.2f} s after PostgreSQL stopped (slowest answer {max(took):.2f} s), "
              f"200 {back:.2f} s after it was back")
        await server.stop_with_its_postgres(signal.SIGTERM)
