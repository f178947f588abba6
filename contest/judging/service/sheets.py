"""Score sheets: a judge's sheet for an entry in a stage, read, saved as a draft or submitted, and
the check of its marks against the stage's criteria."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, Text, bindparam, delete, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, scoring
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import lifecycle
from contest.events import service as events
from contest.events.models import (
    ENTRY_STATUSES,
    OUT_OF_CONTEST,
    Entry,
    Event,
    Judge,
    PanelMember,
    Recusal,
    Round,
    Stage,
    Track,
)
from contest.judging.models import (
    MAX_DISAGREEMENT,
    MAX_NOTE,
    MAX_OPINION,
    JudgePledge,
    Mark,
    Sheet,
    SheetRequest,
    StageSignoff,
)
from contest.judging.service.judges import PANEL_SEATS, Assignment, actor_name, queue
from contest.judging.service.results import plain, recompute_entry


async def sheets_for_tablet(session: AsyncSession, judge: Judge, a: Assignment) -> list[dict]:
    """Everything the tablet needs to score a stage offline: the queue with each of the judge's
    own sheets (state, version, marks or draft). Never another judge's marks."""
    items = await queue(session, judge, a.stage, a.track)
    sheets = {s.entry_id: s for s in (await session.exec(select(Sheet).where(
        Sheet.stage_id == a.stage.id, Sheet.judge_id == judge.id))).all()}
    marks: dict[int, dict[str, str]] = {}
    for mark, entry_id in (await session.exec(select(Mark, Sheet.entry_id).join(Sheet).where(
            Sheet.stage_id == a.stage.id, Sheet.judge_id == judge.id))).all():
        marks.setdefault(entry_id, {})[mark.criterion] = plain(mark.value)
    out = []
    for item in items:
        sheet = sheets.get(item.entry_id)
        submitted = sheet is not None and sheet.state == "submitted"
        out.append({"entry_id": item.entry_id, "blind_code": item.blind_code, "running_order": item.running_order,
                    "state": item.state, "version": sheet.version if sheet else 0,
                    "marks": marks.get(item.entry_id, {}) if submitted else dict(sheet.draft) if sheet else {},
                    **sheet_words(sheet), "reopen_reason": sheet.reopen_reason if sheet else None})
    return out


def sheet_words(sheet: Sheet | None) -> dict:
    """The judge's words on their own sheet: as submitted, or as the draft (a sheet sent back
    starts from its submitted words)."""
    if sheet is None:
        return {"opinion": "", "notes": {}, "confirmation": {}}
    if sheet.state == "submitted":
        return {"opinion": sheet.opinion, "notes": dict(sheet.notes), "confirmation": dict(sheet.confirmation)}
    return {"opinion": sheet.draft_words.get("opinion", ""), "notes": dict(sheet.draft_words.get("notes", {})),
            "confirmation": {}}  # a sheet sent back is confirmed again


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
           Track.event_id, Event.status.label("event_status"), Entry.id.label("entry_id"), Entry.bib,
           Entry.blind_code, Entry.status,
           select(Recusal.id).where(Recusal.judge_id == Judge.id, Recusal.entry_id == Entry.id)
           .exists().label("recused"),
           select(StageSignoff.id).where(StageSignoff.stage_id == Stage.id).exists().label("signed_off"),
           (Judge.platform | select(JudgePledge.id).where(JudgePledge.judge_id == Judge.id).exists()).label("pledged"),
           Sheet.id.label("sheet_id"), Sheet.state, Sheet.version, Sheet.draft, Sheet.submitted_at,
           Sheet.reopen_reason, Sheet.draft_words, Sheet.confirmation, SheetRequest.judge_id.label("replay_judge"),
           SheetRequest.outcome)
    .select_from(PANEL_SEATS.join(Judge, Judge.id == PanelMember.judge_id).join(Event, Event.id == Track.event_id)
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
                 bindparam("submitted_at", type_=DateTime(timezone=True)), bindparam("draft_words", type_=JSON),
                 bindparam("opinion", type_=Text), bindparam("notes", type_=JSON(none_as_null=True)),
                 bindparam("confirmation", type_=JSON(none_as_null=True)))
_CLAIM_NEW = text("""
    with sheet as (
        insert into sheet (stage_id, entry_id, judge_id, state, version, draft, updated_at, submitted_at,
                           reopen_reason, draft_words, opinion, notes, confirmation)
        values (:stage, :entry, :judge, :state, 1, :draft, :now, :submitted_at, :reopen_reason, :draft_words,
                coalesce(:opinion, ''), coalesce(:notes, cast('{}' as json)),
                coalesce(:confirmation, cast('{}' as json)))
        on conflict (stage_id, entry_id, judge_id) do nothing
        returning id, state, version)""" + _CLAIM_TAIL).bindparams(*_SHEET_PARAMS)
_CLAIM_NEXT = text("""
    with sheet as (
        update sheet set version = version + 1, state = :state, draft = :draft, updated_at = :now,
                         submitted_at = :submitted_at, reopen_reason = :reopen_reason,
                         draft_words = :draft_words, opinion = coalesce(:opinion, opinion),
                         notes = coalesce(:notes, notes), confirmation = coalesce(:confirmation, confirmation)
        where id = :sheet and version = :base
        returning id, state, version)""" + _CLAIM_TAIL).bindparams(*_SHEET_PARAMS)
_OLD_MARKS = delete(Mark).where(Mark.sheet_id == bindparam("sheet")).returning(Mark.criterion, Mark.value)


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
    event_status: str
    entry_id: int
    bib: str
    blind_code: str
    status: str
    signed_off: bool
    pledged: bool  # the judge has accepted the event's pledge (the platform's marker needs none)
    sheet_id: int | None
    state: str | None
    version: int
    draft: dict
    submitted_at: datetime | None
    reopen_reason: str | None
    draft_words: dict
    confirmed: dict  # the contestant's confirmation submitted last (a sheet sent back keeps it)
    replay: WriteOutcome | None

    @property
    def stage(self) -> scoring.Stage:
        return next(s for s in self.scheme.stages if s.key == self.stage_key)

    @property
    def criteria(self) -> tuple:
        return self.stage.criteria

    @property
    def actor(self) -> str:
        return actor_name(self.judge_id, self.judge_number, self.judge_name)

    def require_open(self) -> None:
        if self.event_status in ("draft", "registration"):  # a published stage opens only by a withdrawn sign-off
            lifecycle.require(lifecycle.Phase(self.event_status), "sheet.write")
        if self.status in OUT_OF_CONTEST:
            raise Conflict(f"该选手{ENTRY_STATUSES[self.status]}，不能评分")

    def require_writable(self) -> None:
        """Marks may still be written: the judge has pledged, the entry competes and the stage is
        not signed off."""
        if not self.pledged:
            raise Conflict("请先在评分平板上阅读并签署裁判员承诺书，签署后才能评分")
        self.require_open()
        if self.signed_off:
            raise Conflict("本环节已由裁判长签字确认，不能再修改")

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
                        row.track_id, row.event_id, row.event_status, row.entry_id, row.bib, row.blind_code, row.status,
                        row.signed_off, row.pledged, row.sheet_id, row.state, row.version or 0, row.draft or {},
                        row.submitted_at, row.reopen_reason, row.draft_words or {}, row.confirmation or {},
                        replay)


@dataclass(frozen=True)
class SheetView:
    sheet_id: int | None
    blind_code: str
    state: str
    version: int
    marks: dict[str, str]  # the submitted marks, or the server-side draft
    signed_off: bool
    reopen_reason: str | None = None
    opinion: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    confirmation: dict = field(default_factory=dict)


async def read_sheet(session: AsyncSession, judge: Judge, a: Assignment, entry_id: int) -> SheetView:
    ctx = await sheet_context(session, judge.id, judge.event_id, a.stage.id, entry_id)
    ctx.require_open()
    if ctx.sheet_id is None:
        return SheetView(None, ctx.blind_code, "not_started", 0, {}, ctx.signed_off)
    sheet = await session.get(Sheet, ctx.sheet_id, populate_existing=True)
    marks = await sheet_marks(session, ctx.sheet_id) if ctx.state == "submitted" else dict(ctx.draft)
    return SheetView(ctx.sheet_id, ctx.blind_code, ctx.state, ctx.version, marks, ctx.signed_off, ctx.reopen_reason,
                     **sheet_words(sheet))


async def sheet_marks(session: AsyncSession, sheet_id: int) -> dict[str, str]:
    rows = (await session.exec(select(Mark).where(Mark.sheet_id == sheet_id))).all()
    return {m.criterion: plain(m.value) for m in rows}


def check_marks(criteria: Sequence, raw: Mapping[str, object], complete: bool, entry: str = "",
                judge: str = "", roles: tuple[str, str] = ("选手", "裁判")) -> dict[str, Decimal]:
    """Validate one judge's marks on an entry with the scoring engine's validator (known criteria,
    numbers, range, sign, step, decimals, and on submission every judged criterion that counts).
    Raises InputError naming entry, criterion and judge, with the criterion as the field."""
    try:
        return scoring.check_sheet(criteria, raw, complete=complete, entry=entry, judge=judge, roles=roles)
    except scoring.MarkError as exc:
        raise InputError(exc.chinese, exc.criterion) from exc


@dataclass(frozen=True)
class Words:
    """A judge's written words on a sheet: the opinion and the notes of criteria, trimmed; and the
    contestant's confirmation of the values measured at the station."""

    opinion: str
    notes: dict[str, str]
    confirmation: dict = field(default_factory=dict)

    def as_draft(self) -> dict:
        return {"opinion": self.opinion, "notes": self.notes} if self.opinion or self.notes else {}


def check_words(stage: scoring.Stage, opinion: object, notes: Mapping[str, object] | None, complete: bool) -> Words:
    """The opinion and notes as the judge wrote them, within their lengths, notes only on the
    stage's criteria; on submission an opinion the stage requires must be there."""
    if not isinstance(opinion, str) or not isinstance(notes or {}, Mapping):
        raise InputError("评审意见和备注应为文字", "opinion")
    opinion = opinion.strip()
    if len(opinion) > MAX_OPINION:
        raise InputError(f"评审意见不能超过{MAX_OPINION}字（现有{len(opinion)}字）", "opinion")
    if complete and stage.opinion_required and not opinion:
        raise InputError(f"{stage.name}须填写评审意见后才能提交", "opinion")
    names = {c.key: c.name for c in stage.criteria}
    kept = {}
    for key, note in (notes or {}).items():
        if key not in names:
            raise InputError(f"没有评分项“{key}”，不能为它写备注", "notes")
        if not isinstance(note, str):
            raise InputError(f"“{names[key]}”的备注应为文字", key)
        if len(note.strip()) > MAX_NOTE:
            raise InputError(f"“{names[key]}”的备注不能超过{MAX_NOTE}字", key)
        if note.strip():
            kept[key] = note.strip()
    return Words(opinion, kept)


def check_confirmation(ctx: SheetContext, marks: Mapping[str, Decimal], confirmation: Mapping | None) -> dict:
    """On submission, the contestant's confirmation of the values measured at the station (the
    stage's criteria with `confirm`): typed with their own admission number, which must be theirs,
    for exactly the values submitted; a disagreement needs a reason. {} when nothing is measured."""
    measured = {c.key: c.name for c in ctx.criteria if c.confirm and c.key in marks}
    if not measured:
        return {}
    if not confirmation and ctx.confirmed.get("values") == {k: plain(marks[k]) for k in measured}:
        return ctx.confirmed  # a sheet sent back, its measured values unchanged: confirmed already
    if not isinstance(confirmation, Mapping) or not confirmation:
        raise InputError("请让选手确认测量结果（或记录选手的异议）后再提交", "confirmation")
    if str(confirmation.get("bib", "")).strip() != ctx.bib:
        raise InputError("选手输入的参赛证号与该选手不符，请选手核对后重新确认", "confirmation")
    values = confirmation.get("values")
    try:
        confirmed = {k: Decimal(str(values[k])) for k in measured} if isinstance(values, Mapping) else None
    except (KeyError, ArithmeticError, ValueError):
        confirmed = None
    if confirmed != {k: marks[k] for k in measured}:
        raise InputError("选手确认的数值与提交的测量结果不一致，请选手重新确认", "confirmation")
    agreed, reason = confirmation.get("agreed"), str(confirmation.get("reason") or "").strip()
    if not isinstance(agreed, bool):
        raise InputError("请选择选手确认无误还是有异议", "confirmation")
    if not agreed and not reason:
        raise InputError("选手有异议时请写明理由", "confirmation")
    if len(reason) > MAX_DISAGREEMENT:
        raise InputError(f"异议理由不能超过{MAX_DISAGREEMENT}字", "confirmation")
    return {"values": {k: plain(marks[k]) for k in measured}, "agreed": agreed, **({"reason": reason} if reason
                                                                                   and not agreed else {})}


@dataclass(frozen=True)
class WriteOutcome:
    sheet_id: int
    state: str
    version: int
    replayed: bool = False  # a retry answered from the first request's outcome

    def as_dict(self) -> dict:
        return {"sheet_id": self.sheet_id, "state": self.state, "version": self.version}


@dataclass(frozen=True)
class SheetInput:
    """One save or submission of a judge's sheet, as a tablet or a pair of paper passes sends it."""

    judge_id: int
    event_id: int
    stage_id: int
    entry_id: int
    marks: Mapping[str, object]  # criterion key -> the mark as typed
    base_version: int  # the version of the sheet the change was made on (0: a new sheet)
    submit: bool  # False: a draft
    key: str  # the idempotency key: the same for every retry of this change
    device: str = ""
    actor: str | None = None  # who is ledgered; the judge unless given (paper: the two scorers)
    opinion: str = ""  # the judge's written opinion on the sheet (评审意见)
    notes: Mapping[str, object] = field(default_factory=dict)  # criterion key -> the judge's note
    # the contestant's confirmation of values measured at the station: {"bib", "values", "agreed", "reason"}
    confirmation: Mapping[str, object] | None = None


async def write_sheet(session: AsyncSession, write: SheetInput) -> WriteOutcome:
    """Save a draft or submit a sheet: idempotent by `key`, checked against `base_version`,
    ledgered, and (on submission) recomputing the entry's result — all in one transaction."""
    if not write.key or len(write.key) > 64:
        raise InputError("缺少请求编号（idempotency key）", "key")
    ctx = await sheet_context(session, write.judge_id, write.event_id, write.stage_id, write.entry_id, write.key)
    if ctx.replay:
        return ctx.replay
    ctx.require_writable()
    marks = check_marks(ctx.criteria, write.marks, complete=write.submit, entry=ctx.blind_code,
                        judge=ctx.judge_number)
    words = check_words(ctx.stage, write.opinion, write.notes, complete=write.submit)
    if write.submit:
        words = replace(words, confirmation=check_confirmation(ctx, marks, write.confirmation))
    ctx.require_version(write.base_version)
    try:
        old = await _old_marks(session, ctx) if write.submit else {}
        sheet_id = await _claim(session, ctx, write.key, marks, words, write.submit)
    except IntegrityError:  # e.g. the same key sent for another sheet at the same moment
        sheet_id = None
    if sheet_id is None:  # the sheet moved on after it was read: a twin of this request, or another device
        return await _refused(session, ctx, write.key, write.base_version)
    outcome = WriteOutcome(sheet_id, "submitted" if write.submit else ctx.state or "draft", write.base_version + 1)
    if write.submit:
        await recompute_entry(session, ctx)
        # last before the commit: the ledger's head stays locked from here to there
        await ledger.append(session, event_id=ctx.event_id, actor=write.actor or ctx.actor, device=write.device,
                            action="sheet.submit", subject=f"sheet:{sheet_id}",
                            payload={"stage": ctx.stage_key, "entry": ctx.bib, "judge": ctx.judge_number,
                                     "old": old, "new": {k: plain(v) for k, v in marks.items()},
                                     "version": outcome.version,
                                     **words_recorded(words.opinion, words.notes, words.confirmation)})
    await session.commit()
    return outcome


async def _old_marks(session: AsyncSession, ctx: SheetContext) -> dict[str, str]:
    """A reopened sheet's marks, removed for the new ones (for the ledger: old → new)."""
    if ctx.submitted_at is None:
        return {}
    connection = await session.connection()
    rows = await connection.execute(_OLD_MARKS, {"sheet": ctx.sheet_id})
    return {criterion: plain(value) for criterion, value in rows}


def words_recorded(opinion: str, notes: dict[str, str], confirmation: dict) -> dict:
    """The words and the confirmation as a submission's ledger entry records them (none: nothing,
    as before there were any)."""
    return {**({"opinion": opinion} if opinion else {}), **({"notes": notes} if notes else {}),
            **({"confirmation": confirmation} if confirmation else {})}


async def _claim(session: AsyncSession, ctx: SheetContext, key: str, marks: dict[str, Decimal], words: Words,
                 submit: bool) -> int | None:
    """Write the sheet if it is still at the version read, with the request and the marks and
    words (on submission); its id, or None if another transaction got there first."""
    now = utcnow()
    values = {"state": "submitted", "draft": {}, "submitted_at": now, "reopen_reason": None, "draft_words": {},
              "opinion": words.opinion, "notes": words.notes, "confirmation": words.confirmation} if submit else \
        {"state": ctx.state or "draft", "draft": {k: plain(v) for k, v in marks.items()},  # reopened stays so
         "submitted_at": ctx.submitted_at, "reopen_reason": ctx.reopen_reason, "draft_words": words.as_draft(),
         "opinion": None, "notes": None, "confirmation": None}  # a draft leaves the submitted ones as they are
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

