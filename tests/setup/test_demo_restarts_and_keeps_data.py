"""`contest demo` on a fresh data folder starts its own embedded PostgreSQL, loads the demo and
serves it; Ctrl+C stops the server and its PostgreSQL; the next start finds the same data and does
not load the demo twice."""
from __future__ import annotations

import signal
from pathlib import Path

import asyncpg

from tests.setup.serving import Server, data_folder, no_postgres_left, postgres_serving
from tests.support import text_of

EVENT_NAME = "2026年咸宁市职工烹饪技能大赛"
TABLES = ("account", "area", "unit", "person", "event", "track", "entry", "judge", "draw")


async def counts(pgdata: Path) -> dict[str, int]:
    """Row counts, over the socket the running embedded server announces in postmaster.pid."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    conn = await asyncpg.connect(host=socket_dir, port=int(port), user="postgres", database="postgres")
    try:
        return {t: await conn.fetchval(f'select count(*) from "{t}"') for t in TABLES}
    finally:
        await conn.close()


async def home_page(demo: Server, timeout: float = 25) -> str:
    """The home page once it lists the demo events."""
    return text_of((await demo.ready(timeout, path="/", text=EVENT_NAME)).text)


async def test_demo_stops_its_postgres_and_restarts_with_the_same_data():
    with data_folder() as folder:
        demos: list[Server] = []
        try:
            demos.append(Server(folder, command="demo"))
            # initdb, migrations and loading the demo (its judges mark sheets through the real path): the slow part
            first_page = await home_page(demos[0], timeout=180)
            first_counts = await counts(folder / "pgdata")
            assert first_counts["event"] > 0 and first_counts["entry"] > 0
            assert postgres_serving(folder), "the demo should run its own embedded PostgreSQL in the data folder"
            await demos[0].stop(signal.SIGINT)
            await no_postgres_left(folder)

            demos.append(Server(folder, command="demo"))
            second_page = await home_page(demos[1])
            assert await counts(folder / "pgdata") == first_counts  # same data, not loaded twice
            assert second_page.count("大赛") == first_page.count("大赛")
            assert second_page.count(EVENT_NAME) == first_page.count(EVENT_NAME)
            await demos[1].stop(signal.SIGINT)
            await no_postgres_left(folder)
        finally:
            for demo in demos:
                demo.kill()
