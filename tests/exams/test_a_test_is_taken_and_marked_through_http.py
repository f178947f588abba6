"""Over HTTP as the pages use it: the organiser imports a bank (bad rows reported), sets a test of
the theory stage and draws the papers; contestants sign in with bib and code on one device each,
save answers (retries and late saves change nothing), hand in; two markers agree on the fill-in
answers only a person can judge; the organiser confirms; the stage's stored results equal the
engine's computation from the stored answers, and the ledger checks out."""
import json
import re
import uuid
from decimal import Decimal

import httpx
from sqlmodel import select

from contest import audit as auditing
from contest.auth import create_account
from contest.events.models import Round
from contest.exams.models import Answer, Exam, PaperItem, Question, Sitting
from contest.exams.service import audit as exam_audit
from contest.judging import service as judging
from contest.judging.models import Result
from tests.builders import BLUEPRINT, bank_file, question_row, theory_contest
from tests.support import Client, text_of


def blueprint_form() -> dict:
    return {f"{k}_{n}": rule[k] for n, rule in enumerate(BLUEPRINT, 1) for k in rule}


async def contestant(app, code: str, bib: str) -> Client:
    client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    response = await client.form("/exam/login", {"code": code, "bib": bib})
    assert response.status_code == 303, response.text
    return client


def right_answer(q: Question) -> str:
    return "".join(q.answer) if q.kind != "fill" else q.answer[0]


async def test_a_test_is_taken_and_marked_through_http(app, organiser, session):
    contest = await theory_contest(session, contestants=6)
    response = await organiser.form("/admin/exams/banks", {"name": "中式烹调师"})
    bank_url = response.headers["location"]
    rows = [question_row(i) for i in range(200)]
    bad = [row.copy() for row in rows[:3]]
    bad[0][0] = "问答题"  # no such kind
    bad[1][2:4] = ["", ""]  # a single choice without options A and B
    bad[2] = rows[5]  # the same question twice
    response = await organiser.form(f"{bank_url}/import", files={"file": ("题库.xlsx", bank_file(rows + bad))})
    assert response.status_code == 200
    page = text_of(response.text)
    assert "共 203 行，其中 3 行有错误，未导入任何数据" in page
    assert "题型“问答题”无法识别" in page and "与第7行是同一道题" in page and "选项A为空，选项应从A起连续填写" in page
    response = await organiser.form(f"{bank_url}/import", {"skip_bad": "1"},
                                    files={"file": ("题库.xlsx", bank_file(rows + bad))})
    assert "已导入 200 道题" in text_of(response.text)

    bank_id = int(bank_url.rsplit("/", 1)[1])
    response = await organiser.form("/admin/exams/tests", {"stage_id": contest.theory.id, "bank_id": bank_id,
                                                           "name": "理论知识考试", "minutes": "60", "mode": "each",
                                                           **blueprint_form()})
    assert response.status_code == 303, response.text
    exam_url = response.headers["location"]
    assert (await organiser.form(f"{exam_url}/draw")).status_code == 303
    exam = (await session.exec(select(Exam))).one()
    invigilate = f"/invigilate/tests/{exam.id}"
    assert (await organiser.form(f"{invigilate}/open")).status_code == 303
    await session.refresh(exam)

    # Six contestants sign in; a second device for the first is refused until the invigilator lets go.
    clients = [await contestant(app, exam.access_code, e.bib) for e in contest.entries]
    other = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    response = await other.form("/exam/login", {"code": exam.access_code, "bib": contest.entries[0].bib})
    assert response.status_code == 409 and "另一台设备" in text_of(response.text)

    papers = {}
    for client, entry in zip(clients, contest.entries, strict=True):
        page = await client.get("/exam/paper")
        data = json.loads(re.search(r'id="paper-data" type="application/json">(.*?)</script>', page.text).group(1))
        assert len(data["items"]) == 20 and "answer" not in json.dumps(data["items"])  # no key on the device
        sitting = (await session.exec(select(Sitting).where(Sitting.entry_id == entry.id))).one()
        papers[entry.id] = (sitting, (await session.exec(
            select(PaperItem, Question).join(Question).where(PaperItem.sitting_id == sitting.id)
            .order_by(PaperItem.position))).all())
    assert len({tuple(q.id for _, q in items) for _, items in papers.values()}) > 1  # each drew their own

    async def save(client, position, response, seq, key=None):
        return await client.put(f"/api/exam/answers/{position}", json={"response": response, "seq": seq,
                                                                        "key": key or uuid.uuid4().hex},
                                headers={"x-csrftoken": await client.csrf()})

    given: dict[int, dict[int, str]] = {}
    unlisted = False  # the first fill-in marked by people is answered off the list (a person must mark it)
    for n, (client, entry) in enumerate(zip(clients, contest.entries, strict=True)):
        sitting, items = papers[entry.id]
        given[sitting.id] = {}
        for seq, (item, q) in enumerate(items, 1):
            wrong = (item.position + n) % 3 == 0 or (q.manual and not unlisted)
            unlisted = unlisted or (q.manual and wrong)
            response = ("要点错" if q.kind == "fill" else "对" if q.answer == ["错"] else "错" if q.kind == "truefalse"
                        else "B" if q.answer != ["B"] else "A") if wrong else right_answer(q)
            answered = await save(client, item.position, response, seq, key=f"k-{sitting.id}-{seq}")
            assert answered.status_code == 200 and answered.json()["saved"], answered.text
            given[sitting.id][item.position] = response
        # a retry of the first save and a late save of an older change keep what was given
        first_item, first_q = items[0]
        retry = await save(client, first_item.position, "C", 1, key=f"k-{sitting.id}-1")
        assert retry.json() == {"position": first_item.position, "seq": len(items) and retry.json()["seq"],
                                "saved": True, "remaining_ms": retry.json()["remaining_ms"]}
        stale = await save(client, items[1][0].position, "D", 1)
        assert stale.status_code == 200 and stale.json()["saved"] is False

    bad_letter = await save(clients[1], papers[contest.entries[1].id][1][0][0].position, "Z", 99)
    assert bad_letter.status_code == 400 and "选项无效" in bad_letter.json()["error"]
    stored = {(a.sitting_id, a.position): a.response for a in (await session.exec(select(Answer))).all()}
    assert stored == {(s, p): r for s, answers in given.items() for p, r in answers.items()}

    # Console: everyone in, every answer counted.
    console = text_of((await organiser.get(invigilate)).text)
    assert "考生 6 人 · 已登录 6 人" in console
    for client in clients:
        handed = await client.post("/api/exam/hand-in", json={"key": "x"}, headers={"x-csrftoken": await client.csrf()})
        assert handed.status_code == 200, handed.text
    late = await save(clients[0], 1, "A", 1000)
    assert late.status_code == 409 and "已交卷" in late.json()["error"]

    # Fill-in answers that are not listed, of questions marked by people: two markers must agree.
    await create_account(session, "marker1", "阅卷员甲", "marker", "correct-horse")
    await create_account(session, "marker2", "阅卷员乙", "marker", "correct-horse")
    markers = []
    for name in ("marker1", "marker2"):
        client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        signed_in = await client.form("/login", {"username": name, "password": "correct-horse"})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/marking"  # their home: the tests
        assert f'href="/marking/tests/{exam.id}"' in (await client.get("/marking")).text
        markers.append(client)
    waiting = (await session.exec(select(Answer).where(Answer.points.is_(None)))).all()
    assert waiting, "the blueprint draws fill-ins marked by people"
    assert (await organiser.form(f"{invigilate}/end", {"reason": "全部考生已交卷"})).status_code == 303
    confirm = await organiser.form(f"{exam_url}/confirm")
    assert confirm.status_code == 409 and "未阅完" in text_of(confirm.text)
    for k, answer in enumerate(waiting):
        url = f"/marking/tests/{exam.id}/answers/{answer.sitting_id}/{answer.position}"
        assert "等待另一名阅卷员" in text_of((await markers[0].form(url, {"points": "3"})).text)
        if k == 0:
            assert "不一致" in text_of((await markers[1].form(url, {"points": "4"})).text)
            again = await markers[0].form(url, {"points": "5"})  # the first marker may not mark twice: it revises
            assert "不一致" in text_of(again.text)
            await markers[1].form(url, {"points": "5"})
        else:
            assert "已计入成绩" in text_of((await markers[1].form(url, {"points": "3"})).text)
    assert "没有待人工阅卷的答案" in text_of((await markers[0].get(f"/marking/tests/{exam.id}")).text)

    # Every paper marked: the organiser confirms (the stage is signed off).
    assert (await organiser.form(f"{exam_url}/confirm")).status_code == 303
    assert (await session.get(Exam, exam.id, populate_existing=True)).status == "confirmed"

    # Results: each paper's points recomputed here from the stored answers and the questions' keys.
    fresh_rows = select(Answer).execution_options(populate_existing=True)
    answers = {(a.sitting_id, a.position): a for a in (await session.exec(fresh_rows)).all()}
    for sitting, items in papers.values():
        sitting = await session.get(Sitting, sitting.id, populate_existing=True)
        total = Decimal(0)
        for item, q in items:
            a = answers[(sitting.id, item.position)]
            right = a.response == right_answer(q) or (q.kind == "fill" and a.response in q.answer)
            expected = item.points if right else a.points if q.manual else Decimal(0)  # markers' agreed points
            assert a.points == expected, (q.kind, a.response, q.answer)
            total += a.points
        assert Decimal(sitting.score) == total
    the_round = (await session.exec(select(Round).where(Round.track_id == contest.track.id))).one()
    fresh = {r.entry: r for r in await judging.compute_round(session, the_round)}
    for result in (await session.exec(select(Result))).all():
        bib = next(e.bib for e in contest.entries if e.id == result.entry_id)
        assert result.stage_totals.get("theory") == str(fresh[bib].stage_totals["theory"])
        sitting = await session.get(Sitting, next(s.id for s, _ in papers.values() if s.entry_id == result.entry_id))
        assert Decimal(result.stage_totals["theory"]) == Decimal(sitting.score)

    report = await auditing.verify(session)
    assert report.problems == (), report.problems
    assert await exam_audit.audit(session) == []
    paper = await organiser.get(f"/admin/exams/tests/{exam.id}/papers/{sitting.id}")
    assert "成绩计算（评分引擎）" in paper.text and "理论知识" in paper.text
    analysis = await organiser.get(f"/admin/exams/tests/{exam.id}/analysis")
    assert analysis.status_code == 200 and "区分度" in analysis.text


async def test_a_mistyped_id_number_on_the_review_page_is_named_once(app):
    client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await client.get("/exam/review")
    refused = await client.form("/exam/review", {"bib": "0001", "id_number": "421202199001010012"})
    assert refused.status_code == 400 and "身份证号校验位错误，请核对是否输错" in text_of(refused.text)
