"""Results: the marks of a round as the engine takes them, each entry's result recomputed and
stored on every submission (and its track's boards told, in the same statement), a round computed
afresh, and the marks exported so that anyone can recompute the published results."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import notify, scoring, tables
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
    return tables.csv_text([MARK_COLUMNS, *((m.entry, m.stage, m.criterion, m.judge, format(m.value, "f"))
                                           for m in marks)])


def anonymised(marks: list[scoring.Mark]) -> list[scoring.Mark]:
    """Judges as J1..Jn in the order of their numbers, the same for every sheet of the round."""
    alias = {number: f"J{i}" for i, number in enumerate(sorted({m.judge for m in marks}), 1)}
    return [scoring.Mark(m.entry, m.stage, m.criterion, alias[m.judge], m.value) for m in marks]


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


async def compute_round(session: AsyncSession, round_: Round) -> list[scoring.EntryResult]:
    """Ranks, totals and awards of a round, computed afresh by the engine from its marks."""
    statuses = dict((await session.exec(select(Entry.bib, Entry.status).join(Track).join(Round)
                                        .where(Round.id == round_.id, Entry.blind_code.is_not(None)))).all())
    return scoring.compute(events.scheme_of(round_), await round_marks(session, round_.id), statuses)

