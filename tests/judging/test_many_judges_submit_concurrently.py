"""200 simulated judges submitting concurrently, each retrying at random, leave exactly one accepted
sheet per judge and entry, and every stored result equals `contest results compute` on the
exported marks.

The judges talk to a real `contest serve --workers 2` on loopback (the `live_server` fixture, same
database), each with an httpx client and a cookie jar of its own, the way the tablets do: the CSRF
cookie from GET /judge/login, then POST /api/judge/session, then one PUT per sheet. Each sheet's
submission is re-sent at random — the same request with the same idempotency key, sometimes
concurrently, sometimes after a small delay while the first is still in flight, sometimes only
after its answer — and now and then a second change with a new key is made on the same, by then
stale, base version (a second tablet): it must be refused with 409. A few sheets are saved as a
draft first. Any 5xx fails the test.

The judges' PINs are hashed with cheap argon2id parameters while the contest is set up (the server
verifies each PIN with the parameters stored in its hash): with the library's defaults, 200 hashes
and 200 sign-ins cost over a minute of CPU on a 2-core machine, and PIN hashing is not under test here.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import random
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from sqlmodel import select

from contest import ledger
from contest.events import service as events_service
from contest.events.models import Entry, Round
from contest.judging import service as judging
from contest.judging.models import Mark, Result, Sheet, SheetRequest
from tests.builders import Contest, make_contest, pledge_all

JUDGES, ENTRIES = 200, 3
IN_FLIGHT = 100  # requests on the wire at once, over all judges
TIME_LIMIT = 300  # seconds for all the judges' traffic: only a bound against a hang (it takes about a minute)
SEED = 20260512
ROOT = Path(__file__).resolve().parents[2]
CHEAP_PINS = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Attempt:
    """One change to a sheet, under one idempotency key, sent one or more times."""

    key: str
    marks: dict[str, object]  # as sent: text or JSON numbers
    base_version: int
    submit: bool
    answers: list[tuple[int, dict]] = field(default_factory=list)  # (status, body) of every send

    @property
    def statuses(self) -> list[int]:
        return [status for status, _ in self.answers]

    @property
    def accepted(self) -> bool:
        return 200 in self.statuses

    def expected_marks(self) -> dict[str, Decimal]:
        return {k: Decimal(str(v)) for k, v in self.marks.items()}


@dataclass
class Plan:
    """What one judge does to one sheet, decided up front from the judge's seeded random."""

    judge_id: int
    stage_id: int
    entry_id: int
    draft: Attempt | None
    submission: Attempt
    delays: list[float]  # one per send of the submission: when it leaves, from the first send
    sequential: bool  # each resend only after the previous answer
    stale: Attempt | None
    stale_mode: str | None  # "after": once the submission is answered; "race": alongside it

    @property
    def sheet(self) -> tuple[int, int, int]:
        return self.judge_id, self.entry_id, self.stage_id


def half_points(rng: random.Random, low: int, high: int) -> str:
    n = rng.randint(low * 2, high * 2)
    return str(n // 2) if n % 2 == 0 else f"{n // 2}.5"


def as_sent(rng: random.Random, text: str) -> object:
    """Tablets send text; some clients send JSON numbers (every half point is exact in binary)."""
    roll = rng.random()
    if roll < 0.15:
        return float(text)
    if roll < 0.25 and "." not in text:
        return int(text)
    return text


def practical_marks(rng: random.Random) -> dict[str, object]:
    return {"prep": as_sent(rng, half_points(rng, 4, 10)), "skill": as_sent(rng, half_points(rng, 15, 40)),
            "quality": as_sent(rng, half_points(rng, 15, 40)), "safety": as_sent(rng, half_points(rng, 0, 4))}


def make_plan(rng: random.Random, judge_id: int, stage_id: int, entry_id: int, marks: dict[str, object],
              draft_marks: dict[str, object], rival_marks: dict[str, object]) -> Plan:
    draft = None
    if rng.random() < 0.1:
        draft = Attempt(uuid.uuid4().hex, draft_marks, 0, submit=False)
    base = 1 if draft else 0
    submission = Attempt(uuid.uuid4().hex, marks, base, submit=True)
    resends = rng.choice([0, 1, 1, 2, 3])
    pattern = rng.random()
    if pattern < 0.4:  # duplicates on the wire at the same moment
        delays = [0.0] * (1 + resends)
    else:  # a retry after a small delay, the first perhaps still in flight
        delays = [0.0] + sorted(rng.uniform(0.0, 0.08) for _ in range(resends))
    sequential = pattern >= 0.8  # …or only once the previous send was answered
    stale, stale_mode = None, None
    roll = rng.random()
    if roll < 0.12:
        stale, stale_mode = Attempt(uuid.uuid4().hex, marks, base, submit=True), "after"
    elif roll < 0.18:  # a second tablet's change racing the first: one of the two wins, the other gets 409
        stale = Attempt(uuid.uuid4().hex, rival_marks, base, submit=True)
        stale_mode = "after" if sequential else "race"
    return Plan(judge_id, stage_id, entry_id, draft, submission, delays, sequential, stale, stale_mode)


class Judging:
    """Drives the judges against the server and keeps every answer."""

    def __init__(self, base_url: str, event_code: str) -> None:
        self.base_url, self.event_code = base_url, event_code
        self.in_flight = asyncio.Semaphore(IN_FLIGHT)
        self.server_errors: list[str] = []
        self.sign_in_failures: list[str] = []
        self.transport_errors: list[str] = []

    async def judge(self, number: str, pin: str, plans: list[Plan]) -> None:
        # Idle connections are dropped before uvicorn's 5-second keep-alive ends: otherwise a request
        # can meet the server closing its connection and die with a reset, before reaching the app.
        async with httpx.AsyncClient(base_url=self.base_url, timeout=60,
                                     limits=httpx.Limits(keepalive_expiry=2)) as client:
            async with self.in_flight:
                page = await client.get("/judge/login")
            self._note(page)
            token = client.cookies["csrftoken"]
            async with self.in_flight:
                signed = await client.post("/api/judge/session", headers={"x-csrftoken": token}, json={
                    "event_code": self.event_code, "number": number, "pin": pin})
            self._note(signed)
            if signed.status_code != 200:
                self.sign_in_failures.append(f"{number}: {signed.status_code} {signed.text[:200]}")
                return
            for plan in plans:  # a tablet scores one entry after another; the retries overlap
                await self.sheet(client, token, plan)

    async def sheet(self, client: httpx.AsyncClient, token: str, plan: Plan) -> None:
        url = f"/api/judge/stages/{plan.stage_id}/entries/{plan.entry_id}"
        if plan.draft:
            await self.send(client, token, url, plan.draft)
        if plan.sequential:
            for _ in plan.delays:
                await self.send(client, token, url, plan.submission)
        else:
            sends = [self.send(client, token, url, plan.submission, delay) for delay in plan.delays]
            if plan.stale_mode == "race":
                sends.append(self.send(client, token, url, plan.stale, random.uniform(0.0, 0.02)))
            await asyncio.gather(*sends)
        if plan.stale_mode == "after":
            await self.send(client, token, url, plan.stale)

    async def send(self, client: httpx.AsyncClient, token: str, url: str, attempt: Attempt,
                   delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        body = {"marks": attempt.marks, "base_version": attempt.base_version, "submit": attempt.submit,
                "key": attempt.key}
        async with self.in_flight:
            try:
                response = await client.put(url, json=body, headers={"x-csrftoken": token})
            except httpx.TransportError as exc:
                self.transport_errors.append(f"PUT {url} key {attempt.key}: {exc!r}")
                attempt.answers.append((0, {"error": repr(exc)}))
                return
        self._note(response)
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.text[:200]}
        attempt.answers.append((response.status_code, answer))

    def _note(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            self.server_errors.append(f"{response.request.method} {response.request.url.path} → "
                                      f"{response.status_code} {response.text[:200]}")


class Problems:
    """Every broken expectation, grouped, so one run tells the whole story."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = defaultdict(list)

    def add(self, kind: str, detail: str) -> None:
        self.found[kind].append(detail)

    def report(self) -> str:
        return "\n".join(f"- {kind}: {len(details)} case(s), e.g. " + "; ".join(details[:3])
                         for kind, details in self.found.items())


def check_answers(plan: Plan, problems: Problems) -> Attempt | None:
    """The HTTP side of one sheet; returns the submission that was accepted, if one was."""
    where = f"judge {plan.judge_id} entry {plan.entry_id} stage {plan.stage_id}"
    if plan.draft:
        if set(plan.draft.statuses) != {200} or plan.draft.answers[0][1].get("version") != 1:
            problems.add("a draft was not saved as version 1", f"{where}: {plan.draft.answers}")
    contenders = [plan.submission] + ([plan.stale] if plan.stale_mode == "race" else [])
    winners = [a for a in contenders if a.accepted]
    if len(winners) != 1:
        problems.add("not exactly one submission accepted", f"{where}: {[a.statuses for a in contenders]}")
        return None
    winner = winners[0]
    sheet_id = next(body for status, body in winner.answers if status == 200).get("sheet_id")
    expected = {"sheet_id": sheet_id, "state": "submitted", "version": winner.base_version + 1}
    for status, body in winner.answers:
        if status != 200:
            problems.add("a retry of an accepted submission (same key) was not answered with its outcome",
                         f"{where}: sends answered {winner.statuses}, e.g. {status} {body}")
            break
        if {k: body.get(k) for k in expected} != expected:
            problems.add("a retry was answered with a different outcome", f"{where}: {body} ≠ {expected}")
            break
    fresh = [body for status, body in winner.answers if status == 200 and body.get("replayed") is False]
    if len(fresh) != 1:
        problems.add("not exactly one non-replayed answer for an accepted key",
                     f"{where}: {len(fresh)} of {len(winner.answers)}")
    losers = [a for a in contenders if a is not winner] + ([plan.stale] if plan.stale_mode == "after" else [])
    for loser in losers:
        if set(loser.statuses) != {409}:
            problems.add("a change on a stale version was not refused with 409",
                         f"{where} ({plan.stale_mode}): {loser.answers}")
    return winner


async def contest_with(session, contestants: int, judges: int) -> Contest:
    """make_contest with more judges than it can name (it names ten: 评委甲 … 评委癸): the rest
    are added afterwards and the practical panel is set up again with all of them, J01 chief."""
    contest = await make_contest(session, contestants=contestants, judges=min(judges, 10))
    for i in range(len(contest.judges), judges):
        judge, pin = await events_service.add_judge(session, contest.event, f"评委{i + 1:03d}", None)
        contest.judges.append(judge)
        contest.pins[judge.number] = pin
    await pledge_all(session, contest.event)
    round_ = await session.get(Round, contest.practical.round_id)
    for panel, stage, _ in await events_service.list_panels(session, round_):
        if stage.id == contest.practical.id:
            await events_service.remove_panel(session, panel)
    await events_service.create_panel(session, contest.practical, "实操组", [j.id for j in contest.judges],
                                      contest.judges[0].id)
    return contest


async def test_many_judges_submit_concurrently(live_server, session, monkeypatch, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="httpx")  # not a line per request in the report
    monkeypatch.setattr(events_service, "hash_secret", CHEAP_PINS.hash)
    contest = await contest_with(session, contestants=ENTRIES, judges=JUDGES)
    chief = contest.judges[0]
    assert chief.number == "J01" and len(contest.judges) == JUDGES and len(contest.entries) == ENTRIES

    plans: dict[str, list[Plan]] = {}
    for judge in contest.judges:
        rng = random.Random(f"{SEED}-{judge.number}")
        order = rng.sample(contest.entries, len(contest.entries))
        plans[judge.number] = [make_plan(rng, judge.id, contest.practical.id, entry.id, practical_marks(rng),
                                         {"prep": half_points(rng, 0, 10)}, practical_marks(rng))
                               for entry in order]
        if judge.id == chief.id:
            plans[judge.number] += [make_plan(rng, judge.id, contest.theory.id, entry.id,
                                              {"written": as_sent(rng, str(rng.randint(40, 100)))},
                                              {"written": "50"}, {"written": str(rng.randint(0, 39))})
                                    for entry in order]
    every_plan = [plan for judge_plans in plans.values() for plan in judge_plans]

    run = Judging(live_server, contest.event.judge_code)
    await asyncio.wait_for(asyncio.gather(*(run.judge(number, contest.pins[number], judge_plans)
                                            for number, judge_plans in plans.items())), TIME_LIMIT)
    assert not run.server_errors, f"{len(run.server_errors)} server errors:\n" + "\n".join(run.server_errors[:10])
    assert not run.sign_in_failures, run.sign_in_failures[:5]
    assert not run.transport_errors, f"{len(run.transport_errors)} requests failed on the wire:\n" + "\n".join(
        run.transport_errors[:10])

    problems = Problems()
    winners = {plan.sheet: check_answers(plan, problems) for plan in every_plan}
    accepted_keys = {a.key for plan in every_plan for a in (plan.draft, plan.submission, plan.stale)
                     if a is not None and a.accepted}

    # --- what the database holds ---------------------------------------------------------------------
    session.expunge_all()
    sheets = (await session.exec(select(Sheet.judge_id, Sheet.entry_id, Sheet.stage_id, Sheet.id, Sheet.state,
                                        Sheet.version))).all()
    per_sheet = Counter((j, e, s) for j, e, s, *_ in sheets)
    assert set(per_sheet) == set(winners), "sheets missing or unexpected"
    assert max(per_sheet.values()) == 1
    sheet_ids = {(j, e, s): sid for j, e, s, sid, _, _ in sheets}
    for j, e, s, sid, state, version in sheets:
        winner = winners[(j, e, s)]
        if state != "submitted":
            problems.add("a sheet is not submitted", f"sheet {sid}: {state}")
        if winner is not None and version != winner.base_version + 1:
            problems.add("a sheet's version is not the expected one",
                         f"sheet {sid}: {version}, expected {winner.base_version + 1}")

    stored: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for sheet_id, criterion, value in (await session.exec(select(Mark.sheet_id, Mark.criterion, Mark.value))).all():
        stored[sheet_id][criterion] = value
    for sheet, winner in winners.items():
        if winner is not None and stored.get(sheet_ids[sheet]) != winner.expected_marks():
            problems.add("stored marks differ from the accepted submission",
                         f"sheet {sheet_ids[sheet]}: {stored.get(sheet_ids[sheet])} ≠ {winner.expected_marks()}")

    request_keys = set((await session.exec(select(SheetRequest.key))).all())
    if request_keys != accepted_keys:
        problems.add("sheet_request rows are not the accepted keys",
                     f"{len(request_keys)} rows for {len(accepted_keys)} accepted keys; "
                     f"{len(request_keys - accepted_keys)} unexpected, {len(accepted_keys - request_keys)} missing")

    submits = Counter((await session.exec(select(ledger.LedgerEntry.subject)
                                          .where(ledger.LedgerEntry.action == "sheet.submit"))).all())
    if submits != Counter(f"sheet:{sid}" for sid in sheet_ids.values()):
        twice = [subject for subject, n in submits.items() if n != 1]
        problems.add("the ledger does not hold exactly one sheet.submit per sheet",
                     f"{sum(submits.values())} entries for {len(sheet_ids)} sheets; not once: {twice[:5]}")
    checked, broken = await ledger.verify_chain(session)
    if broken:
        problems.add("the ledger chain is broken", f"entry {broken.entry_id} of {checked}: {broken.problem}")

    # --- stored results against `contest results compute` on the exported marks -----------------------
    round_ = await session.get(Round, contest.practical.round_id)
    scheme_path, marks_path = tmp_path / "scheme.json", tmp_path / "marks.csv"
    scheme_path.write_text(json.dumps(round_.scheme, ensure_ascii=False), encoding="utf-8")
    marks_path.write_text(await judging.export_marks(session, round_), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme", str(scheme_path),
                           "--marks", str(marks_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    offline = {row["entry"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    results = {bib: result for result, bib in (await session.exec(
        select(Result, Entry.bib).join(Entry, Entry.id == Result.entry_id).where(Result.round_id == round_.id))).all()}
    ranked = {r.entry: r for r in await judging.compute_round(session, round_)}
    bibs = {entry.bib for entry in contest.entries}
    assert set(offline) == set(results) == set(ranked) == bibs

    def number(value: str | Decimal | None) -> Decimal | None:  # stored figures are exact text (or NUMERIC)
        return Decimal(value) if value not in (None, "") else None

    for bib, row in sorted(offline.items()):
        result = results[bib]
        figures = {"total": (number(row["total"]), number(result.total)), "status": (row["status"], result.status),
                   **{stage: (number(row[stage]), number(result.stage_totals.get(stage)))
                      for stage in ("theory", "practical")}}
        for what, (computed, kept) in figures.items():
            if computed != kept:
                problems.add("a stored result differs from `contest results compute` on the exported marks",
                             f"entry {bib} {what}: stored {kept}, computed {computed}")
        if row["status"] != "ok":
            problems.add("an entry with every mark is not ranked", f"entry {bib}: {row['status']}")
        if (int(row["rank"]) if row["rank"] else None, row["award"] or None) != (ranked[bib].rank,
                                                                               ranked[bib].award):
            problems.add("ranks or awards differ from compute_round",
                         f"entry {bib}: {row['rank']} {row['award']} ≠ {ranked[bib].rank} {ranked[bib].award}")

    assert not problems.found, "\n" + problems.report()
