"""Benchmark: saving a theory-test answer with 500 contestants answering at once, next to the bare app.

Not a test (pytest does not collect it). Run from anywhere:

    python tests/benchmarks/bench_answer_save.py [--contestants 500] [--answers 12] [--think-ms 10000]
        [--workers 2] [--profile FILE.prof]

It starts a throw-away embedded PostgreSQL, sets up through the services a running contest whose
track has 500 drawn contestants, a 200-question bank and a theory test of 20 questions drawn for
each contestant, opened; then runs `contest serve` and the bare app of ../shared/bench (copied here
as baseline_app.py) side by side on that PostgreSQL with the same number of uvicorn workers, and
drives each with one keep-alive connection per contestant, every contestant signed in with their
bib and the test's code like a venue tablet:

- product: PUT /api/exam/answers/{position} with the answer, the device's save number and a fresh
  idempotency key (the test page's outbox sends exactly this): the sitting's state, device and
  clock checked under a key-share lock, the answer validated against the question, one upsert;
- baseline: POST /insert, one INSERT of one row.

Shape: paced, as the issue asks — each contestant sends an answer, then waits a random 5–15 s
(0.5–1.5 × --think-ms) before the next (the first one too), so the 500 contestants' saves arrive
at random, about 50 a second. The first --warmup answers of each are not measured. It prints
p50/p95/p99/max latency and throughput of both and their ratios, the CPU used by each side, what
PostgreSQL's backends were doing, and then checks that every answer is stored as last sent. With
--profile the product server runs under cProfile (one worker) and the heaviest functions are printed.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import benchkit
import httpx

sys.path.insert(0, str(benchkit.ROOT))
ANSWERS = {"single": "A", "multiple": "AC", "truefalse": "对", "fill": "油温"}


def set_up_test(database: benchkit.Database, contestants: int) -> tuple[str, dict[str, list[tuple[int, str]]]]:
    """The test's code, and each contestant's paper as (position, kind) by bib."""
    return asyncio.run(_set_up(database, contestants))


async def _set_up(database: benchkit.Database, contestants: int):
    from sqlmodel import select

    from contest.events import service as events
    from contest.events.models import Entry
    from contest.exams.models import PaperItem, Question, Sitting
    from contest.exams.service import bank, papers, sittings
    from tests.builders import BLUEPRINT, bank_file, question_row

    async with benchkit.bench_event(database) as (session, event):
        track = await events.create_track(session, event, events.TrackInput(slug="chef", name="中式烹调师"))
        report = await events.import_contestants(session, track, "contestants.csv",
                                                 benchkit.contestants_csv(contestants),
                                                 id_key=benchkit.ID_KEY.encode())
        assert report.imported == contestants, report.problems[:3]
        await events.draw_blind_codes(session, track, "监督员")
        for step in ("registration", "running"):
            await events.set_event_status(session, event, step)
        questions = await bank.create_bank(session, "中式烹调师")
        await bank.import_questions(session, questions, "bank.xlsx",
                                    bank_file([question_row(i) for i in range(200)]), "bench")
        theory = (await events.list_stages(session, (await events.list_rounds(session, track))[0]))[0]
        exam = await papers.create_exam(session, papers.ExamInput(theory.id, questions.id, "理论知识考试", 60,
                                                                  "each", BLUEPRINT), "bench")
        await papers.draw_papers(session, exam, "bench")
        exam = await sittings.open_exam(session, await papers.get_exam(session, exam.id), "bench")
        rows = (await session.exec(select(Entry.bib, PaperItem.position, Question.kind)
                                   .join(Sitting, Sitting.entry_id == Entry.id)
                                   .join(PaperItem, PaperItem.sitting_id == Sitting.id)
                                   .join(Question, Question.id == PaperItem.question_id)
                                   .order_by(Entry.bib, PaperItem.position))).all()
        paper: dict[str, list[tuple[int, str]]] = {}
        for bib, position, kind in rows:
            paper.setdefault(bib, []).append((position, kind))
        return exam.access_code, paper


async def signed_in(base: str, code: str, bib: str, gate: asyncio.Semaphore) -> benchkit.KeepAlive:
    """A connection signed in as the contestant, like a venue tablet: the session cookie (which holds
    the device's token) and the CSRF token go with every request."""
    async with gate, httpx.AsyncClient(base_url=base) as client:
        await client.get("/exam")
        response = await client.post("/exam/login", data={"code": code, "bib": bib},
                                     headers={"x-csrftoken": client.cookies["csrftoken"]})
        if response.status_code != 303:
            raise RuntimeError(f"contestant {bib} could not sign in: {response.status_code} {response.text[:200]}")
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return benchkit.KeepAlive(base, {"cookie": cookies, "x-csrftoken": client.cookies["csrftoken"]})


async def bench_product(base: str, code: str, paper: dict[str, list[tuple[int, str]]], warmup: int, answers: int,
                        shape: benchkit.Shape, sent: dict[tuple[str, int], str]):
    bibs = sorted(paper)
    gate = asyncio.Semaphore(20)
    clients = await asyncio.gather(*(signed_in(base, code, bib, gate) for bib in bibs))

    def request(i: int, n: int):
        position, kind = paper[bibs[i]][n % len(paper[bibs[i]])]
        response = sent[(bibs[i], position)] = ANSWERS[kind]
        return "PUT", f"/api/exam/answers/{position}", {"response": response, "seq": n + 1, "key": uuid.uuid4().hex}

    try:
        return await benchkit.drive(clients, request, warmup, answers, shape)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def bench_baseline(base: str, clients_count: int, warmup: int, per_client: int, shape: benchkit.Shape):
    clients = [benchkit.KeepAlive(base) for _ in range(clients_count)]

    def request(i: int, n: int):
        return "POST", "/insert", {"judge": i + 1, "entry": n + 1, "criterion": 1, "value": "1"}

    try:
        return await benchkit.drive(clients, request, warmup, per_client, shape)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def check_answers(database: benchkit.Database, sent: dict[tuple[str, int], str]) -> list[str]:
    """Places whose stored answer is not the one last sent."""
    import asyncpg

    conn = await asyncpg.connect(database.libpq)
    try:
        rows = await conn.fetch("select e.bib, a.position, a.response from answer a"
                                " join sitting s on s.id = a.sitting_id join entry e on e.id = s.entry_id")
    finally:
        await conn.close()
    stored = {(r["bib"], r["position"]): r["response"] for r in rows}
    return [f"{bib} #{position}: sent {sent[(bib, position)]!r}, stored {stored.get((bib, position))!r}"
            for bib, position in sorted(sent) if stored.get((bib, position)) != sent[(bib, position)]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contestants", type=int, default=500)
    parser.add_argument("--answers", type=int, default=12, help="measured answers per contestant")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured answers per contestant first")
    parser.add_argument("--think-ms", type=int, default=10000, help="each contestant waits 0.5–1.5 × this")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--profile", type=Path, help="run the product server under cProfile into this file")
    args = parser.parse_args()
    if args.profile and args.workers != 1:
        parser.error("--profile needs --workers 1")

    logging.getLogger("httpx").setLevel(logging.WARNING)  # 500 sign-ins need no lines of their own
    shape = benchkit.Shape(think_ms=args.think_ms)
    print(f"{os.cpu_count()} CPUs; {args.contestants} contestants × {args.answers} answers ({args.warmup} more each"
          f" to warm up); {args.workers} uvicorn worker(s) per server; {shape}")
    started = time.perf_counter()
    database = benchkit.start_database()
    code, paper = set_up_test(database, args.contestants)
    print(f"PostgreSQL in {database.folder}; test set up in {time.perf_counter() - started:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="contest-bench-"))
    sent: dict[tuple[str, int], str] = {}
    with benchkit.baseline_server(database, args.workers, work / "baseline.log") as baseline, \
            benchkit.contest_server(database, work / "data", args.workers, work / "contest.log",
                                    args.profile.resolve() if args.profile else None) as product:
        base, base_status = benchkit.phase("baseline", baseline, database, lambda: bench_baseline(
            baseline.url, args.contestants, args.warmup, args.answers, shape))
        prod, prod_status = benchkit.phase("product", product, database, lambda: bench_product(
            product.url, code, paper, args.warmup, args.answers, shape, sent))
    print()
    print(base.line("baseline POST /insert"), dict(base_status))
    print(prod.line("product PUT answer"), dict(prod_status))
    print(f"{'ratio product/baseline':<34} p50 ×{prod.p50 / base.p50:.1f}  p95 ×{prod.p95 / base.p95:.1f}  "
          f"p99 ×{prod.p99 / base.p99:.1f}  throughput ×{prod.throughput / base.throughput:.2f}")
    print(f"answer save p99 = {prod.p99:.1f} ms with {args.contestants} contestants answering at once, {shape}"
          f" (the bare app's INSERT: {base.p99:.1f} ms)")
    differ = asyncio.run(check_answers(database, sent))
    print(f"{len(sent)} places answered; {len(differ)} stored answers differ from the last one sent"
          + (": " + "; ".join(differ[:3]) if differ else ""))
    print(f"server logs in {work}")
    if args.profile:
        benchkit.print_profile(args.profile.resolve())


if __name__ == "__main__":
    main()
