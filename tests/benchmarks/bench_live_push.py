"""Benchmark: a change of result reaching 1,000 open SSE connections of a live board.

Not a test (pytest does not collect it). Run from anywhere:

    python tests/benchmarks/bench_live_push.py [--connections 1000] [--clients 2] [--entries 100]
                                               [--changes 3] [--workers 1 2] [--no-bare]

It starts a throw-away embedded PostgreSQL and builds a running event (visibility "named") with a
track of `--entries` entries and engine-computed results, as bench_leaderboard.py does. Then, for
each worker count, it runs `contest serve --workers N` and opens `--connections` server-sent-event
streams to /live/tracks/{track} (the stream a board page opens), spread over `--clients` client
processes of raw asyncio sockets (cheaper on the CPU than an HTTP library: the clients share the
2 cores with the server). When every stream has received its first `event: board`, it changes one
entry's result `--changes` times, one change at a time, through the product's path: in a
transaction, the entry's Result row gets new figures computed by the scoring engine (as
judging.recompute_entry writes them) and notify.announce(track) queues the NOTIFY; then COMMIT.
The benchmark process is a separate process from every server worker, so each worker learns of
the change through PostgreSQL LISTEN/NOTIFY (the cross-process path), re-reads the board and
pushes the rows to its viewers.

For each stream it records the time from the start of the COMMIT to the arrival of the complete
next `event: board` message, checks that the message shows the new total, and prints p50/p95/max
and how many streams received it, per change and over all changes.

The bare app of ../shared/bench has no SSE endpoint; as its fan-out floor this script runs a
bare Litestar app of its own (`bare_fanout_app` below: the same ChannelsPlugin with the asyncpg
LISTEN/NOTIFY backend, an SSE endpoint that pushes a pre-rendered fragment of the product's size
on every notification, no database reads) with the same number of workers, triggered by a
committed pg_notify. Skip it with --no-bare.

It raises its open-file limit to the hard limit (the servers and clients it starts inherit it),
and prints the server's memory before the streams and per open stream (RSS of the server's
processes, after minus before, over the streams open).

Goals: a change of result reaches 1,000 open SSE connections within 1 s (p95); 10,000 with 2
workers within 2 s and within 1.25× the bare fan-out app's p95 in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

GOAL_MS = 1000.0  # p95 at 1,000 streams; twice that above
GOAL_RATIO = 1.25  # p95 at most this many times the bare fan-out app's, in the same run
BARE_CHANNEL = "bare_board"


# --- the client processes: raw asyncio sockets reading SSE streams ------------------------------------


@dataclass
class Stream:
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each complete `event: board`
    shows: list[bool] = field(default_factory=list)  # whether event k (k ≥ 1) shows needle k
    error: str | None = None


async def _read_stream(stream: Stream, host: str, port: int, path: str, needles: list[str]) -> None:
    marks = [n.encode() for n in needles]
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                     f"Cache-Control: no-cache\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            stream.error = f"HTTP {status}"
            return
        buf = b""
        while True:
            data = await reader.read(262144)
            if not data:
                stream.error = stream.error or "closed by the server"
                return
            buf += data
            while True:  # one message per chunk (uvicorn frames each yield as one chunk)
                start = buf.find(b"event: board")
                if start < 0:
                    buf = buf[-16:]
                    break
                end = buf.find(b"\r\n\r\n", start)
                if end < 0:
                    buf = buf[start:]
                    break
                stream.arrivals.append(time.monotonic())
                k = len(stream.arrivals) - 1
                if k >= 1:
                    stream.shows.append(k <= len(marks) and marks[k - 1] in buf[start:end])
                buf = buf[end + 4:]
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        stream.error = f"{type(exc).__name__}: {exc}"


async def _client(host: str, port: int, path: str, count: int, needles: list[str], batch: int) -> None:
    streams = [Stream() for _ in range(count)]
    tasks = []
    loop = asyncio.get_running_loop()

    async def until(k: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(s.error or len(s.arrivals) > k for s in streams):
                return
            await asyncio.sleep(0.02)

    started = time.monotonic()
    for i in range(0, count, batch):  # viewers arrive in quick batches, not all in the same millisecond
        tasks += [asyncio.create_task(_read_stream(s, host, port, path, needles)) for s in streams[i:i + batch]]
        await until_batch(streams[i:i + batch], 30)
    await until(0, 120)
    ok = sum(1 for s in streams if s.arrivals and not s.error)
    errors = sorted({s.error for s in streams if s.error})[:3]
    print("READY " + json.dumps({"ok": ok, "count": count, "seconds": time.monotonic() - started, "errors": errors}),
          flush=True)
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
        if not line or line[0] == "QUIT":
            break
        if line[0] == "REPORT":
            k, seconds = int(line[1]), float(line[2])
            await until(k, seconds)
            print("ARRIVALS " + json.dumps({
                "arrivals": [s.arrivals[k] if len(s.arrivals) > k else None for s in streams],
                "shows": [s.shows[k - 1] if len(s.shows) >= k else None for s in streams],
                "errors": sorted({s.error for s in streams if s.error})[:3]}), flush=True)
    for t in tasks:
        t.cancel()


async def until_batch(streams: list[Stream], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(s.error or s.arrivals for s in streams):
        await asyncio.sleep(0.01)


def client_main(argv: list[str]) -> None:
    host, port, path, count, batch, needles = argv[0], int(argv[1]), argv[2], int(argv[3]), int(argv[4]), argv[5]
    asyncio.run(_client(host, port, path, count, json.loads(needles), batch))


class Clients:
    """`processes` client processes holding `count` streams between them."""

    def __init__(self, base: str, path: str, count: int, processes: int, needles: list[str], batch: int):
        self.base, self.path, self.count, self.processes = base, path, count, processes
        self.needles, self.batch = needles, batch
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self) -> dict:
        host, port = self.base.removeprefix("http://").split(":")
        shares = [self.count // self.processes + (1 if i < self.count % self.processes else 0)
                  for i in range(self.processes)]
        for share in shares:
            self.procs.append(await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--client", host, port, self.path, str(share), str(self.batch),
                json.dumps(self.needles), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=2**24))
        ready = [await self._line(p, "READY", 300) for p in self.procs]
        return {"ok": sum(r["ok"] for r in ready), "seconds": max(r["seconds"] for r in ready),
                "errors": sorted({e for r in ready for e in r["errors"]})}

    async def report(self, k: int, seconds: float) -> tuple[list[float | None], list[bool | None], list[str]]:
        for p in self.procs:
            p.stdin.write(f"REPORT {k} {seconds}\n".encode())
            await p.stdin.drain()
        arrivals, shows, errors = [], [], set()
        for p in self.procs:
            r = await self._line(p, "ARRIVALS", seconds + 60)
            arrivals += r["arrivals"]
            shows += r["shows"]
            errors.update(r["errors"])
        return arrivals, shows, sorted(errors)

    async def stop(self) -> None:
        for p in self.procs:
            if p.returncode is None:
                try:
                    p.stdin.write(b"QUIT\n")
                    await p.stdin.drain()
                except (BrokenPipeError, ConnectionResetError):
                    pass
        for p in self.procs:
            try:
                await asyncio.wait_for(p.wait(), 10)
            except TimeoutError:
                p.kill()
                await p.wait()

    @staticmethod
    async def _line(proc: asyncio.subprocess.Process, tag: str, seconds: float) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            line = await asyncio.wait_for(proc.stdout.readline(), max(0.1, deadline - time.monotonic()))
            if not line:
                raise RuntimeError(f"a client process exited (waiting for {tag})")
            text = line.decode()
            if text.startswith(tag + " "):
                return json.loads(text.split(" ", 1)[1])


# --- the bare fan-out app: the floor under the live board ---------------------------------------------------


def bare_fanout_app():
    """uvicorn bench_live_push:bare_fanout_app --factory (BASELINE_DSN, BARE_FRAGMENT_BYTES in the env)."""
    from litestar import Litestar, get
    from litestar.channels import ChannelsPlugin
    from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend
    from litestar.di import NamedDependency
    from litestar.response import ServerSentEvent, ServerSentEventMessage

    size = int(os.environ.get("BARE_FRAGMENT_BYTES", "30000"))
    row = "<tr><td>1</td><td><strong>王建华</strong><span>咸安区第1建筑工程有限公司</span></td><td>咸安区</td>" \
          "<td>93.00</td><td>86.50</td><td>88.45</td><td>一等奖</td></tr>\n"
    fragment = row * max(1, size // len(row.encode()))

    @get("/healthz")
    async def health() -> dict:
        return {"status": "ok"}

    @get(f"/live/{BARE_CHANNEL}")
    async def live(channels: NamedDependency[ChannelsPlugin]) -> ServerSentEvent:
        async def stream():
            async with channels.start_subscription([BARE_CHANNEL]) as subscriber:
                yield ServerSentEventMessage(event="board", data=fragment)
                async for message in subscriber.iter_events():
                    yield ServerSentEventMessage(event="board", data=fragment + message.decode())
        return ServerSentEvent(stream())

    return Litestar([health, live], signature_namespace={  # this module's annotations are strings
        "NamedDependency": NamedDependency, "ChannelsPlugin": ChannelsPlugin, "ServerSentEvent": ServerSentEvent,
    }, plugins=[ChannelsPlugin(
        backend=AsyncPgChannelsBackend(dsn=os.environ["BASELINE_DSN"]), channels=[BARE_CHANNEL],
        subscriber_max_backlog=1, subscriber_backlog_strategy="dropleft")])


# --- changes of result --------------------------------------------------------------------------------------


class ProductChange:
    """Changes entry results through the product's path: new engine figures on the Result row,
    notify.announce(track), COMMIT — from this process, a stranger to every server worker."""

    def __init__(self, database, track, changes: int, seed: int = 99):
        from decimal import Decimal

        import bench_leaderboard as bl

        from contest import scoring
        from contest.events.service import default_scheme

        self.database, self.track = database, track
        rng = random.Random(seed)
        scheme = scoring.parse_scheme(default_scheme("x"))
        self.plans = []  # (entry id, values, needle)
        used: set[str] = set()
        for k in range(changes):
            entry_id = track.entry_ids[k % len(track.entry_ids)]
            bib = track.bibs[entry_id]
            while True:  # a new top total no other change has: the needle is unambiguous
                marks = [scoring.Mark(bib, "theory", "written", "J01", Decimal(rng.randint(96, 100)))]
                marks += bl.practical_marks(random.Random(rng.random()), bib, judges=5)
                (figures,) = scoring.compute(scheme, marks, {})
                values = bl.result_values(figures)
                if values["total"] not in used and Decimal(values["total"]) > 95:
                    break
            used.add(values["total"])
            self.plans.append((entry_id, values, f'class="num total">{values["total"]}</td>'))
        self.engine = None

    @property
    def needles(self) -> list[str]:
        return [n for _, _, n in self.plans]

    async def commit(self, k: int) -> tuple[float, float]:
        """Apply change k; (monotonic time the COMMIT started, seconds the COMMIT took)."""
        from sqlmodel import select

        from contest import db, notify
        from contest.judging.models import Result

        if self.engine is None:
            self.engine = db.make_engine(self.database.url, pool_size=2)
        entry_id, values, _ = self.plans[k]
        async with db.make_sessionmaker(self.engine)() as session:
            result = (await session.exec(select(Result).where(Result.round_id == self.track.round_id,
                                                              Result.entry_id == entry_id))).one()
            for key, value in values.items():
                setattr(result, key, value)
            result.computed_at = db.utcnow()
            session.add(result)
            await notify.announce(session, self.track.track_id)
            started = time.monotonic()
            await session.commit()
            return started, time.monotonic() - started

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()


class BareChange:
    def __init__(self, database, changes: int):
        self.database = database
        self.needles = [f"change-{k + 1}-{random.randrange(10**9)}" for k in range(changes)]
        self.conn = None

    async def commit(self, k: int) -> tuple[float, float]:
        import asyncpg

        if self.conn is None:
            self.conn = await asyncpg.connect(self.database.libpq)
        tr = self.conn.transaction()
        await tr.start()
        await self.conn.execute("select pg_notify($1, $2)", BARE_CHANNEL, self.needles[k])
        started = time.monotonic()
        await tr.commit()
        return started, time.monotonic() - started

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


# --- measuring ----------------------------------------------------------------------------------------------


def pct(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)]


def _cpu(pids: list[int]) -> float:
    import benchkit

    return sum(benchkit.process_tree_cpu(p) for p in pids)


async def fan_out(label: str, server, path: str, change, args, database) -> dict:
    """Open the streams, then apply the changes one at a time; per change, the delivery times and
    where the CPU went between the COMMIT and the last arrival (server, PostgreSQL, the clients)."""
    import benchkit

    clients = Clients(server.url, path, args.connections, args.clients, change.needles, args.batch)
    all_latencies: list[float] = []
    server_cpu: list[float] = []
    missed = wrong = 0
    try:
        rss = benchkit.process_tree_rss(server.pid)
        ready = await clients.start()
        print(f"  {label}: {ready['ok']} of {args.connections} streams open with their first board in "
              f"{ready['seconds']:.1f} s" + (f"; errors: {ready['errors']}" if ready["errors"] else ""), flush=True)
        await asyncio.sleep(1)
        per_stream = (benchkit.process_tree_rss(server.pid) - rss) / max(1, ready["ok"])
        print(f"  {label}: server memory {rss / 2**20:.0f} MiB before the streams, "
              f"{per_stream / 1024:.1f} KiB more per open stream", flush=True)
        client_pids = [p.pid for p in clients.procs]
        for k in range(len(change.needles)):
            stop = asyncio.Event()
            sampler = asyncio.create_task(benchkit.sample_backends(database.libpq, stop, every=0.02))
            await asyncio.sleep(0.05)
            cpu = (server.cpu_seconds(), benchkit.postgres_cpu(database), _cpu(client_pids), benchkit.machine_cpu()[0])
            started, took = await change.commit(k)
            arrivals, shows, errors = await clients.report(k + 1, args.wait)
            stop.set()
            samples, seen = await sampler
            got = sorted((a - started) * 1000 for a in arrivals if a is not None)
            last = max(a for a in arrivals if a is not None) if got else time.monotonic()
            used = [server.cpu_seconds() - cpu[0], benchkit.postgres_cpu(database) - cpu[1],
                    _cpu(client_pids) - cpu[2], benchkit.machine_cpu()[0] - cpu[3]]
            server_cpu.append(used[0])
            missed += len(arrivals) - len(got)
            wrong += sum(1 for s in shows if s is False)
            all_latencies += got
            if got:
                print(f"  {label}: change {k + 1}: {len(got)}/{len(arrivals)} streams got it; p50 "
                      f"{statistics.median(got):6.0f} ms  p95 {pct(got, 95):6.0f} ms  max {got[-1]:6.0f} ms"
                      f"  (COMMIT took {took * 1000:.1f} ms)" + (f"; errors: {errors}" if errors else ""), flush=True)
            else:
                print(f"  {label}: change {k + 1}: no stream got it within {args.wait} s; errors: {errors}")
            print(f"      CPU-s from COMMIT to the last arrival ({last - started:.2f} s): server {used[0]:.2f}, "
                  f"PostgreSQL {used[1]:.2f}, clients {used[2]:.2f}, machine {used[3]:.2f} (others "
                  f"{max(0.0, used[3] - sum(used[:3])):.2f}); busy backends on average: "
                  + (", ".join(f"{n / samples:.1f} {what}" for what, n in seen.most_common(4)) or "none"), flush=True)
            await asyncio.sleep(args.gap)
    finally:
        await clients.stop()
        await change.close()
    return {"latencies": sorted(all_latencies), "missed": missed, "wrong": wrong,
            "expected": args.connections * len(change.needles), "server_cpu": server_cpu, "per_stream": per_stream}


def summary(label: str, r: dict) -> str:
    lat = r["latencies"]
    if not lat:
        return f"{label:<30} nothing received"
    return (f"{label:<30} {len(lat)}/{r['expected']} deliveries  p50 {statistics.median(lat):6.0f} ms  "
            f"p95 {pct(lat, 95):6.0f} ms  p99 {pct(lat, 99):6.0f} ms  max {lat[-1]:6.0f} ms"
            + (f"  ({r['wrong']} without the new total)" if r["wrong"] else "")
            + (f"; server CPU per change {statistics.mean(r['server_cpu']):.2f} s" if r["server_cpu"] else "")
            + f"; {r['per_stream'] / 1024:.1f} KiB per stream")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2:])
        return
    import bench_leaderboard as bl
    import benchkit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2, help="client processes sharing the streams")
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--changes", type=int, default=3, help="changes of result, one after another")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn workers; one run each")
    parser.add_argument("--batch", type=int, default=50, help="streams a client opens at once")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for a change to arrive everywhere")
    parser.add_argument("--gap", type=float, default=1, help="seconds between changes after one has arrived")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare fan-out app")
    parser.add_argument("--profile", type=Path, help="run the product server under cProfile into this file")
    args = parser.parse_args()
    if args.profile and args.workers != [1]:
        parser.error("--profile needs --workers 1")
    profile = args.profile.resolve() if args.profile else None

    files = benchkit.raise_open_files()
    print(f"{os.cpu_count()} CPUs, open files up to {files}, load average {os.getloadavg()[0]:.2f}; "
          f"{args.connections} SSE streams over {args.clients} client processes (raw asyncio "
          f"sockets) on the same machine; {args.entries} entries; {args.changes} changes")
    started = time.perf_counter()
    database = benchkit.start_database()
    work = Path(tempfile.mkdtemp(prefix="contest-bench-live-"))
    results = {}
    try:
        track = bl.build_track(database, args.entries, event_slug="bench-live")
        print(f"PostgreSQL and a track of {len(track.entry_ids)} entries with results in "
              f"{time.perf_counter() - started:.1f} s")
        path = f"/live/tracks/{track.track_id}"
        fragment_bytes = 0
        for workers in args.workers:
            print(f"\n=== {workers} uvicorn worker(s) ===", flush=True)
            with benchkit.contest_server(database, work / "data", workers, work / f"contest-{workers}.log",
                                         profile) as product:
                import httpx

                rows = httpx.get(f"{product.url}/events/{track.event_slug}/tracks/{track.track_slug}/rows", timeout=60)
                fragment_bytes = len(rows.content)
                print(f"  product: a board message carries {fragment_bytes / 1024:.0f} KiB of rows", flush=True)
                cpu = product.cpu_seconds()
                change = ProductChange(database, track, args.changes)
                results[("product", workers)] = asyncio.run(fan_out("product", product, path, change, args, database))
                print(f"  product: server used {product.cpu_seconds() - cpu:.1f} CPU-s over the run")
            if not args.no_bare:
                with benchkit.server([sys.executable, "-m", "uvicorn", "bench_live_push:bare_fanout_app", "--factory",
                                      "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers),
                                      "--log-level", "warning"],
                                     {"BASELINE_DSN": database.libpq, "BARE_FRAGMENT_BYTES": str(fragment_bytes)},
                                     work / f"bare-{workers}.log", cwd=HERE) as bare:
                    cpu = bare.cpu_seconds()
                    results[("bare", workers)] = asyncio.run(fan_out(
                        "bare", bare, f"/live/{BARE_CHANNEL}", BareChange(database, args.changes), args, database))
                    print(f"  bare: server used {bare.cpu_seconds() - cpu:.1f} CPU-s over the run")
        print()
        for (kind, workers), r in results.items():
            print(summary(f"{kind}, {workers} worker(s)", r))
        for workers in args.workers:
            prod, bare = results.get(("product", workers)), results.get(("bare", workers))
            if prod and bare and prod["latencies"] and bare["latencies"]:
                p, b = prod["latencies"], bare["latencies"]
                cpu = statistics.mean(prod["server_cpu"]) / statistics.mean(bare["server_cpu"])
                print(f"ratio product/bare, {workers} worker(s): p50 ×{statistics.median(p) / statistics.median(b):.1f}"
                      f"  p95 ×{pct(p, 95) / pct(b, 95):.1f}  max ×{p[-1] / b[-1]:.1f}"
                      f"  server CPU per change ×{cpu:.1f}")
        for workers in args.workers:
            r = results.get(("product", workers))
            if r is None:
                continue
            lat = r["latencies"]
            p95 = pct(lat + [math.inf] * (r["expected"] - len(lat)), 95)  # a missed delivery counts as never
            goal = GOAL_MS if args.connections <= 1000 else 2 * GOAL_MS
            bare = results.get(("bare", workers))
            ratio = p95 / pct(bare["latencies"], 95) if bare and bare["latencies"] else None
            verdict = "met" if p95 < goal and not r["wrong"] and (ratio is None or ratio <= GOAL_RATIO) else "NOT met"
            shown = f"{p95:.0f} ms" if math.isfinite(p95) else "∞ (over 5 % of the deliveries missing)"
            print(f"live push: {args.changes} changes of result × {args.connections} open SSE connections: "
                  f"{len(lat)}/{r['expected']} delivered, p95 = {shown}"
                  + (f" = ×{ratio:.2f} bare" if ratio else "")
                  + f" ({workers} worker(s); goal < {goal:.0f} ms and ≤ ×{GOAL_RATIO} bare: {verdict})")
        if profile:
            import pstats

            print(f"\nprofile of the product server ({profile}), by internal time:")
            stats = pstats.Stats(str(profile))
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(r"contest/", 30)
    finally:
        database.discard()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
