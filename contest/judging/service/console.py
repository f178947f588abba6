"""The chief judge's console: progress and missing sheets, judge consistency, the re-check draw,
sheets sent back with a reason, and the sign-off that locks a stage."""
from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, notify, scoring
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Judge, Panel, PanelMember, Recusal, Round, Stage, Track
from contest.judging.models import RecheckDraw, Sheet, StageSignoff
from contest.judging.service.judges import Assignment, actor_of
from contest.judging.service.results import compute_round, round_marks
from contest.judging.service.sheets import sheet_marks

RANKED_IN_FULL = 10  # 复核: the top ten are re-checked in full …
SAMPLE_SHARE = Decimal("0.15")  # … and at least 15% of the rest at random


async def is_signed_off(session: AsyncSession, stage_id: int) -> bool:
    return (await session.exec(select(StageSignoff.id).where(StageSignoff.stage_id == stage_id))).first() is not None


@dataclass(frozen=True)
class Progress:
    judges: list[Judge]
    entries: list[Entry]
    cells: dict[tuple[int, int], Sheet]  # (entry id, judge id) -> sheet
    recused: set[tuple[int, int]]

    def missing(self) -> list[tuple[Entry, Judge]]:
        return [(e, j) for e in self.entries for j in self.judges
                if (e.id, j.id) not in self.recused and self.state(e, j) != "submitted"]

    def state(self, entry: Entry, judge: Judge) -> str:
        if (entry.id, judge.id) in self.recused:
            return "recused"
        sheet = self.cells.get((entry.id, judge.id))
        return sheet.state if sheet else "not_started"


async def progress(session: AsyncSession, stage: Stage, track: Track) -> Progress:
    judges = list((await session.exec(select(Judge).join(PanelMember).join(Panel)
                                      .where(Panel.stage_id == stage.id).order_by(Judge.number))).all())
    entries = list((await session.exec(select(Entry).where(Entry.track_id == track.id, Entry.blind_code.is_not(None),
                                                           Entry.status.in_(("registered", "checked_in")))
                                       .order_by(Entry.running_order))).all())
    sheets = (await session.exec(select(Sheet).where(Sheet.stage_id == stage.id))).all()
    recused = (await session.exec(select(Recusal.entry_id, Recusal.judge_id)
                                  .where(Recusal.judge_id.in_([j.id for j in judges])))).all()
    return Progress(judges, entries, {(s.entry_id, s.judge_id): s for s in sheets}, set(recused))


async def consistency(session: AsyncSession, round_: Round) -> scoring.Consistency:
    return scoring.judge_consistency(events.scheme_of(round_), await round_marks(session, round_.id))


async def draw_recheck(session: AsyncSession, stage: Stage, round_: Round, drawn_by: str) -> RecheckDraw:
    """The top ten in full, plus a random sample (≥15%, at least one) of the rest, drawn with a
    recorded seed so the sample can be replayed."""
    ranked = [r for r in await compute_round(session, round_) if r.rank is not None]
    if not ranked:
        raise Conflict("还没有可复核的成绩")
    top, rest = ranked[:RANKED_IN_FULL], ranked[RANKED_IN_FULL:]
    seed = secrets.token_hex(16)
    size = min(len(rest), max(1, -(-len(rest) * SAMPLE_SHARE // 1))) if rest else 0
    sample = sorted(_seeded(seed).sample(sorted(r.entry for r in rest), int(size)))
    draw = RecheckDraw(stage_id=stage.id, seed=seed, drawn_by=drawn_by,
                       entries=[[r.entry, "前十名全部复核"] for r in top] + [[bib, "随机抽查"] for bib in sample])
    session.add(draw)
    await session.commit()
    return draw


def _seeded(seed: str) -> random.Random:
    return random.Random(int(seed, 16))  # replayable: Python's Mersenne Twister from the recorded seed


async def sign_off(session: AsyncSession, judge: Judge, a: Assignment) -> StageSignoff:
    """The chief judge signs the stage off: it must have every mark; then it is locked."""
    if not a.is_chief:
        raise Conflict("只有本组裁判长可以签字确认")
    if await is_signed_off(session, a.stage.id):
        raise Conflict("本环节已签字确认")
    missing = (await progress(session, a.stage, a.track)).missing()
    if missing:
        raise Conflict(f"还有 {len(missing)} 份评分表未提交，不能签字确认")
    if next(s for s in a.scheme.stages if s.key == a.stage.key).spread_blocks_signoff:
        spreads = scoring.spread_breaches(a.scheme, await round_marks(session, a.round.id), a.stage.key)
        if spreads:
            raise Conflict(f"有 {len(spreads)} 处评分相差超过评分标准允许的范围（如 {spreads[0].text}），"
                           "请退回相关评分表修改后再签字确认")
    signoff = StageSignoff(stage_id=a.stage.id, judge_id=judge.id)
    session.add(signoff)
    await notify.announce(session, a.track.id)
    await ledger.append(session, event_id=a.track.event_id, actor=actor_of(judge), device="", action="stage.signoff",
                        subject=f"stage:{a.stage.id}", payload={"stage": a.stage.key, "track": a.track.slug})
    await session.commit()
    return signoff


async def withdraw_signoffs(session: AsyncSession, track_id: int, reason: str, actor: str) -> int:
    """Unlock a track's signed-off stages for re-scoring (an upheld appeal); ledgered. Does not commit."""
    rows = (await session.exec(select(StageSignoff, Stage).join(Stage, Stage.id == StageSignoff.stage_id)
                               .join(Round, Round.id == Stage.round_id).where(Round.track_id == track_id))).all()
    event_id = (await session.exec(select(Track.event_id).where(Track.id == track_id))).one()
    for signoff, stage in rows:
        await session.delete(signoff)
        await ledger.append(session, event_id=event_id, actor=actor, device="", action="stage.signoff_withdrawn",
                            subject=f"stage:{stage.id}", payload={"stage": stage.key, "reason": reason})
    await notify.announce(session, track_id)
    return len(rows)



async def reopen_sheet(session: AsyncSession, sheet_id: int, reason: str, actor: str, event_id: int) -> Sheet:
    """The chief judge sends a submitted sheet back to its judge, with a recorded reason. Its
    marks keep counting until the judge submits again."""
    reason = reason.strip()
    if not reason:
        raise InputError("请填写退回原因", "reason")
    sheet = (await session.exec(select(Sheet).where(Sheet.id == sheet_id).with_for_update())).first()
    if sheet is None:
        raise NotFound("评分表")
    if await is_signed_off(session, sheet.stage_id):
        raise Conflict("本环节已签字确认，不能退回")
    if sheet.state != "submitted":
        raise Conflict("只有已提交的评分表可以退回")
    sheet.state, sheet.reopen_reason, sheet.version = "reopened", reason[:200], sheet.version + 1
    sheet.draft = await sheet_marks(session, sheet.id)
    session.add(sheet)
    await ledger.append(session, event_id=event_id, actor=actor, device="", action="sheet.reopen",
                        subject=f"sheet:{sheet.id}", payload={"reason": reason[:200], "version": sheet.version})
    await session.commit()
    return sheet


async def count_sheets(session: AsyncSession, stage: Stage) -> int:
    return (await session.exec(select(func.count()).select_from(Sheet).where(Sheet.stage_id == stage.id))).one()


async def recheck_draws(session: AsyncSession, stage: Stage) -> Sequence[RecheckDraw]:
    return (await session.exec(select(RecheckDraw).where(RecheckDraw.stage_id == stage.id)
                               .order_by(RecheckDraw.at.desc()))).all()


async def sheet_of_stage(session: AsyncSession, stage: Stage, sheet_id: int) -> Sheet:
    sheet = await session.get(Sheet, sheet_id)
    if sheet is None or sheet.stage_id != stage.id:
        raise NotFound("评分表")
    return sheet


@dataclass(frozen=True)
class SheetMarks:
    """A sheet as the chief judge reads it: the entry by blind code only, the judge, and the marks
    that count (a reopened sheet's submitted marks count until it is submitted again)."""

    sheet: Sheet
    blind_code: str
    judge: Judge
    marks: dict[str, str]  # criterion key -> the mark as the judge typed it


async def sheet_for_chief(session: AsyncSession, stage: Stage, sheet_id: int) -> SheetMarks:
    sheet = await sheet_of_stage(session, stage, sheet_id)
    entry, judge = await session.get(Entry, sheet.entry_id), await session.get(Judge, sheet.judge_id)
    return SheetMarks(sheet, entry.blind_code or "", judge, await sheet_marks(session, sheet.id))
