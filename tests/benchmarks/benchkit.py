"""What the benchmarks share: a throw-away embedded PostgreSQL, servers started as subprocesses on
free loopback ports, a judged contest set up through the services, and latency figures.

Imported by the benchmark scripts in this folder (run from anywhere: they put the repository
root on sys.path); pytest does not collect it."""
from __future__ import annotations

import asyncio
import atexit
import csv
import io
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SECRET = "benchmark-secret-" * 3
ID_KEY = "benchmark-id-hash-key"


# --- PostgreSQL --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    folder: Path
    url: str  # postgresql+asyncpg://…, for the product
    postgres: Any  # contest.db.EmbeddedPostgres

    def discard(self) -> None:
        """Stop the embedded PostgreSQL and delete its folder now (not only at exit)."""
        self.postgres.discard()

    @property
    def libpq(self) -> str:
        """The same database as a plain libpq URL (asyncpg.connect, the bare app's BASELINE_DSN)."""
        return self.url.replace("postgresql+asyncpg://", "postgresql://")


def start_database() -> Database:
    """A new embedded PostgreSQL in a temporary folder, migrated; the server stops and the folder is
    deleted when this process exits."""
    from contest import db

    postgres = db.EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="contest-bench-pg-")))
    url = postgres.start()
    atexit.register(postgres.discard)
    db.upgrade(url)
    return Database(postgres.data_dir, url, postgres)


# --- servers -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Running:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server process and its workers."""
        return process_tree_cpu(self.pid)


@contextmanager
def server(command: Sequence[str], env: dict[str, str], log: Path, cwd: Path = ROOT,
           ready_path: str = "/healthz", port: int | None = None) -> Iterator[Running]:
    """Run a server process until the block ends; yields it once `ready_path` answers.

    It is stopped with SIGINT, which uvicorn handles like SIGTERM but then re-raises as
    KeyboardInterrupt, so that `python -m cProfile` still writes its profile (a re-raised SIGTERM
    would kill the process before that)."""
    port = port or free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=os.environ | env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{command[0]} … exited with {proc.returncode}; see {log}")
                try:
                    if httpx.get(base + ready_path, timeout=2).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not answer within 60 s; see {log}")
                time.sleep(0.2)
            yield Running(base, proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def contest_server(database: Database, data_dir: Path, workers: int, log: Path,
                   profile: Path | None = None):
    """`contest serve --workers N` on the database (under cProfile when `profile` is a file: one
    worker only, the profile is written when the server stops)."""
    port = free_port()
    env = {"CONTEST_DATABASE_URL": database.url, "CONTEST_DATA_DIR": str(data_dir), "CONTEST_SECRET_KEY": SECRET,
           "CONTEST_ID_HASH_KEY": ID_KEY, "CONTEST_BASE_URL": f"http://127.0.0.1:{port}"}
    prefix = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else [])
    return server([*prefix, "-m", "contest.cli", "serve", "--port", "{port}", "--workers", str(workers)], env, log,
                  port=port)


def baseline_server(database: Database, workers: int, log: Path):
    """The bare Litestar + asyncpg app (baseline_app.py in this folder) on the same PostgreSQL.
    Its startup creates its table first, once: two workers creating it at the same moment can
    collide in PostgreSQL's catalog, and then uvicorn stops the whole server."""
    os.environ["BASELINE_DSN"] = database.libpq
    import baseline_app

    async def create_table() -> None:
        app = SimpleNamespace(state=SimpleNamespace())
        await baseline_app.startup(app)
        await app.state.pool.close()

    asyncio.run(create_table())
    return server([sys.executable, "-m", "uvicorn", "baseline_app:app", "--host", "127.0.0.1", "--port", "{port}",
                   "--workers", str(workers), "--log-level", "warning"],
                  {"BASELINE_DSN": database.libpq}, log, cwd=HERE, ready_path="/html")


class KeepAlive:
    """One bare HTTP/1.1 keep-alive connection: each request written as bytes, each answer read by
    its Content-Length. It costs tens of microseconds of CPU per request where httpx costs about
    two milliseconds, so the load generator, which shares the machine's cores with the server,
    stays out of the latencies it measures."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        host_port = base.removeprefix("http://")
        self.host, self.port = host_port.split(":")
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"host": host_port, **(headers or {})}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/json") -> tuple[int, bytes]:
        """Send on the open connection, or a new one. A kept connection the server closed while it
        was idle (uvicorn's keep-alive timeout is 5 s) is opened again and the request sent once
        more, as browsers do; no answer was read from it, so nothing is counted twice."""
        if self.writer is not None and self.reader.at_eof():
            await self.close()
        if self.writer is not None:
            try:
                return await self._exchange(method, path, body, content_type)
            except (OSError, asyncio.IncompleteReadError):
                await self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, int(self.port))
        return await self._exchange(method, path, body, content_type)

    async def _exchange(self, method: str, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}content-type: {content_type}\r\n"
                          f"content-length: {len(body)}\r\n\r\n".encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
        length = next(int(line.split(":", 1)[1]) for line in head if line.startswith("content-length:"))
        answer = await self.reader.readexactly(length)
        if any(line.startswith("connection:") and "close" in line for line in head):
            await self.close()
        return int(head[0].split()[1]), answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


# --- a contest to judge ------------------------------------------------------------------------------


@dataclass
class Contest:
    event_code: str
    criteria: list[dict]  # the practical stage's criteria as in the scheme
    seats: dict[str, tuple[int, list[int]]]  # judge number -> (their practical stage, its entries in running order)
    pins: dict[str, str]  # judge number -> PIN


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建华", "秀英", "志强", "芳", "伟", "丽", "国平", "敏", "桂兰", "涛", "海燕", "明", "静", "军", "红梅"]


def contestants_csv(count: int) -> bytes:
    from contest.people.identity import make_id_number

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级"])
    for i in range(count):
        gender = "男" if i % 2 else "女"
        writer.writerow([SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], gender,
                         make_id_number("421202", date(1980 + i % 20, 1 + i % 12, 1 + i % 28), i % 400, gender),
                         f"1380000{i:04d}", f"咸宁市某单位{i % 7}", "咸安区", "三级/高级工"])
    return out.getvalue().encode("utf-8")


def scheme_with(criteria: int) -> dict:
    """The product's default scheme (theory 30% + practical 70%) with `criteria` practical criteria."""
    from contest.events.service import default_scheme

    scheme = default_scheme("基准测试")
    practical = next(s for s in scheme["stages"] if s["key"] == "practical")
    practical["criteria"] = [{"key": f"c{i:02d}", "name": f"评分项{i}", "max": 10, "kind": "judgement", "step": "0.5"}
                             for i in range(1, criteria + 1)]
    return scheme


def set_up_contest(database: Database, entries: int, judges: int, criteria: int,
                   cheap_pins: bool = True, panel_size: int | None = None) -> Contest:
    """An event that is running, with tracks of `entries` drawn contestants each and a practical
    stage of `criteria` criteria, set up through the services. The `judges` sit in panels of
    `panel_size` (default: all in one), one track per panel, the first of each its chief.

    With cheap_pins the PINs are hashed with light argon2id parameters (the server verifies with the
    parameters in the hash): signing judges in is not what the benchmarks measure."""
    return asyncio.run(_set_up(database, entries, judges, criteria, cheap_pins, panel_size or judges))


@asynccontextmanager
async def bench_event(database: Database):
    """A session on the benchmark's database and the event every benchmark sets up (基准测试大赛,
    in 咸安区); the engine goes when the block ends."""
    from contest import db
    from contest.events import service as events
    from contest.people.models import Area

    engine = db.make_engine(database.url, pool_size=2)
    try:
        async with db.make_sessionmaker(engine)() as session:
            session.add(Area(code="421202", name="咸安区"))
            await session.commit()
            yield session, await events.create_event(session, events.EventInput(slug="bench", name="基准测试大赛",
                                                                                 year=2026))
    finally:
        await engine.dispose()


async def _set_up(database: Database, entries: int, judges: int, criteria: int, cheap_pins: bool,
                  panel_size: int) -> Contest:
    from argon2 import PasswordHasher
    from sqlmodel import select

    from contest.events import service as events
    from contest.events.models import Entry
    from contest.judging import service as judging

    if cheap_pins:
        events.hash_secret = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash
    async with bench_event(database) as (session, event):
        scheme = scheme_with(criteria)
        added = [await events.add_judge(session, event, f"评委{i + 1:03d}", None) for i in range(judges)]
        for judge, _ in added:  # every judge accepts the pledge before scoring
            await judging.accept_pledge(session, judge, event, judging.current_pledge(event), [], [], "")
        tracks, seats = [], {}
        for start in range(0, judges, panel_size):
            panel = [j for j, _ in added[start:start + panel_size]]
            track = await events.create_track(session, event, events.TrackInput(
                slug=f"chef{len(tracks) + 1}", name=f"中式烹调师{len(tracks) + 1}"), scheme=scheme)
            report = await events.import_contestants(session, track, "contestants.csv", contestants_csv(entries),
                                                     id_key=ID_KEY.encode())
            assert report.imported == entries, report.problems[:3]
            round_ = (await events.list_rounds(session, track))[0]
            stages = {s.key: s for s in await events.list_stages(session, round_)}
            ids = [j.id for j in panel]
            await events.create_panel(session, stages["practical"], "实操组", ids, ids[0])
            await events.create_panel(session, stages["theory"], "理论组", ids[:1], ids[0])
            await events.draw_blind_codes(session, track, "监督员")
            entry_ids = list((await session.exec(select(Entry.id).where(Entry.track_id == track.id)
                                                 .order_by(Entry.running_order))).all())
            seats.update({j.number: (stages["practical"].id, entry_ids) for j in panel})
            tracks.append(track)
        for step in ("registration", "running"):
            await events.set_event_status(session, event, step)
        practical = next(s for s in scheme["stages"] if s["key"] == "practical")
        return Contest(event.judge_code, practical["criteria"], seats, {j.number: pin for j, pin in added})


async def signed_in_client(base: str, contest: Contest, number: str) -> KeepAlive:
    """A connection signed in as the judge, like a tablet: the session cookie and the CSRF token
    go with every request."""
    async with httpx.AsyncClient(base_url=base) as client:
        await client.get("/judge/login")
        client.headers["x-csrftoken"] = client.cookies["csrftoken"]
        response = await client.post("/api/judge/session", json={"event_code": contest.event_code,
                                                                 "number": number, "pin": contest.pins[number]})
        if response.status_code != 200:
            raise RuntimeError(f"judge {number} could not sign in: {response.status_code} {response.text}")
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return KeepAlive(base, {"cookie": cookies, "x-csrftoken": client.headers["x-csrftoken"]})


# --- figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    count: int
    seconds: float  # wall time of the measured requests
    p50: float
    p95: float
    p99: float
    max: float  # latencies in milliseconds

    @property
    def throughput(self) -> float:
        return self.count / self.seconds

    def line(self, label: str) -> str:
        return (f"{label:<34} n={self.count:<6} p50 {self.p50:7.1f} ms  p95 {self.p95:7.1f} ms  "
                f"p99 {self.p99:7.1f} ms  max {self.max:7.1f} ms  {self.throughput:7.1f} req/s")


def figures(latencies_ms: Sequence[float], seconds: float) -> Figures:
    ordered = sorted(latencies_ms)

    def pct(p: int) -> float:  # nearest rank
        return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]

    return Figures(len(ordered), seconds, statistics.median(ordered), pct(95), pct(99), ordered[-1])


def cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


# --- CPU ---------------------------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from 3 (state) on


def process_tree(pid: int) -> set[int]:
    """A process and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat(int(entry))[1])
            except (OSError, IndexError):
                continue
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo += [child for child, parent in parents.items() if parent == current and child not in tree]
    return tree


def process_tree_cpu(pid: int) -> float:
    """user + system seconds of a process and its descendants (Linux /proc)."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = _stat(member)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def process_tree_rss(pid: int) -> int:
    """Resident memory of a process and its descendants, in bytes."""
    return sum(int(_stat(member)[21]) * PAGE for member in process_tree(pid) if os.path.exists(f"/proc/{member}"))


def raise_open_files() -> int:
    """Lift this process's (and so its children's) open-file limit to the hard limit: every stream
    is a socket in a client and in a server. Returns the limit now in force."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def postgres_cpu(database: Database) -> float:
    """CPU seconds of PostgreSQL so far: the postmaster and its live children, plus the children it
    has reaped (backends of closed connections, autovacuum workers), so that none goes missing."""
    pid, total = int((database.folder / "pgdata" / "postmaster.pid").read_text().split()[0]), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = _stat(int(entry))
            except OSError:
                continue
            if int(entry) == pid:
                total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
            elif int(fields[1]) == pid:
                total += int(fields[11]) + int(fields[12])
    return total / TICKS


async def sample_backends(dsn: str, stop: asyncio.Event, every: float = 0.05) -> tuple[int, Counter[str]]:
    """What PostgreSQL's client backends are doing, sampled from pg_stat_activity: running, waiting
    on a lock (which kind), on WAL, or idle in a transaction, waiting for the application."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    samples, seen = 0, Counter()
    try:
        while not stop.is_set():
            rows = await conn.fetch("select state, wait_event_type, wait_event from pg_stat_activity "
                                    "where backend_type = 'client backend' and pid <> pg_backend_pid() "
                                    "and state <> 'idle' and query not like 'LISTEN%'")
            samples += 1
            for state, kind, event in rows:
                if state == "active":
                    seen[f"active, waiting on {kind}:{event}" if kind else "active, running"] += 1
                else:
                    seen[f"{state} (waiting for the app)" if state.startswith("idle in") else state] += 1
            await asyncio.sleep(every)
    finally:
        await conn.close()
    return samples, seen


# --- load shapes and one side's run --------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """How the clients send: paced (think_ms), in bursts (burst_gap_ms) or in a closed loop (neither)."""

    think_ms: int = 0
    burst_gap_ms: int = 0

    def __str__(self) -> str:
        if self.burst_gap_ms:
            return f"in bursts (all at the same instant, {self.burst_gap_ms} ms after the last answer)"
        return f"paced (each client waits 0.5–1.5 × {self.think_ms} ms)" if self.think_ms else "closed loop"


async def drive(clients: list[KeepAlive], requests, warmup: int, per_client: int, shape: Shape):
    """Every client sends its requests one after another, all clients at once; returns the measured
    latencies (ms), the wall time of the measured phase and the count of each status. Paced, each
    client waits a random 0.5–1.5 × think_ms after an answer; in bursts, every client waits for the
    last answer of the burst, then all send together after burst_gap_ms."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start_line = asyncio.Barrier(len(clients) + 1)
    bursts = asyncio.Barrier(len(clients))

    async def client_run(i: int, client: KeepAlive) -> None:
        pace = random.Random(i)
        for n in range(warmup + per_client):
            if n == warmup:
                await start_line.wait()
            if shape.burst_gap_ms:
                await bursts.wait()
                await asyncio.sleep(shape.burst_gap_ms / 1000)
            elif shape.think_ms and n >= warmup:  # the first one too: paced clients start at random
                await asyncio.sleep(pace.uniform(0.5, 1.5) * shape.think_ms / 1000)
            method, url, body = requests(i, n)
            started = time.perf_counter()
            try:
                status, answer = await client.request(method, url, json.dumps(body).encode())
            except (OSError, asyncio.IncompleteReadError) as exc:  # counted as status 0; the run goes on
                statuses[0] += 1
                print(f"  ! {method} {url}: {exc!r}", file=sys.stderr)
                await client.close()
                continue
            elapsed = (time.perf_counter() - started) * 1000
            statuses[status] += 1
            if n >= warmup:
                latencies.append(elapsed)
            if status >= 300 and statuses[status] <= 3:
                print(f"  ! {method} {url}: {status} {answer[:200]!r}", file=sys.stderr)

    tasks = [asyncio.create_task(client_run(i, c)) for i, c in enumerate(clients)]
    await start_line.wait()
    start = time.perf_counter()
    await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - start, statuses


def phase(label: str, running: Running, database: Database, work):
    """Run one side's load; print its CPU use and what the database backends were doing."""
    async def go():
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_backends(database.libpq, stop))
        try:
            return await work()
        finally:
            stop.set()
            samples, seen = await sampler
            print(f"  {label}: database backends on average ("
                  + ", ".join(f"{n / samples:.1f} {what}" for what, n in seen.most_common(6)) + ")")

    cpu, pg, mine, (busy, total), wall = (running.cpu_seconds(), postgres_cpu(database),
                                          time.process_time(), machine_cpu(), time.perf_counter())
    latencies, seconds, statuses = asyncio.run(go())
    cpu, pg, mine = running.cpu_seconds() - cpu, postgres_cpu(database) - pg, time.process_time() - mine
    wall = time.perf_counter() - wall
    busy2, total2 = machine_cpu()
    per = 1000 / max(1, sum(statuses.values()))
    print(f"  {label}: in {wall:.1f} s the server used {cpu:.1f} CPU-s ({cpu * per:.1f} ms a request), PostgreSQL"
          f" {pg:.1f} CPU-s ({pg * per:.1f} ms), the load generator (this process) {mine:.1f} CPU-s"
          f" ({mine * per:.2f} ms); the machine was {(busy2 - busy) / (total2 - total):.0%} busy")
    return figures(latencies, seconds), statuses


def print_profile(profile: Path) -> None:
    """The heaviest functions of a server run under cProfile: ours and the layers under them."""
    import pstats

    print(f"\nprofile of the product server ({profile}), by cumulative time:")
    stats = pstats.Stats(str(profile))
    stats.sort_stats("cumulative").print_stats(r"contest/|sqlalchemy/(orm|engine)/|asyncpg|litestar/routes", 40)
    stats.sort_stats("tottime").print_stats(25)
