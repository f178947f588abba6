"""The chief judge's console: progress and missing sheets, judge consistency, the re-check draw,
sheets sent back with a reason, and the sign-off that locks a stage."""
from __future__ import annotations

import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, notify, scoring
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import lifecycle
from contest.events import service as events
from contest.events.models import Entry, Judge, Panel, PanelMember, Recusal, Round, Stage, Track
from contest.judging.models import RECHECK_OUTCOMES, RecheckDraw, RecheckOutcome, Sheet, StageSignoff
from contest.judging.service.judges import Assignment, actor_of
from contest.judging.service.results import SheetRecord, compute_round, round_marks, sheet_records
from contest.judging.service.sheets import sheet_marks
from contest.ledger import LedgerEntry

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
    sheets = (await session.exec(select(Sheet).where(Sheet.stage_id == stage.id)  # as the tablets left them just now
                                 .execution_options(populate_existing=True))).all()
    recused = (await session.exec(select(Recusal.entry_id, Recusal.judge_id)
                                  .where(Recusal.judge_id.in_([j.id for j in judges])))).all()
    return Progress(judges, entries, {(s.entry_id, s.judge_id): s for s in sheets}, set(recused))


async def consistency(session: AsyncSession, round_: Round) -> scoring.Consistency:
    return scoring.judge_consistency(events.scheme_of(round_), await round_marks(session, round_.id))


async def draw_recheck(session: AsyncSession, stage: Stage, round_: Round, drawn_by: str) -> RecheckDraw:
    """The top ten in full, plus a random sample (≥15% rounded up, at least one) of the rest, drawn
    with a recorded seed so the sample can be replayed; ledgered. Drawn once per sign-off: again
    only after the stage's sign-off was withdrawn (no redrawing until a convenient sample comes)."""
    track = await session.get(Track, round_.track_id)
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "recheck.draw")
    last = await last_recheck(session, stage)
    if last is not None and not await _withdrawn_since(session, stage, last):
        raise Conflict(f"本环节已抽取复核名单（种子 {last.seed[:8]}…，已记录在案），不能重新抽取；请逐一记录复核结果")
    missing = (await progress(session, stage, track)).missing()
    if missing:  # the top ten are known only from complete marks: a sample drawn earlier could miss one
        raise Conflict(unsheeted_recheck(len(missing)))
    ranked = _standing(await compute_round(session, round_), stage.key)
    if not ranked:
        raise Conflict("本环节还没有可复核的成绩")
    top, rest = ranked[:RANKED_IN_FULL], ranked[RANKED_IN_FULL:]
    seed = secrets.token_hex(16)
    sample = sorted(_seeded(seed).sample(sorted(r.entry for r in rest), sample_size(len(rest))))
    draw = RecheckDraw(stage_id=stage.id, seed=seed, drawn_by=drawn_by,
                       entries=[[r.entry, "前十名全部复核"] for r in top] + [[bib, "随机抽查"] for bib in sample])
    session.add(draw)
    await ledger.record(session, track.event_id, drawn_by, "recheck.draw", f"stage:{stage.id}",
                        {"track": track.slug, "stage": stage.key, "seed": seed, "entries": draw.entries})
    await session.commit()
    return draw


def unsheeted_recheck(missing: int) -> str:
    return f"还有 {missing} 份评分表未提交：全部提交后才能抽取复核名单（前十名按完整成绩确定）"


def _standing(results: Sequence[scoring.EntryResult], stage_key: str) -> list[scoring.EntryResult]:
    """The entries in play that this stage has scored, best first: by their rank in the round, and
    where the round is not ranked yet (a later stage still to be scored), by this stage's total."""
    scored = [r for r in results if r.status in ("ok", "incomplete") and stage_key in r.stage_totals]
    return sorted(scored, key=lambda r: (r.rank is None, r.rank or 0, -r.stage_totals[stage_key], r.entry))


async def last_recheck(session: AsyncSession, stage: Stage) -> RecheckDraw | None:
    return (await session.exec(select(RecheckDraw).where(RecheckDraw.stage_id == stage.id)
                               .order_by(RecheckDraw.id.desc()))).first()


async def _withdrawn_since(session: AsyncSession, stage: Stage, draw: RecheckDraw) -> bool:
    """Whether the stage's sign-off was withdrawn after the draw (the ledger says when)."""
    return (await session.exec(select(LedgerEntry.id).where(
        LedgerEntry.subject == f"stage:{stage.id}", LedgerEntry.action == "stage.signoff_withdrawn",
        LedgerEntry.at > draw.at))).first() is not None


async def record_recheck(session: AsyncSession, stage: Stage, bib: str, outcome: str, note: str,
                         actor: str) -> RecheckOutcome:
    """The chief judge's finding on one entry of the stage's last re-check draw: confirmed, or
    corrected with a note of what was put right (its sheets sent back and submitted again).
    Ledgered; a finding may be recorded again until the stage is signed off."""
    track = (await session.exec(select(Track).join(Round).where(Round.id == stage.round_id))).one()
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "recheck.record")
    if await is_signed_off(session, stage.id):
        raise Conflict("本环节已签字确认，复核结果不能再改")
    draw = await last_recheck(session, stage)
    if draw is None:
        raise Conflict("请先抽取复核名单")
    if bib not in {b for b, _ in draw.entries}:
        raise InputError(f"选手 {bib} 不在本环节的复核名单中", "bib")
    if outcome not in RECHECK_OUTCOMES:
        raise InputError(f"复核结果应为{'或'.join(RECHECK_OUTCOMES.values())}", "outcome")
    note = note.strip()[:200]
    if outcome == "corrected" and not note:
        raise InputError("复核发现并已更正的，请写明更正了什么", "note")
    found = (await session.exec(select(RecheckOutcome).where(RecheckOutcome.recheck_draw_id == draw.id,
                                                             RecheckOutcome.bib == bib))).first()
    found = found or RecheckOutcome(recheck_draw_id=draw.id, bib=bib, outcome=outcome, recorded_by=actor[:80])
    found.outcome, found.note, found.recorded_by, found.recorded_at = outcome, note, actor[:80], utcnow()
    session.add(found)
    await ledger.record(session, track.event_id, actor, "recheck.outcome", f"stage:{stage.id}",
                        {"track": track.slug, "stage": stage.key, "bib": bib, "outcome": outcome, "note": note})
    await session.commit()
    return found


async def recheck_outcomes(session: AsyncSession, draw: RecheckDraw) -> dict[str, RecheckOutcome]:
    """bib -> the finding recorded for it in this draw."""
    rows = (await session.exec(select(RecheckOutcome).where(RecheckOutcome.recheck_draw_id == draw.id))).all()
    return {row.bib: row for row in rows}


async def recheck_pending(session: AsyncSession, stage: Stage) -> str | None:
    """Why sign-off must wait for the re-check, or None once every entry of its draw has a finding."""
    draw = await last_recheck(session, stage)
    if draw is None:
        return "请先抽取复核名单（前十名全部复核、其余随机抽查不少于15%）并逐一记录复核结果"
    done = await recheck_outcomes(session, draw)
    pending = [bib for bib, _ in draw.entries if bib not in done]
    if pending:
        return f"复核尚未完成：还有 {len(pending)} 名选手未记录复核结果"
    return None


def sample_size(rest: int) -> int:
    """At least 15% of the entries outside the top ten, rounded up, and at least one of them."""
    return min(rest, max(1, math.ceil(rest * SAMPLE_SHARE))) if rest else 0


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
    lifecycle.require(await lifecycle.track_phase(session, a.track.event_id, a.track.id), "signoff")
    if a.scheme_stage.spread_blocks_signoff:
        spreads = scoring.spread_breaches(a.scheme, await round_marks(session, a.round.id), a.stage.key)
        if spreads:
            raise Conflict(f"有 {len(spreads)} 处评分相差超过评分标准允许的范围（如 {spreads[0].text}），"
                           "请退回相关评分表修改后再签字确认")
    # a theory test's stage is signed by the platform's marker (exams.confirm): its answers were marked
    # by their key or by two markers who agreed, so it has no judge's marks for a chief to re-check
    pending = None if judge.platform else await recheck_pending(session, a.stage)
    if pending:
        raise Conflict(f"{pending}，之后才能签字确认")
    signoff = StageSignoff(stage_id=a.stage.id, judge_id=judge.id)
    session.add(signoff)
    await notify.announce(session, a.track.id)
    await ledger.append(session, event_id=a.track.event_id, actor=actor_of(judge), device="", action="stage.signoff",
                        subject=f"stage:{a.stage.id}", payload={"stage": a.stage.key, "track": a.track.slug})
    await session.commit()
    return signoff


async def withdraw_signoff(session: AsyncSession, stage: Stage, reason: str, actor: str) -> None:
    """The chief judge's sign-off of a stage withdrawn with a reason (ledgered), so that its sheets
    can be sent back or its scheme corrected; after publication only within a correction."""
    track = (await session.exec(select(Track).join(Round).where(Round.id == stage.round_id))).one()
    lifecycle.require(await lifecycle.track_phase(session, track.event_id, track.id), "signoff.withdraw")
    if not reason.strip():
        raise InputError("请填写撤回签字确认的原因", "reason")
    signoff = (await session.exec(select(StageSignoff).where(StageSignoff.stage_id == stage.id))).first()
    if signoff is None:
        raise Conflict(f"环节 {stage.name} 尚未签字确认")
    await session.delete(signoff)
    await ledger.record(session, track.event_id, actor, "stage.signoff_withdrawn", f"stage:{stage.id}",
                        {"stage": stage.key, "track": track.slug, "reason": reason.strip()[:200]})
    await notify.announce(session, track.id)
    await session.commit()


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
    sheet.draft_words = {"opinion": sheet.opinion, "notes": sheet.notes}  # the judge starts from their words
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
    # the opinion and notes submitted with those marks (a sheet sent back keeps them until resubmitted)
    opinion: str = ""
    notes: dict[str, str] = field(default_factory=dict)


async def sheet_for_chief(session: AsyncSession, stage: Stage, sheet_id: int) -> SheetMarks:
    sheet = await sheet_of_stage(session, stage, sheet_id)
    entry, judge = await session.get(Entry, sheet.entry_id), await session.get(Judge, sheet.judge_id)
    return SheetMarks(sheet, entry.blind_code or "", judge, await sheet_marks(session, sheet.id), sheet.opinion,
                      dict(sheet.notes))


@dataclass(frozen=True)
class JudgingRecord:
    """A stage's judging record (评分记录表) as a rulebook asks to archive it: every submitted sheet
    by entry (blind code) with its marks, notes, opinion and the contestant's confirmation, and the
    chief judge's sign-off."""

    entries: list[tuple[str, list[SheetRecord]]]  # blind code -> its sheets, in running order
    signoff: StageSignoff | None
    chief: Judge | None
    judges: list[Judge]
    recused: dict[str, list[str]]  # blind code -> the numbers of the judges who stepped aside


async def judging_record(session: AsyncSession, stage: Stage, track: Track) -> JudgingRecord:
    records = await sheet_records(session, stage_id=stage.id)
    entries: dict[str, list[SheetRecord]] = {}
    for r in records:
        entries.setdefault(r.blind_code or r.bib, []).append(r)
    signoff = (await session.exec(select(StageSignoff).where(StageSignoff.stage_id == stage.id))).first()
    chief = await session.get(Judge, signoff.judge_id) if signoff else None
    seen = await progress(session, stage, track)
    recused = {e.blind_code: [j.number for j in seen.judges if (e.id, j.id) in seen.recused] for e in seen.entries}
    return JudgingRecord(list(entries.items()), signoff, chief, seen.judges, recused)
