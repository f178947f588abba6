"""复核: the sample really is at least 15% of the entries outside the top ten (rounded up), drawn
once with a ledgered seed; the chief judge records each entry's finding (confirmed, or corrected
with a note) and sign-off waits until every entry on the list has one."""
import math

from sqlmodel import select

from contest.errors import Conflict, InputError
from contest.judging import service as judging
from contest.judging.models import RecheckDraw
from contest.ledger import LedgerEntry
from tests.builders import make_contest, submit


def test_the_sample_is_never_below_fifteen_percent():
    for rest in range(1, 500):
        size = judging.sample_size(rest)
        assert size >= rest * 0.15 and (size == 1 or size - 1 < rest * 0.15), (rest, size)
        assert size == max(1, math.ceil(rest * 15 / 100))
    assert judging.sample_size(14) == 3  # 2.1 people: rounding down sampled only 2
    assert judging.sample_size(0) == 0


async def test_findings_gate_the_sign_off(session):
    contest = await make_contest(session, contestants=24, judges=3)
    for n, entry in enumerate(contest.entries):  # 24 ranked entries, theory marks within 0–100
        await submit(session, contest, contest.judges[0], contest.theory, entry, {"written": str(50 + n)})
        for judge in contest.judges:
            await submit(session, contest, judge, contest.practical, entry,
                         {"prep": "8", "skill": "30", "quality": str(10 + n), "safety": "1"})
    chief = contest.judges[0]
    a = await judging.assignment(session, chief, contest.practical.id)
    actor = judging.actor_of(chief)
    draw = await judging.draw_recheck(session, contest.practical, a.round, actor)
    reasons = [why for _, why in draw.entries]
    assert reasons.count("前十名全部复核") == 10 and reasons.count("随机抽查") == 3  # ceil(15% of 14)
    try:
        await judging.draw_recheck(session, contest.practical, a.round, actor)
        raise AssertionError("the re-check list was drawn twice")
    except Conflict as refused:
        assert "不能重新抽取" in refused.message
    bibs = [bib for bib, _ in draw.entries]
    try:
        await judging.record_recheck(session, contest.practical, bibs[0], "corrected", " ", actor)
        raise AssertionError("a correction without a note was accepted")
    except InputError as refused:
        assert refused.field == "note"
    outside = next(e.bib for e in contest.entries if e.bib not in bibs)
    try:
        await judging.record_recheck(session, contest.practical, outside, "confirmed", "", actor)
        raise AssertionError
    except InputError as refused:
        assert "不在本环节的复核名单中" in refused.message
    for bib in bibs[:-1]:
        await judging.record_recheck(session, contest.practical, bib, "confirmed", "", actor)
    try:
        await judging.sign_off(session, chief, a)
        raise AssertionError("signed off before the re-check was complete")
    except Conflict as refused:
        assert "还有 1 名选手未记录复核结果" in refused.message
    await judging.record_recheck(session, contest.practical, bibs[-1], "corrected",
                                 "实操成品质量分录入有误，已退回重评", actor)
    await judging.sign_off(session, chief, a)
    ledgered = (await session.exec(select(LedgerEntry).where(LedgerEntry.action.in_(
        ("recheck.draw", "recheck.outcome"))).order_by(LedgerEntry.id))).all()
    assert ledgered[0].payload["seed"] == draw.seed and len(ledgered) == 1 + len(bibs)
    assert ledgered[-1].payload["outcome"] == "corrected"
    assert len((await session.exec(select(RecheckDraw))).all()) == 1
