"""Benchmark: submitting a 10-criterion sheet with 50 judges submitting at once, next to the bare app.

Not a test (pytest does not collect it). Run from anywhere:

    python tests/benchmarks/bench_sheet_submission.py [--shape paced|burst|closed] [--workers 2]
        [--judges 50] [--panel-size 5] [--entries 40] [--order same|spread]
        [--think-ms 1000] [--burst-gap-ms 200] [--profile FILE.prof]

It starts a throw-away embedded PostgreSQL, sets up a running contest through the services (50
judges in panels of five, one station (track) per panel, each with a practical stage of ten
criteria and 40 + warm-up entries), then runs `contest serve` and the bare app of ../shared/bench
(copied here as baseline_app.py) side by side on that PostgreSQL with the same number of uvicorn
workers, and drives each with one keep-alive connection per judge:

- product: PUT /api/judge/stages/{stage}/entries/{entry}, every request a sheet of its own,
  submitted (submit=true, a fresh idempotency key): validation, version check, marks, ledger,
  the entry's result recomputed, one transaction;
- baseline: POST /insert, one INSERT of one mark.

The load generator is a bare HTTP/1.1 client (benchkit.KeepAlive): it shares the two cores with
the servers and PostgreSQL, and httpx would spend two milliseconds of them on every request.

Shapes (all 50 judges are signed in and scoring throughout):
- paced (default): each judge sends a sheet, then waits a random 0.5–1.5 × --think-ms before the
  next (the first one too), so the 50 judges' submissions arrive at random, about 50 a second at
  the default second: far faster than anyone scores a dish, and the load this goal is read as;
- burst: every judge sends at the same instant, all wait for the last answer, then --burst-gap-ms
  later all send again (the strictest reading: 50 transactions started within a millisecond);
- closed: each judge sends the next sheet as soon as the last is answered (50 always in flight:
  p99 < 100 ms would need more than 500 submissions a second, by Little's law).

Judges score the entries in the same running order, as at a venue where the panel marks each
contestant at the end of the performance (`--order spread` staggers them instead). The first
`--warmup` requests of each judge are not measured. It prints p50/p95/p99/max latency and
throughput of both, the product/baseline ratios, the verdict, and then checks that every stored
result equals a fresh computation from the stored marks. For each side it also prints the CPU
used by the server, by PostgreSQL and by the load generator (each per request), how busy the
machine was, and what PostgreSQL's backends were doing (sampled from pg_stat_activity: running,
waiting on which lock, or idle in a transaction while the application holds it). With --profile
the product server runs under cProfile (one worker) and the heaviest functions are printed. The
judges' PINs are hashed with cheap argon2id parameters: signing in is not what is measured.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import benchkit

GOAL_MS = 100.0


def half_point_marks(rng: random.Random, criteria: list[dict]) -> dict[str, str]:
    return {c["key"]: str(rng.randint(8, 20) / 2).removesuffix(".0") for c in criteria}


async def bench_product(base: str, contest: benchkit.Contest, judges: int, warmup: int, per_judge: int,
                        order: str, shape: benchkit.Shape):
    numbers = sorted(contest.pins)[:judges]
    clients = await asyncio.gather(*(benchkit.signed_in_client(base, contest, n) for n in numbers))
    rngs = [random.Random(f"bench-{n}") for n in numbers]

    def request(i: int, n: int):
        stage_id, entries = contest.seats[numbers[i]]
        k = n if order == "same" or n < warmup else warmup + (n - warmup + i) % per_judge
        url = f"/api/judge/stages/{stage_id}/entries/{entries[k]}"
        return "PUT", url, {"marks": half_point_marks(rngs[i], contest.criteria), "base_version": 0,
                            "submit": True, "key": uuid.uuid4().hex}

    try:
        return await benchkit.drive(clients, request, warmup, per_judge, shape)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def bench_baseline(base: str, clients_count: int, warmup: int, per_client: int, shape: benchkit.Shape):
    clients = [benchkit.KeepAlive(base) for _ in range(clients_count)]

    def request(i: int, n: int):
        return "POST", "/insert", {"judge": i + 1, "entry": n + 1, "criterion": 1, "value": "8.5"}

    try:
        return await benchkit.drive(clients, request, warmup, per_client, shape)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def check_results(database: benchkit.Database) -> tuple[int, int, list[str]]:
    """(sheets, stored results, entries whose stored result differs from a fresh computation)."""
    from sqlmodel import func, select

    from contest import db
    from contest.events.models import Entry, Round
    from contest.judging import service as judging
    from contest.judging.models import Result, Sheet

    engine = db.make_engine(database.url, pool_size=2)
    try:
        async with db.make_sessionmaker(engine)() as session:
            sheets = (await session.exec(select(func.count()).select_from(Sheet))).one()
            fresh = {(round_.id, r.entry): r for round_ in (await session.exec(select(Round))).all()
                     for r in await judging.compute_round(session, round_)}
            stored = (await session.exec(select(Result, Entry.bib).join(Entry, Entry.id == Result.entry_id))).all()
            differ = []
            for r, bib in stored:
                now = fresh.get((r.round_id, bib))
                if now and (r.total, r.stage_totals) != (now.total, {k: str(v) for k, v in now.stage_totals.items()}):
                    differ.append(f"{bib}: stored {r.total} {r.stage_totals}, computed {now.total}")
            return sheets, len(stored), differ
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--entries", type=int, default=40, help="measured sheets per judge")
    parser.add_argument("--warmup", type=int, default=4, help="unmeasured sheets per judge first")
    parser.add_argument("--criteria", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--shape", choices=["paced", "burst", "closed"], default="paced")
    parser.add_argument("--order", choices=["same", "spread"], default="same")
    parser.add_argument("--panel-size", type=int, default=5,
                        help="judges per panel, one track (station) each; --panel-size 50: one panel of all")
    parser.add_argument("--think-ms", type=int, default=1000, help="paced: each judge waits 0.5–1.5 × this")
    parser.add_argument("--burst-gap-ms", type=int, default=200, help="burst: the pause after a burst's last answer")
    parser.add_argument("--profile", type=Path, help="run the product server under cProfile into this file")
    args = parser.parse_args()
    if args.profile and args.workers != 1:
        parser.error("--profile needs --workers 1")

    shape = benchkit.Shape(args.think_ms if args.shape == "paced" else 0,
                           args.burst_gap_ms if args.shape == "burst" else 0)
    print(f"{os.cpu_count()} CPUs; {args.judges} judges × {args.entries} sheets ({args.warmup} more each to warm up),"
          f" {args.criteria} criteria; {args.workers} uvicorn worker(s) per server; order: {args.order};"
          f" {shape}; panels of {args.panel_size} judges")
    started = time.perf_counter()
    database = benchkit.start_database()
    contest = benchkit.set_up_contest(database, args.entries + args.warmup, args.judges, args.criteria,
                                      panel_size=args.panel_size)
    print(f"PostgreSQL in {database.folder}; contest set up in {time.perf_counter() - started:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="contest-bench-"))
    profile = args.profile.resolve() if args.profile else None
    with benchkit.baseline_server(database, args.workers, work / "baseline.log") as baseline, \
            benchkit.contest_server(database, work / "data", args.workers, work / "contest.log", profile) as product:
        base, base_status = benchkit.phase("baseline", baseline, database, lambda: bench_baseline(
            baseline.url, args.judges, args.warmup, args.entries, shape))
        prod, prod_status = benchkit.phase("product", product, database, lambda: bench_product(
            product.url, contest, args.judges, args.warmup, args.entries, args.order, shape))
    print()
    print(base.line("baseline POST /insert"), dict(base_status))
    print(prod.line("product PUT sheet (submit)"), dict(prod_status))
    print(f"{'ratio product/baseline':<34} p50 ×{prod.p50 / base.p50:.1f}  p95 ×{prod.p95 / base.p95:.1f}  "
          f"p99 ×{prod.p99 / base.p99:.1f}  throughput ×{prod.throughput / base.throughput:.2f}")
    verdict = "met" if prod.p99 < GOAL_MS else "NOT met"
    print(f"sheet submission p99 = {prod.p99:.1f} ms with {args.judges} concurrent judges, {shape}"
          f" (goal < {GOAL_MS:.0f} ms: {verdict})")
    sheets, results, differ = asyncio.run(check_results(database))
    print(f"{sheets} sheets stored, {results} results; {len(differ)} stored results differ from a fresh computation"
          + (": " + "; ".join(differ[:3]) if differ else ""))
    print(f"server logs in {work}")
    if profile:
        benchkit.print_profile(profile)


if __name__ == "__main__":
    main()
