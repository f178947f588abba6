"""Theory tests and their papers: a test of a track's theory stage, its blueprint (组卷规则), and
the papers drawn by rule for each contestant from a recorded seed, on the ledger like the blind
codes: anyone holding the seed and the ledgered pool can draw the same papers again."""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db, ledger
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Event, Judge, Panel, Round, Stage, Track
from contest.exams.models import DIFFICULTIES, KINDS, PAPER_MODES, Bank, Exam, PaperItem, Question, Sitting
from contest.exams.questions import parse_points, plain

MARKER_NUMBER, MARKER_NAME = "EXAM", "理论考试平台阅卷"
MAX_QUESTIONS = 300
OPEN_ENTRIES = ("registered", "checked_in")


# --- the blueprint ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How many questions of a kind (and difficulty, and knowledge point, when given) and the
    points each is worth on the paper."""

    kind: str
    difficulty: str
    knowledge: str
    count: int
    points: Decimal

    def takes(self, q: Question) -> bool:
        return q.kind == self.kind and (not self.difficulty or q.difficulty == self.difficulty) and (
            not self.knowledge or q.knowledge == self.knowledge)

    @property
    def label(self) -> str:
        parts = [KINDS[self.kind], DIFFICULTIES.get(self.difficulty, ""), self.knowledge]
        return "·".join(p for p in parts if p)

    def stored(self) -> dict:
        return {"kind": self.kind, "difficulty": self.difficulty, "knowledge": self.knowledge, "count": self.count,
                "points": plain(self.points)}


def parse_blueprint(rows: Sequence[dict]) -> list[Rule]:
    """Rules from the blueprint form or the stored JSON; an empty row is skipped. Errors name the rule."""
    rules = []
    for n, row in enumerate(rows, 1):
        text = {k: str(row.get(k, "") or "").strip() for k in ("kind", "difficulty", "knowledge", "count", "points")}
        if not any(text[k] for k in ("kind", "count", "points")):
            continue
        where = f"第{n}条规则："
        if text["kind"] not in KINDS:
            raise InputError(f"{where}请选择题型", f"kind_{n}")
        if text["difficulty"] and text["difficulty"] not in DIFFICULTIES:
            raise InputError(f"{where}难度取值无效", f"difficulty_{n}")
        if len(text["knowledge"]) > 60:
            raise InputError(f"{where}知识点不能超过60个字", f"knowledge_{n}")
        if not (text["count"].isdigit() and 0 < int(text["count"]) <= MAX_QUESTIONS):
            raise InputError(f"{where}题数应为1–{MAX_QUESTIONS}的整数", f"count_{n}")
        problems: list[tuple[str, str]] = []
        points = parse_points(text["points"], problems, f"points_{n}", "每题分值")
        if problems:
            raise InputError(where + problems[0][1], problems[0][0])
        rules.append(Rule(text["kind"], text["difficulty"], text["knowledge"], int(text["count"]), points))
    if not rules:
        raise InputError("组卷规则至少要有一条", "blueprint")
    if sum(r.count for r in rules) > MAX_QUESTIONS:
        raise InputError(f"一份试卷最多{MAX_QUESTIONS}道题", "blueprint")
    return rules


def total_points(rules: Sequence[Rule]) -> Decimal:
    return sum((r.points * r.count for r in rules), Decimal(0))


def _drawing_order(rules: Sequence[Rule]) -> list[Rule]:
    """The narrowest rules draw first, so a broad rule takes what the narrow ones leave."""
    return sorted(rules, key=lambda r: (not r.difficulty) + (not r.knowledge))


def shortages(rules: Sequence[Rule], pool: Sequence[Question]) -> list[str]:
    """The rules the bank cannot always serve: counted against the worst the rules drawn before
    them can take from their candidates, so that no seed can leave a rule short."""
    problems, before = [], []
    for rule in _drawing_order(rules):
        candidates = {q.id for q in pool if rule.takes(q)}
        worst = sum(min(r.count, len(candidates & ids)) for r, ids in before)
        if len(candidates) - worst < rule.count:
            problems.append(f"{rule.label}：需{rule.count}题，题库中可用{max(0, len(candidates) - worst)}题")
        before.append((rule, candidates))
    return problems


def _rng(seed: str, label: str) -> random.Random:
    """Python's Mersenne Twister seeded from HMAC-SHA256(seed, label): replayable from the seed."""
    return random.Random(int.from_bytes(hmac.new(bytes.fromhex(seed), label.encode(), hashlib.sha256).digest(), "big"))


def select_questions(rules: Sequence[Rule], pool: Sequence[Question],
                     rng: random.Random) -> list[tuple[Question, Decimal]]:
    chosen: list[tuple[Question, Decimal]] = []
    taken: set[int] = set()
    for rule in _drawing_order(rules):
        candidates = sorted((q for q in pool if rule.takes(q) and q.id not in taken), key=lambda q: q.id)
        for q in rng.sample(candidates, rule.count):
            chosen.append((q, rule.points))
            taken.add(q.id)
    return chosen


def arrange(chosen: Sequence[tuple[Question, Decimal]],
            rng: random.Random) -> list[tuple[Question, Decimal, list[int]]]:
    """The paper: questions grouped by kind in the usual order, shuffled within each kind, and each
    choice question's options shuffled."""
    paper = []
    for kind in KINDS:
        group = sorted((c for c in chosen if c[0].kind == kind), key=lambda c: c[0].id)
        rng.shuffle(group)
        for q, points in group:
            order = list(range(len(q.options)))
            rng.shuffle(order)
            paper.append((q, points, order))
    return paper


def draw_paper(seed: str, mode: str, bib: str, rules: Sequence[Rule],
               pool: Sequence[Question]) -> list[tuple[Question, Decimal, list[int]]]:
    """One contestant's paper: drawn for the contestant (or once for all), ordered for the contestant."""
    chosen = select_questions(rules, pool, _rng(seed, "common" if mode == "common" else f"select:{bib}"))
    return arrange(chosen, _rng(seed, f"order:{bib}"))


def paper_digest(items: Sequence[tuple[int, Decimal, Sequence[int]]]) -> str:
    """SHA-256 of a paper as [[question id, points, option order], …] in paper order."""
    body = json.dumps([[qid, plain(points), list(order)] for qid, points, order in items], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


# --- tests ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamInput:
    stage_id: int
    bank_id: int
    name: str
    minutes: int
    mode: str
    blueprint: list[dict]


async def list_exams(session: AsyncSession) -> Sequence[tuple[Exam, Track, Event]]:
    return (await session.exec(select(Exam, Track, Event).join(Track, Track.id == Exam.track_id)
                               .join(Event, Event.id == Track.event_id).order_by(Event.year.desc(), Exam.id))).all()


async def get_exam(session: AsyncSession, exam_id: int) -> Exam:
    return await db.get_or_404(session, Exam, exam_id, "理论考试")


async def exam_context(session: AsyncSession, exam: Exam) -> tuple[Track, Event, Stage, Round]:
    row = (await session.exec(select(Track, Event, Stage, Round).join(Event, Event.id == Track.event_id)
                              .join(Stage, Stage.id == exam.stage_id).join(Round, Round.id == Stage.round_id)
                              .where(Track.id == exam.track_id))).one()
    return row


async def theory_stages(session: AsyncSession) -> Sequence[tuple[Stage, Round, Track, Event]]:
    """Stages a test can feed: a counting measurement criterion, no panel yet, events not over."""
    rows = (await session.exec(
        select(Stage, Round, Track, Event).join(Round, Round.id == Stage.round_id).join(Track).join(Event)
        .where(Event.status.not_in(("published", "closed")), Stage.id.not_in(select(Panel.stage_id)))
        .order_by(Event.id, Track.id, Round.seq, Stage.seq))).all()
    return [row for row in rows if _measured(events.scheme_of(row[1]), row[0].key)]


def _measured(scheme, stage_key: str):
    """The stage's one counting measurement criterion, if the stage is marked by it alone."""
    stage = next(s for s in scheme.stages if s.key == stage_key)
    counting = [c for c in stage.criteria if c.counts]
    if len(counting) == 1 and counting[0].kind == "measurement" and not counting[0].scale:
        return counting[0]
    return None


async def _unused_code(session: AsyncSession) -> str:
    while True:  # six digits, read out in the room; unique among tests not yet over
        code = f"{secrets.randbelow(10**6):06d}"
        if not (await session.exec(select(Exam.id).where(Exam.access_code == code,
                                                         Exam.status.in_(("draft", "drawn", "open"))))).first():
            return code


async def _checked_blueprint(session: AsyncSession, exam_stage: Stage, round_: Round, bank_id: int,
                             rows: Sequence[dict]) -> list[Rule]:
    rules = parse_blueprint(rows)
    criterion = _measured(events.scheme_of(round_), exam_stage.key)
    if criterion is None:
        raise InputError(f"环节“{exam_stage.name}”须只有一个计分的测量类评分项，才能由理论考试给分", "stage_id")
    if total_points(rules) != criterion.max:
        raise InputError(f"试卷总分{plain(total_points(rules))}分，应等于评分项“{criterion.name}”的满分"
                         f"{plain(criterion.max)}分", "blueprint")
    if criterion.step and any(r.points % criterion.step for r in rules):
        raise InputError(f"每题分值应为{plain(criterion.step)}的整数倍（评分项的步长）", "blueprint")
    short = shortages(rules, await _pool(session, bank_id))
    if short:
        raise InputError("题库中的题目不够按规则组卷：" + "；".join(short), "blueprint")
    return rules


async def _pool(session: AsyncSession, bank_id: int) -> Sequence[Question]:
    return (await session.exec(select(Question).where(Question.bank_id == bank_id, Question.current,
                                                      Question.retired.is_(False)).order_by(Question.id))).all()


async def create_exam(session: AsyncSession, data: ExamInput, actor: str) -> Exam:
    """A test of a theory stage. The event's platform marker becomes the stage's only panel (and
    its chief), so the test's marks reach results through the judges' path."""
    stage = await db.get_or_404(session, Stage, data.stage_id, "环节")
    round_ = await session.get(Round, stage.round_id)
    track = await session.get(Track, round_.track_id)
    await db.get_or_404(session, Bank, data.bank_id, "题库")
    name = data.name.strip()
    if not name or len(name) > 80:
        raise InputError("考试名称不能为空，且不超过80个字", "name")
    if not 5 <= data.minutes <= 300:
        raise InputError("考试时长应为5–300分钟", "minutes")
    if data.mode not in PAPER_MODES:
        raise InputError("组卷方式取值无效", "mode")
    if (await session.exec(select(Panel.id).where(Panel.stage_id == stage.id))).first():
        raise InputError(f"环节“{stage.name}”已有裁判组，不能再由理论考试给分", "stage_id")
    rules = await _checked_blueprint(session, stage, round_, data.bank_id, data.blueprint)
    marker = await _marker(session, track.event_id)
    exam = Exam(track_id=track.id, stage_id=stage.id, criterion=_measured(events.scheme_of(round_), stage.key).key,
                bank_id=data.bank_id, name=name, minutes=data.minutes, mode=data.mode,
                blueprint=[r.stored() for r in rules], access_code=await _unused_code(session), created_by=actor)
    session.add(exam)
    await session.flush()
    await events.create_panel(session, stage, "理论考试（平台阅卷）", [marker.id], marker.id)  # commits
    return exam


async def _marker(session: AsyncSession, event_id: int) -> Judge:
    """The event's platform marker, made once."""
    marker = (await session.exec(select(Judge).where(Judge.event_id == event_id, Judge.platform))).first()
    if marker is None:
        marker = Judge(event_id=event_id, number=MARKER_NUMBER, name=MARKER_NAME, platform=True)
        session.add(marker)
        await session.flush()
    return marker


async def marker_of(session: AsyncSession, event_id: int) -> Judge:
    marker = (await session.exec(select(Judge).where(Judge.event_id == event_id, Judge.platform))).first()
    if marker is None:
        raise NotFound("理论考试阅卷")
    return marker


async def set_blueprint(session: AsyncSession, exam: Exam, rows: Sequence[dict], minutes: int, mode: str) -> Exam:
    """Change the rules (and length, mode) while no paper is drawn."""
    if exam.status != "draft":
        raise Conflict("已组卷的考试不能修改组卷规则；如需修改，请先撤销组卷")
    if not 5 <= minutes <= 300:
        raise InputError("考试时长应为5–300分钟", "minutes")
    if mode not in PAPER_MODES:
        raise InputError("组卷方式取值无效", "mode")
    track, event, stage, round_ = await exam_context(session, exam)
    exam.blueprint = [r.stored() for r in await _checked_blueprint(session, stage, round_, exam.bank_id, rows)]
    exam.minutes, exam.mode = minutes, mode
    session.add(exam)
    await session.commit()
    return exam


async def draw_papers(session: AsyncSession, exam: Exam, actor: str, seed: str | None = None) -> int:
    """Draw every contestant's paper by the blueprint from a recorded seed and put the draw on the
    ledger (the seed, the pool of questions it drew from and each paper's digest), in one
    transaction. A test whose papers no one has opened may be drawn again."""
    exam = (await session.exec(select(Exam).where(Exam.id == exam.id).with_for_update())).one()
    if exam.status not in ("draft", "drawn"):
        raise Conflict("考试已开始，不能重新组卷")
    if (await session.exec(select(Sitting.id).where(Sitting.exam_id == exam.id,
                                                    Sitting.signed_in_at.is_not(None)))).first():
        raise Conflict("已有考生登录，不能重新组卷")
    track, event, stage, round_ = await exam_context(session, exam)
    entries = (await session.exec(select(Entry).where(Entry.track_id == track.id, Entry.status.in_(OPEN_ENTRIES))
                                  .order_by(Entry.bib))).all()
    if not entries:
        raise InputError("本赛项还没有可参加考试的选手", "exam")
    if any(e.blind_code is None for e in entries):
        raise InputError("请先为本赛项抽签（加密号），再组卷", "exam")
    rules = parse_blueprint(exam.blueprint)
    pool = await _pool(session, exam.bank_id)
    short = shortages(rules, pool)
    if short:
        raise InputError("题库中的题目不够按规则组卷：" + "；".join(short), "blueprint")
    seed = seed or secrets.token_hex(16)
    await _discard_papers(session, exam)
    papers = {e.bib: draw_paper(seed, exam.mode, e.bib, rules, pool) for e in entries}
    sitting_ids = dict(await db.insert_many(session, Sitting, [
        {"exam_id": exam.id, "entry_id": e.id, "state": "ready", "device_label": "", "extra_minutes": 0,
         "handed_in_by": ""} for e in entries], returning=("entry_id", "id")))
    await db.insert_many(session, PaperItem, [
        {"sitting_id": sitting_ids[e.id], "position": n, "question_id": q.id, "points": points, "option_order": order}
        for e in entries for n, (q, points, order) in enumerate(papers[e.bib], 1)])
    exam.seed, exam.status = seed, "drawn"
    session.add(exam)
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="exam.draw",
                        subject=f"exam:{exam.id}", payload={
                            "seed": seed, "mode": exam.mode, "blueprint": exam.blueprint,
                            "pool": [q.id for q in pool],
                            "papers": {bib: paper_digest([(q.id, p, o) for q, p, o in paper])
                                       for bib, paper in papers.items()}})
    await session.commit()
    return len(entries)


async def _discard_papers(session: AsyncSession, exam: Exam) -> None:
    sittings = select(Sitting.id).where(Sitting.exam_id == exam.id)
    await session.exec(delete(PaperItem).where(PaperItem.sitting_id.in_(sittings)))
    await session.exec(delete(Sitting).where(Sitting.exam_id == exam.id))


async def undo_draw(session: AsyncSession, exam: Exam, actor: str) -> Exam:
    """Back to the blueprint (to change it) while no one has signed in; ledgered."""
    exam = (await session.exec(select(Exam).where(Exam.id == exam.id).with_for_update())).one()
    if exam.status != "drawn":
        raise Conflict("只有已组卷、未开考的考试可以撤销组卷")
    if (await session.exec(select(Sitting.id).where(Sitting.exam_id == exam.id,
                                                    Sitting.signed_in_at.is_not(None)))).first():
        raise Conflict("已有考生登录，不能撤销组卷")
    await _discard_papers(session, exam)
    exam.status, exam.seed = "draft", None
    session.add(exam)
    track = await session.get(Track, exam.track_id)
    await ledger.append(session, event_id=track.event_id, actor=actor, device="", action="exam.undraw",
                        subject=f"exam:{exam.id}", payload={})
    await session.commit()
    return exam


async def paper_counts(session: AsyncSession, exam: Exam) -> dict[str, int]:
    rows = (await session.exec(select(Sitting.state, func.count()).where(Sitting.exam_id == exam.id)
                               .group_by(Sitting.state))).all()
    return dict(rows)


def deadline_of(exam: Exam, sitting: Sitting):
    """When this contestant's test ends: the test's end, plus any time the invigilator added."""
    return exam.ends_at + timedelta(minutes=sitting.extra_minutes) if exam.ends_at else None
