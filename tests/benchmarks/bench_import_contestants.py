"""Benchmark `contest import contestants` on a 10,000-row XLSX (goal: under 10 s).

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_import_contestants.py [--runs 3] [--rows 10000]

It starts its own embedded PostgreSQL in a temporary folder, creates the seven Xianning areas and
an event through `contest.events.service`, writes a file of valid, distinct people (about 40 units),
and times the command as a subprocess — wall time, Python start-up included — importing it into a
fresh track each run. Then it times the same file with 50 bad rows (the time to the problem report)
and checks that nothing was imported.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from contest import db  # noqa: E402
from contest.events import importers, service  # noqa: E402
from contest.people.models import Area  # noqa: E402
from tests.builders import xlsx  # noqa: E402
from tests.setup.cli_runner import AREAS, contestant  # noqa: E402

GOAL_SECONDS = 10.0
BAD_ROWS = 50
EVENT = "bench-2026"
ID_KEY = "bench-id-hash-key"


def write_xlsx(rows: list[list[str]]) -> bytes:
    return xlsx(rows)


def spoil(rows: list[list[str]], count: int) -> list[int]:
    """Make `count` rows bad, spread through the file, one problem each; their spreadsheet rows."""
    step = len(rows) // count
    spoiled = []
    for k in range(count):
        i = k * step + step // 2
        row = rows[i] = list(rows[i])
        kind = k % 4
        if kind == 0:  # a wrong check digit
            row[2] = row[2][:-1] + ("0" if row[2][-1] != "0" else "1")
        elif kind == 1:
            row[5] = "武汉市"  # not a Xianning area
        elif kind == 2:
            row[0] = "张三1"  # digits in a name
        else:
            row[3] = "1234"  # not a phone number
        spoiled.append(i + 2)  # the header is row 1
    return spoiled


async def prepare(url: str, tracks: list[str]) -> None:
    engine = db.make_engine(url, pool_size=2)
    try:
        async with db.make_sessionmaker(engine)() as session:
            session.add_all(Area(code=code, name=name) for code, name in AREAS)
            await session.commit()
            event = await service.create_event(session, service.EventInput(
                slug=EVENT, name="2026年咸宁市职工技能大赛（导入基准）", year=2026))
            for slug in tracks:
                await service.create_track(session, event, service.TrackInput(slug=slug, name=f"工种{slug}"))
    finally:
        await engine.dispose()


async def counts(url: str, track: str) -> tuple[int, int]:
    """(entries in the track, people in the database)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        entries = await conn.fetchval(
            "select count(*) from entry join track on track.id = entry.track_id join event on event.id = "
            "track.event_id where event.slug = $1 and track.slug = $2", EVENT, track)
        return entries, await conn.fetchval("select count(*) from person")
    finally:
        await conn.close()


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(env: dict[str, str], path: Path, track: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time, and the CPU time of the command's own process (PostgreSQL's is not in it)."""
    started, cpu = time.perf_counter(), cpu_of_children()
    result = subprocess.run([sys.executable, "-m", "contest.cli", "import", "contestants", str(path),
                             "--event", EVENT, "--track", track], env=env, cwd=ROOT, text=True, capture_output=True)
    return time.perf_counter() - started, cpu_of_children() - cpu, result


def phases(url: str, data: bytes) -> None:
    """Where the time goes, in this process: reading the file, checking the rows, writing."""
    started = time.perf_counter()
    raw = importers.read_contestants("参赛人员.xlsx", data)
    read = time.perf_counter() - started
    started = time.perf_counter()
    importers.validate_rows(raw, {name for _, name in AREAS}, ID_KEY.encode())
    checked = time.perf_counter() - started

    async def whole() -> float:
        engine = db.make_engine(url, pool_size=2)
        try:
            async with db.make_sessionmaker(engine)() as session:
                track = await service.get_track(session, await service.get_event(session, EVENT), "in-process")
                started = time.perf_counter()
                await service.import_contestants(session, track, "参赛人员.xlsx", data, id_key=ID_KEY.encode())
                return time.perf_counter() - started
        finally:
            await engine.dispose()

    total = asyncio.run(whole())
    print(f"in-process (already-known people): service.import_contestants {total:.2f} s = read_table {read:.2f} s"
          f" + validate_rows {checked:.2f} s + database work ≈ {total - read - checked:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    if not 0 < args.rows <= 10_080:
        parser.error("--rows: at most 10,080 distinct people")

    folder = Path(tempfile.mkdtemp(prefix="contest-bench-import-"))  # the server runs as another user
    files = Path(tempfile.mkdtemp(prefix="contest-bench-files-"))
    # atexit runs last-registered first: these run after the embedded server has been stopped and deleted
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    atexit.register(shutil.rmtree, files, ignore_errors=True)
    print(f"starting an embedded PostgreSQL in {folder} …", flush=True)
    postgres = db.EmbeddedPostgres(folder)
    url = postgres.start()
    atexit.register(postgres.stop)
    db.upgrade(url)
    good_tracks = [f"run-{n}" for n in range(1, args.runs + 1)]
    asyncio.run(prepare(url, [*good_tracks, "bad", "in-process"]))

    rows = [contestant(i) for i in range(args.rows)]
    assert len({row[2] for row in rows}) == args.rows, "ID numbers must be distinct"
    good_file = files / "参赛人员.xlsx"
    good_file.write_bytes(write_xlsx(rows))
    bad_rows = list(rows)
    spoiled = spoil(bad_rows, BAD_ROWS)
    bad_file = files / "参赛人员-有错.xlsx"
    bad_file.write_bytes(write_xlsx(bad_rows))
    units = len({row[4] for row in rows})
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; wall times include Python start-up")
    print(f"file: {args.rows:,} rows, {units} units, {len(AREAS)} areas, {good_file.stat().st_size / 1e6:.1f} MB")

    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    env |= {"CONTEST_DATABASE_URL": url, "CONTEST_DATA_DIR": str(folder), "CONTEST_ID_HASH_KEY": ID_KEY}

    times = []
    for n, track in enumerate(good_tracks, 1):
        elapsed, cpu, result = run_import(env, good_file, track)
        entries, people = asyncio.run(counts(url, track))
        if result.returncode != 0 or entries != args.rows:
            print(f"run {n} FAILED (exit {result.returncode}, {entries} entries):\n{result.stderr[-2000:]}")
            return 1
        times.append(elapsed)
        kind = "all people new" if n == 1 else "same people, already in the database"
        print(f"run {n}: {elapsed:.2f} s, CPU {cpu:.2f} s  ({entries:,} entries into track {track}; {kind})",
              flush=True)
    median = statistics.median(times)

    people_before = asyncio.run(counts(url, "bad"))[1]
    bad_elapsed, bad_cpu, result = run_import(env, bad_file, "bad")
    entries, people_after = asyncio.run(counts(url, "bad"))
    reported = {int(line.split(" row ", 1)[1].split()[0]) for line in result.stderr.splitlines() if " row " in line}
    bad_ok = (result.returncode != 0 and reported == set(spoiled) and entries == 0 and people_after == people_before)
    print(f"with {BAD_ROWS} bad rows: {bad_elapsed:.2f} s (CPU {bad_cpu:.2f} s) to the report; "
          f"exit {result.returncode}; "
          f"{len(reported)} bad rows reported; {entries} entries and {people_after - people_before} people written"
          f" — {'OK' if bad_ok else 'WRONG'}")

    phases(url, good_file.read_bytes())

    print(f"\n{args.rows:,}-row XLSX import: median {median:.1f} s over {len(times)} runs "
          f"(goal < {GOAL_SECONDS:.0f} s) — {'met' if median < GOAL_SECONDS else 'NOT met'}; "
          f"report of {BAD_ROWS} bad rows: {bad_elapsed:.1f} s")
    return 0 if bad_ok else 1


if __name__ == "__main__":
    sys.exit(main())
