"""Faults while judges submit: PostgreSQL stopped at once (`pg_ctl stop -m immediate`, as a crash
or a power cut does) and started again, and one server worker killed with SIGKILL, during a storm
of submissions that retry the way tablets do — with no restart of the app.

Afterwards every acknowledged sheet is stored exactly once with its marks, `contest audit verify`
passes, no request was ever answered with a 500 (pages, the API and new live streams answered 503
in Chinese while the database was away), open live streams were told the connection was down and
then up again, and every stream — reconnected by the client where its worker was killed —
receives the next change. Everything on loopback, on a PostgreSQL and a server of its own; bounded
by TIME_LIMIT."""
from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psutil
from sqlalchemy import text

from contest import db
from contest.events import service as events
from contest.people.models import Area
from tests.builders import person, running_contest
from tests.setup.serving import Server, contest, data_folder

JUDGES, ENTRIES, STREAMS = 8, 10, 4
TIME_LIMIT = 180  # seconds for the whole storm: a bound against a hang (it takes well under a minute)
OUTAGE = 4  # seconds PostgreSQL stays down
RETRYABLE = (502, 503, 504)


@dataclass
class Record:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    acknowledged: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)

    def saw(self, what: str, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500 and response.status_code not in RETRYABLE:
            self.server_errors.append(f"{what} → {response.status_code} {response.text[:200]}")


async def retrying(record: Record, what: str, send) -> httpx.Response:
    """Send until the answer is not "try again later", as the tablet's outbox does (same request,
    same idempotency key); a dropped connection (a killed worker) is tried again too."""
    while True:
        try:
            response = await send()
        except httpx.TransportError:
            await asyncio.sleep(0.3)
            continue
        record.saw(what, response)
        if response.status_code not in RETRYABLE:
            return response
        await asyncio.sleep(random.uniform(0.2, 0.5))


async def judge(base: str, code: str, number: str, pin: str, sheets: list[tuple[int, int, dict]],
                record: Record, pace: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        await retrying(record, "GET /judge/login", lambda: client.get("/judge/login"))
        csrf = {"x-csrftoken": client.cookies["csrftoken"]}
        signed = await retrying(record, "sign-in", lambda: client.post(
            "/api/judge/session", json={"event_code": code, "number": number, "pin": pin}, headers=csrf))
        assert signed.status_code == 200, signed.text
        for stage_id, entry_id, marks in sheets:
            body = {"marks": marks, "base_version": 0, "key": str(uuid.uuid4()), "submit": True}
            url = f"/api/judge/stages/{stage_id}/entries/{entry_id}"
            answer = await retrying(record, f"PUT {url}",
                                    lambda url=url, body=body: client.put(url, json=body, headers=csrf))
            assert answer.status_code == 200, (number, entry_id, answer.status_code, answer.text)
            record.acknowledged[(number, entry_id)] = marks
            await asyncio.sleep(random.uniform(0, pace))


@dataclass
class Stream:
    """A live board in a browser: an EventSource that reconnects after 1 s whenever it drops."""

    url: str
    events: list[tuple[float, str, str]] = field(default_factory=list)  # (time, event, data)
    connects: Counter = field(default_factory=Counter)

    async def run(self, record: Record) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=60)) as client, \
                        client.stream("GET", self.url) as response:
                    record.saw("GET /live", response)
                    self.connects[response.status_code] += 1
                    if response.status_code == 200:
                        kind = ""
                        async for line in response.aiter_lines():
                            if line.startswith("event:"):
                                kind = line.split(":", 1)[1].strip()
                            elif line.startswith("data:") and kind:
                                self.events.append((loop.time(), kind, line.split(":", 1)[1].strip()))
                                kind = ""
            await asyncio.sleep(1)

    def states(self) -> list[str]:
        return [data for _, kind, data in self.events if kind == "state"]

    def boards_since(self, moment: float) -> int:
        return sum(1 for at, kind, _ in self.events if kind == "board" and at > moment)


async def probe_outage(base: str, judge_cookies: httpx.Cookies, track_id: int, record: Record) -> list[str]:
    """What a page, the API and a new live stream answer while the database is down."""
    problems = []
    async with httpx.AsyncClient(base_url=base, timeout=15, cookies=judge_cookies) as client:
        for path, kind in (("/", "text/html"), ("/judge", "text/html"), ("/api/judge/queue", "application/json"),
                           (f"/live/tracks/{track_id}", "text/html")):
            response = await client.get(path)
            record.saw(f"GET {path} (outage)", response)
            body = response.json()["error"] if kind == "application/json" else response.text
            if response.status_code != 503 or "数据库" not in body or kind not in response.headers["content-type"]:
                problems.append(f"{path}: {response.status_code} {response.headers['content-type']} {body[:120]}")
    return problems


def workers(server: Server) -> list[psutil.Process]:
    return [p for p in psutil.Process(server.proc.pid).children(recursive=True) if "python" in p.name().lower()]


async def wait_for(condition, timeout: float, step: float = 0.1) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(step)


async def test_storm_survives_an_immediate_database_stop_and_a_killed_worker():
    with data_folder() as folder:
        postgres = db.EmbeddedPostgres(folder)
        url = postgres.start()
        restarted = None
        server = None
        try:
            db.upgrade(url)
            engine = db.make_engine(url, pool_size=2)
            async with db.make_sessionmaker(engine)() as session:
                session.add(Area(code="421202", name="咸安区"))
                await session.commit()
                setup = await running_contest(session, events.EventInput(
                    slug="cook", name="烹饪大赛", year=2026, visibility="named"),
                    [person(i) for i in range(ENTRIES)], JUDGES)
            server = Server(folder, "--workers", "2", env={"CONTEST_DATABASE_URL": url})
            await server.ready()
            base, record = server.base, Record()

            prober = httpx.AsyncClient(base_url=base, timeout=15)  # a judge signed in before the outage
            await prober.get("/judge/login")
            await prober.post("/api/judge/session", json={"event_code": setup.event.judge_code, "number": "J02",
                                                          "pin": setup.pins["J02"]},
                              headers={"x-csrftoken": prober.cookies["csrftoken"]})
            streams = [Stream(f"{base}/live/tracks/{setup.track.id}") for _ in range(STREAMS)]
            stream_tasks = [asyncio.create_task(s.run(record)) for s in streams]
            await wait_for(lambda: all(s.states() for s in streams), 30)

            practical, theory = setup.practical.id, setup.theory.id
            plans = {j.number: [(practical, e.id, {"prep": str(6 + (n + k) % 5), "skill": str(30 + k % 7),
                                                   "quality": str(25 + n), "safety": "1"})
                                for n, e in enumerate(setup.entries)] for k, j in enumerate(setup.judges)}
            last = setup.entries[-1]  # the change made once everything has recovered: J01's theory sheet
            storm = asyncio.gather(*(judge(base, setup.event.judge_code, number, setup.pins[number], sheets,
                                           record, pace=0.4) for number, sheets in plans.items()))
            total = JUDGES * ENTRIES

            async def faults() -> list[str]:
                await wait_for(lambda: len(record.acknowledged) >= total * 0.25, 60)
                db._pg_ctl(postgres.pgdata, "stop", "-m", "immediate")
                await asyncio.sleep(1)
                problems = await probe_outage(base, prober.cookies, setup.track.id, record)
                await wait_for(lambda: all("连接中断" in s.states()[-1] for s in streams), 15)
                await asyncio.sleep(OUTAGE - 1)
                nonlocal restarted
                restarted = db.EmbeddedPostgres(folder)
                await asyncio.to_thread(restarted.start)
                await wait_for(lambda: len(record.acknowledged) >= total * 0.6, 60)
                victim = random.Random(16).choice(workers(server))
                victim.send_signal(signal.SIGKILL)
                return problems

            outage_problems, _ = await asyncio.wait_for(asyncio.gather(faults(), storm), TIME_LIMIT)
            assert not outage_problems, "\n".join(outage_problems)
            assert not record.server_errors, "\n".join(record.server_errors[:20])
            assert record.statuses[503] > 0  # the storm did meet the outage

            # every acknowledged sheet is there exactly once, with its marks
            async with engine.connect() as conn:
                rows = (await conn.execute(text(
                    "select j.number, s.entry_id, s.state, count(*) over (partition by s.judge_id, s.entry_id), "
                    "jsonb_object_agg(m.criterion, m.value::text) from sheet s join judge j on j.id = s.judge_id "
                    "join mark m on m.sheet_id = s.id where s.stage_id = :stage "
                    "group by j.number, s.entry_id, s.state, s.id, s.judge_id"), {"stage": practical})).all()
            stored = {(number, entry): (state, copies, marks) for number, entry, state, copies, marks in rows}
            assert len(stored) == len(record.acknowledged) == total
            for key, marks in record.acknowledged.items():
                state, copies, values = stored[key]
                assert state == "submitted" and copies == 1, key
                assert {k: float(v) for k, v in values.items()} == {k: float(v) for k, v in marks.items()}, key
            audit = contest(folder, "audit", "verify", CONTEST_DATABASE_URL=url)
            assert audit.returncode == 0 and "账本完好" in audit.stdout, audit.stderr

            # the streams are live again (reconnected where their worker died) and get the next change
            await wait_for(lambda: all(s.states() and s.states()[-1] == "实时更新" for s in streams), 30)
            changed_at = asyncio.get_running_loop().time()
            await judge(base, setup.event.judge_code, "J01", setup.pins["J01"],
                        [(theory, last.id, {"written": "88"})], record, pace=0)
            await wait_for(lambda: all(s.boards_since(changed_at) for s in streams), 30)
            assert not record.server_errors, "\n".join(record.server_errors[:20])
            log = server.log.read_text(errors="replace")
            assert "Traceback" not in log and "ERROR" not in log, log[-4000:]
            for task in stream_tasks:
                task.cancel()
            await prober.aclose()
            await engine.dispose()
        finally:
            if server is not None:
                server.kill()
            if restarted is not None:
                restarted.stop()
            postgres.discard()
