"""On a phone in a real browser: a worker opens a practice set without an account and sees each
answer's explanation at once, then registers a light account (name, unit, phone) and takes a
timed quiz campaign against other workers. The campaign's leaderboard and the yearly report's
participation figures equal SQL counts, and no page shows the phone."""
import re
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import text

from contest.auth import create_account
from contest.db import utcnow
from contest.exams.models import Question
from contest.exams.service import bank as banks
from contest.exams.service import practice
from contest.people.models import Area, Unit
from tests.builders import bank_file, question_row
from tests.support import ID_KEY

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}
UNITS = [("咸安区香城大酒店", "咸安区"), ("赤壁青砖茶业有限公司", "赤壁市"), ("通山县供电公司", "通山县")]
OTHERS = [("李秀英", 0, "13800002222", 4), ("陈志强", 1, "13900003333", 2), ("刘芳", 2, "13700004444", 5),
          ("赵敏", 1, "13600005555", 3)]


def key_of(q: Question) -> str:
    return "".join(q.answer) if q.kind != "fill" else q.answer[0]


def wrong_of(q: Question) -> str:
    return {"fill": "不知道", "truefalse": "错" if q.answer == ["对"] else "对"}.get(
        q.kind, "B" if q.answer != ["B"] else "A")


async def set_up(session) -> tuple[int, int, dict[str, int]]:
    areas = {}
    for code, name in (("421202", "咸安区"), ("421281", "赤壁市"), ("421224", "通山县")):
        areas[name] = Area(code=code, name=name)
        session.add(areas[name])
    await session.flush()
    units = {name: Unit(name=name, area_id=areas[area].id) for name, area in UNITS}
    session.add_all(units.values())
    await session.commit()
    bank = await banks.create_bank(session, "中式烹调师")
    await banks.import_questions(session, bank, "q.xlsx", bank_file([question_row(i) for i in range(60)]), "seed")
    drill = await practice.create_set(session, practice.SetInput("practice", bank.id, "食品安全每日一练", count=5,
                                                                 knowledge="食品安全"))
    now = utcnow()
    quiz = await practice.create_set(session, practice.SetInput(
        "quiz", bank.id, "安全生产月知识答题", count=30, starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3), minutes=5, per_attempt=5, max_attempts=2))
    for the_set in (drill, quiz):
        await practice.set_published(session, the_set, True)
    for name, unit, phone, right in OTHERS:  # other workers have taken the quiz already
        learner = await practice.register(session, name, units[UNITS[unit][0]].id, phone, ID_KEY.encode())
        attempt = await practice.start(session, quiz, learner)
        for n, question_id in enumerate(attempt.question_ids):
            q = await session.get(Question, question_id)
            await practice.answer(session, attempt, quiz, question_id, key_of(q) if n < right else wrong_of(q))
        await practice.finish(session, attempt)
    return drill.id, quiz.id, {name: u.id for name, u in units.items()}


async def answer_card(page, q: Question, right: bool) -> None:
    card = page.locator(f"#q-{q.id}")
    wanted = key_of(q) if right else wrong_of(q)
    if q.kind == "fill":
        await card.locator("input[name=response]").fill(wanted)
    else:
        for value in wanted:
            await card.locator(f"input[name=response][value='{value}']").check()
    await card.locator("button[type=submit]").click()


async def test_a_worker_practises_and_quizzes_on_a_phone(browser, live_server, session, clean_db, tmp_path):
    drill_id, quiz_id, unit_ids = await set_up(session)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()

    # Practice without an account: the explanation after each answer.
    await page.goto(f"{live_server}/practice")
    await page.click(f"a[href='/practice/sets/{drill_id}']")
    await page.click("#start")
    await page.wait_for_url(re.compile(r".*/practice/attempts/.+"))
    ids = [int(i) for i in await page.locator(".question-card").evaluate_all(
        "cards => cards.map(c => c.dataset.question)")]
    assert len(ids) == 5
    for n, question_id in enumerate(ids[:3]):
        q = await session.get(Question, question_id)
        await answer_card(page, q, right=n != 1)
        feedback = page.locator(f"#q-{question_id} .feedback")
        await expect(feedback).to_contain_text("回答错误" if n == 1 else "回答正确")
        await expect(feedback).to_contain_text(f"正确答案：{key_of(q).split('|')[0]}")
        await expect(feedback.locator(".explanation")).to_contain_text("解析：")
    # On the bus the network drops as the fourth answer goes: the worker is told, and sends it again.
    fourth = await session.get(Question, ids[3])
    await context.set_offline(True)
    await answer_card(page, fourth, right=True)
    await expect(page.locator("#messages")).to_contain_text("网络不通，答案未提交")
    await context.set_offline(False)
    await page.locator(f"#q-{fourth.id} button[type=submit]").click()
    await expect(page.locator(f"#q-{fourth.id} .feedback")).to_contain_text("回答正确")
    await expect(page.locator("#messages")).to_be_empty()
    await page.screenshot(path=str(tmp_path / "phone-practice.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.click("#finish")
    await expect(page.locator("#result")).to_contain_text("答对 3/5 题")

    # The quiz needs a light account; the phone is taken and never shown again.
    await page.goto(f"{live_server}/practice/sets/{quiz_id}")
    await page.click("#start")
    await page.wait_for_url(re.compile(r".*/practice/me\?next=.*"))
    await page.fill("input[name=name]", "王建华")
    await page.select_option("select[name=unit_id]", str(unit_ids[UNITS[1][0]]))
    await page.fill("input[name=phone]", "138 0000 1111")
    await page.click("#register button[type=submit]")
    await page.wait_for_url(f"{live_server}/practice/sets/{quiz_id}")
    await page.click("#start")
    await page.wait_for_url(re.compile(r".*/practice/attempts/.+"))
    await expect(page.locator("#quiz-clock")).to_have_text(re.compile(r"剩余 0[45]:\d\d"))
    ids = [int(i) for i in await page.locator(".question-card").evaluate_all(
        "cards => cards.map(c => c.dataset.question)")]
    for n, question_id in enumerate(ids):
        await answer_card(page, await session.get(Question, question_id), right=n != 0)
        await expect(page.locator(f"#q-{question_id}")).to_contain_text("已作答，交卷后显示对错与解析")
    await page.click("#finish")
    await expect(page.locator("#result")).to_contain_text("答对 4/5 题")
    await page.screenshot(path=str(tmp_path / "phone-quiz-result.png"), full_page=True)

    # The leaderboard equals SQL counts, by unit and by county; names masked, no phone.
    await page.goto(f"{live_server}/practice/sets/{quiz_id}/board")
    await page.screenshot(path=str(tmp_path / "phone-board.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    html = re.sub(r"[0-9a-f]{32,}", "", await page.content())  # the CSRF token's hex may hold a run of digits
    assert not re.search(r"1[3-9]\d[\s*]*\d{4}", html) and "王*华" in html and "王建华" not in html
    for table, column in (("units", "u.name"), ("areas", "ar.name")):
        counted = {name: [str(people), str(times)] for name, people, times in (await session.exec(text(f"""
            select {column}, count(distinct a.learner_id), count(*) from attempt a
            join unit u on u.id = a.unit_id join area ar on ar.id = a.area_id
            where a.set_id = :set and a.answered > 0 group by {column}""").bindparams(set=quiz_id))).all()}
        rows = page.locator(f"#board-{table} tbody tr")
        shown = {await r.get_attribute("data-name"): [await r.locator(".people").inner_text(),
                                                      await r.locator(".attempts").inner_text()]
                 for r in await rows.all()}
        assert shown == counted, table
    top = await page.locator("#board-people tbody tr").first.inner_text()
    assert top.split("\t")[1] == "刘*"  # five right of five, the best score

    # The yearly report's participation equals SQL counts.
    await create_account(session, "office", "竞赛办", "organiser", "xianning-2026")
    office = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    year = (utcnow() + timedelta(hours=8)).year
    await office.goto(f"{live_server}/login?next=/admin/registry/report?year={year}")
    await office.fill("input[name=username]", "office")
    await office.fill("input[name=password]", "xianning-2026")
    await office.click("button[type=submit]")
    by_kind = dict((await session.exec(text("""
        select s.kind, count(*) from attempt a join practice_set s on s.id = a.set_id where a.answered > 0
        and extract(year from a.started_at at time zone 'Asia/Shanghai') = :year group by s.kind""")
        .bindparams(year=year))).all())
    people = (await session.exec(text("select count(distinct learner_id) from attempt where answered > 0"))).one()[0]
    units = (await session.exec(text("select count(distinct unit_id) from attempt where answered > 0"))).one()[0]
    await expect(office.locator("#practice-times")).to_have_text(str(by_kind["practice"]))
    await expect(office.locator("#quiz-times")).to_have_text(str(by_kind["quiz"]))
    await expect(office.locator("#practice-people")).to_have_text(str(people))
    await expect(office.locator("#all-times")).to_have_text(str(by_kind["practice"] + by_kind["quiz"]))
    await expect(office.locator("#units-reached")).to_have_text(str(units))
    assert (by_kind["practice"], by_kind["quiz"], people) == (1, 5, 5)

    # A unit's page shows its workers' participation.
    await page.goto(f"{live_server}/units/{unit_ids[UNITS[1][0]]}")
    await expect(page.locator("#unit-practice")).to_contain_text("安全生产月知识答题")
    assert "1380000" not in await page.content()
    learners = (await session.exec(text("select phone_masked, phone_hash from learner"))).all()
    assert all(len(h) == 64 and "*" in m for m, h in learners)
    await context.close()
    await office.close()
