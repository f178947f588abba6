"""The timed test in the room: contestants sign in with their admission number (bib) and the code
the invigilator reads out, on one device each; answers are saved as they are given, idempotently;
the clock is the server's; the invigilator opens and ends the test, adds time for one contestant
and moves a contestant to another device, each with a reason on the ledger."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, bindparam, func, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events.models import Entry, Event, Track
from contest.exams.models import Answer, Exam, PaperItem, Question, Sitting
from contest.exams.questions import LETTERS, normalise_response, plain
from contest.exams.service import marking
from contest.exams.service.papers import deadline_of, exam_context
from contest.people.models import Person, Unit

WAITING = ("ready", "answering")  # not yet handed in
MAX_EXTRA_MINUTES = 60


async def _ledger(session: AsyncSession, exam: Exam, actor: str, action: str, subject: str, payload: dict) -> None:
    event_id = (await session.exec(select(Track.event_id).where(Track.id == exam.track_id))).one()
    await ledger.append(session, event_id=event_id, actor=actor, device="", action=action, subject=subject,
                        payload=payload)


def remaining_ms(exam: Exam, sitting: Sitting, now: datetime | None = None) -> int | None:
    deadline = deadline_of(exam, sitting)
    if deadline is None:
        return None
    return max(0, int((deadline - (now or utcnow())).total_seconds() * 1000))


# --- the invigilator ---------------------------------------------------------------------------------


async def _locked(session: AsyncSession, exam: Exam) -> Exam:
    return (await session.exec(select(Exam).where(Exam.id == exam.id).with_for_update())).one()


async def open_exam(session: AsyncSession, exam: Exam, actor: str) -> Exam:
    """开考: the clock starts for everyone; the test ends its length from now."""
    exam = await _locked(session, exam)
    if exam.status != "drawn":
        raise Conflict("只有已组卷、未开考的考试可以开考")
    track, event, stage, round_ = await exam_context(session, exam)
    if event.status != "running":
        raise Conflict("活动须处于“比赛中”状态才能开考")
    now = utcnow()
    exam.status, exam.opened_at, exam.ends_at = "open", now, now + timedelta(minutes=exam.minutes)
    session.add(exam)
    await _ledger(session, exam, actor, "exam.open", f"exam:{exam.id}", {"ends_at": exam.ends_at.isoformat()})
    await session.commit()
    return exam


async def end_now(session: AsyncSession, exam: Exam, reason: str, actor: str) -> Exam:
    """End the test for everyone now (everyone has handed in, or the room must close); time added
    for one contestant still counts from here."""
    reason = reason.strip()
    if not reason:
        raise InputError("请填写提前结束考试的原因", "reason")
    exam = await _locked(session, exam)
    if exam.status != "open":
        raise Conflict("考试不在进行中")
    now = utcnow()
    if now < exam.ends_at:
        exam.ends_at = now
        session.add(exam)
        await _ledger(session, exam, actor, "exam.end", f"exam:{exam.id}", {"ends_at": now.isoformat(),
                                                                            "reason": reason[:200]})
    await session.commit()
    await sweep(session, exam)
    return exam


async def _sitting(session: AsyncSession, exam: Exam, sitting_id: int) -> Sitting:
    sitting = (await session.exec(select(Sitting).where(Sitting.id == sitting_id, Sitting.exam_id == exam.id)
                                  .with_for_update())).first()
    if sitting is None:
        raise NotFound("考生")
    return sitting


async def extend(session: AsyncSession, exam: Exam, sitting_id: int, minutes: int | None, reason: str,
                 actor: str) -> Sitting:
    """More time for one contestant (a device that failed, an interruption), with the reason."""
    reason = reason.strip()
    if not reason:
        raise InputError("请填写延时原因", "reason")
    if minutes is None or not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise InputError(f"延时应为1–{MAX_EXTRA_MINUTES}分钟", "minutes")
    sitting = await _sitting(session, exam, sitting_id)
    exam = await session.get(Exam, exam.id)
    if exam.status != "open" or sitting.state not in WAITING:
        raise Conflict("只能为考试中、尚未交卷的考生延时")
    if sitting.extra_minutes + minutes > MAX_EXTRA_MINUTES:
        raise InputError(f"每名考生累计延时不超过{MAX_EXTRA_MINUTES}分钟", "minutes")
    if remaining_ms(exam, sitting) == 0:
        raise Conflict("该考生的考试时间已到，不能再延时")
    sitting.extra_minutes += minutes
    session.add(sitting)
    bib = await _bib(session, sitting)
    await _ledger(session, exam, actor, "exam.extend", f"sitting:{sitting.id}",
                  {"entry": bib, "minutes": minutes, "total": sitting.extra_minutes, "reason": reason[:200]})
    await session.commit()
    return sitting


async def release_device(session: AsyncSession, exam: Exam, sitting_id: int, reason: str, actor: str) -> Sitting:
    """换机: the contestant's device is let go, so the contestant can sign in on another; the answers
    already saved stay (the old device, if it comes back, can no longer save)."""
    reason = reason.strip()
    if not reason:
        raise InputError("请填写换机原因", "reason")
    sitting = await _sitting(session, exam, sitting_id)
    if sitting.state not in WAITING or sitting.device is None:
        raise Conflict("该考生没有正在使用的答题设备")
    sitting.device, sitting.device_label = None, ""
    session.add(sitting)
    await _ledger(session, exam, actor, "exam.release_device", f"sitting:{sitting.id}",
                  {"entry": await _bib(session, sitting), "reason": reason[:200]})
    await session.commit()
    return sitting


async def new_code(session: AsyncSession, exam: Exam) -> Exam:
    from contest.exams.service.papers import _unused_code

    if exam.status not in ("draft", "drawn", "open"):
        raise Conflict("考试已结束")
    exam.access_code = await _unused_code(session)
    session.add(exam)
    await session.commit()
    return exam


async def _bib(session: AsyncSession, sitting: Sitting) -> str:
    return (await session.exec(select(Entry.bib).where(Entry.id == sitting.entry_id))).one()


async def sweep(session: AsyncSession, exam: Exam) -> None:
    """The server's clock at work: every paper whose time is up is handed in (a contestant who
    never signed in is absent and marked 0), and the test closes once every paper is in."""
    exam = await session.get(Exam, exam.id, populate_existing=True)
    if exam.status != "open":
        return
    now = utcnow()
    waiting = (await session.exec(select(Sitting).where(Sitting.exam_id == exam.id,
                                                        Sitting.state.in_(WAITING)))).all()
    for sitting in [s for s in waiting if remaining_ms(exam, s, now) == 0]:
        await hand_in(session, sitting.id, by="time")
    waiting = (await session.exec(select(func.count()).select_from(Sitting).where(
        Sitting.exam_id == exam.id, Sitting.state.in_(WAITING)))).one()
    if waiting == 0 and now >= exam.ends_at:
        exam = await _locked(session, exam)
        if exam.status == "open":
            exam.status = "closed"
            session.add(exam)
            await _ledger(session, exam, "platform", "exam.close", f"exam:{exam.id}", {})
        await session.commit()


@dataclass(frozen=True)
class ConsoleRow:
    sitting: Sitting
    bib: str
    name: str
    unit: str
    answered: int
    questions: int
    last_saved: datetime | None
    remaining_ms: int | None


async def console(session: AsyncSession, exam: Exam) -> list[ConsoleRow]:
    """Who is in, on which device, how far each has got and how long each has left."""
    answered = (select(Answer.sitting_id, func.count().label("n"), func.max(Answer.saved_at).label("last"))
                .where(Answer.response != "").group_by(Answer.sitting_id).subquery())
    sizes = select(PaperItem.sitting_id, func.count().label("n")).group_by(PaperItem.sitting_id).subquery()
    rows = (await session.exec(
        select(Sitting, Entry.bib, Person.name, Unit.name, answered.c.n, sizes.c.n, answered.c.last)
        .join(Entry, Entry.id == Sitting.entry_id).outerjoin(Person, Person.id == Entry.person_id)
        .outerjoin(Unit, Unit.id == Entry.unit_id).outerjoin(answered, answered.c.sitting_id == Sitting.id)
        .outerjoin(sizes, sizes.c.sitting_id == Sitting.id)
        .where(Sitting.exam_id == exam.id).order_by(Entry.bib))).all()
    now = utcnow()
    return [ConsoleRow(s, bib, name or "", unit or "", n or 0, size or 0, last,
                       remaining_ms(exam, s, now) if s.state in WAITING else None)
            for s, bib, name, unit, n, size, last in rows]


# --- the contestant -----------------------------------------------------------------------------------


async def sign_in(session: AsyncSession, code: str, bib: str, device_label: str,
                  device: str | None = None) -> tuple[Sitting, str, str]:
    """Admission number (bib) and the test's code. One device answers for a contestant: a second
    one is refused until the invigilator lets the first go. Returns the sitting, the device's
    token (kept in its session) and the contestant's name."""
    exam = (await session.exec(select(Exam).where(Exam.access_code == code.strip(),
                                                  Exam.status.in_(("drawn", "open"))))).first()
    if exam is None:
        raise InputError("考试码不正确，或本场考试不在进行中", "code")
    row = (await session.exec(select(Sitting, Person.name).join(Entry, Entry.id == Sitting.entry_id)
                              .outerjoin(Person, Person.id == Entry.person_id)
                              .where(Sitting.exam_id == exam.id, Entry.bib == bib.strip())
                              .with_for_update(of=Sitting))).first()
    if row is None:
        raise InputError("准考证号（参赛证号）不正确，或不在本场考试名单中", "bib")
    sitting, name = row
    if sitting.state not in WAITING:
        raise Conflict("您已交卷，不能再次登录答题")
    if exam.status == "open" and remaining_ms(exam, sitting) == 0:
        raise Conflict("考试时间已到")
    if sitting.device and sitting.device != device:
        raise Conflict("该考生已在另一台设备上答题。如需换机，请举手请监考员在控制台解除原设备")
    token = sitting.device or secrets.token_urlsafe(24)
    sitting.device, sitting.device_label = token, device_label[:120]
    sitting.signed_in_at = sitting.signed_in_at or utcnow()
    sitting.state = "answering"
    session.add(sitting)
    await session.commit()
    return sitting, token, name or ""


async def contestant_sitting(session: AsyncSession, sitting_id: int, device: str | None) -> tuple[Sitting, Exam]:
    """The signed-in contestant's sitting, as long as this is the device answering for it."""
    sitting = await session.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("考生")
    if sitting.state in WAITING and sitting.device != device:
        raise Conflict("本设备已不能为该考生答题（监考员已为其换机）")
    return sitting, await session.get(Exam, sitting.exam_id)


async def paper(session: AsyncSession, sitting: Sitting, exam: Exam) -> dict:
    """What the test page needs to run offline: the questions in this paper's order with options
    in this paper's order (valued by their own letters), the answers saved so far, the highest
    save number seen, and the time left. Never an answer key."""
    track, event, stage, round_ = await exam_context(session, exam)
    items = (await session.exec(select(PaperItem, Question).join(Question, Question.id == PaperItem.question_id)
                                .where(PaperItem.sitting_id == sitting.id).order_by(PaperItem.position))).all()
    answers = {a.position: a for a in (await session.exec(select(Answer).where(
        Answer.sitting_id == sitting.id))).all()}
    entry = await session.get(Entry, sitting.entry_id)
    person = await session.get(Person, entry.person_id) if entry.person_id else None
    head = {
        "sitting": sitting.id, "exam": {"id": exam.id, "name": exam.name, "status": exam.status,
                                        "minutes": exam.minutes},
        "event": event.name, "track": track.name, "bib": entry.bib, "name": person.name if person else "",
        "state": sitting.state, "remaining_ms": remaining_ms(exam, sitting), "items": [], "answers": {},
        "max_seq": max((a.seq for a in answers.values()), default=0)}
    body = {
        "items": [{"position": item.position, "kind": q.kind, "stem": q.stem, "points": plain(item.points),
                   "options": [{"value": LETTERS[i], "text": q.options[i]} for i in item.option_order]}
                  for item, q in items],
        "answers": {str(p): a.response for p, a in answers.items()},
    } if exam.status == "open" else {}  # the questions reach no device before the test begins
    return {**head, **body}


@dataclass(frozen=True)
class SaveOutcome:
    position: int
    seq: int
    saved: bool  # False: a newer save of this place was already kept (a late retry)
    remaining_ms: int | None


# What a refused or repeated save is told: the state of the sitting and of the answer at that place.
_SAVE_CONTEXT = text("""
    select s.state, s.device, s.extra_minutes, e.status, e.ends_at, a.seq, a.key
    from sitting s join exam e on e.id = s.exam_id
    left join answer a on a.sitting_id = s.id and a.position = :position
    where s.id = :sitting""")
# The save itself, in one statement: only into a sitting still answering, from its device, within its
# time (key-share locked, so a hand-in waits for it and then sees it), and only over an older save.
_SAVE = text("""
    with open as (
        select s.id, e.ends_at + make_interval(mins => s.extra_minutes) as deadline
        from sitting s join exam e on e.id = s.exam_id
        where s.id = :sitting and s.state in ('ready', 'answering') and s.device = :device and e.status = 'open'
          and e.ends_at + make_interval(mins => s.extra_minutes) > :now
        for key share of s),
    saved as (
        insert into answer (sitting_id, position, response, seq, key, saved_at, marked_by)
        select id, :position, :response, :seq, :key, :now, '' from open
        on conflict (sitting_id, position) do update
        set response = excluded.response, seq = excluded.seq, key = excluded.key, saved_at = excluded.saved_at
        where answer.seq < excluded.seq
        returning seq)
    select open.deadline, (select seq from saved) as saved
    from open""").bindparams(bindparam("now", type_=DateTime(timezone=True)))
_PAPERS: dict[int, dict[int, tuple[str, int]]] = {}  # sitting id -> place -> (kind, options): fixed once drawn


async def _paper_kinds(session: AsyncSession, sitting_id: int) -> dict[int, tuple[str, int]]:
    """The kind and number of options of each place on a paper, read once per worker: a paper never
    changes after it is drawn (a new draw makes new sittings)."""
    kinds = _PAPERS.get(sitting_id)
    if kinds is None:
        rows = (await session.exec(select(PaperItem.position, Question.kind, func.json_array_length(Question.options))
                                   .join(Question, Question.id == PaperItem.question_id)
                                   .where(PaperItem.sitting_id == sitting_id))).all()
        if len(_PAPERS) > 20_000:
            _PAPERS.clear()
        kinds = _PAPERS[sitting_id] = {position: (kind, options) for position, kind, options in rows}
    return kinds


async def save_answer(session: AsyncSession, sitting_id: int, device: str | None, position: int, response: str,
                      seq: int, key: str) -> SaveOutcome:
    """Keep an answer as given. `seq` numbers the device's saves in the order they were made and
    `key` names this one: a retry (same key) or a late save (a lower number than the one kept)
    changes nothing and is answered as such."""
    if not key or len(key) > 64:
        raise InputError("缺少请求编号（idempotency key）", "key")
    if not 0 < seq < 2**31:
        raise InputError("保存序号无效", "seq")
    kind, options = (await _paper_kinds(session, sitting_id)).get(position, (None, 0))
    if kind is None:
        raise NotFound("试题")
    try:
        stored = normalise_response(kind, options, response)
    except ValueError as exc:
        raise InputError(str(exc), "response") from None
    now = utcnow()
    connection = await session.connection()
    row = (await connection.execute(_SAVE, {"sitting": sitting_id, "device": device, "position": position,
                                            "response": stored, "seq": seq, "key": key, "now": now})).first()
    await session.commit()  # the answer, or nothing at all
    if row is not None and row.saved is not None:
        return SaveOutcome(position, seq, True, int((row.deadline - now).total_seconds() * 1000))
    return await _not_saved(session, sitting_id, device, position, seq, key, now)


async def _not_saved(session: AsyncSession, sitting_id: int, device: str | None, position: int, seq: int, key: str,
                     now: datetime) -> SaveOutcome:
    """Why a save changed nothing: a retry or a late save is answered as such, anything else refused."""
    row = (await session.exec(_SAVE_CONTEXT, params={"sitting": sitting_id, "position": position})).first()
    if row is None:
        raise NotFound("考生")
    if row.key == key or (row.seq is not None and row.seq >= seq):  # answered before, or overtaken
        return SaveOutcome(position, row.seq, row.key == key, _left(row, now))
    if row.state not in WAITING:
        raise Conflict("已交卷，答案不能再修改")
    if row.device != device:
        raise Conflict("本设备已不能为该考生答题（监考员已为其换机）")
    if row.status != "open":
        raise Conflict("考试尚未开始" if row.status == "drawn" else "考试已结束")
    raise Conflict("考试时间已到，答案未能保存")


def _left(row, now: datetime) -> int | None:
    if row.ends_at is None:
        return None
    deadline = row.ends_at + timedelta(minutes=row.extra_minutes)
    return max(0, int((deadline - now).total_seconds() * 1000))


async def status(session: AsyncSession, sitting: Sitting, exam: Exam) -> dict:
    """The server's clock for one contestant (the page counts down from it and checks again)."""
    if exam.status == "open" and sitting.state in WAITING and remaining_ms(exam, sitting) == 0:
        await hand_in(session, sitting.id, by="time")
        sitting = await session.get(Sitting, sitting.id, populate_existing=True)
    return {"state": sitting.state, "exam_status": exam.status, "remaining_ms": remaining_ms(exam, sitting),
            "extra_minutes": sitting.extra_minutes}


async def hand_in(session: AsyncSession, sitting_id: int, by: str, device: str | None = None) -> Sitting:
    """交卷: the answers are frozen and ledgered as given, then marked. Handing in twice is handing
    in once. A contestant hands in from the device answering; the clock hands in anyone."""
    sitting = (await session.exec(select(Sitting).where(Sitting.id == sitting_id).with_for_update())).first()
    if sitting is None:
        raise NotFound("考生")
    if sitting.state not in WAITING:
        await session.commit()  # nothing written: the locks go, what was read stays readable
        return sitting
    exam = await session.get(Exam, sitting.exam_id)
    if by == "contestant":
        if sitting.device != device:
            raise Conflict("本设备已不能为该考生答题（监考员已为其换机）")
        if exam.status == "drawn":
            raise Conflict("考试尚未开始")
    elif remaining_ms(exam, sitting) != 0:
        raise Conflict("该考生的考试时间未到")
    absent = sitting.state == "ready"
    sitting.state, sitting.handed_in_at, sitting.handed_in_by = "absent" if absent else "marking", utcnow(), by
    session.add(sitting)
    answers = {a.position: a.response for a in (await session.exec(select(Answer).where(
        Answer.sitting_id == sitting.id))).all()}
    bib = await _bib(session, sitting)
    await _ledger(session, exam, f"exam:{exam.id} {bib}" if by == "contestant" else "platform", "exam.answers",
                  f"sitting:{sitting.id}", {"entry": bib, "by": "absent" if absent else by,
                                            "answers": {str(p): r for p, r in sorted(answers.items())}})
    await marking.mark_paper(session, exam, sitting)  # commits
    return sitting


async def event_of(session: AsyncSession, exam: Exam) -> Event:
    return (await session.exec(select(Event).join(Track, Track.event_id == Event.id)
                               .where(Track.id == exam.track_id))).one()
