"""Marking a test: the platform marks what it can the moment a paper is handed in; fill-in
answers only a person can judge go to two markers who must agree (as two scorers over a paper
sheet); a paper's score becomes the theory stage's measured mark, written by the event's platform
marker through the judges' path (ledgered, recomputed by the engine). Then the organiser confirms
the results, which signs the stage off."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, scoring
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events.models import Entry, Event, Stage, Track
from contest.exams.models import Answer, Exam, FillMark, PaperItem, Question, Sitting
from contest.exams.questions import LETTERS, Key, answer_text, mark, parse_points, plain, shown
from contest.exams.service.papers import OPEN_ENTRIES, exam_context, marker_of
from contest.judging import service as judging
from contest.judging.models import Result
from contest.people.identity import id_hash, validate_id_number
from contest.people.models import Person, Unit

PLATFORM = "platform"

_SET_POINTS = text("""
    update answer set points = marked.points, marked_by = marked.by
    from unnest(cast(:positions as integer[]), cast(:points as numeric[]), cast(:bys as varchar[]))
         as marked (position, points, by)
    where answer.sitting_id = :sitting and answer.position = marked.position""")


async def _paper(session: AsyncSession, sitting_id: int) -> Sequence[tuple[PaperItem, Question, Answer | None]]:
    return (await session.exec(
        select(PaperItem, Question, Answer).join(Question, Question.id == PaperItem.question_id)
        .outerjoin(Answer, (Answer.sitting_id == PaperItem.sitting_id) & (Answer.position == PaperItem.position))
        .where(PaperItem.sitting_id == sitting_id).order_by(PaperItem.position))).all()


def key_of(q: Question) -> Key:
    return Key(q.kind, q.answer, q.manual)


async def mark_paper(session: AsyncSession, exam: Exam, sitting: Sitting) -> None:
    """Mark every answer the platform can; finish the paper unless some wait for markers. Commits."""
    marked = []
    for item, q, answer in await _paper(session, sitting.id):
        if answer is not None:
            points = mark(key_of(q), answer.response, item.points)
            if points is not None:
                marked.append((answer.position, points))
    connection = await session.connection()
    await connection.execute(_SET_POINTS, {"sitting": sitting.id, "positions": [p for p, _ in marked],
                                           "points": [v for _, v in marked], "bys": [PLATFORM] * len(marked)})
    if await _pending(session, sitting.id):
        await session.commit()
        return
    await finish(session, exam, sitting)


async def _pending(session: AsyncSession, sitting_id: int) -> int:
    rows = await session.exec(select(Answer.position).where(Answer.sitting_id == sitting_id, Answer.points.is_(None)))
    return len(rows.all())


async def finish(session: AsyncSession, exam: Exam, sitting: Sitting) -> None:
    """Every answer marked: the score is the sum of their points (a question left blank earns
    nothing); ledgered with each place's points, then written as the stage's measured mark. Commits."""
    answers = (await session.exec(select(Answer).where(Answer.sitting_id == sitting.id).order_by(Answer.position)
                                  .execution_options(populate_existing=True))).all()  # marked in SQL just now
    score = sum((a.points for a in answers), Decimal(0))
    sitting.score = plain(score)
    if sitting.state != "absent":
        sitting.state = "marked"
    session.add(sitting)
    entry = await session.get(Entry, sitting.entry_id)
    track = await session.get(Track, exam.track_id)
    await ledger.append(session, event_id=track.event_id, actor=PLATFORM, device="", action="exam.marks",
                        subject=f"sitting:{sitting.id}", payload={
                            "entry": entry.bib, "score": plain(score),
                            "points": {str(a.position): plain(a.points) for a in answers},
                            "manual": {str(a.position): a.marked_by for a in answers if a.marked_by != PLATFORM}})
    if entry.status not in OPEN_ENTRIES:  # withdrawn meanwhile: the paper is kept, no mark counts
        await session.commit()
        return
    marker = await marker_of(session, track.event_id)
    await judging.write_sheet(session, judging.SheetInput(  # commits
        marker.id, track.event_id, exam.stage_id, entry.id, {exam.criterion: plain(score)}, base_version=0,
        submit=True, key=f"exam-{exam.id}-sitting-{sitting.id}", device=f"exam:{exam.id}",
        actor=judging.actor_of(marker)))


# --- fill-in answers marked by two people ------------------------------------------------------------


@dataclass
class QueueItem:
    sitting_id: int
    position: int
    response: str
    points: Decimal
    passes: dict[int, FillMark] = field(default_factory=dict)

    def mine(self, marker: str) -> FillMark | None:
        return next((p for p in self.passes.values() if p.marker == marker), None)

    @property
    def mismatch(self) -> bool:
        return len(self.passes) == 2 and self.passes[1].points != self.passes[2].points


@dataclass
class QueueQuestion:
    question: Question
    items: list[QueueItem]


async def fill_queue(session: AsyncSession, exam: Exam) -> list[QueueQuestion]:
    """The answers waiting for markers, by question; papers are named by number only."""
    rows = (await session.exec(
        select(Answer, PaperItem, Question).join(PaperItem, (PaperItem.sitting_id == Answer.sitting_id)
                                                 & (PaperItem.position == Answer.position))
        .join(Question, Question.id == PaperItem.question_id).join(Sitting, Sitting.id == Answer.sitting_id)
        .where(Sitting.exam_id == exam.id, Answer.points.is_(None)).order_by(Question.id, Answer.sitting_id))).all()
    passes = (await session.exec(select(FillMark).join(Sitting, Sitting.id == FillMark.sitting_id)
                                 .where(Sitting.exam_id == exam.id))).all()
    by_place = {}
    for p in passes:
        by_place.setdefault((p.sitting_id, p.position), {})[p.pass_no] = p
    grouped: dict[int, QueueQuestion] = {}
    for answer, item, q in rows:
        grouped.setdefault(q.id, QueueQuestion(q, [])).items.append(QueueItem(
            answer.sitting_id, answer.position, answer.response, item.points,
            by_place.get((answer.sitting_id, answer.position), {})))
    return list(grouped.values())


@dataclass(frozen=True)
class FillOutcome:
    state: str  # waiting (one mark so far), mismatch, accepted
    other: str | None = None  # the other marker's points, on a mismatch


async def mark_fill(session: AsyncSession, exam: Exam, sitting_id: int, position: int, marker: str,
                    points_text: str) -> FillOutcome:
    """One marker's mark of an answer waiting in the queue. A marker may change their own mark;
    when two different markers' marks agree the answer has its points, and a paper with no answer
    left waiting is finished."""
    sitting = (await session.exec(select(Sitting).where(Sitting.id == sitting_id, Sitting.exam_id == exam.id)
                                  .with_for_update())).first()
    answer = await session.get(Answer, (sitting_id, position)) if sitting else None
    if answer is None or sitting.state != "marking":
        raise NotFound("待评阅的答案")
    if answer.points is not None:
        raise Conflict("该答案已评定")
    item = (await session.exec(select(PaperItem).where(PaperItem.sitting_id == sitting_id,
                                                       PaperItem.position == position))).one()
    problems: list[tuple[str, str]] = []
    points = Decimal(0) if points_text.strip() == "0" else parse_points(points_text, problems, "points", "得分")
    if problems:
        raise InputError(problems[0][1], "points")
    if points > item.points:
        raise InputError(f"得分不能超过本题分值{plain(item.points)}分", "points")
    passes = {p.pass_no: p for p in (await session.exec(select(FillMark).where(
        FillMark.sitting_id == sitting_id, FillMark.position == position))).all()}
    mine = next((n for n, p in passes.items() if p.marker == marker), None)
    pass_no = mine or (1 if 1 not in passes else 2 if 2 not in passes else None)
    if pass_no is None:
        raise Conflict("该答案已由两名阅卷员评分；如两人评分不一致，请由其中一人修改")
    values = {"sitting_id": sitting_id, "position": position, "pass_no": pass_no, "marker": marker,
              "points": points, "at": utcnow()}
    await session.exec(insert(FillMark).values(**values).on_conflict_do_update(
        index_elements=["sitting_id", "position", "pass_no"], set_=values))
    other = passes.get(3 - pass_no)
    if other is None:
        await session.commit()
        return FillOutcome("waiting")
    if other.points != points:
        await session.commit()
        return FillOutcome("mismatch", plain(other.points))
    answer.points, answer.marked_by = points, f"{other.marker}+{marker}"
    session.add(answer)
    await session.flush()
    if await _pending(session, sitting_id):
        await session.commit()
    else:
        await finish(session, exam, sitting)
    return FillOutcome("accepted")


# --- results ----------------------------------------------------------------------------------------


async def confirm(session: AsyncSession, exam: Exam, actor: str) -> Exam:
    """确认成绩: every paper is in and marked; the stage is signed off by the platform marker (its
    only panel), on the organiser's word, both on the ledger."""
    exam = (await session.exec(select(Exam).where(Exam.id == exam.id).with_for_update())).one()
    if exam.status != "closed":
        raise Conflict("考试收卷后才能确认成绩")
    open_papers = (await session.exec(select(Sitting.id).where(Sitting.exam_id == exam.id,
                                                              Sitting.state.not_in(("marked", "absent"))))).all()
    if open_papers:
        raise Conflict(f"还有 {len(open_papers)} 份试卷未阅完（人工阅卷）")
    track, event, stage, round_ = await exam_context(session, exam)
    marker = await marker_of(session, event.id)
    seat = await judging.assignment(session, marker, stage.id)
    exam.status = "confirmed"
    session.add(exam)
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="exam.confirm",
                        subject=f"exam:{exam.id}", payload={"stage": stage.key, "track": track.slug})
    await judging.sign_off(session, marker, seat)  # commits
    return exam


@dataclass(frozen=True)
class PaperLine:
    """One place on a paper as marked: the question, what was answered and what it earned, in
    the letters the contestant saw."""

    position: int
    question: Question
    points: Decimal
    shown_options: list[tuple[str, str]]  # (letter shown, text)
    response: str  # as shown
    answer: str  # the key, as shown
    earned: Decimal | None
    marked_by: str


async def paper_lines(session: AsyncSession, sitting: Sitting) -> list[PaperLine]:
    lines = []
    for item, q, a in await _paper(session, sitting.id):
        order = item.option_order
        unanswered = Decimal(0) if sitting.state in ("marked", "absent") else None
        lines.append(PaperLine(
            item.position, q, item.points, [(LETTERS[i], q.options[o]) for i, o in enumerate(order)],
            shown(a.response, q.kind, order) if a else "", shown(answer_text(q.kind, q.answer), q.kind, order),
            a.points if a else unanswered, a.marked_by if a else ""))
    return lines


async def entry_explanation(session: AsyncSession, exam: Exam, sitting: Sitting) -> str:
    """The engine's score sheet of the entry in the round (the theory stage shows the paper's mark)."""
    track, event, stage, round_ = await exam_context(session, exam)
    bib = (await session.exec(select(Entry.bib).where(Entry.id == sitting.entry_id))).one()
    result = next((r for r in await judging.compute_round(session, round_) if r.entry == bib), None)
    return scoring.explain_text(result) if result else ""


# --- item analysis ----------------------------------------------------------------------------------

GROUP_SHARE = Decimal("0.27")  # Kelley's upper and lower groups


@dataclass
class ItemFigures:
    question: Question
    takers: int
    difficulty: Decimal | None  # P: the share of the points earned
    discrimination: Decimal | None  # D: P of the top 27% of papers minus P of the bottom 27%
    choices: list[tuple[str, int, bool]]  # (option or answer given, how many, is it right)
    blank: int


async def item_analysis(session: AsyncSession, exam: Exam) -> list[ItemFigures]:
    """After the test: for each question, how hard it was, how well it told strong papers from weak
    ones, and what was chosen (a distractor nobody picks, or the strong papers pick, shows)."""
    sittings = (await session.exec(select(Sitting).where(Sitting.exam_id == exam.id, Sitting.state == "marked")
                                   .order_by(Sitting.id))).all()
    ranked = sorted(sittings, key=lambda s: (Decimal(s.score), s.id))
    size = int((len(ranked) * GROUP_SHARE).to_integral_value()) if ranked else 0
    lower, upper = {s.id for s in ranked[:size]}, {s.id for s in ranked[len(ranked) - size:]} if size else set()
    rows = (await session.exec(
        select(PaperItem, Question, Answer).join(Question, Question.id == PaperItem.question_id)
        .outerjoin(Answer, (Answer.sitting_id == PaperItem.sitting_id) & (Answer.position == PaperItem.position))
        .where(PaperItem.sitting_id.in_([s.id for s in sittings] or [-1])))).all()
    by_question: dict[int, list] = {}
    for item, q, a in rows:
        by_question.setdefault(q.id, []).append((item, q, a))
    return [_figures(group, lower, upper) for group in sorted(by_question.values(), key=lambda g: g[0][1].code)]


def _share(group: list) -> Decimal | None:
    possible = sum((item.points for item, _, _ in group), Decimal(0))
    earned = sum((a.points for _, _, a in group if a is not None and a.points is not None), Decimal(0))
    return (earned / possible).quantize(Decimal("0.01")) if possible else None


def _figures(group: list, lower: set[int], upper: set[int]) -> ItemFigures:
    q = group[0][1]
    given = [a.response for _, _, a in group if a is not None and a.response]
    high = _share([g for g in group if g[0].sitting_id in upper])
    low = _share([g for g in group if g[0].sitting_id in lower])
    if q.kind in ("single", "multiple"):
        counts = Counter(letter for response in given for letter in response)
        choices = [(f"{LETTERS[i]}. {text}", counts[LETTERS[i]], LETTERS[i] in q.answer)
                   for i, text in enumerate(q.options)]
    elif q.kind == "truefalse":
        counts = Counter(given)
        choices = [(word, counts[word], word in q.answer) for word in ("对", "错")]
    else:
        choices = [(response, n, mark(key_of(q), response, Decimal(1)) == 1)
                   for response, n in Counter(given).most_common(8)]
    return ItemFigures(q, len(group), _share(group), high - low if high is not None and low is not None else None,
                       choices, len(group) - len(given))


async def stage_results(session: AsyncSession, exam: Exam) -> dict[int, Result]:
    """The stored results of the test's round by entry id (what the engine made of the marks)."""
    stage = await session.get(Stage, exam.stage_id)
    rows = (await session.exec(select(Result).where(Result.round_id == stage.round_id))).all()
    return {r.entry_id: r for r in rows}


async def who(session: AsyncSession, sitting: Sitting) -> tuple[str, str, str]:
    """(bib, name, unit) of a paper, for the organiser's pages."""
    bib, name, unit = (await session.exec(
        select(Entry.bib, Person.name, Unit.name).outerjoin(Person, Person.id == Entry.person_id)
        .outerjoin(Unit, Unit.id == Entry.unit_id).where(Entry.id == sitting.entry_id))).one()
    return bib, name or "", unit or ""


async def review(session: AsyncSession, bib: str, id_number: str, key: bytes) -> list[tuple[Exam, Sitting]]:
    """A contestant's own papers of confirmed tests whose event's results are published, found by
    admission number and ID number (which is kept only as a keyed hash)."""
    problem = validate_id_number(id_number)
    if problem:
        raise InputError(f"身份证号{problem}", "id_number")
    rows = (await session.exec(
        select(Exam, Sitting).join(Sitting, Sitting.exam_id == Exam.id).join(Entry, Entry.id == Sitting.entry_id)
        .join(Person, Person.id == Entry.person_id).join(Track, Track.id == Exam.track_id)
        .join(Event, Event.id == Track.event_id)
        .where(Entry.bib == bib.strip(), Person.id_hash == id_hash(id_number, key), Exam.status == "confirmed",
               Event.status.in_(("published", "closed"))).order_by(Exam.id))).all()
    if not rows:
        raise InputError("未查到可查看的答卷：请核对准考证号和身份证号；成绩公示后才能查看答卷", "bib")
    return list(rows)
