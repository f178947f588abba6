"""Every registry action from every state, through the real service functions on PostgreSQL: the
allowed ones move the candidate where the rules say and are ledgered; every other one is a 409
that names the state and says what to do instead, and changes nothing.

The rules are written out here on their own (not read from the code's table), so that a change of
the code's table fails a test. The tests share one emptied database: each builds its own worker,
candidate and batches and looks only at those."""
import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from contest.errors import Conflict
from contest.ledger import LedgerEntry
from contest.registry import service as registry
from contest.registry.models import Batch, Candidate, CandidateStep, ReviewMark
from tests.builders import EXPERTS, MARKS, OFFICE, nominated, on_day, worker
from tests.support import empty_database

STATES = {
    "candidate": "候选人", "eligible": "资格审查通过", "ineligible": "资格审查未通过", "reviewed": "专家评审完成",
    "under_notice": "公示中", "named": "已命名", "rejected": "未获命名", "withdrawn": "已撤回", "suspended": "暂停",
    "revoked": "撤销", "retired": "退休", "deceased": "已故",
}
INSTEAD = {
    "candidate": "请先补全档案并进行资格审查",
    "eligible": "请组织专家评分后完成专家评审",
    "ineligible": "如认为审查有误，请填写理由进行复核",
    "reviewed": "请将其列入命名批次公示，或决定不予命名",
    "under_notice": "请待公示期满、异议处理完毕后按批次命名",
    "named": "已命名的工匠只能暂停、撤销称号或登记退休、去世",
    "suspended": "请先恢复称号，或撤销称号",
    "rejected": "如需再次推荐，请重新登记为候选人",
    "withdrawn": "如需再次推荐，请重新登记为候选人",
    "revoked": "称号已撤销，记录不再变更",
    "retired": "已登记退休，只能再登记去世",
    "deceased": "已登记去世，记录不再变更",
}
IN_PIPELINE = ("candidate", "eligible", "ineligible", "reviewed", "under_notice")
NAMED = ("named", "suspended", "retired", "deceased")
# action: (what it reads as after 不能, {state it is allowed from: state it leads to})
RULES = {
    "check_eligibility": ("进行资格审查", {"candidate": "eligible"}),
    "recheck": ("复核资格审查", {"ineligible": "candidate"}),
    "review": ("录入专家评分", {"eligible": "eligible"}),
    "finish_review": ("完成专家评审", {"eligible": "reviewed"}),
    "open_notice": ("列入批次公示", {"reviewed": "under_notice"}),
    "object": ("受理异议", {"under_notice": "under_notice"}),
    "name": ("命名", {"under_notice": "named"}),
    "reject": ("决定不予命名", {"reviewed": "rejected", "under_notice": "rejected"}),
    "withdraw": ("撤回推荐", {state: "withdrawn" for state in IN_PIPELINE}),
    "suspend": ("暂停称号", {"named": "suspended"}),
    "reinstate": ("恢复称号", {"suspended": "named"}),
    "revoke": ("撤销称号", {"named": "revoked", "suspended": "revoked"}),
    "retire": ("登记退休", {"named": "retired", "suspended": "retired"}),
    "decease": ("登记去世", {"named": "deceased", "suspended": "deceased", "retired": "deceased"}),
}
TODAY = date(2026, 6, 15)
PAIRS = [(state, action) for action in RULES for state in STATES]
SERIAL = itertools.count(1)  # a worker and batches of each test's own


@pytest.fixture(scope="module")
async def emptied(pg_url):
    await empty_database(pg_url)


@pytest.fixture
async def session(app, emptied):
    async with app.state.sessionmaker() as s:
        yield s


def expected_refusal(state: str, action: str, batch: str) -> str:
    if action == "name" and state in ("rejected", "withdrawn"):  # left out of the naming: nobody to name
        return f"{batch}没有可命名的候选人（均已撤回或不予命名）。"
    return f"张建华目前为“{STATES[state]}”，不能{RULES[action][0]}。{INSTEAD[state]}。"


async def placed(session, state: str, action: str) -> Candidate:
    """A candidate put straight into `state`, with all that any action needs: a filled profile,
    three experts' marks, and the batch the action works on (an open notice for an objection, an
    ended one for naming; a named candidate always has a batch and a year)."""
    serial = next(SERIAL)
    candidate = await nominated(session, await worker(session, n=serial))
    session.add_all(ReviewMark(candidate_id=candidate.id, reviewer=expert, criterion=key, value=value)
                    for expert in EXPERTS for key, value in MARKS.items())
    batch = None
    if action in ("object", "name") or state in NAMED:
        starts = TODAY - timedelta(days=2) if action == "object" else TODAY - timedelta(days=10)
        batch = Batch(year=2026, seq=serial, name=f"2026年度第{serial}批", notice_starts_on=starts,
                      notice_ends_on=starts + timedelta(days=6))
        session.add(batch)
        await session.flush()
    await session.exec(update(Candidate).where(Candidate.id == candidate.id).values(
        state=state, batch_id=batch.id if batch else None, named_year=2026 if state in NAMED else None))
    await session.commit()
    await session.refresh(candidate)
    return candidate


async def act(session, candidate: Candidate, action: str) -> None:
    if action == "check_eligibility":
        await registry.check_eligibility(session, candidate, OFFICE, "eligible")
    elif action == "recheck":
        await registry.recheck(session, candidate, "单位补交了证明材料", OFFICE)
    elif action == "review":
        await registry.record_review(session, candidate, "专家丁", MARKS, "技艺精湛，带徒成效显著")
    elif action == "finish_review":
        await registry.finish_review(session, candidate, OFFICE)
    elif action == "open_notice":
        batch = Batch(year=2026, seq=0, name=f"2026年度公示{candidate.id}")
        await registry.open_notice(session, batch, [candidate.id], TODAY, TODAY + timedelta(days=6), OFFICE)
    elif action == "object":
        await registry.lodge_objection(session, candidate, b"key", name="李群众", phone="13912345678",
                                       content="反映该同志的获奖材料不实")
    elif action == "name":
        await registry.name_batch(session, await session.get(Batch, candidate.batch_id), OFFICE)
    else:
        await registry.DECISIONS[action](session, candidate, "经研究决定", OFFICE)


async def counts(session, candidate_id: int) -> tuple[int, int]:
    ledgered = (await session.exec(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.subject == f"candidate:{candidate_id}"))).one()
    steps = (await session.exec(select(func.count()).select_from(CandidateStep).where(
        CandidateStep.candidate_id == candidate_id))).one()
    return ledgered, steps


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
async def test_transition(session, monkeypatch, state, action):
    on_day(monkeypatch, TODAY)
    candidate = await placed(session, state, action)
    cid = candidate.id
    ledgered, steps = await counts(session, cid)
    leads_to = RULES[action][1].get(state)
    if leads_to is None:
        with pytest.raises(Conflict) as refused:
            await act(session, candidate, action)
        batch = await session.get(Batch, candidate.batch_id or 0)
        assert refused.value.message == expected_refusal(state, action, batch and batch.name)
        await session.rollback()
        session.expunge_all()
        assert (await session.get(Candidate, cid)).state == state
        assert await counts(session, cid) == (ledgered, steps)
        return
    await act(session, candidate, action)
    session.expunge_all()
    assert (await session.get(Candidate, cid)).state == leads_to
    entry = (await session.exec(select(LedgerEntry).where(LedgerEntry.subject == f"candidate:{cid}")
                                .order_by(LedgerEntry.id.desc()))).first()
    assert entry.action == f"registry.{action}" and entry.event_id is None
    changed = leads_to != state
    assert await counts(session, cid) == (ledgered + 1, steps + changed)
    if changed:
        assert (entry.payload["from"], entry.payload["to"]) == (state, leads_to)


@pytest.mark.parametrize("held", list(STATES))
async def test_a_person_is_nominated_again_only_when_nothing_stands_in_the_way(session, held):
    """One candidacy per person in the pipeline; no second naming at a tier they hold; after a
    rejection, a withdrawal or a revocation they may be put forward again."""
    first = await placed(session, held, "nominate")
    person_id = first.person_id
    person = await registry.get_person(session, person_id)
    if held in IN_PIPELINE:
        expected = f"张建华已在评审流程中（{STATES[held]}），请先完成或撤回该推荐"
    elif held in NAMED:
        expected = "张建华已是香城工匠，不能重复推荐"
    else:
        expected = None
    if expected is None:
        assert (await nominated(session, person)).state == "candidate"
    else:
        with pytest.raises(Conflict) as refused:
            await nominated(session, person)
        assert refused.value.message == expected
    if held in NAMED:  # a county craftsman may still be put forward for the city tier, and so on
        await session.rollback()
        person = await registry.get_person(session, person_id)
        assert (await nominated(session, person, tier="county")).state == "candidate"


async def test_a_second_person_is_not_stopped_by_the_first(session):
    await nominated(session, await worker(session, n=next(SERIAL)))
    other = await worker(session, "李秀英", n=next(SERIAL), gender="女")
    assert (await nominated(session, other)).state == "candidate"
