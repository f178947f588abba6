"""`contest demo` on a fresh data folder starts its own embedded PostgreSQL, loads the demo and
serves it; Ctrl+C stops the server and its PostgreSQL; the next start finds the same data and does
not load the demo twice."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx
import psutil

from tests.conftest import free_port, text_of
from tests.setup.cli_runner import ROOT

EVENT_NAME = "2026年咸宁市职工烹饪技能大赛"
TABLES = ("account", "area", "unit", "person", "event", "track", "entry", "judge", "draw")


def postgres_serving(folder: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or ())
        if proc.info["name"] == "postgres" and str(folder) in cmdline:
            found.append(proc)
    return found


async def counts(pgdata: Path) -> dict[str, int]:
    """Row counts, over the socket the running embedded server announces in postmaster.pid."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    conn = await asyncpg.connect(host=socket_dir, port=int(port), user="postgres", database="postgres")
    try:
        return {t: await conn.fetchval(f'select count(*) from "{t}"') for t in TABLES}
    finally:
        await conn.close()


class Demo:
    def __init__(self, folder: Path, port: int, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}  # no CONTEST_DATABASE_URL
        env |= {"CONTEST_DATA_DIR": str(folder)}
        self.log = log
        with log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "contest.cli", "demo", "--port", str(port)], env=env,
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
        self.base = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    async def home_page(self, timeout: float = 25) -> str:
        """The home page once it lists the demo events."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while asyncio.get_running_loop().time() < deadline:
                assert self.proc.poll() is None, f"demo exited with {self.proc.returncode}:\n{self.output()}"
                try:
                    response = await client.get(f"{self.base}/")
                    if response.status_code == 200 and EVENT_NAME in response.text:
                        return text_of(response.text)
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"the demo did not list {EVENT_NAME} within {timeout} s:\n{self.output()}")

    async def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        await asyncio.to_thread(self.proc.wait, 20)
        assert "Traceback" not in self.output(), self.output()


async def no_postgres_left(folder: Path) -> None:
    for _ in range(50):  # the demo waits for `pg_ctl stop`; allow a moment for the process table
        if not postgres_serving(folder):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"postgres still runs on {folder}: {[p.info['cmdline'] for p in postgres_serving(folder)]}")


async def test_demo_stops_its_postgres_and_restarts_with_the_same_data():
    folder = Path(tempfile.mkdtemp(prefix="contest-demo-"))  # not pytest's tmp_path: postgres runs as another user
    log = Path(tempfile.mkdtemp(prefix="contest-demo-log-")) / "demo.log"
    demos: list[Demo] = []
    try:
        demos.append(Demo(folder, free_port(), log))
        # initdb, migrations and loading the demo (its judges mark sheets through the real path): the slow part
        first_page = await demos[0].home_page(timeout=180)
        first_counts = await counts(folder / "pgdata")
        assert first_counts["event"] > 0 and first_counts["entry"] > 0
        assert postgres_serving(folder), "the demo should run its own embedded PostgreSQL in the data folder"
        await demos[0].interrupt()
        await no_postgres_left(folder)

        demos.append(Demo(folder, free_port(), log))
        second_page = await demos[1].home_page()
        assert await counts(folder / "pgdata") == first_counts  # same data, not loaded twice
        assert second_page.count("大赛") == first_page.count("大赛")
        assert second_page.count(EVENT_NAME) == first_page.count(EVENT_NAME)
        await demos[1].interrupt()
        await no_postgres_left(folder)
    finally:
        for demo in demos:
            if demo.proc.poll() is None:
                demo.proc.kill()
                demo.proc.wait(10)
        for proc in postgres_serving(folder):  # only a failed run leaves one: the server this test started
            proc.terminate()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(log.parent, ignore_errors=True)
