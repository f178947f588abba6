"""A real `contest serve` / `contest demo` on a data folder of its own, and the embedded
PostgreSQL processes of such a folder: what the tests of starting and stopping share."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import asyncpg
import httpx
import psutil

from tests.setup.cli_runner import ROOT
from tests.support import free_port


def postgres_serving(folder: Path) -> list[psutil.Process]:
    """The postmasters whose command line names the data folder (its backends do not)."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or ())
        if proc.info["name"] == "postgres" and str(folder) in cmdline:
            found.append(proc)
    return found


async def no_postgres_left(folder: Path) -> None:
    for _ in range(50):  # the server waits for `pg_ctl stop`; allow a moment for the process table
        if not postgres_serving(folder):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"postgres still runs on {folder}: {[p.info['cmdline'] for p in postgres_serving(folder)]}")


async def query(folder: Path, sql: str, *args) -> list[asyncpg.Record]:
    """Rows from the folder's running embedded server, over the socket its postmaster.pid announces."""
    lines = (folder / "pgdata" / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    conn = await asyncpg.connect(host=socket_dir, port=int(port), user="postgres", database="postgres")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def counts(folder: Path, tables: tuple[str, ...]) -> dict[str, int]:
    return {t: (await query(folder, f'select count(*) from "{t}"'))[0][0] for t in tables}


@contextmanager
def data_folder() -> Iterator[Path]:
    """A fresh data folder (not under pytest's tmp folders: PostgreSQL runs as another user there),
    removed afterwards with any PostgreSQL a failed test left on it."""
    folder = Path(tempfile.mkdtemp(prefix="contest-data-"))
    try:
        yield folder
    finally:
        for proc in postgres_serving(folder):  # only a failed run leaves one: a server this test started
            proc.terminate()
            with suppress(psutil.Error):
                proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def contest_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a `contest` command on this data folder's embedded PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}  # no CONTEST_DATABASE_URL
    return env | {"CONTEST_DATA_DIR": str(folder)} | extra


def contest(folder: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "contest.cli", *args], env=contest_env(folder, **env), text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=ROOT)


class Server:
    """`contest serve` (or `demo`) in a process of its own, on loopback, its output in a log file."""

    def __init__(self, folder: Path, *args: str, command: str = "serve", port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"{command}-{self.port}.log"
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "contest.cli", command, "--port", str(self.port), *args],
                env=contest_env(folder, **(env or {})), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=ROOT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    async def ready(self, timeout: float = 60, path: str = "/healthz", text: str = "") -> httpx.Response:
        """The first 200 answer to GET path (containing `text`) once the server is up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while loop.time() < deadline:
                assert self.proc.poll() is None, f"the server exited with {self.proc.returncode}:\n{self.output()}"
                try:
                    response = await client.get(f"{self.base}{path}")
                    if response.status_code == 200 and text in response.text:
                        return response
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.base}{path} did not answer within {timeout} s:\n{self.output()}")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> float:
        """Send the signal to the server's process alone; the seconds until it has exited."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.proc.send_signal(sig)
        await asyncio.to_thread(self.proc.wait, timeout)
        assert "Traceback" not in self.output(), self.output()
        return loop.time() - started

    async def stop_with_its_postgres(self, sig: int = signal.SIGTERM) -> float:
        """stop(), then check that no PostgreSQL of the data folder is left; the seconds stop() took."""
        took = await self.stop(sig)
        await no_postgres_left(self.folder)
        return took

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc) -> None:
        self.kill()  # a failed test leaves no server behind
