"""Question banks: questions added, revised (a new version each time) and retired, and imported
from a spreadsheet with a report of every bad row."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db
from contest.errors import Conflict, InputError, NotFound
from contest.exams import importers
from contest.exams.models import Bank, Question
from contest.exams.questions import CheckedQuestion, QuestionInput, check_question, squeeze


async def list_banks(session: AsyncSession) -> list[tuple[Bank, int]]:
    """Every bank with how many questions are in use."""
    counts = dict((await session.exec(select(Question.bank_id, func.count()).where(
        Question.current, Question.retired.is_(False)).group_by(Question.bank_id))).all())
    return [(b, counts.get(b.id, 0)) for b in (await session.exec(select(Bank).order_by(Bank.name))).all()]


async def create_bank(session: AsyncSession, name: str, description: str = "") -> Bank:
    name = name.strip()
    if not name or len(name) > 60:
        raise InputError("题库名称（工种）不能为空，且不超过60个字", "name")
    if (await session.exec(select(Bank.id).where(Bank.name == name))).first():
        raise InputError(f"题库“{name}”已存在", "name")
    bank = Bank(name=name, description=description.strip()[:400])
    session.add(bank)
    await session.commit()
    return bank


async def get_bank(session: AsyncSession, bank_id: int) -> Bank:
    return await db.get_or_404(session, Bank, bank_id, "题库")


async def get_question(session: AsyncSession, question_id: int) -> Question:
    return await db.get_or_404(session, Question, question_id, "题目")


async def questions(session: AsyncSession, bank: Bank, *, kind: str = "", difficulty: str = "", knowledge: str = "",
                    query: str = "", retired: bool = False) -> Sequence[Question]:
    """The bank's questions as they are now (their current versions), filtered."""
    stmt = select(Question).where(Question.bank_id == bank.id, Question.current, Question.retired.is_(retired))
    if kind:
        stmt = stmt.where(Question.kind == kind)
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if knowledge:
        stmt = stmt.where(Question.knowledge == knowledge)
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Question.stem.ilike(like), Question.code == query.strip()))
    return (await session.exec(stmt.order_by(Question.id))).all()


async def knowledge_points(session: AsyncSession, bank_id: int) -> list[str]:
    rows = await session.exec(select(Question.knowledge).where(Question.bank_id == bank_id, Question.current,
                                                               Question.knowledge != "").distinct())
    return sorted(rows.all())


async def versions(session: AsyncSession, question: Question) -> Sequence[Question]:
    return (await session.exec(select(Question).where(Question.bank_id == question.bank_id,
                                                      Question.code == question.code)
                               .order_by(Question.version.desc()))).all()


def _checked(data: QuestionInput) -> CheckedQuestion:
    checked, problems = check_question(data)
    if problems:
        field_name, problem = problems[0]
        raise InputError(problem, field_name)
    return checked


async def _locked_bank(session: AsyncSession, bank_id: int) -> Bank:
    """The bank, locked to the end of the transaction: codes are numbered one writer at a time."""
    bank = (await session.exec(select(Bank).where(Bank.id == bank_id).with_for_update())).first()
    if bank is None:
        raise NotFound("题库")
    return bank


async def _stems(session: AsyncSession, bank_id: int, leaving_out: str | None = None) -> dict[str, str]:
    """The bank's questions in use by kind and stem as compared for duplicates -> their codes."""
    rows = (await session.exec(select(Question.kind, Question.stem, Question.code).where(
        Question.bank_id == bank_id, Question.current, Question.retired.is_(False)))).all()
    return {f"{kind}:{squeeze(stem)}": code for kind, stem, code in rows if code != leaving_out}


async def _next_code(session: AsyncSession, bank_id: int) -> int:
    codes = (await session.exec(select(Question.code).where(Question.bank_id == bank_id).distinct())).all()
    return max((int(c) for c in codes if c.isdigit()), default=0) + 1


def _row(bank_id: int, code: str, version: int, q: CheckedQuestion, actor: str) -> dict:
    fields = asdict(q)
    fields.pop("dedupe")
    return {**fields, "bank_id": bank_id, "code": code, "version": version, "current": True, "retired": False,
            "created_at": db.utcnow(), "created_by": actor}


async def add_question(session: AsyncSession, bank: Bank, data: QuestionInput, actor: str) -> Question:
    checked = _checked(data)
    await _locked_bank(session, bank.id)
    taken = (await _stems(session, bank.id)).get(checked.dedupe)
    if taken:
        raise InputError(f"题库中已有相同的题目（题号 {taken}）", "stem")
    question = Question(**_row(bank.id, f"{await _next_code(session, bank.id):04d}", 1, checked, actor))
    session.add(question)
    await session.commit()
    return question


async def revise_question(session: AsyncSession, question: Question, data: QuestionInput, actor: str) -> Question:
    """An edit writes the next version and takes the edited one out of the bank; papers already
    drawn keep the version they drew, so a test is never changed under anyone."""
    checked = _checked(data)
    await _locked_bank(session, question.bank_id)
    now = (await session.exec(select(Question).where(Question.id == question.id).with_for_update())).one()
    if not now.current:
        raise Conflict(f"题目 {now.code} 已有更新的版本，请在最新版本上修改")
    taken = (await _stems(session, now.bank_id, leaving_out=now.code)).get(checked.dedupe)
    if taken:
        raise InputError(f"题库中已有相同的题目（题号 {taken}）", "stem")
    now.current = False
    session.add(now)
    await session.flush()  # the old version leaves the bank before the new one takes its code
    revised = Question(**_row(now.bank_id, now.code, now.version + 1, checked, actor) | {"retired": now.retired})
    session.add(revised)
    await session.commit()
    return revised


async def retire_question(session: AsyncSession, question: Question, retired: bool = True) -> Question:
    """Take a question out of use (no new paper or practice draws it), or put it back."""
    if not question.current:
        raise Conflict("只能停用或启用题目的最新版本")
    question.retired = retired
    session.add(question)
    await session.commit()
    return question


async def import_questions(session: AsyncSession, bank: Bank, filename: str, data: bytes, actor: str, *,
                           skip_bad: bool = False, dry_run: bool = False) -> importers.ImportReport:
    """Check every row and add the questions to the bank, all or nothing: while any row is bad
    nothing is written, unless the organiser chose to skip the bad rows."""
    raw = importers.read_questions(filename, data)
    await _locked_bank(session, bank.id)
    check = importers.check_rows(raw, await _stems(session, bank.id))
    report = importers.ImportReport(rows=len(raw), good=len(check.good), problems=check.problems, dry_run=dry_run)
    if dry_run or not check.good or (check.problems and not skip_bad):
        await session.commit()  # nothing was written; the bank's lock goes
        return report
    first = await _next_code(session, bank.id)
    rows = [_row(bank.id, f"{first + i:04d}", 1, q, actor) for i, (_, q) in enumerate(check.good)]
    await db.insert_many(session, Question, rows)
    await session.commit()
    report.imported = len(rows)
    return report
