"""Judging: sign-in, queues, score sheets, the chief judge's console, paper entry, and the
stored results, which every accepted submission recomputes through the scoring engine in the
same transaction."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import JSON, DateTime, bindparam, delete, func, join, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db, ledger, notify, scoring
from contest.auth import verify_secret
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Event, Judge, Panel, PanelMember, Recusal, Round, Stage, Track
from contest.judging.models import Mark, PaperEntry, RecheckDraw, Result, Sheet, SheetRequest, StageSignoff

MAX_PIN_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
RANKED_IN_FULL = 10  # 复核: the top ten are re-checked in full …
SAMPLE_SHARE = Decimal("0.15")  # … and at least 15% of the rest at random


# --- sign-in ----------------------------------------------------------------------------------------


async def sign_in(session: AsyncSession, event_code: str, number: str, pin: str) -> Judge:
    """Event code + judge number + PIN. Five wrong PINs lock that judge for 15 minutes."""
    judge = (await session.exec(select(Judge).join(Event).where(
        Event.judge_code == event_code.strip(), Judge.number == number.strip().upper()))).first()
    if judge is None:
        raise InputError("活动代码或裁判编号不正确", "number")
    now = utcnow()
    if judge.locked_until and judge.locked_until > now:
        minutes = int((judge.locked_until - now).total_seconds() // 60) + 1
        raise Conflict(f"PIN连续输错{MAX_PIN_FAILURES}次，请{minutes}分钟后再试或联系组织方")
    if not judge.pin_hash or not verify_secret(judge.pin_hash, pin.strip()):
        judge.failed_pins += 1
        if judge.failed_pins >= MAX_PIN_FAILURES:
            judge.failed_pins, judge.locked_until = 0, now + LOCKOUT
        session.add(judge)
        await session.commit()
        raise InputError("PIN不正确", "pin")
    judge.failed_pins, judge.locked_until = 0, None
    session.add(judge)
    await session.commit()
    return judge


async def judge_by_token(session: AsyncSession, token: str) -> Judge:
    judge = (await session.exec(select(Judge).where(Judge.login_token == token))).first()
    if judge is None:
        raise NotFound("登录二维码已失效，请向组织方索取新的登录卡。该链接")
    return judge


# --- what a judge may score ------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """A stage a judge sits on, with what is needed to score it."""

    stage: Stage
    round: Round
    track: Track
    scheme: scoring.Scheme
    is_chief: bool

    @property
    def criteria(self) -> tuple:
        return next(s for s in self.scheme.stages if s.key == self.stage.key).criteria


# A judge's seats: panel memberships with the stage, round and track of each.
_PANEL_SEATS = (join(PanelMember, Panel, Panel.id == PanelMember.panel_id).join(Stage, Stage.id == Panel.stage_id)
                .join(Round, Round.id == Stage.round_id).join(Track, Track.id == Round.track_id))
_SEATS = select(Stage, Round, Track, PanelMember.is_chief).select_from(_PANEL_SEATS)
_SEAT = _SEATS.add_columns(Judge).join(Judge, Judge.id == PanelMember.judge_id).where(
    Judge.id == bindparam("judge"), Judge.event_id == bindparam("event"), Stage.id == bindparam("stage"))


async def assignments(session: AsyncSession, judge: Judge) -> list[Assignment]:
    rows = (await session.exec(_SEATS.where(PanelMember.judge_id == judge.id)
                               .order_by(Track.id, Round.seq, Stage.seq))).all()
    return [Assignment(stage, round_, track, events.scheme_of(round_), chief)
            for stage, round_, track, chief in rows]


async def seat(session: AsyncSession, judge_id: int, event_id: int, stage_id: int) -> tuple[Judge, Assignment]:
    """A judge of the event and a stage the judge sits on, in one query."""
    row = (await session.exec(_SEAT, params={"judge": judge_id, "event": event_id, "stage": stage_id})).first()
    if row is None:
        raise NotFound("您所在裁判组的评分环节")
    stage, round_, track, chief, judge = row
    return judge, Assignment(stage, round_, track, events.scheme_of(round_), chief)


async def assignment(session: AsyncSession, judge: Judge, stage_id: int) -> Assignment:
    return (await seat(session, judge.id, judge.event_id, stage_id))[1]


@dataclass(frozen=True)
class QueueItem:
    entry_id: int
    blind_code: str
    running_order: int | None
    state: str  # not_started, draft, submitted, reopened


async def queue(session: AsyncSession, judge: Judge, stage: Stage, track: Track) -> list[QueueItem]:
    """The entries the judge scores in a stage, by blind code and running order only; entries
    from the judge's own unit or a declared conflict never reach the judge."""
    recused = select(Recusal.entry_id).where(Recusal.judge_id == judge.id)
    rows = (await session.exec(
        select(Entry.id, Entry.blind_code, Entry.running_order, Sheet.state)
        .outerjoin(Sheet, (Sheet.entry_id == Entry.id) & (Sheet.stage_id == stage.id) & (Sheet.judge_id == judge.id))
        .where(Entry.track_id == track.id, Entry.blind_code.is_not(None),
               Entry.status.in_(("registered", "checked_in")), Entry.id.not_in(recused))
        .order_by(Entry.running_order, Entry.blind_code))).all()
    return [QueueItem(i, code, order, state or "not_started") for i, code, order, state in rows]


async def sheets_for_tablet(session: AsyncSession, judge: Judge, a: Assignment) -> list[dict]:
    """Everything the tablet needs to score a stage offline: the queue with each of the judge's
    own sheets (state, version, marks or draft). Never another judge's marks."""
    items = await queue(session, judge, a.stage, a.track)
    sheets = {s.entry_id: s for s in (await session.exec(select(Sheet).where(
        Sheet.stage_id == a.stage.id, Sheet.judge_id == judge.id))).all()}
    marks: dict[int, dict[str, str]] = {}
    for mark, entry_id in (await session.exec(select(Mark, Sheet.entry_id).join(Sheet).where(
            Sheet.stage_id == a.stage.id, Sheet.judge_id == judge.id))).all():
        marks.setdefault(entry_id, {})[mark.criterion] = _plain(mark.value)
    out = []
    for item in items:
        sheet = sheets.get(item.entry_id)
        submitted = sheet is not None and sheet.state == "submitted"
        out.append({"entry_id": item.entry_id, "blind_code": item.blind_code, "running_order": item.running_order,
                    "state": item.state, "version": sheet.version if sheet else 0,
                    "marks": marks.get(item.entry_id, {}) if submitted else dict(sheet.draft) if sheet else {},
                    "reopen_reason": sheet.reopen_reason if sheet else None})
    return out


# --- score sheets -----------------------------------------------------------------------------------
# Every station submits at the end of each performance, so a write is a few statements built once:
# one read (the judge's seat, the entry, the sheet, an earlier request with the same key; no
# locks), one that claims the sheet at the version it was based on and stores the request and the
# marks (a reopened sheet's old marks are deleted just before), and last the entry's lock, its
# recompute and the ledger, so that the locks every submission queues for are held only for the
# end of the transaction.

_CONTEXT = (
    select(Judge.number.label("judge_number"), Judge.name.label("judge_name"), Stage.key.label("stage_key"),
           Round.id.label("round_id"), events.SCHEME_DIGEST.label("scheme_digest"), Track.id.label("track_id"),
           Track.event_id, Entry.id.label("entry_id"), Entry.bib, Entry.blind_code, Entry.status,
           select(Recusal.id).where(Recusal.judge_id == Judge.id, Recusal.entry_id == Entry.id)
           .exists().label("recused"),
           select(StageSignoff.id).where(StageSignoff.stage_id == Stage.id).exists().label("signed_off"),
           Sheet.id.label("sheet_id"), Sheet.state, Sheet.version, Sheet.draft, Sheet.submitted_at,
           Sheet.reopen_reason, SheetRequest.judge_id.label("replay_judge"), SheetRequest.outcome)
    .select_from(_PANEL_SEATS.join(Judge, Judge.id == PanelMember.judge_id)
                 .outerjoin(Entry, (Entry.id == bindparam("entry")) & (Entry.track_id == Track.id))
                 .outerjoin(Sheet, (Sheet.entry_id == Entry.id) & (Sheet.stage_id == Stage.id)
                            & (Sheet.judge_id == Judge.id))
                 .outerjoin(SheetRequest, SheetRequest.key == bindparam("key")))
    .where(Judge.id == bindparam("judge"), Judge.event_id == bindparam("event"), Stage.id == bindparam("stage")))

# The sheet claimed (created, or moved on from the version the change was based on: its row stays
# locked to the commit), the request's outcome and the marks, in one statement; no row if the
# sheet had moved on.
_CLAIM_TAIL = """,
    request as (
        insert into sheet_request (key, judge_id, sheet_id, outcome, at)
        select :key, :judge, id, json_build_object('sheet_id', id, 'state', state, 'version', version), :now
        from sheet),
    marks as (
        insert into mark (sheet_id, criterion, value)
        select sheet.id, m.criterion, m.value
        from sheet, unnest(cast(:criteria as varchar[]), cast(:values as numeric[])) as m (criterion, value))
    select id from sheet"""
_SHEET_PARAMS = (bindparam("draft", type_=JSON), bindparam("now", type_=DateTime(timezone=True)),
                 bindparam("submitted_at", type_=DateTime(timezone=True)))
_CLAIM_NEW = text("""
    with sheet as (
        insert into sheet (stage_id, entry_id, judge_id, state, version, draft, updated_at, submitted_at,
                           reopen_reason)
        values (:stage, :entry, :judge, :state, 1, :draft, :now, :submitted_at, :reopen_reason)
        on conflict (stage_id, entry_id, judge_id) do nothing
        returning id, state, version)""" + _CLAIM_TAIL).bindparams(*_SHEET_PARAMS)
_CLAIM_NEXT = text("""
    with sheet as (
        update sheet set version = version + 1, state = :state, draft = :draft, updated_at = :now,
                         submitted_at = :submitted_at, reopen_reason = :reopen_reason
        where id = :sheet and version = :base
        returning id, state, version)""" + _CLAIM_TAIL).bindparams(*_SHEET_PARAMS)
_OLD_MARKS = delete(Mark).where(Mark.sheet_id == bindparam("sheet")).returning(Mark.criterion, Mark.value)
# NO KEY UPDATE: it queues recomputes of one entry but not the key-share locks that the foreign
# keys of new sheets take on the entry (a plain FOR UPDATE would deadlock two submissions)
_LOCK_ENTRY = select(Entry.id).where(Entry.id == bindparam("entry")).with_for_update(key_share=True)
_RESULT = ("round_id", "entry_id", "status", "total", "stage_totals", "criteria", "computed_at")
_result = insert(Result).values({c: bindparam(c, type_=Result.__table__.c[c].type) for c in _RESULT})
_STORE_RESULT = select(func.pg_notify(bindparam("channel"), bindparam("message"))).select_from(
    _result.on_conflict_do_update(index_elements=["round_id", "entry_id"],
                                  set_={c: _result.excluded[c] for c in _RESULT[2:]})
    .returning(Result.id).cte("stored"))


@dataclass(frozen=True)
class SheetContext:
    """A judge's seat in a stage, an entry the judge may score there, the judge's sheet for it (if
    any: `sheet_id` None, version 0), and the outcome of an earlier request with the same
    idempotency key (if any)."""

    judge_id: int
    judge_number: str
    judge_name: str
    stage_id: int
    stage_key: str
    round_id: int
    scheme: scoring.Scheme
    track_id: int
    event_id: int
    entry_id: int
    bib: str
    blind_code: str
    status: str
    signed_off: bool
    sheet_id: int | None
    state: str | None
    version: int
    draft: dict
    submitted_at: datetime | None
    reopen_reason: str | None
    replay: WriteOutcome | None

    @property
    def criteria(self) -> tuple:
        return next(s for s in self.scheme.stages if s.key == self.stage_key).criteria

    @property
    def actor(self) -> str:
        return _actor(self.judge_id, self.judge_number, self.judge_name)

    def require_open(self) -> None:
        if self.status in ("withdrawn", "disqualified"):
            raise Conflict("该选手已退赛或被取消资格，不能评分")

    def require_version(self, base_version: int) -> None:
        if self.version != base_version:
            raise Conflict(f"评分表已在另一台设备上更新（当前版本 {self.version}，您的版本 {base_version}），"
                           "请刷新后再改")
        if self.state == "submitted":
            raise Conflict("评分表已提交并锁定，只有裁判长可以退回修改")


async def sheet_context(session: AsyncSession, judge_id: int, event_id: int, stage_id: int, entry_id: int,
                        key: str = "") -> SheetContext:
    """One query. A stage the judge does not sit on is not found; nor is an entry outside its
    track, one not yet drawn, or one the judge is recused from (a recused judge is not even told
    that it exists)."""
    connection = await session.connection()
    row = (await connection.execute(_CONTEXT, {"judge": judge_id, "event": event_id, "stage": stage_id,
                                               "entry": entry_id, "key": key})).first()
    if row is None:
        raise NotFound("您所在裁判组的评分环节")
    replay = None
    if row.outcome is not None:  # a retry is answered as the first send was, whatever happened since
        if row.replay_judge != judge_id:
            raise Conflict("请求编号已被使用")
        replay = WriteOutcome(**row.outcome, replayed=True)
    if replay is None and (row.entry_id is None or row.blind_code is None or row.recused):
        raise NotFound("选手")
    scheme = await events.round_scheme(session, row.round_id, row.scheme_digest)
    return SheetContext(judge_id, row.judge_number, row.judge_name, stage_id, row.stage_key, row.round_id, scheme,
                        row.track_id, row.event_id, row.entry_id, row.bib, row.blind_code, row.status,
                        row.signed_off, row.sheet_id, row.state, row.version or 0, row.draft or {},
                        row.submitted_at, row.reopen_reason, replay)


@dataclass(frozen=True)
class SheetView:
    sheet_id: int | None
    blind_code: str
    state: str
    version: int
    marks: dict[str, str]  # the submitted marks, or the server-side draft
    signed_off: bool
    reopen_reason: str | None = None


async def read_sheet(session: AsyncSession, judge: Judge, a: Assignment, entry_id: int) -> SheetView:
    ctx = await sheet_context(session, judge.id, judge.event_id, a.stage.id, entry_id)
    ctx.require_open()
    if ctx.sheet_id is None:
        return SheetView(None, ctx.blind_code, "not_started", 0, {}, ctx.signed_off)
    marks = await _marks(session, ctx.sheet_id) if ctx.state == "submitted" else dict(ctx.draft)
    return SheetView(ctx.sheet_id, ctx.blind_code, ctx.state, ctx.version, marks, ctx.signed_off, ctx.reopen_reason)


async def _marks(session: AsyncSession, sheet_id: int) -> dict[str, str]:
    rows = (await session.exec(select(Mark).where(Mark.sheet_id == sheet_id))).all()
    return {m.criterion: _plain(m.value) for m in rows}


def _plain(value: Decimal) -> str:
    """4.5000 → "4.5", 9.0000 → "9": marks as a judge typed them."""
    text = format(value.normalize(), "f")
    return text


def check_marks(criteria: Sequence, raw: dict[str, object], complete: bool) -> dict[str, Decimal]:
    """Validate marks against the stage's criteria: known keys, numbers, range, step, and on
    submission every counting criterion. Raises InputError naming the criterion."""
    by_key = {c.key: c for c in criteria}
    marks: dict[str, Decimal] = {}
    for key, value in raw.items():
        crit = by_key.get(key)
        if crit is None:
            raise InputError(f"评分项 {key} 不属于本环节", key)
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise InputError(f"{crit.name}：“{value}”不是数字", key) from None
        if not number.is_finite() or not 0 <= number <= crit.mark_limit:
            raise InputError(f"{crit.name}：{value} 超出范围 0–{_plain(crit.mark_limit)}", key)
        if number.as_tuple().exponent < -4:  # the column keeps four decimals; the ledger must match it
            raise InputError(f"{crit.name}：{value} 最多保留4位小数", key)
        if crit.step and number % crit.step != 0:
            raise InputError(f"{crit.name}：{value} 应为 {_plain(crit.step)} 的整数倍", key)
        marks[key] = number
    if complete:
        missing = [c.name for c in criteria if c.counts and c.key not in marks and c.kind != "measurement"]
        if missing:
            raise InputError(f"还有评分项未打分：{'、'.join(missing)}", "marks")
    return marks


@dataclass(frozen=True)
class WriteOutcome:
    sheet_id: int
    state: str
    version: int
    replayed: bool = False  # a retry answered from the first request's outcome

    def as_dict(self) -> dict:
        return {"sheet_id": self.sheet_id, "state": self.state, "version": self.version}


async def write_sheet(session: AsyncSession, judge_id: int, event_id: int, stage_id: int, entry_id: int,
                      raw: dict[str, object], *, base_version: int, submit: bool, key: str, device: str = "",
                      actor: str | None = None) -> WriteOutcome:
    """Save a draft or submit a sheet: idempotent by `key`, checked against `base_version`,
    ledgered, and (on submission) recomputing the entry's result — all in one transaction."""
    if not key or len(key) > 64:
        raise InputError("缺少请求编号（idempotency key）", "key")
    ctx = await sheet_context(session, judge_id, event_id, stage_id, entry_id, key)
    if ctx.replay:
        return ctx.replay
    ctx.require_open()
    if ctx.signed_off:
        raise Conflict("本环节已由裁判长签字确认，不能再修改")
    marks = check_marks(ctx.criteria, raw, complete=submit)
    ctx.require_version(base_version)
    try:
        old = await _old_marks(session, ctx) if submit else {}
        sheet_id = await _claim(session, ctx, key, marks, submit)
    except IntegrityError:  # e.g. the same key sent for another sheet at the same moment
        sheet_id = None
    if sheet_id is None:  # the sheet moved on after it was read: a twin of this request, or another device
        return await _refused(session, ctx, key, base_version)
    outcome = WriteOutcome(sheet_id, "submitted" if submit else ctx.state or "draft", base_version + 1)
    if submit:
        await recompute_entry(session, ctx)
        # last before the commit: the ledger's head stays locked from here to there
        await ledger.append(session, event_id=ctx.event_id, actor=actor or ctx.actor, device=device,
                            action="sheet.submit", subject=f"sheet:{sheet_id}",
                            payload={"stage": ctx.stage_key, "entry": ctx.bib, "judge": ctx.judge_number,
                                     "old": old, "new": {k: _plain(v) for k, v in marks.items()},
                                     "version": outcome.version})
    await session.commit()
    return outcome


async def _old_marks(session: AsyncSession, ctx: SheetContext) -> dict[str, str]:
    """A reopened sheet's marks, removed for the new ones (for the ledger: old → new)."""
    if ctx.submitted_at is None:
        return {}
    connection = await session.connection()
    rows = await connection.execute(_OLD_MARKS, {"sheet": ctx.sheet_id})
    return {criterion: _plain(value) for criterion, value in rows}


async def _claim(session: AsyncSession, ctx: SheetContext, key: str, marks: dict[str, Decimal],
                 submit: bool) -> int | None:
    """Write the sheet if it is still at the version read, with the request and the marks (on
    submission); its id, or None if another transaction got there first."""
    now = utcnow()
    values = {"state": "submitted", "draft": {}, "submitted_at": now, "reopen_reason": None} if submit else \
        {"state": ctx.state or "draft", "draft": {k: _plain(v) for k, v in marks.items()},  # reopened stays so
         "submitted_at": ctx.submitted_at, "reopen_reason": ctx.reopen_reason}
    submitted = marks if submit else {}
    params = {**values, "now": now, "key": key, "judge": ctx.judge_id, "criteria": list(submitted),
              "values": list(submitted.values())}
    connection = await session.connection()
    if ctx.sheet_id is None:
        result = await connection.execute(_CLAIM_NEW, {**params, "stage": ctx.stage_id, "entry": ctx.entry_id})
    else:
        result = await connection.execute(_CLAIM_NEXT, {**params, "sheet": ctx.sheet_id, "base": ctx.version})
    return result.scalar()


async def _refused(session: AsyncSession, ctx: SheetContext, key: str, base_version: int) -> WriteOutcome:
    """Read again (the claim waited for the other transaction to end): a twin of this request is
    answered as the first was; anything else is a conflict."""
    await session.rollback()  # whatever this transaction did (a reopened sheet's old marks removed) is undone
    again = await sheet_context(session, ctx.judge_id, ctx.event_id, ctx.stage_id, ctx.entry_id, key)
    if again.replay:
        return again.replay
    again.require_version(base_version)
    raise Conflict("评分表刚被更新，请刷新后再改")


def actor_of(judge: Judge) -> str:
    return _actor(judge.id, judge.number, judge.name)


def _actor(judge_id: int, number: str, name: str) -> str:
    return f"judge:{judge_id} {number} {name}"


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
    sheet.draft = await _marks(session, sheet.id)
    session.add(sheet)
    await ledger.append(session, event_id=event_id, actor=actor, device="", action="sheet.reopen",
                        subject=f"sheet:{sheet.id}", payload={"reason": reason[:200], "version": sheet.version})
    await session.commit()
    return sheet


# --- results ----------------------------------------------------------------------------------------


_ROUND_MARKS = (select(Entry.bib, Stage.key, Mark.criterion, Judge.number, Mark.value)
                .join(Sheet, Sheet.id == Mark.sheet_id).join(Stage, Stage.id == Sheet.stage_id)
                .join(Entry, Entry.id == Sheet.entry_id).join(Judge, Judge.id == Sheet.judge_id)
                .where(Stage.round_id == bindparam("round")))
_ENTRY_MARKS = _ROUND_MARKS.where(Entry.id == bindparam("entry"))


async def round_marks(session: AsyncSession, round_id: int, entry_id: int | None = None) -> list[scoring.Mark]:
    """Submitted marks of a round (or of one entry in it) as the engine takes them: entries by
    bib, judges by number."""
    connection = await session.connection()
    rows = await connection.execute(_ROUND_MARKS if entry_id is None else _ENTRY_MARKS,
                                    {"round": round_id, "entry": entry_id})
    return [scoring.Mark(*row) for row in rows]


async def export_marks(session: AsyncSession, round_: Round, anonymise: bool = False) -> str:
    """The round's submitted marks as the engine's marks CSV; `contest results compute` on it
    with the round's scheme reproduces the stored results exactly. Anonymised, judges become
    J1..Jn in the order of their numbers, the same for every sheet."""
    marks = await round_marks(session, round_.id)
    if anonymise:
        alias = {number: f"J{i}" for i, number in enumerate(sorted({m.judge for m in marks}), 1)}
        marks = [scoring.Mark(m.entry, m.stage, m.criterion, alias[m.judge], m.value) for m in marks]
    return scoring.write_marks_csv(sorted(marks, key=lambda m: (m.entry, m.stage, m.criterion, m.judge)))


async def recompute_entry(session: AsyncSession, ctx: SheetContext) -> None:
    """Store the entry's result computed afresh from its marks, under the entry's lock: the
    marks are read after it is granted, so of two submissions for one entry the later sees the
    earlier's marks, and the last result stored counts every mark committed. The track's boards
    are told in the same statement."""
    connection = await session.connection()
    await connection.execute(_LOCK_ENTRY, {"entry": ctx.entry_id})
    marks = await round_marks(session, ctx.round_id, ctx.entry_id)
    (figures,) = scoring.compute(ctx.scheme, marks, {ctx.bib: ctx.status})
    await connection.execute(_STORE_RESULT, {
        "round_id": ctx.round_id, "entry_id": ctx.entry_id, "status": figures.status,
        "total": None if figures.total is None else str(figures.total),
        "stage_totals": {k: str(v) for k, v in figures.stage_totals.items()},
        "criteria": {s: {c: str(v) for c, v in cs.items()} for s, cs in figures.criteria.items()},
        "computed_at": utcnow(), **notify.announcement(ctx.track_id)})


async def compute_round(session: AsyncSession, round_: Round) -> list[scoring.EntryResult]:
    """Ranks, totals and awards of a round, computed afresh by the engine from its marks."""
    statuses = dict((await session.exec(select(Entry.bib, Entry.status).join(Track).join(Round)
                                        .where(Round.id == round_.id, Entry.blind_code.is_not(None)))).all())
    return scoring.compute(events.scheme_of(round_), await round_marks(session, round_.id), statuses)


# --- the chief judge's console ---------------------------------------------------------------------


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


def _seeded(seed: str):
    import random

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


# --- paper sheets and double entry -----------------------------------------------------------------


@dataclass(frozen=True)
class PaperOutcome:
    state: str  # waiting (one pass so far), mismatch, accepted
    differences: list[str]


async def enter_paper(session: AsyncSession, scorer: str, judge: Judge, a: Assignment, entry_id: int,
                      raw: dict[str, object], pass_no: int) -> PaperOutcome:
    """One scorer's pass over a signed paper sheet. When both passes agree, the marks are
    submitted as the judge's sheet; when they differ, the differences are listed and nothing counts."""
    if pass_no not in (1, 2):
        raise InputError("录入遍次应为1或2", "pass_no")
    ctx = await sheet_context(session, judge.id, judge.event_id, a.stage.id, entry_id)
    ctx.require_open()
    marks = {k: _plain(v) for k, v in check_marks(a.criteria, raw, complete=True).items()}
    passes = {p.pass_no: p for p in (await session.exec(select(PaperEntry).where(
        PaperEntry.stage_id == a.stage.id, PaperEntry.entry_id == ctx.entry_id,
        PaperEntry.judge_id == judge.id))).all()}
    other = passes.get(3 - pass_no)
    if other is not None and other.scorer == scorer:
        raise InputError("两遍录入须由两名不同的录分员完成", "scorer")
    values = {"stage_id": a.stage.id, "entry_id": ctx.entry_id, "judge_id": judge.id, "pass_no": pass_no,
              "scorer": scorer, "marks": marks, "at": utcnow()}
    await session.exec(insert(PaperEntry).values(**values).on_conflict_do_update(
        index_elements=["stage_id", "entry_id", "judge_id", "pass_no"], set_=values))
    if other is None:
        await session.commit()
        return PaperOutcome("waiting", [])
    differences = [f"{c.name}：{other.marks.get(c.key, '—')} / {marks.get(c.key, '—')}"
                   for c in a.criteria if other.marks.get(c.key) != marks.get(c.key)]
    if differences:
        await session.commit()
        return PaperOutcome("mismatch", differences)
    await write_sheet(session, judge.id, judge.event_id, a.stage.id, ctx.entry_id, marks, base_version=ctx.version,
                      submit=True, key=f"paper-{a.stage.id}-{ctx.entry_id}-{judge.id}-{secrets.token_hex(8)}",
                      device=f"paper:{other.scorer}+{scorer}",
                      actor=f"scorer:{other.scorer}+{scorer} for {judge.number}")
    return PaperOutcome("accepted", [])


async def paper_mismatches(session: AsyncSession, stage: Stage) -> list[tuple[PaperEntry, PaperEntry]]:
    rows = (await session.exec(select(PaperEntry).where(PaperEntry.stage_id == stage.id)
                               .order_by(PaperEntry.entry_id, PaperEntry.judge_id, PaperEntry.pass_no))).all()
    pairs: dict[tuple[int, int], dict[int, PaperEntry]] = {}
    for p in rows:
        pairs.setdefault((p.entry_id, p.judge_id), {})[p.pass_no] = p
    return [(two[1], two[2]) for two in pairs.values() if len(two) == 2 and two[1].marks != two[2].marks]


# --- audit ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    entries: int
    marks: int
    problem: str | None  # the first thing found broken, naming the ledger entry or the mark


async def audit(session: AsyncSession, event: Event | None = None) -> AuditReport:
    """Re-walk the chain, then check that the current marks are exactly what the ledger's last
    submission of each sheet recorded (a mark UPDATEd in psql shows up here)."""
    count, broken = await ledger.verify_chain(session)
    if broken:
        return AuditReport(count, 0, f"ledger entry #{broken.entry_id} {broken.problem}")
    recorded: dict[int, tuple[int, dict]] = {}
    draws: dict[int, dict[str, str]] = {}  # track id -> the codes of its last ledgered draw
    async for entry in ledger.walk(session):
        if event is not None and entry.event_id != event.id:
            continue
        if entry.action == "sheet.submit":
            recorded[int(entry.subject.split(":")[1])] = (entry.id, entry.payload)
        elif entry.action == "draw.blind_codes":
            draws[int(entry.subject.split(":")[1])] = entry.payload["codes"]
    misdrawn = await events.draw_discrepancies(session, draws, event)
    if misdrawn:
        return AuditReport(count, 0, misdrawn[0])
    stmt = select(Mark, Sheet, Entry.bib, Judge.number).join(Sheet, Sheet.id == Mark.sheet_id) \
        .join(Entry, Entry.id == Sheet.entry_id).join(Judge, Judge.id == Sheet.judge_id)
    if event is not None:
        stmt = stmt.where(Judge.event_id == event.id)
    current: dict[int, dict[str, str]] = {}
    where: dict[int, str] = {}
    rows = (await session.exec(stmt)).all()
    for mark, sheet, bib, number in rows:
        current.setdefault(sheet.id, {})[mark.criterion] = _plain(mark.value)
        where[sheet.id] = f"entry {bib}, judge {number}"
    for sheet_id in sorted(current.keys() | recorded.keys()):
        entry_id, payload = recorded.get(sheet_id, (None, {"new": {}}))
        if current.get(sheet_id, {}) != payload["new"]:
            return AuditReport(count, len(rows), _mark_problem(sheet_id, where.get(sheet_id, ""), entry_id,
                                                               current.get(sheet_id, {}), payload["new"]))
    return AuditReport(count, len(rows), None)


def _mark_problem(sheet_id: int, where: str, entry_id: int | None, now: dict, recorded: dict) -> str:
    if entry_id is None:
        return f"sheet {sheet_id} ({where}) has marks that no ledger entry records"
    changed = sorted(k for k in now.keys() | recorded.keys() if now.get(k) != recorded.get(k))
    detail = ", ".join(f"{k}: ledger {recorded.get(k, '—')} ≠ database {now.get(k, '—')}" for k in changed)
    return f"sheet {sheet_id} ({where}) differs from ledger entry #{entry_id}: {detail}"


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


async def all_stages(session: AsyncSession) -> Sequence[tuple[Stage, Round, Track, Event]]:
    """Stages with a panel, of events under way, for the scorers' page."""
    return (await session.exec(
        select(Stage, Round, Track, Event).join(Round, Round.id == Stage.round_id).join(Track).join(Event)
        .where(Stage.id.in_(select(Panel.stage_id)), Event.status.in_(("running", "review")))
        .order_by(Event.id, Track.id, Round.seq, Stage.seq))).all()


async def paper_context(session: AsyncSession, stage_id: int) -> dict:
    stage = await db.get_or_404(session, Stage, stage_id, "评分环节")
    round_ = await session.get(Round, stage.round_id)
    track = await session.get(Track, round_.track_id)
    scheme = events.scheme_of(round_)
    progress_ = await progress(session, stage, track)
    return {"stage": stage, "round": round_, "track": track, "judges": progress_.judges,
            "entries": progress_.entries, "criteria": next(s for s in scheme.stages if s.key == stage.key).criteria,
            "mismatches": await paper_mismatches(session, stage)}
