"""`contest demo` on a fresh data folder starts its own embedded PostgreSQL, loads the demo and
serves it; Ctrl+C stops the server and its PostgreSQL; the next start finds the same data and does
not load the demo twice."""
from __future__ import annotations

import signal

from tests.setup.serving import Server, counts, data_folder, postgres_serving
from tests.support import text_of

EVENT_NAME = "2026年咸宁市职工烹饪技能大赛"
TABLES = ("account", "area", "unit", "person", "event", "track", "entry", "judge", "draw")


async def home_page(demo: Server, timeout: float = 25) -> str:
    """The home page once it lists the demo events."""
    return text_of((await demo.ready(timeout, path="/", text=EVENT_NAME)).text)


async def test_demo_stops_its_postgres_and_restarts_with_the_same_data():
    with data_folder() as folder:
        async with Server(folder, command="demo") as demo:
            # initdb, migrations and loading the demo (its judges mark sheets through the real path): the slow part
            first_page = await home_page(demo, timeout=180)
            first_counts = await counts(folder, TABLES)
            assert first_counts["event"] > 0 and first_counts["entry"] > 0
            assert postgres_serving(folder), "the demo should run its own embedded PostgreSQL in the data folder"
            await demo.stop_with_its_postgres(signal.SIGINT)

        async with Server(folder, command="demo") as demo:
            second_page = await home_page(demo)
            assert await counts(folder, TABLES) == first_counts  # same data, not loaded twice
            assert second_page.count("大赛") == first_page.count("大赛")
            assert second_page.count(EVENT_NAME) == first_page.count(EVENT_NAME)
            await demo.stop_with_its_postgres(signal.SIGINT)
