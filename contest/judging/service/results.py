"""Results: the marks of a round as the engine takes them, each entry's result recomputed and
stored on every submission (and its track's boards told, in the same statement), a round computed
afresh, and the marks exported so that anyone can recompute the published results."""
from __future__ import annotations

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
        alias = {number: f"J{i}" for i, number in enumerate(sorted({m.judge for m in marks}), 1)}
        marks = [scoring.Mark(m.entry, m.stage, m.criterion, alias[m.judge], m.value) for m in marks]
    marks.sort(key=lambda m: (m.entry, m.stage, m.criterion, m.judge))
    return tables.csv_text([MARK_COLUMNS, *((m.entry, m.stage, m.criterion, m.judge, format(m.value, "f"))
                                                      for m in marks)])


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

