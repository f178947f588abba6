"""A scorer's pass over paper score sheets from a marks CSV (the scoring engine's columns)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import scoring
from contest.errors import InputError
from contest.events import service as events
from contest.events.models import Entry, Judge
from contest.judging import service as svc


@dataclass
class PassReport:
    waiting: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"accepted: {s}" for s in self.accepted] + [f"waiting for the other pass: {s}" for s in self.waiting]
                + [f"differs from the other pass: {s}" for s in self.mismatches])


async def import_pass(session: AsyncSession, path: Path, event_slug: str, track_slug: str | None, scorer: str,
                      pass_no: int) -> PassReport:
    """Check every sheet in the file first (nothing is written if any is wrong), then enter each."""
    try:
        rows = scoring.read_marks_csv(path)
    except scoring.ScoringError as exc:
        raise InputError(str(exc), "file") from exc
    event = await events.get_event(session, event_slug)
    tracks = await events.list_tracks(session, event)
    if track_slug:
        track = await events.get_track(session, event, track_slug)
    elif len(tracks) == 1:
        track = tracks[0]
    else:
        raise InputError(f"event {event_slug} has {len(tracks)} tracks: name one with --track", "track")
    sheets: dict[tuple[str, str, str], dict[str, object]] = defaultdict(dict)
    for mark in rows:
        sheets[(mark.stage, mark.entry, mark.judge)][mark.criterion] = mark.value
    plan = [await _resolve(session, event.id, track.id, key, marks) for key, marks in sheets.items()]
    report = PassReport()
    for judge, assignment, entry, marks in plan:
        label = f"stage {assignment.stage.key} entry {entry.blind_code} judge {judge.number}"
        outcome = await svc.enter_paper(session, scorer, judge, assignment, entry.id, marks, pass_no)
        {"waiting": report.waiting, "accepted": report.accepted, "mismatch": report.mismatches}[outcome.state].append(
            label + (f" ({'; '.join(outcome.differences)})" if outcome.differences else ""))
    return report


async def _resolve(session: AsyncSession, event_id: int, track_id: int, key: tuple[str, str, str], marks: dict):
    stage_key, code, number = key
    judge = (await session.exec(select(Judge).where(Judge.event_id == event_id, Judge.number == number))).first()
    if judge is None:
        raise InputError(f"judge {number} is not a judge of this event", "judge")
    assignment = next((a for a in await svc.assignments(session, judge)
                       if a.track.id == track_id and a.stage.key == stage_key), None)
    if assignment is None:
        raise InputError(f"judge {number} does not sit on a panel of stage {stage_key}", "stage")
    entry = (await session.exec(select(Entry).where(Entry.track_id == track_id, Entry.blind_code == code))).first()
    if entry is None:
        raise InputError(f"no entry with blind code {code} in this track", "entry")
    try:
        svc.check_marks(assignment.criteria, marks, complete=True, entry=code, judge=number)
    except InputError as exc:
        raise InputError(f"stage {stage_key}: {exc.message}", exc.field) from exc
    return judge, assignment, entry, marks
