"""Results: the marks of a round as the engine takes them, each entry's result recomputed and
stored on every submission (and its track's boards told, in the same statement), a round computed
afresh, and the marks exported so that anyone can recompute the published results."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import inert, notify, scoring
from contest.db import utcnow
from contest.errors import Conflict
from contest.events import service as events
from contest.events.models import Entry, Judge, Round, Stage, Track
from contest.judging.models import Mark, Result, Sheet
from contest.scoring.files import MARK_COLUMNS

if TYPE_CHECKING:
    from contest.judging.service.sheets import SheetContext

# NO KEY UPDATE: it queues recomputes of one entry but not the key-share locks that the foreign
# keys of new sheets take on the entry (a plain FOR UPDATE would deadlock two submissions)
_LOCK_ENTRY = select(Entry.id).where(Entry.id == bindparam("entry")).with_for_update(key_share=True)
_RESULT = ("round_id", "entry_id", "status", "total", "stage_totals", "criteria", "computed_at")
_result = insert(Result).values({c: bindparam(c, type_=Result.__table__.c[c].type) for c in _RESULT})
_STORE_RESULT = select(func.pg_notify(bindparam("channel"), bindparam("message"))).select_from(
    _result.on_conflict_do_update(index_elements=["round_id", "entry_id"],
                                  set_={c: _result.excluded[c] for c in _RESULT[2:]})
    .returning(Result.id).cte("stored"))
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
        marks = anonymised(marks)
    marks.sort(key=lambda m: (m.entry, m.stage, m.criterion, m.judge))
    return inert.csv_text([MARK_COLUMNS, *((m.entry, m.stage, m.criterion, m.judge, format(m.value, "f"))
                                          for m in marks)])


def anonymised(marks: list[scoring.Mark]) -> list[scoring.Mark]:
    """Judges as J1..Jn in the order of their numbers, the same for every sheet of the round."""
    alias = judge_aliases(marks)
    return [scoring.Mark(m.entry, m.stage, m.criterion, alias[m.judge], m.value) for m in marks]


def plain(value: Decimal) -> str:
    """4.5000 → "4.5", 9.0000 → "9": marks as a judge typed them."""
    return format(value.normalize(), "f")


# Each submitted sheet as a record of the judging: its marks and the judge's written words (the
# opinion and a note per criterion) beside them but never in them. A sheet sent back shows what was
# submitted with the marks that still count.
_SHEETS = (select(Sheet, Entry.bib, Entry.blind_code, Stage.key, Stage.name, Judge.number, Judge.name, Round)
           .join(Stage, Stage.id == Sheet.stage_id).join(Round, Round.id == Stage.round_id)
           .join(Entry, Entry.id == Sheet.entry_id)
           .join(Judge, Judge.id == Sheet.judge_id).where(Sheet.submitted_at.is_not(None))
           .order_by(Stage.seq, Entry.running_order, Entry.bib, Judge.number))
WORDS_COLUMNS = ("选手编号", "环节", "裁判", "评分项", "内容")  # 评分项 blank: the sheet's opinion


@dataclass(frozen=True)
class SheetRecord:
    """One submitted sheet: for the chief judge, the appeal committee, the contestant (judges
    unnamed), the opinions export and the printed judging record."""

    sheet: Sheet
    bib: str
    blind_code: str | None
    stage_key: str
    stage_name: str
    judge: str  # number
    judge_name: str
    criteria: tuple[scoring.Criterion, ...]  # the stage's, in the scheme's order
    marks: dict[str, str]  # criterion key -> the mark as typed

    def criterion_name(self, key: str) -> str:
        return next((c.name for c in self.criteria if c.key == key), key)

    @property
    def opinion(self) -> str:
        return self.sheet.opinion

    @property
    def notes(self) -> dict[str, str]:
        return self.sheet.notes

    @property
    def has_words(self) -> bool:
        return bool(self.sheet.opinion or self.sheet.notes)


async def sheet_records(session: AsyncSession, *, round_id: int | None = None, stage_id: int | None = None,
                        entry_id: int | None = None) -> list[SheetRecord]:
    """The submitted sheets of a round, a stage or an entry, by stage, running order and judge."""
    stmt = _SHEETS
    for column, value in ((Stage.round_id, round_id), (Stage.id, stage_id), (Entry.id, entry_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    rows = (await session.exec(stmt.execution_options(populate_existing=True))).all()  # written by raw SQL
    marks: dict[int, dict[str, str]] = {}
    for sheet_id, criterion, value in (await session.exec(select(Mark.sheet_id, Mark.criterion, Mark.value).where(
            Mark.sheet_id.in_([row[0].id for row in rows])))).all():
        marks.setdefault(sheet_id, {})[criterion] = plain(value)
    return [SheetRecord(*row[:7], _stage_of(row[7], row[3]).criteria, marks.get(row[0].id, {})) for row in rows]


def _stage_of(round_: Round, key: str) -> scoring.Stage:
    return next(s for s in events.scheme_of(round_).stages if s.key == key)


async def export_words(session: AsyncSession, round_: Round) -> str:
    """The round's opinions and notes as a CSV of their own (one row per opinion and per note,
    with the judges' own numbers), so the marks file and its recomputation stay as they are."""
    rows = [WORDS_COLUMNS]
    for r in sorted(await sheet_records(session, round_id=round_.id), key=lambda r: (r.bib, r.stage_key, r.judge)):
        if r.opinion:
            rows.append((r.bib, r.stage_key, r.judge, "", r.opinion))
        rows += [(r.bib, r.stage_key, r.judge, r.criterion_name(key), note) for key, note in r.notes.items()]
    return inert.csv_text(rows)


def judge_aliases(marks: list[scoring.Mark]) -> dict[str, str]:
    """Judge number -> J1..Jn, as the round's published marks name the judges who marked in it."""
    return {number: f"J{i}" for i, number in enumerate(sorted({m.judge for m in marks}), 1)}


async def recompute_entry(session: AsyncSession, ctx: SheetContext) -> None:
    """Store the entry's result computed afresh from its marks, under the entry's lock: the
    marks are read after it is granted, so of two submissions for one entry the later sees the
    earlier's marks, and the last result stored counts every mark committed. The track's boards
    are told in the same statement."""
    connection = await session.connection()
    await connection.execute(_LOCK_ENTRY, {"entry": ctx.entry_id})
    # by blind code: a mark the engine refuses (a measurement another judge recorded differently)
    # is named to the judge as the judge knows the entry
    marks = [scoring.Mark(ctx.blind_code, m.stage, m.criterion, m.judge, m.value)
             for m in await round_marks(session, ctx.round_id, ctx.entry_id)]
    try:
        (figures,) = scoring.compute(ctx.scheme, marks, {ctx.blind_code: ctx.status})
    except scoring.MarkError as exc:
        raise Conflict(exc.chinese) from exc
    await connection.execute(_STORE_RESULT, stored(ctx.round_id, ctx.entry_id, figures, ctx.track_id))


def stored(round_id: int, entry_id: int, figures: scoring.EntryResult, track_id: int) -> dict:
    """The parameters of _STORE_RESULT."""
    return {"round_id": round_id, "entry_id": entry_id, **result_values(figures), "computed_at": utcnow(),
            **notify.announcement(track_id)}


def result_values(figures: scoring.EntryResult) -> dict:
    """An entry's figures as a result row keeps them: the engine's exact decimal text."""
    return {"status": figures.status, "total": None if figures.total is None else str(figures.total),
            "stage_totals": {k: str(v) for k, v in figures.stage_totals.items()},
            "criteria": {s: {c: str(v) for c, v in cs.items()} for s, cs in figures.criteria.items()}}


async def recompute_round(session: AsyncSession, round_: Round, entry_ids: Sequence[int] | None = None) -> int:
    """Store afresh the result of every entry of the round that has marks (or only of these
    entries): after a scheme correction or an entry's status change. Entries are locked as a
    sheet submission locks them, in id order. Does not commit; returns how many were stored."""
    track = await session.get(Track, round_.track_id)
    stmt = (select(Entry.id, Entry.bib, Entry.status).where(Entry.track_id == track.id, Entry.id.in_(
        select(Sheet.entry_id).join(Stage, Stage.id == Sheet.stage_id).where(Stage.round_id == round_.id)))
            .order_by(Entry.id))
    if entry_ids is not None:
        stmt = stmt.where(Entry.id.in_(list(entry_ids)))
    entries = (await session.exec(stmt)).all()
    if not entries:
        return 0
    connection = await session.connection()
    for entry_id, _, _ in entries:
        await connection.execute(_LOCK_ENTRY, {"entry": entry_id})
    marks = [m for m in await round_marks(session, round_.id) if m.entry in {bib for _, bib, _ in entries}]
    try:
        figures = {f.entry: f for f in scoring.compute(events.scheme_of(round_), marks,
                                                       {bib: status for _, bib, status in entries})}
    except scoring.MarkError as exc:  # e.g. a corrected scheme that existing marks no longer fit
        raise Conflict(exc.chinese) from exc
    for entry_id, bib, _ in entries:
        await connection.execute(_STORE_RESULT, stored(round_.id, entry_id, figures[bib], track.id))
    return len(entries)


async def compute_round(session: AsyncSession, round_: Round, anonymise: bool = False) -> list[scoring.EntryResult]:
    """Ranks, totals and awards of a round, computed afresh by the engine from its marks (with the
    judges as the published marks name them, J1..Jn, if `anonymise`)."""
    statuses = dict((await session.exec(select(Entry.bib, Entry.status).join(Track).join(Round)
                                        .where(Round.id == round_.id, Entry.blind_code.is_not(None)))).all())
    marks = await round_marks(session, round_.id)
    return scoring.compute(events.scheme_of(round_), anonymised(marks) if anonymise else marks, statuses)

