"""Benchmark: the public leaderboard page of a 10,000-entry track (first 200 rows) with 100
concurrent viewers, next to the bare app.

Not a test (pytest does not collect it). Run from anywhere:

    python tests/benchmarks/bench_leaderboard.py [--entries 10000] [--connections 100] [--workers 1 2]
                                                 [--single-duration 5] [--duration 12] [--paced-duration 8]
                                                 [--think-ms 1000] [--profile FILE.prof]

It starts a throw-away embedded PostgreSQL and builds a running event (visibility "named") with one
track through the services (contest.events.service: event, track with the default scheme, status
changes), then 10,000 contestants the way the contestant import writes them (the people service's
bulk upserts of 300 units and the people, entries inserted in chunks), a draw of blind codes by
events.draw_order, and a Result row per entry with figures the scoring engine computed from
seeded marks (theory: one written mark; practical: five judges × four criteria; 0.5 % of the
entries have only two practical judges so far, hence "incomplete"), stored exactly as
judging.recompute_entry stores them. The marks themselves are not stored: the board reads Result
rows only. The bare app's base_score table gets 200 rows (--baseline-rows), so that its /select
is the plain 200-row SELECT the shared README calls the floor under a database-backed page.

Then `contest serve --workers N` and the bare app of ../shared/bench (baseline_app.py in this
folder) run side by side on that PostgreSQL with the same number of uvicorn workers, and wrk (the
load generator, `apt-get install -y wrk`; its CPU cost is far below a Python client's) drives:

- product:  GET /events/{slug}/tracks/{track}  (the full board page: first page = 200 rows)
- baseline: GET /html (a static 200-row table) and GET /select (a 200-row SELECT as HTML)

after a warm-up (every worker builds its board), in three load shapes, one target at a time,
waiting for the server to be idle again between runs:

- 1 viewer: one connection, one request after another: the service time, and the server and
  PostgreSQL CPU per request (the figures that do not depend on the queue);
- saturated: `--connections` keep-alive connections each sending its next request as soon as the
  last one is answered (100 requests always in flight: the strict reading of 100 viewers);
- paced: the same connections, each waiting a random 0.5–1.5 × `--think-ms` between requests
  (100 viewers reloading about once a second: ~100 requests/s offered).

It prints p50/p95/p99/max and requests/s of each, the CPU it cost, the cores other jobs on the
machine took meanwhile ("others": the machine's busy time minus the server, PostgreSQL and wrk),
and the product/bare ratios. With --profile the product server runs under cProfile (one worker)
and the heaviest functions are printed.

Goal: the leaderboard HTML of a 10,000-entry track (first 200 rows) holds p99 < 50 ms with 100
concurrent viewers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import benchkit  # noqa: E402
import httpx  # noqa: E402

GOAL_MS = 50.0
AREAS = [("421202", "咸安区"), ("421221", "嘉鱼县"), ("421222", "通城县"), ("421223", "崇阳县"),
         ("421224", "通山县"), ("421281", "赤壁市")]
UNIT_KINDS = ["建筑工程有限公司", "餐饮管理有限公司", "机械制造有限公司", "人民医院", "供电公司", "职业技术学院",
              "纺织有限公司", "大酒店"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["建华", "秀英", "志强", "芳", "伟", "丽", "国平", "敏", "桂兰", "涛", "海燕", "明", "静", "军", "红梅",
         "晓东", "春燕", "小平", "玉兰", "德胜", "文斌", "雪梅", "建军", "丽娟"]


# --- the data: a running, named event with one big track -----------------------------------------------


@dataclass(frozen=True)
class BoardTrack:
    event_slug: str
    track_slug: str
    event_id: int
    track_id: int
    round_id: int
    entry_ids: list[int]  # in running order
    bibs: dict[int, str]  # entry id -> bib


def practical_marks(rng: random.Random, bib: str, judges: int = 5):
    """One entry's practical marks as the engine takes them: a skill level, judges around it."""
    from contest import scoring

    level = rng.uniform(0.55, 0.95)
    out = []
    for key, top, deduction in (("prep", 10, False), ("skill", 40, False), ("quality", 40, False),
                                ("safety", 10, True)):
        for j in range(judges):
            if deduction:  # deductions: mostly none, sometimes half a point to two points
                half_points = rng.choice((0, 0, 0, 0, 1, 1, 2, 4))
            else:
                half_points = max(0, min(top * 2, round(top * 2 * (level + rng.gauss(0, 0.05)))))
            out.append(scoring.Mark(bib, "practical", key, f"J{j + 1:02d}", Decimal(half_points) / 2))
    return out


def result_values(figures) -> dict:
    """An EntryResult's figures as judging.recompute_entry stores them."""
    return {"status": figures.status, "total": None if figures.total is None else str(figures.total),
            "stage_totals": {k: str(v) for k, v in figures.stage_totals.items()},
            "criteria": {s: {c: str(v) for c, v in cs.items()} for s, cs in figures.criteria.items()}}


def build_track(database: benchkit.Database, entries: int, *, units: int = 300, seed: int = 2026,
                event_slug: str = "bench-board", track_slug: str = "chef") -> BoardTrack:
    track = asyncio.run(_build(database, entries, units, seed, event_slug, track_slug))
    asyncio.run(_vacuum(database))
    return track


async def _vacuum(database: benchkit.Database) -> None:
    """VACUUM ANALYZE, as after a night of autovacuum: none runs during the measurements."""
    import asyncpg

    conn = await asyncpg.connect(database.libpq)
    try:
        await conn.execute("vacuum analyze")
    finally:
        await conn.close()


async def _build(database: benchkit.Database, count: int, unit_count: int, seed: int, event_slug: str,
                 track_slug: str) -> BoardTrack:
    from sqlalchemy.dialects.postgresql import insert
    from sqlmodel import select

    from contest import db, scoring
    from contest.db import utcnow
    from contest.events import service as events
    from contest.events.models import Draw, Entry
    from contest.judging.models import Result
    from contest.people import identity
    from contest.people import service as people
    from contest.people.models import Area

    rng = random.Random(seed)
    clock, steps = time.perf_counter(), []

    def step(name: str) -> None:
        nonlocal clock
        steps.append(f"{name} {time.perf_counter() - clock:.1f} s")
        clock = time.perf_counter()

    engine = db.make_engine(database.url, pool_size=2)
    try:
        async with db.make_sessionmaker(engine)() as session:
            known = {a.code for a in (await session.exec(select(Area))).all()}
            session.add_all([Area(code=c, name=n) for c, n in AREAS if c not in known])
            await session.commit()
            areas = {a.code: a.id for a in (await session.exec(select(Area))).all()}
            event = await events.create_event(session, events.EventInput(
                slug=event_slug, name="咸宁市第十届职工职业技能大赛", year=2026, visibility="named"))
            track = await events.create_track(session, event, events.TrackInput(slug=track_slug, name="中式烹调师"))
            round_ = (await events.list_rounds(session, track))[0]
            scheme = scoring.parse_scheme(round_.scheme)

            # Units and people through the people service's bulk upserts, as the import does.
            unit_area = {f"{AREAS[i % len(AREAS)][1]}第{i + 1}{UNIT_KINDS[i % len(UNIT_KINDS)]}":
                         areas[AREAS[i % len(AREAS)][0]] for i in range(unit_count)}
            unit_ids, _ = await people.ensure_units(session, unit_area)
            unit_names = list(unit_area)
            rows = []
            for i in range(count):
                code = AREAS[i % len(AREAS)][0]
                gender = "男" if i % 3 else "女"
                born = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
                number = identity.make_id_number(code, born, (i // 360) % 500, gender)
                unit = unit_names[rng.randrange(unit_count)]
                rows.append({"name": SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))],
                             "gender": gender, "birth_date": born,
                             "id_hash": identity.id_hash(number, benchkit.ID_KEY.encode()),
                             "id_masked": identity.mask_id(number),
                             "phone_masked": identity.mask_phone(f"139{i:08d}"), "unit_id": unit_ids[unit],
                             "area_id": unit_area[unit], "skill_level": 3, "front_line": True,
                             "migrant_worker": False, "new_employment_form": False})
            person_ids = await people.upsert_people(session, rows)
            assert len(person_ids) == count, f"{len(person_ids)} people for {count} rows (ID numbers collide)"
            step("event, track, units and people")

            # Entries with bibs, then the draw: blind codes and running order by events.draw_order.
            bibs = [f"{i + 1:04d}" for i in range(count)]
            draw_seed = f"{rng.getrandbits(128):032x}"
            position = {bib: n for n, bib in enumerate(events.draw_order(draw_seed, bibs), 1)}
            entry_rows = [{"track_id": track.id, "person_id": person_ids[r["id_hash"]], "unit_id": r["unit_id"],
                           "bib": bib, "blind_code": events.blind_code(position[bib]),
                           "running_order": position[bib], "status": "registered"}
                          for r, bib in zip(rows, bibs, strict=True)]
            for start in range(0, count, 4000):
                await session.exec(insert(Entry).values(entry_rows[start:start + 4000]))
            session.add(Draw(track_id=track.id, seed=draw_seed, drawn_by="基准测试", entry_count=count))
            step("entries and draw")

            # Results: the engine's figures from seeded marks, stored as recompute_entry stores them.
            marks = []
            for bib in bibs:
                marks.append(scoring.Mark(bib, "theory", "written", "J01", Decimal(rng.randint(55, 99))))
                marks += practical_marks(rng, bib, judges=2 if rng.random() < 0.005 else 5)
            computed = scoring.compute(scheme, marks, {})
            step(f"engine on {len(marks)} marks")
            ids = dict((await session.exec(select(Entry.bib, Entry.id).where(Entry.track_id == track.id))).all())
            now = utcnow()
            result_rows = [{"round_id": round_.id, "entry_id": ids[f.entry], "computed_at": now, **result_values(f)}
                           for f in computed]
            for start in range(0, len(result_rows), 2000):
                await session.exec(insert(Result).values(result_rows[start:start + 2000]))
            await session.commit()
            for status in ("registration", "running"):
                await events.set_event_status(session, event, status)
            step("results")
            print("  built: " + ", ".join(steps), flush=True)
            order = (await session.exec(select(Entry.id, Entry.bib).where(Entry.track_id == track.id)
                                        .order_by(Entry.running_order))).all()
            return BoardTrack(event_slug, track_slug, event.id, track.id, round_.id, [i for i, _ in order],
                              dict(order))
    finally:
        await engine.dispose()


async def fill_baseline(database: benchkit.Database, rows: int) -> None:
    """The bare app's table (its own DDL) with `rows` rows, so that /select answers a 200-row table."""
    import asyncpg

    rng = random.Random(7)
    conn = await asyncpg.connect(database.libpq)
    try:
        await conn.execute("create table if not exists base_score (id bigserial primary key, judge int, entry int,"
                           " criterion int, value numeric(6,2), created timestamptz default now())")
        await conn.copy_records_to_table("base_score", columns=["judge", "entry", "criterion", "value"], records=[
            (1 + i % 5, i, 1 + i % 4, Decimal(rng.randint(5000, 9999)) / 100) for i in range(rows)])
        await conn.execute("analyze base_score")
    finally:
        await conn.close()


# --- load: wrk --------------------------------------------------------------------------------------------

WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, \"status_errors\": %d,"
    .. " \"connect\": %d, \"read\": %d, \"write\": %d, \"timeout\": %d,"
    .. " \"p50\": %d, \"p95\": %d, \"p99\": %d, \"max\": %d, \"mean\": %.1f}\n",
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


def wrk_script(folder: Path, think_ms: int) -> Path:
    """wrk's Lua: the figures as one JSON line; with think_ms each connection waits a random
    0.5–1.5 × think_ms before each request (wrk does not count the wait in the latency)."""
    delay = "" if think_ms <= 0 else (
        f"function delay()\n  return math.random({think_ms // 2}, {think_ms * 3 // 2})\nend\n")
    path = folder / f"wrk-{think_ms}.lua"
    path.write_text(delay + WRK_DONE)
    return path


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    bytes: int
    errors: dict
    p50: float
    p95: float
    p99: float
    max: float
    server_cpu: float  # CPU seconds of the server's processes during the run
    db_cpu: float  # … of PostgreSQL's processes
    others: float  # cores busy with everything but the server, PostgreSQL and wrk (other jobs on the machine)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def per_request(self, cpu: float) -> float:
        return 1000 * cpu / max(1, self.requests)

    def line(self, label: str, per_request: bool) -> str:
        errors = {k: v for k, v in self.errors.items() if v}
        cpu = (f"CPU-ms/req: server {self.per_request(self.server_cpu):5.2f} db {self.per_request(self.db_cpu):4.2f}"
               if per_request else
               f"server busy {self.server_cpu / self.seconds:3.1f} cores, db {self.db_cpu / self.seconds:3.1f}")
        return (f"{label:<34} n={self.requests:<6} p50 {self.p50:6.1f}  p95 {self.p95:6.1f}  p99 {self.p99:6.1f}"
                f"  max {self.max:6.1f} ms  {self.rps:7.1f} req/s  {cpu}"
                f"  {self.bytes / max(1, self.requests) / 1024:3.0f} KiB/resp  others {self.others:3.1f} cores"
                + (f"  errors {errors}" if errors else ""))


def settle(server: benchkit.Running, timeout: float = 60) -> None:
    """Wait until the server is idle (under 5 % of a core for half a second)."""
    deadline, last = time.monotonic() + timeout, server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = server.cpu_seconds()
        if now - last < 0.025:
            return
        last = now


def wrk(url: str, script: Path, connections: int, seconds: int, server: benchkit.Running,
        database: benchkit.Database) -> Load:
    settle(server)  # requests still queued when the last wrk stopped are served before this run starts
    cpu, db_cpu, (busy, _) = server.cpu_seconds(), benchkit.postgres_cpu(database), benchkit.machine_cpu()
    children = os.times()
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                          "--timeout", "60s",
                          "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    after = os.times()
    cpu, db_cpu = server.cpu_seconds() - cpu, benchkit.postgres_cpu(database) - db_cpu
    busy2, _ = benchkit.machine_cpu()
    wrk_cpu = (after.children_user + after.children_system) - (children.children_user + children.children_system)
    wall = after.elapsed - children.elapsed
    others = max(0.0, ((busy2 - busy) - cpu - db_cpu - wrk_cpu) / wall)
    line = next((x for x in out.splitlines() if x.startswith("WRKRESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    r = json.loads(line.split(" ", 1)[1])
    errors = {k: r[k] for k in ("status_errors", "connect", "read", "write", "timeout")}
    return Load(r["requests"], r["duration_us"] / 1e6, r["bytes"], errors, r["p50"] / 1000, r["p95"] / 1000,
                r["p99"] / 1000, r["max"] / 1000, cpu, db_cpu, others)


def check_page(url: str, entries: int) -> str:
    """The product page answers 200 with the first 200 rows of the whole track, ranked from 1."""
    response = httpx.get(url, timeout=120)
    body = response.text
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {body[:300]}")
    rows = body.count('<tr id="row-')
    ranks = re.findall(r'<td class="rank">(\d*)</td>', body)
    assert rows == min(200, entries), f"{rows} rows on the first page"
    assert ranks and ranks[0] == "1", f"first rank {ranks[:1]}"
    assert f"共 {entries} 名" in body, "the count of the whole track is missing"
    return (f"{len(response.content) / 1024:.0f} KiB, {rows} rows, ranks {ranks[0]}–{ranks[-1]}, "
            f"{body.count('<option')} filter options")


# --- the runs ----------------------------------------------------------------------------------------------


def run_workers(args, database: benchkit.Database, track: BoardTrack, workers: int, work: Path,
                profile: Path | None) -> dict:
    path = f"/events/{track.event_slug}/tracks/{track.track_slug}"
    saturated, paced = wrk_script(work, 0), wrk_script(work, args.think_ms)
    results = {}
    print(f"\n=== {workers} uvicorn worker(s) per server ===")
    with benchkit.baseline_server(database, workers, work / f"baseline-{workers}.log") as bare, \
            benchkit.contest_server(database, work / "data", workers, work / f"contest-{workers}.log",
                                    profile) as product:
        started = time.perf_counter()
        print(f"product page: {check_page(product.url + path, args.entries)} "
              f"(first answer incl. building the board: {time.perf_counter() - started:.2f} s)")
        targets = [("product board page", product, product.url + path), ("bare /html", bare, bare.url + "/html"),
                   ("bare /select", bare, bare.url + "/select")]
        for _, server, url in targets:  # every worker builds its board and warms its caches
            wrk(url, saturated, args.connections, args.warmup, server, database)
        for shape, script, connections, seconds in (
                ("1 viewer", saturated, 1, args.single_duration),
                ("saturated", saturated, args.connections, args.duration),
                (f"paced {args.think_ms} ms", paced, args.connections, args.paced_duration)):
            if seconds <= 0:
                continue
            for label, server, url in targets:
                results[(shape, label)] = load = wrk(url, script, connections, seconds, server, database)
                print(load.line(f"{shape:<14} {label}", per_request=connections == 1), flush=True)
    return results


def report(results: dict, workers: int, connections: int, entries: int) -> None:
    print(f"\n--- {workers} worker(s): ratios product / bare ---")
    shapes = list(dict.fromkeys(shape for shape, _ in results))
    for shape in shapes:
        prod = results[(shape, "product board page")]
        for bare_label in ("bare /html", "bare /select"):
            bare = results[(shape, bare_label)]
            cpu = ""
            if shape == "1 viewer":
                cpu = f"  server CPU/req ×{prod.per_request(prod.server_cpu) / bare.per_request(bare.server_cpu):5.1f}"
                if bare_label == "bare /select":
                    db = prod.per_request(prod.db_cpu) / max(1e-6, bare.per_request(bare.db_cpu))
                    cpu += f"  db CPU/req ×{db:4.1f}"
            print(f"{shape:<14} vs {bare_label:<13} p50 ×{prod.p50 / bare.p50:6.1f}  p95 ×{prod.p95 / bare.p95:6.1f}"
                  f"  p99 ×{prod.p99 / bare.p99:6.1f}  req/s ×{prod.rps / bare.rps:5.3f}{cpu}")
    for shape in shapes:
        if shape == "1 viewer":
            continue
        prod = results[(shape, "product board page")]
        verdict = "met" if prod.p99 < GOAL_MS and not any(prod.errors.values()) else "NOT met"
        print(f"leaderboard page ({entries:,} entries, first 200 rows): p99 = {prod.p99:.1f} ms with {connections} "
              f"concurrent viewers ({shape}, {workers} worker(s); goal < {GOAL_MS:.0f} ms: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=100, help="concurrent viewers (wrk connections)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="uvicorn workers; several: one run each")
    parser.add_argument("--single-duration", type=int, default=5, help="seconds of each 1-viewer run (0: skip)")
    parser.add_argument("--duration", type=int, default=12, help="seconds of each saturated run (0: skip)")
    parser.add_argument("--paced-duration", type=int, default=8, help="seconds of each paced run (0: skip)")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean wait between a viewer's requests (paced)")
    parser.add_argument("--baseline-rows", type=int, default=200,
                        help="rows in the bare app's table (200: /select is a plain 200-row SELECT, its floor)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load per target first")
    parser.add_argument("--profile", type=Path, help="run the product server under cProfile into this file")
    args = parser.parse_args()
    if args.profile and args.workers != [1]:
        parser.error("--profile needs --workers 1")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    print(f"{os.cpu_count()} CPUs; {args.entries} entries; {args.connections} connections; load generator: wrk "
          f"(2 threads) on the same machine")
    started = time.perf_counter()
    database = benchkit.start_database()
    work = Path(tempfile.mkdtemp(prefix="contest-bench-board-"))
    try:
        print(f"PostgreSQL up in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        track = build_track(database, args.entries)
        asyncio.run(fill_baseline(database, args.baseline_rows))
        print(f"track of {len(track.entry_ids)} entries with results built in {time.perf_counter() - started:.1f} s")
        profile = args.profile.resolve() if args.profile else None
        for workers in args.workers:
            results = run_workers(args, database, track, workers, work, profile)
            report(results, workers, args.connections, args.entries)
        if profile:
            print(f"\nprofile of the product server ({profile}), by cumulative time:")
            stats = pstats.Stats(str(profile))
            stats.sort_stats("cumulative").print_stats(r"contest/|sqlalchemy/(orm|engine)/|jinja2/|litestar/routes",
                                                       40)
            stats.sort_stats("tottime").print_stats(30)
    finally:
        database.discard()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
