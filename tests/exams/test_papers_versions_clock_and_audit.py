"""The rules of a test, one by one, through the services: papers follow the blueprint and replay
from the ledgered seed; a bank too small is refused with nothing written; an edited question is a
new version and drawn papers keep theirs; the platform's marker is no judge; the server's clock
refuses late answers, hands in what is due (an absent contestant scores 0) and honours an
extension; `contest audit verify` names an answer changed behind the platform's back."""
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest
from sqlmodel import select

from contest.db import utcnow
from contest.errors import Conflict, InputError
from contest.events import service as events
from contest.exams.models import Exam, PaperItem, Question, Sitting
from contest.exams.questions import QuestionInput
from contest.exams.service import bank as banks
from contest.exams.service import papers, sittings
from contest.judging import service as judging
from contest.judging.models import Mark, Sheet
from contest.ledger import LedgerEntry
from tests.builders import BLUEPRINT, bank_file, question_row, theory_contest
from tests.setup.cli_runner import run_cli
from tests.support import libpq


async def drawn_test(session, contestants: int = 4, questions: int = 200):
    contest = await theory_contest(session, contestants=contestants)
    bank = await banks.create_bank(session, "中式烹调师")
    await banks.import_questions(session, bank, "q.xlsx", bank_file([question_row(i) for i in range(questions)]), "t")
    exam = await papers.create_exam(session, papers.ExamInput(contest.theory.id, bank.id, "理论考试", 30, "each",
                                                              BLUEPRINT), "account:1 t")
    await papers.draw_papers(session, exam, "account:1 t")
    return contest, bank, await papers.get_exam(session, exam.id)


async def test_papers_follow_the_blueprint_and_replay_from_the_ledgered_seed(session):
    contest, bank, exam = await drawn_test(session)
    draw = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "exam.draw"))).one().payload
    pool = (await session.exec(select(Question).where(Question.id.in_(draw["pool"])))).all()
    rules = papers.parse_blueprint(draw["blueprint"])
    for entry in contest.entries:
        sitting = (await session.exec(select(Sitting).where(Sitting.entry_id == entry.id))).one()
        items = (await session.exec(select(PaperItem, Question).join(Question).where(
            PaperItem.sitting_id == sitting.id).order_by(PaperItem.position))).all()
        assert sum((item.points for item, _ in items), Decimal(0)) == 100
        assert Counter(q.kind for _, q in items) == {"single": 8, "multiple": 4, "truefalse": 4, "fill": 4}
        assert sum(1 for _, q in items if q.kind == "single" and q.difficulty == "easy") >= 4
        assert all(q.knowledge == "食品安全" for _, q in items if q.kind == "truefalse")
        replayed = papers.draw_paper(draw["seed"], draw["mode"], entry.bib, rules, pool)
        assert papers.paper_digest([(q.id, p, o) for q, p, o in replayed]) == draw["papers"][entry.bib]
        assert [(item.question_id, item.option_order) for item, _ in items] == [(q.id, o) for q, _, o in replayed]


async def test_a_bank_too_small_for_the_blueprint_is_refused_and_nothing_is_written(session):
    contest = await theory_contest(session)
    bank = await banks.create_bank(session, "中式烹调师")
    await banks.import_questions(session, bank, "q.xlsx", bank_file([question_row(i) for i in range(100)]), "t")
    with pytest.raises(InputError, match="题库中的题目不够按规则组卷：判断题·食品安全：需4题，题库中可用0题"):
        await papers.create_exam(session, papers.ExamInput(contest.theory.id, bank.id, "理论考试", 30, "each",
                                                           BLUEPRINT), "t")
    wrong_total = [{**BLUEPRINT[0], "points": "5"}, *BLUEPRINT[1:]]
    with pytest.raises(InputError, match="试卷总分104分，应等于评分项“理论考试”的满分100分"):
        await papers.create_exam(session, papers.ExamInput(contest.theory.id, bank.id, "理论考试", 30, "each",
                                                           wrong_total), "t")
    assert (await session.exec(select(Exam))).all() == []


async def test_an_edit_is_a_new_version_and_drawn_papers_keep_theirs(session):
    contest, bank, exam = await drawn_test(session, contestants=2)
    used = (await session.exec(select(Question).join(PaperItem).limit(1))).first()
    revised = await banks.revise_question(session, used, QuestionInput(
        kind=used.kind, stem=used.stem + "（修订）", options=used.options, answer="".join(used.answer)
        if used.kind != "fill" else "|".join(used.answer), points="2", difficulty=used.difficulty,
        knowledge=used.knowledge), "account:1 t")
    assert (revised.code, revised.version, revised.current) == (used.code, 2, True)
    old = await session.get(Question, used.id, populate_existing=True)
    assert not old.current and old.stem == used.stem
    assert (await session.exec(select(PaperItem).where(PaperItem.question_id == used.id))).first() is not None
    assert revised.id not in {q.id for q in await banks.questions(session, bank) if q.code != used.code}
    with pytest.raises(Conflict, match="已有更新的版本"):
        await banks.revise_question(session, old, QuestionInput(kind="判断题", stem="x", answer="对", points="1",
                                                                difficulty="易"), "t")


async def test_the_platform_marker_is_no_judge(session):
    contest, bank, exam = await drawn_test(session, contestants=2)
    judges = await events.list_judges(session, contest.event)
    assert [j.number for j in judges] == ["J01", "J02"]
    assert "EXAM" not in [j.number for j, _ in await events.reissue_access(session, contest.event)]
    with pytest.raises(InputError, match="活动代码、裁判编号或PIN不正确"):
        await judging.sign_in(session, contest.event.judge_code, "EXAM", "000000", "127.0.0.1")
    judge, _ = await events.add_judge(session, contest.event, "评委丙", None)
    assert judge.number == "J03"


async def test_the_servers_clock_refuses_late_answers_and_hands_in_what_is_due(session, settings, pg_url):
    contest, bank, exam = await drawn_test(session, contestants=3)
    await sittings.open_exam(session, exam, "account:1 t")
    on_time, late = (e.bib for e in contest.entries[:2])
    first = (await sittings.sign_in(session, exam.access_code, on_time, "tablet"))[:2]
    second = (await sittings.sign_in(session, exam.access_code, late, "tablet"))[:2]
    (first, device_a), (second, device_b), exam_id = [(s.id, d) for s, d in (first, second)] + [exam.id]
    assert (await sittings.save_answer(session, first, device_a, 1, "A", 1, "k1")).saved
    await sittings.extend(session, exam, second, 10, "平板故障", "account:1 t")
    conn = await asyncpg.connect(libpq(pg_url))  # the clock moves on: the test ended a minute ago
    await conn.execute("update exam set ends_at = $1 where id = $2", utcnow() - timedelta(minutes=1), exam_id)
    await conn.close()
    with pytest.raises(Conflict, match="考试时间已到，答案未能保存"):
        await sittings.save_answer(session, first, device_a, 2, "B", 2, "k2")
    assert (await sittings.save_answer(session, second, device_b, 1, "A", 1, "k3")).saved  # ten more minutes
    await sittings.sweep(session, await session.get(Exam, exam_id, populate_existing=True))
    states = {s.entry_id: (s.state, s.handed_in_by, s.score) for s in (await session.exec(
        select(Sitting).execution_options(populate_existing=True))).all()}
    assert states[contest.entries[0].id][:2] in (("marked", "time"), ("marking", "time"))
    assert states[contest.entries[1].id][0] == "answering"
    assert states[contest.entries[2].id] == ("absent", "time", "0")
    absent_mark = (await session.exec(select(Mark.value).join(Sheet).where(
        Sheet.entry_id == contest.entries[2].id, Mark.criterion == "written"))).one()
    assert absent_mark == 0  # the absent contestant's 0 is the stage's measured mark
    assert (await session.get(Exam, exam_id, populate_existing=True)).status == "open"  # one still answering
    assert run_cli(settings, "audit", "verify").returncode == 0


async def test_audit_verify_names_an_answer_changed_in_sql(session, settings, pg_url):
    contest, bank, exam = await drawn_test(session, contestants=2)
    await sittings.open_exam(session, exam, "account:1 t")
    sitting, device, _ = await sittings.sign_in(session, exam.access_code, contest.entries[0].bib, "tablet")
    await sittings.save_answer(session, sitting.id, device, 13, "对", 1, "k1")
    await sittings.hand_in(session, sitting.id, "contestant", device)
    assert run_cli(settings, "audit", "verify").returncode == 0
    conn = await asyncpg.connect(libpq(pg_url))
    await conn.execute("update answer set response = '错' where sitting_id = $1 and position = 13", sitting.id)
    await conn.close()
    broken = run_cli(settings, "audit", "verify")
    assert broken.returncode == 1
    assert f"entry {contest.entries[0].bib}: the answers differ from those ledgered at the hand-in" in broken.stderr
