"""Paper score sheets typed twice by two scorers (录分员): only passes that agree are submitted
as the judge's sheet."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db
from contest.auth import Identity
from contest.db import utcnow
from contest.errors import InputError, NotFound
from contest.events import service as events
from contest.events.models import Event, EventScorer, Judge, Panel, Round, Stage, Track
from contest.judging.models import PaperEntry
from contest.judging.service.console import progress
from contest.judging.service.judges import Assignment
from contest.judging.service.sheets import SheetInput, check_marks, check_words, plain, sheet_context, write_sheet


@dataclass(frozen=True)
class PaperOutcome:
    state: str  # waiting (one pass so far), mismatch, accepted
    differences: list[str]


async def enter_paper(session: AsyncSession, scorer: Identity, judge: Judge, a: Assignment, entry_id: int,
                      raw: dict[str, object], pass_no: int, opinion: str = "") -> PaperOutcome:
    """One scorer's pass over a signed paper sheet: its marks and the judge's written opinion. When
    both passes agree (the opinion letter for letter, spaces aside), they are submitted as the
    judge's sheet; when they differ, the differences are listed and nothing counts. A scorer types
    only the events it is assigned to, and the two passes must come from two different accounts."""
    if pass_no not in (1, 2):
        raise InputError("录入遍次应为1或2", "pass_no")
    if not await events.scores_event(session, scorer, a.track.event_id):
        raise NotFound("您负责录入的评分环节")
    ctx = await sheet_context(session, judge.id, judge.event_id, a.stage.id, entry_id)
    ctx.require_open()
    checked = check_marks(a.criteria, raw, complete=True, entry=ctx.blind_code, judge=judge.number)
    marks = {k: plain(v) for k, v in checked.items()}
    opinion = check_words(a.scheme_stage, opinion, {}, complete=True).opinion
    passes = {p.pass_no: p for p in (await session.exec(select(PaperEntry).where(
        PaperEntry.stage_id == a.stage.id, PaperEntry.entry_id == ctx.entry_id,
        PaperEntry.judge_id == judge.id))).all()}
    other = passes.get(3 - pass_no)
    if other is not None and other.scorer_id == scorer.id:
        raise InputError("两遍录入须由两名不同的录分员完成", "scorer")
    values = {"stage_id": a.stage.id, "entry_id": ctx.entry_id, "judge_id": judge.id, "pass_no": pass_no,
              "scorer": scorer.name[:60], "scorer_id": scorer.id, "marks": marks, "opinion": opinion,
              "at": utcnow()}
    await session.exec(insert(PaperEntry).values(**values).on_conflict_do_update(
        index_elements=["stage_id", "entry_id", "judge_id", "pass_no"], set_=values))
    if other is None:
        await session.commit()
        return PaperOutcome("waiting", [])
    differences = [f"{c.name}：{other.marks.get(c.key, '—')} / {marks.get(c.key, '—')}"
                   for c in a.criteria if other.marks.get(c.key) != marks.get(c.key)]
    if "".join(other.opinion.split()) != "".join(opinion.split()):
        differences.append("评审意见：两遍录入的文字不一致")
    if differences:
        await session.commit()
        return PaperOutcome("mismatch", differences)
    await write_sheet(session, SheetInput(
        judge.id, judge.event_id, a.stage.id, ctx.entry_id, marks, base_version=ctx.version, submit=True,
        opinion=opinion, key=f"paper-{a.stage.id}-{ctx.entry_id}-{judge.id}-{secrets.token_hex(8)}",
        device=f"paper:{other.scorer}+{scorer.name}",
        actor=f"scorer:{other.scorer}+{scorer.name} for {judge.number}"[:80]))
    return PaperOutcome("accepted", [])


async def paper_mismatches(session: AsyncSession, stage: Stage) -> list[tuple[PaperEntry, PaperEntry]]:
    rows = (await session.exec(select(PaperEntry).where(PaperEntry.stage_id == stage.id)
                               .order_by(PaperEntry.entry_id, PaperEntry.judge_id, PaperEntry.pass_no))).all()
    pairs: dict[tuple[int, int], dict[int, PaperEntry]] = {}
    for p in rows:
        pairs.setdefault((p.entry_id, p.judge_id), {})[p.pass_no] = p
    return [(two[1], two[2]) for two in pairs.values() if len(two) == 2 and two[1].marks != two[2].marks]



async def all_stages(session: AsyncSession, scorer: Identity) -> Sequence[tuple[Stage, Round, Track, Event]]:
    """Stages with a panel, of events under way that the scorer types (an organiser: all), for the
    scorers' page."""
    stmt = (select(Stage, Round, Track, Event).join(Round, Round.id == Stage.round_id).join(Track).join(Event)
            .where(Stage.id.in_(select(Panel.stage_id)), Event.status.in_(("running", "review")))
            .order_by(Event.id, Track.id, Round.seq, Stage.seq))
    if scorer.role != "organiser":
        stmt = stmt.where(Event.id.in_(select(EventScorer.event_id).where(EventScorer.account_id == scorer.id)))
    return (await session.exec(stmt)).all()


async def paper_context(session: AsyncSession, stage_id: int, scorer: Identity) -> dict:
    stage = await db.get_or_404(session, Stage, stage_id, "评分环节")
    round_ = await session.get(Round, stage.round_id)
    track = await session.get(Track, round_.track_id)
    if not await events.scores_event(session, scorer, track.event_id):
        raise NotFound("您负责录入的评分环节")
    scheme = events.scheme_of(round_)
    progress_ = await progress(session, stage, track)
    return {"stage": stage, "round": round_, "track": track, "judges": progress_.judges,
            "entries": progress_.entries, "scheme_stage": next(s for s in scheme.stages if s.key == stage.key),
            "mismatches": await paper_mismatches(session, stage)}

