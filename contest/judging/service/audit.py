"""The audit: the ledger's chain re-walked, every entry's blind code compared with its track's last
ledgered draw, and every current mark compared with what the ledger's last submission of its sheet
recorded (a mark or a code changed in psql shows up here)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger
from contest.events import service as events
from contest.events.models import Entry, Event, Judge
from contest.judging.models import Mark, Sheet
from contest.judging.service.sheets import plain


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
        current.setdefault(sheet.id, {})[mark.criterion] = plain(mark.value)
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

