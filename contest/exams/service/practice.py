"""网上练兵: practice sets anyone may open on a phone (explanations after each answer), timed quiz
campaigns (答题活动) for workers with a light account (name, unit, phone kept private) and their
leaderboards by unit and county, and the participation they add to the union's figures."""
from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Integer, cast, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.exams.models import SET_KINDS, Attempt, AttemptAnswer, Bank, Learner, PracticeSet, Question
from contest.exams.questions import Key, mark, normalise_response
from contest.people.identity import mask_phone, phone_hash, validate_phone
from contest.people.models import Area, Unit

LOCAL_TIME = "Asia/Shanghai"  # years of participation are counted in China Standard Time
MAX_SET_QUESTIONS = 200


# --- light accounts ----------------------------------------------------------------------------------


async def register(session: AsyncSession, name: str, unit_id: int | None, phone: str, key: bytes) -> Learner:
    """Name, unit and phone. The phone is kept only as a keyed hash (the same phone registering again
    is the same worker, who may have changed name or unit) and a masked form."""
    name = "".join(name.split())
    if not 2 <= len(name) <= 30:
        raise InputError("请填写姓名（2–30个字）", "name")
    if unit_id is None or await session.get(Unit, unit_id) is None:
        raise InputError("请选择工作单位", "unit_id")
    problem = validate_phone(phone)
    if problem:
        raise InputError(problem, "phone")
    hashed = phone_hash(phone, key)
    learner = (await session.exec(select(Learner).where(Learner.phone_hash == hashed))).first()
    if learner is None:
        learner = Learner(phone_hash=hashed, phone_masked=mask_phone(phone), token=secrets.token_urlsafe(24),
                          name=name, unit_id=unit_id)
    learner.name, learner.unit_id = name, unit_id
    session.add(learner)
    await session.commit()
    return learner


async def learner_by_token(session: AsyncSession, token: str | None) -> Learner | None:
    if not token:
        return None
    return (await session.exec(select(Learner).where(Learner.token == token))).first()


# --- sets and campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetInput:
    kind: str
    bank_id: int
    title: str
    description: str = ""
    count: int = 20  # questions in the set (a campaign's pool)
    question_kind: str = ""  # draw only this kind …
    knowledge: str = ""  # … or knowledge point
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minutes: int | None = None
    per_attempt: int | None = None
    max_attempts: int | None = None


async def create_set(session: AsyncSession, data: SetInput) -> PracticeSet:
    """A practice set or quiz campaign of questions drawn from a bank (those the platform can mark)."""
    if data.kind not in SET_KINDS:
        raise InputError("类型取值无效", "kind")
    title = data.title.strip()
    if not title or len(title) > 80:
        raise InputError("标题不能为空，且不超过80个字", "title")
    await db.get_or_404(session, Bank, data.bank_id, "题库")
    if not 1 <= data.count <= MAX_SET_QUESTIONS:
        raise InputError(f"题目数量应为1–{MAX_SET_QUESTIONS}", "count")
    stmt = select(Question.code).where(Question.bank_id == data.bank_id, Question.current,
                                       Question.retired.is_(False), Question.manual.is_(False))
    if data.question_kind:
        stmt = stmt.where(Question.kind == data.question_kind)
    if data.knowledge:
        stmt = stmt.where(Question.knowledge == data.knowledge)
    codes = sorted((await session.exec(stmt)).all())
    if len(codes) < data.count:
        raise InputError(f"题库中符合条件的题目只有{len(codes)}道", "count")
    chosen = sorted(random.Random(secrets.randbits(64)).sample(codes, data.count))
    the_set = PracticeSet(kind=data.kind, bank_id=data.bank_id, title=title, description=data.description.strip()[:400],
                          codes=chosen)
    if data.kind == "quiz":
        _check_campaign(data)
        the_set.starts_at, the_set.ends_at = data.starts_at, data.ends_at
        the_set.minutes, the_set.per_attempt, the_set.max_attempts = data.minutes, data.per_attempt, data.max_attempts
    session.add(the_set)
    await session.commit()
    return the_set


def _check_campaign(data: SetInput) -> None:
    if data.starts_at is None or data.ends_at is None or data.ends_at <= data.starts_at:
        raise InputError("请填写答题活动的开始和结束时间（结束晚于开始）", "ends_at")
    if data.minutes is None or not 1 <= data.minutes <= 120:
        raise InputError("每次答题限时应为1–120分钟", "minutes")
    if data.per_attempt is None or not 1 <= data.per_attempt <= data.count:
        raise InputError(f"每次答题题数应为1–{data.count}", "per_attempt")
    if data.max_attempts is None or not 1 <= data.max_attempts <= 10:
        raise InputError("每人答题次数应为1–10", "max_attempts")


async def set_published(session: AsyncSession, the_set: PracticeSet, published: bool) -> PracticeSet:
    the_set.published = published
    session.add(the_set)
    await session.commit()
    return the_set


async def get_set(session: AsyncSession, set_id: int, public: bool = False) -> PracticeSet:
    the_set = await db.get_or_404(session, PracticeSet, set_id, "练习")
    if public and not the_set.published:
        raise NotFound("练习")
    return the_set


async def list_sets(session: AsyncSession, public: bool = False) -> Sequence[PracticeSet]:
    stmt = select(PracticeSet).order_by(PracticeSet.kind.desc(), PracticeSet.id.desc())
    if public:
        stmt = stmt.where(PracticeSet.published)
    return (await session.exec(stmt)).all()


def campaign_state(the_set: PracticeSet, now: datetime | None = None) -> str:
    """未开始, 进行中 or 已结束 for a campaign; always 可练习 for a practice set."""
    if the_set.kind != "quiz":
        return "可练习"
    now = now or utcnow()
    return "未开始" if now < the_set.starts_at else "已结束" if now >= the_set.ends_at else "进行中"


# --- attempts -----------------------------------------------------------------------------------------


async def _current_questions(session: AsyncSession, the_set: PracticeSet) -> list[Question]:
    """The set's questions as the bank has them now (a corrected question shows corrected)."""
    rows = (await session.exec(select(Question).where(Question.bank_id == the_set.bank_id, Question.current,
                                                      Question.retired.is_(False),
                                                      Question.code.in_(the_set.codes)))).all()
    by_code = {q.code: q for q in rows}
    return [by_code[c] for c in the_set.codes if c in by_code]


async def start(session: AsyncSession, the_set: PracticeSet, learner: Learner | None) -> Attempt:
    """A new go at a set: the practice in the set's order; a campaign's questions drawn afresh,
    against its clock, for a registered worker within the attempts allowed."""
    questions = await _current_questions(session, the_set)
    now = utcnow()
    deadline = None
    if the_set.kind == "quiz":
        if learner is None:
            raise InputError("参加答题活动请先登记姓名、单位和手机号", "learner")
        if campaign_state(the_set, now) != "进行中":
            raise Conflict(f"答题活动{campaign_state(the_set, now)}")
        taken = (await session.exec(select(func.count()).select_from(Attempt).where(
            Attempt.set_id == the_set.id, Attempt.learner_id == learner.id))).one()
        if taken >= the_set.max_attempts:
            raise Conflict(f"每人最多答题{the_set.max_attempts}次，您的次数已用完")
        questions = random.Random(secrets.randbits(64)).sample(questions, min(the_set.per_attempt, len(questions)))
        deadline = min(now + timedelta(minutes=the_set.minutes), the_set.ends_at)
    if not questions:
        raise Conflict("本练习暂无题目")
    unit = await session.get(Unit, learner.unit_id) if learner else None
    attempt = Attempt(set_id=the_set.id, learner_id=learner.id if learner else None, unit_id=unit.id if unit else None,
                      area_id=unit.area_id if unit else None, token=secrets.token_urlsafe(16),
                      question_ids=[q.id for q in questions], started_at=now, deadline=deadline)
    session.add(attempt)
    await session.commit()
    return attempt


async def attempt_by_token(session: AsyncSession, token: str) -> tuple[Attempt, PracticeSet]:
    row = (await session.exec(select(Attempt, PracticeSet).join(PracticeSet, PracticeSet.id == Attempt.set_id)
                              .where(Attempt.token == token))).first()
    if row is None:
        raise NotFound("答题记录")
    attempt, the_set = row
    if the_set.kind == "quiz" and attempt.finished_at is None and utcnow() >= attempt.deadline:
        await finish(session, attempt)  # the clock ran out while the phone was away
    return attempt, the_set


async def attempt_view(session: AsyncSession, attempt: Attempt) -> tuple[list[Question], dict[int, AttemptAnswer]]:
    questions = {q.id: q for q in (await session.exec(select(Question).where(
        Question.id.in_(attempt.question_ids)))).all()}
    answers = {a.question_id: a for a in (await session.exec(select(AttemptAnswer).where(
        AttemptAnswer.attempt_id == attempt.id))).all()}
    return [questions[i] for i in attempt.question_ids], answers


async def answer(session: AsyncSession, attempt: Attempt, the_set: PracticeSet, question_id: int,
                 response: str) -> AttemptAnswer:
    """An answer, marked at once and kept; answering a question again keeps the first answer."""
    if question_id not in attempt.question_ids:
        raise NotFound("题目")
    locked = (await session.exec(select(Attempt).where(Attempt.id == attempt.id).with_for_update())).one()
    given = await session.get(AttemptAnswer, (attempt.id, question_id))
    if given is not None:
        await session.commit()  # nothing written: the locks go, what was read stays readable
        return given
    if locked.finished_at is not None:
        raise Conflict("本次答题已结束")
    if the_set.kind == "quiz" and utcnow() >= locked.deadline:
        raise Conflict("答题时间已到")
    question = await session.get(Question, question_id)
    try:
        response = normalise_response(question.kind, len(question.options), response)
    except ValueError as exc:
        raise InputError(str(exc), "response") from None
    if not response:
        raise InputError("请先作答", "response")
    points = mark(Key(question.kind, question.answer, False), response, question.points)
    given = AttemptAnswer(attempt_id=attempt.id, question_id=question_id, response=response,
                          correct=points == question.points, points=points)
    locked.answered += 1
    locked.correct += given.correct
    locked.score += points
    if the_set.kind == "practice" and locked.answered == len(locked.question_ids):
        locked.finished_at = utcnow()
    session.add_all([given, locked])
    await session.commit()
    return given


async def finish(session: AsyncSession, attempt: Attempt) -> Attempt:
    locked = (await session.exec(select(Attempt).where(Attempt.id == attempt.id).with_for_update())).one()
    if locked.finished_at is None:
        locked.finished_at = min(utcnow(), locked.deadline) if locked.deadline else utcnow()
        session.add(locked)
    await session.commit()
    return locked


async def my_attempts(session: AsyncSession, learner: Learner) -> Sequence[tuple[Attempt, PracticeSet]]:
    return (await session.exec(select(Attempt, PracticeSet).join(PracticeSet, PracticeSet.id == Attempt.set_id)
                               .where(Attempt.learner_id == learner.id).order_by(Attempt.id.desc()))).all()


# --- leaderboards and participation ----------------------------------------------------------------------

COUNTED = Attempt.answered > 0  # an attempt is one 人次 once it has an answer


@dataclass(frozen=True)
class BoardRow:
    name: str  # a worker's masked name, a unit or a county
    unit: str
    people: int
    attempts: int
    score: Decimal  # a worker's best; a unit's or county's mean of its workers' bests


def mask_name(name: str) -> str:
    """王建华 → 王*华, 李芳 → 李*: enough for a worker to find themselves, not to expose others."""
    return name[0] + "*" if len(name) <= 2 else name[0] + "*" * (len(name) - 2) + name[-1]


async def leaderboard(session: AsyncSession, the_set: PracticeSet) -> dict[str, list[BoardRow]]:
    """Workers by their best score (then the quicker go), units and counties by how many of their
    workers took part, then by the mean of those workers' best scores."""
    taken = func.extract("epoch", Attempt.finished_at - Attempt.started_at)
    best = (select(Attempt.learner_id, Attempt.unit_id, Attempt.area_id, Attempt.score, taken.label("seconds"),
                   func.row_number().over(partition_by=Attempt.learner_id,
                                          order_by=(Attempt.score.desc(), taken, Attempt.id)).label("n"))
            .where(Attempt.set_id == the_set.id, COUNTED, Attempt.learner_id.is_not(None)).subquery())
    counts = (select(Attempt.learner_id, func.count().label("attempts"))
              .where(Attempt.set_id == the_set.id, COUNTED).group_by(Attempt.learner_id).subquery())
    rows = (await session.exec(
        select(Learner.name, Unit.name, Area.name, best.c.score, counts.c.attempts)
        .select_from(best).join(Learner, Learner.id == best.c.learner_id).join(Unit, Unit.id == best.c.unit_id)
        .outerjoin(Area, Area.id == best.c.area_id).join(counts, counts.c.learner_id == best.c.learner_id)
        .where(best.c.n == 1).order_by(best.c.score.desc(), best.c.seconds, best.c.learner_id))).all()
    people = [BoardRow(mask_name(name), unit, 1, attempts, score) for name, unit, _, score, attempts in rows]
    return {"people": people[:50], "units": _groups(rows, 1), "areas": _groups(rows, 2)}


def _groups(rows: Sequence, column: int) -> list[BoardRow]:
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row[column] or "未填", []).append(row)
    out = [BoardRow(name, "", len(members), sum(m[4] for m in members),
                    (sum((m[3] for m in members), Decimal(0)) / len(members)).quantize(Decimal("0.01")))
           for name, members in groups.items()]
    return sorted(out, key=lambda r: (-r.people, -r.score, r.name))


@dataclass(frozen=True)
class Participation:
    """网上练兵 and 答题 in a year: 人次 (attempts with an answer), workers and units reached."""

    practice_times: int
    quiz_times: int
    people: int  # registered workers who took part
    unit_ids: frozenset[int]
    by_area: dict[str, int]  # 人次 by county

    @property
    def times(self) -> int:
        return self.practice_times + self.quiz_times

    @property
    def units(self) -> int:
        return len(self.unit_ids)


def _in_year(year: int):
    return cast(func.extract("year", func.timezone(LOCAL_TIME, Attempt.started_at)), Integer) == year


async def participation(session: AsyncSession, year: int) -> Participation:
    rows = (await session.exec(select(PracticeSet.kind, Attempt.learner_id, Attempt.unit_id, Area.name)
                               .join(PracticeSet, PracticeSet.id == Attempt.set_id)
                               .outerjoin(Area, Area.id == Attempt.area_id)
                               .where(COUNTED, _in_year(year)))).all()
    by_area: dict[str, int] = {}
    for *_, area in rows:
        by_area[area or "未登记"] = by_area.get(area or "未登记", 0) + 1
    return Participation(sum(1 for r in rows if r[0] == "practice"), sum(1 for r in rows if r[0] == "quiz"),
                         len({r[1] for r in rows if r[1]}), frozenset(r[2] for r in rows if r[2]),
                         dict(sorted(by_area.items(), key=lambda kv: -kv[1])))


@dataclass(frozen=True)
class UnitLine:
    the_set: PracticeSet
    people: int
    attempts: int
    mean_score: Decimal | None


async def unit_participation(session: AsyncSession, unit_id: int) -> list[UnitLine]:
    """A unit's workers in each published set and campaign: how many took part, how often."""
    rows = (await session.exec(
        select(PracticeSet, func.count(func.distinct(Attempt.learner_id)), func.count(), func.avg(Attempt.score))
        .join(Attempt, Attempt.set_id == PracticeSet.id)
        .where(Attempt.unit_id == unit_id, COUNTED, PracticeSet.published)
        .group_by(PracticeSet.id).order_by(PracticeSet.id.desc()))).all()
    return [UnitLine(s, people, attempts, Decimal(avg).quantize(Decimal("0.01")) if avg is not None else None)
            for s, people, attempts, avg in rows]
