"""`contest audit verify` for tests: every drawn paper, every handed-in answer and every mark given
is compared with what the ledger recorded of it, so a paper, an answer or a mark changed behind
the platform's back is named."""
from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger
from contest.events.models import Entry, Event, Track
from contest.exams.models import Answer, Exam, PaperItem, Sitting
from contest.exams.questions import plain
from contest.exams.service.papers import paper_digest


async def audit(session: AsyncSession, event: Event | None = None) -> list[str]:
    """What differs from the ledger, one line each (empty when everything matches)."""
    draws: dict[int, dict] = {}  # exam id -> the last draw's payload (None once undone)
    handed: dict[int, dict] = {}  # sitting id -> the answers as handed in
    marks: dict[int, dict] = {}  # sitting id -> the marks as given
    async for entry in ledger.walk(session):
        if event is not None and entry.event_id != event.id:
            continue
        kind, _, number = entry.subject.partition(":")
        if entry.action == "exam.draw":
            draws[int(number)] = entry.payload
        elif entry.action == "exam.undraw":
            draws[int(number)] = None
        elif entry.action == "exam.answers":
            handed[int(number)] = entry.payload
        elif entry.action == "exam.marks":
            marks[int(number)] = entry.payload
    stmt = select(Exam.id).join(Track, Track.id == Exam.track_id)
    if event is not None:
        stmt = stmt.where(Track.event_id == event.id)
    problems = []
    for exam_id in (await session.exec(stmt.order_by(Exam.id))).all():
        problems += await _check_exam(session, exam_id, draws.get(exam_id), handed, marks)
    return problems


async def _check_exam(session: AsyncSession, exam_id: int, draw: dict | None, handed: dict, marks: dict) -> list[str]:
    sittings = (await session.exec(select(Sitting, Entry.bib).join(Entry, Entry.id == Sitting.entry_id)
                                   .where(Sitting.exam_id == exam_id).order_by(Entry.bib))).all()
    items = (await session.exec(select(PaperItem).where(PaperItem.sitting_id.in_([s.id for s, _ in sittings] or [-1]))
                                .order_by(PaperItem.sitting_id, PaperItem.position))).all()
    answers = (await session.exec(select(Answer).where(Answer.sitting_id.in_([s.id for s, _ in sittings] or [-1]))
                                  .order_by(Answer.sitting_id, Answer.position))).all()
    papers: dict[int, list] = {}
    for item in items:
        papers.setdefault(item.sitting_id, []).append((item.question_id, item.points, item.option_order))
    given: dict[int, dict[str, str]] = {}
    earned: dict[int, dict[str, str]] = {}
    for a in answers:
        given.setdefault(a.sitting_id, {})[str(a.position)] = a.response
        if a.points is not None:
            earned.setdefault(a.sitting_id, {})[str(a.position)] = plain(a.points)
    drawn = (draw or {}).get("papers", {})
    problems = []
    if sittings and draw is None:
        problems.append(f"exam {exam_id}: papers exist that no ledgered draw made")
    for sitting, bib in sittings:
        where = f"exam {exam_id} entry {bib}"
        if draw is not None and paper_digest(papers.get(sitting.id, [])) != drawn.get(bib):
            problems.append(f"{where}: the paper differs from the ledgered draw")
        recorded = handed.get(sitting.id)
        if recorded is None:
            if sitting.handed_in_at is not None:
                problems.append(f"{where}: handed in, but no ledger entry records the answers")
        elif given.get(sitting.id, {}) != recorded["answers"]:
            problems.append(f"{where}: the answers differ from those ledgered at the hand-in")
        marked = marks.get(sitting.id)
        if marked is not None and (earned.get(sitting.id, {}) != marked["points"] or sitting.score != marked["score"]):
            problems.append(f"{where}: the marks differ from the ledgered marking (score {sitting.score} ≠ "
                            f"{marked['score']})")
        elif marked is None and sitting.score is not None:
            problems.append(f"{where}: a score that no ledger entry records")
    return problems
