"""Hypothesis plays the registry office for a few weeks: any order of nominations, profile edits,
eligibility checks and 复核, expert marks, notices (including ones opened in the past), public
objections and their answers, naming, withdrawals and later decisions, imports of historic lists,
with days passing in between.
After every action, read straight from the database:

- a named craftsman was named through a batch, after a notice that was opened before it began and
  had ended when the batch was named, with every objection to them answered (and none upheld); or
  imported from a historic list, for a year that had come and that no notice of the platform's had
  yet named craftsmen for;
- every named craftsman is counted by the tracker (towards the target or as named outside it), and
  the tracker's and the public registry's figures equal plain SQL counts;
- every change of state is on the ledger, and the ledger's chain is intact."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import select

from contest import clock, db, ledger
from contest.errors import Conflict, InputError
from contest.people.models import Person
from contest.registry import service as registry
from contest.registry.models import Batch, Candidate
from tests.builders import EXPERTS, MARKS, OFFICE, worker
from tests.support import EMPTY_DATABASE, libpq

FIRST_DAY = date(2026, 12, 20)  # naming batches of this year and the next: inside and outside the target
NAMED = "('named', 'suspended', 'retired', 'deceased')"
KEY = b"test-id-hash-key"
NAMINGS: list[int] = []  # how many each successful naming named, over the whole run


class Office(RuleBasedStateMachine):
    def __init__(self, loop: asyncio.AbstractEventLoop, url: str, maker) -> None:
        super().__init__()
        self.loop, self.url, self.maker = loop, url, maker
        self.day = FIRST_DAY
        self.opened_on: dict[int, date] = {}  # batch → the day its notice was opened
        self.named_on: dict[int, date] = {}  # batch → the day it was named
        self.states: dict[int, str] = {}  # what the office's lists show: candidates by state,
        self.batches: list[int] = []  # the batches and the objections not yet answered
        self.open_objections: list[int] = []
        clock.now = lambda: datetime.combine(self.day, time(4), tzinfo=UTC)  # noon of self.day in Beijing
        self.imported: dict[int, tuple[int, int | None, date]] = {}  # candidate → (year, first notice year, day)

    def teardown(self) -> None:
        if hasattr(self, "sql"):
            self.run(self.sql.close())

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    async def _try(self, action, *args):
        """One office action in a request of its own (a refusal, 409 or 400, is a fine outcome),
        then a look at the office's lists."""
        try:
            async with self.maker() as session:
                return await action(session, *args)
        except (Conflict, InputError) as refused:
            note(f"refused: {refused}")
            return None
        finally:
            self.states = dict(await self.sql.fetch("select id, state from candidate order by id"))
            self.batches = [r[0] for r in await self.sql.fetch("select id from batch order by id")]
            self.open_objections = [r[0] for r in await self.sql.fetch(
                "select id from objection where outcome is null order by id")]

    def attempt(self, action, *args):
        return self.run(self._try(action, *args))

    def among(self, index: int, *states: str) -> int | None:
        """The index-th candidate (round and round) of the office's list of these states (or all)."""
        ids = [cid for cid, state in self.states.items() if not states or state in states]
        return ids[index % len(ids)] if ids else None

    def has(self, *states: str) -> bool:
        return self.among(0, *states) is not None

    @initialize()
    def office_opens(self) -> None:
        async def start(session):
            await self.sql.execute(EMPTY_DATABASE)
            for n, (years, level) in enumerate([(12, 2), (3, 3), (None, 1)]):
                person = await worker(session, f"工人{'甲乙丙'[n]}", n=n, years_in_post=years, skill_level=level)
                if n < 2:  # few candidates, so that the actions meet on the same ones
                    await registry.nominate(session, person.id, "city", "nomination", OFFICE,
                                            nominating_unit_id=person.unit_id)
        self.sql = self.run(asyncpg.connect(libpq(self.url)))
        self.attempt(start)

    # --- the office's actions -------------------------------------------------------------------------

    @rule(person=st.integers(0, 2), tier=st.sampled_from(["city", "county"]))
    def nominate(self, person, tier):
        async def go(session):
            chosen = (await session.exec(select(Person).order_by(Person.id))).all()[person]
            return await registry.nominate(session, chosen.id, tier, "nomination", OFFICE,
                                           nominating_unit_id=chosen.unit_id)
        self.attempt(go)

    def on_candidate(self, cid: int | None, action) -> None:
        if cid is not None:
            async def go(session):
                return await action(session, await registry.get_candidate(session, cid))
            self.attempt(go)

    @precondition(lambda self: self.has())
    @rule(i=st.integers(0, 20), upto=st.sampled_from(["reviewed", "under_notice", "named"]))
    def by_the_book(self, i, upto):
        """What the office would do for this candidate by the book, up to the experts' review, the
        notice, or the naming once the notice has ended (so that namings happen, for the other
        actions to interfere with)."""
        async def go(session, candidate):
            while candidate.state in ("candidate", "ineligible", "eligible"):
                await self._next(session, candidate)
            if candidate.state == "reviewed" and upto != "reviewed":
                await self._notice(session, candidate)
            if candidate.state == "under_notice" and upto == "named":
                batch = await session.get(Batch, candidate.batch_id)
                self.day = max(self.day, batch.notice_ends_on + timedelta(days=1))  # it waits for the end
                await self._name(session, batch.id)
        self.on_candidate(self.among(i), go)

    async def _next(self, session, candidate) -> None:
        if candidate.state == "candidate":
            outcome = (await registry.eligibility(session, candidate)).outcome
            await registry.check_eligibility(session, candidate, OFFICE, outcome or "eligible")
        elif candidate.state == "ineligible":
            await registry.recheck(session, candidate, "推荐单位补充了材料", OFFICE)
            await registry.update_profile(session, candidate.person_id, trade="数控车工", professional_title="",
                                          years_in_post=12, unit_head=False)
        else:
            for expert in EXPERTS:
                await registry.record_review(session, candidate, expert, MARKS, "技艺精湛，带徒成效显著")
            await registry.finish_review(session, candidate, OFFICE)

    async def _notice(self, session, candidate) -> None:
        batch = await registry.get_batch(session, self.day.year, 10 + len(self.opened_on))
        await registry.open_notice(session, batch, [candidate.id], self.day, self.day + timedelta(days=4), OFFICE)
        self.opened_on[batch.id] = self.day

    async def _name(self, session, batch_id: int) -> int:
        named = await registry.name_batch(session, await session.get(Batch, batch_id), OFFICE)
        self.named_on[batch_id] = self.day
        NAMINGS.append(named)
        return named

    @precondition(lambda self: self.has())
    @rule(i=st.integers(0, 20), action=st.sampled_from(["eligible", "ineligible", "recheck", "review", "finish",
                                                        "years 2", "years 12", "no years"]))
    def any_step(self, i, action):
        """Any step on any candidate, whatever its state: most are refused."""
        async def go(session, candidate):
            if action in ("eligible", "ineligible"):
                await registry.check_eligibility(session, candidate, OFFICE, action)
            elif action == "recheck":
                await registry.recheck(session, candidate, "推荐单位补充了材料", OFFICE)
            elif action == "review":
                await registry.record_review(session, candidate, EXPERTS[0], MARKS, "技艺精湛，带徒成效显著")
            elif action == "finish":
                await registry.finish_review(session, candidate, OFFICE)
            else:
                years = None if action == "no years" else int(action.split()[1])
                await registry.update_profile(session, candidate.person_id, trade="数控车工", professional_title="",
                                              years_in_post=years, unit_head=False)
        self.on_candidate(self.among(i), go)

    @precondition(lambda self: self.has("reviewed"))
    @rule(picks=st.lists(st.integers(0, 20), min_size=1, max_size=3), anyone=st.booleans(), seq=st.integers(1, 3),
          year=st.sampled_from([2026, 2027]), starts=st.integers(-3, 3), days=st.integers(1, 10))
    def open_notice(self, picks, anyone, seq, year, starts, days):
        """The office picks from its list of reviewed candidates (or anyone), any batch, any period."""
        ids = sorted({self.among(i, *(() if anyone else ("reviewed",))) for i in picks})
        begins = self.day + timedelta(days=starts)

        async def go(session):
            batch = await registry.get_batch(session, year, seq)
            await registry.open_notice(session, batch, ids, begins, begins + timedelta(days=days - 1), OFFICE)
            return batch.id
        if (batch_id := self.attempt(go)) is not None:
            self.opened_on[batch_id] = self.day

    @precondition(lambda self: self.has("under_notice"))
    @rule(i=st.integers(0, 20), content=st.sampled_from(["获奖作品系他人代做", "工作年限造假"]))
    def public_objects(self, i, content):
        """Someone objects to a candidate on a notice (begun, or not yet, or over)."""
        self.on_candidate(self.among(i, "under_notice"), lambda s, c: registry.lodge_objection(
            s, c, KEY, name="李群众", phone="13912345678", content=content))

    @precondition(lambda self: self.open_objections)
    @rule(i=st.integers(0, 20), outcome=st.sampled_from(["dismissed", "upheld"]))
    def answer_objection(self, i, outcome):
        oid = self.open_objections[i % len(self.open_objections)]
        self.attempt(registry.resolve_objection, oid, outcome, "经核实", OFFICE)

    @precondition(lambda self: self.batches)
    @rule(i=st.integers(0, 5))
    def name_batch(self, i):
        self.attempt(self._name, self.batches[i % len(self.batches)])

    @precondition(lambda self: self.has())
    @rule(i=st.integers(0, 20), decision=st.sampled_from(sorted(registry.DECISIONS)))
    def decide(self, i, decision):
        self.on_candidate(self.among(i), lambda s, c: registry.DECISIONS[decision](s, c, "经研究决定", OFFICE))

    @rule(person=st.integers(0, 2), year=st.sampled_from([2025, 2026, 2027]))
    def import_history(self, person, year):
        """A historic list names someone (as the importer does for each of its rows)."""
        async def go(session):
            chosen = (await session.exec(select(Person).order_by(Person.id))).all()[person]
            batch = await registry.historic_batch(session, year)
            candidate = Candidate(person_id=chosen.id, tier="county", road="honour", batch_id=batch.id,
                                  named_year=year)
            await registry.record_import(session, candidate, OFFICE)
            await session.commit()
            return candidate.id
        first = self.run(self.sql.fetchval(
            "select min(year) from batch where seq > 0 and notice_starts_on is not null"))
        if (cid := self.attempt(go)) is not None:
            self.imported[cid] = (year, first, self.day)

    @rule(days=st.integers(1, 8))
    def days_pass(self, days):
        self.day += timedelta(days=days)

    # --- what must hold after every one of them ---------------------------------------------------------

    @invariant()
    def named_only_through_a_batch_after_an_ended_notice(self) -> None:
        async def check():
            return await self.sql.fetch(f"""
                    select c.id, c.batch_id, c.named_year, b.year, b.seq, b.notice_starts_on, b.notice_ends_on,
                           b.named_at,
                           (select count(*) from objection o where o.candidate_id = c.id
                              and (o.outcome is distinct from 'dismissed' or o.resolved_at > b.named_at)) as unanswered
                    from candidate c left join batch b on b.id = c.batch_id
                    where c.state in {NAMED}""")
        for row in self.run(check()):
            assert row["batch_id"] is not None and row["named_at"] is not None, dict(row)
            assert row["named_year"] == row["year"], dict(row)
            if row["seq"] == 0:  # a historic list's
                year, first_notice, day = self.imported[row["id"]]
                assert year <= day.year and (first_notice is None or year < first_notice), dict(row)
                continue
            assert row["batch_id"] in self.named_on, dict(row)
            assert self.opened_on[row["batch_id"]] <= row["notice_starts_on"], dict(row)
            assert row["notice_ends_on"] < self.named_on[row["batch_id"]], dict(row)
            assert row["unanswered"] == 0, dict(row)

    @invariant()
    def every_named_craftsman_is_counted_by_the_tracker(self) -> None:
        async def check():
            sql = self.sql
            named = await sql.fetchval(f"select count(*) from candidate where state in {NAMED}")
            counted = await sql.fetchval(f"""select count(*) from candidate where state in {NAMED}
                                             and named_year between 2022 and 2026""")
            by_year = dict(await sql.fetch(f"""select named_year, count(*) from candidate
                                               where state in {NAMED} group by 1"""))
            changes = await sql.fetchval("select count(*) from candidate_step")
            ledgered = await sql.fetchval("""select count(*) from ledger_entry where action like 'registry.%'
                and action not in ('registry.review', 'registry.object', 'registry.resolve_objection')""")
            async with self.maker() as session:
                t = await registry.tracker(session, this_year=self.day.year)
                _, public = await registry.public_list(session)
                chain = await ledger.verify_chain(session)
            return named, counted, by_year, changes, ledgered, t, public, chain
        named, counted, by_year, changes, ledgered, t, public, (_, broken) = self.run(check())
        assert t.registry_total == named == public
        assert t.total == counted == sum(t.by_year.values())
        assert {y: n for y, n in t.by_year.items() if n} == {y: n for y, n in by_year.items() if 2022 <= y <= 2026}
        assert sum(t.outside.values()) == named - counted
        assert changes == ledgered and broken is None


def test_no_sequence_of_office_actions_names_without_a_batch_and_an_ended_notice(pg_url, monkeypatch):
    monkeypatch.setattr(clock, "now", clock.now)  # the machine moves the day; put the clock back
    loop = asyncio.new_event_loop()
    engine = db.make_engine(pg_url)
    try:
        run_state_machine_as_test(
            lambda: Office(loop, pg_url, db.make_sessionmaker(engine)),
            settings=settings(max_examples=60, stateful_step_count=30, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()
    print("namings:", NAMINGS)
