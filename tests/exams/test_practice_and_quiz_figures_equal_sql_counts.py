"""网上练兵 over HTTP: anyone practises without an account and sees each explanation at once;
workers register a light account (the phone never shown again) and take a timed quiz within its
rules; the campaign's leaderboard, a unit's page and the yearly report count exactly what SQL counts."""
import re
from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlmodel import select

from contest.db import utcnow
from contest.exams.models import Attempt, PracticeSet, Question
from contest.exams.service import bank as banks
from contest.exams.service import practice
from contest.people.models import Area, Unit
from tests.builders import bank_file, question_row
from tests.support import Client, text_of

UNITS = [("咸安区香城大酒店", "咸安区"), ("赤壁青砖茶业有限公司", "赤壁市"), ("赤壁供电公司", "赤壁市")]


async def seed(session) -> dict[str, int]:
    areas = {name: Area(code=code, name=name) for code, name in (("421202", "咸安区"), ("421281", "赤壁市"))}
    session.add_all(areas.values())
    await session.flush()
    units = [Unit(name=name, area_id=areas[area].id) for name, area in UNITS]
    session.add_all(units)
    await session.commit()
    bank = await banks.create_bank(session, "中式烹调师")
    report = await banks.import_questions(session, bank, "q.xlsx", bank_file([question_row(i) for i in range(60)]), "t")
    assert report.imported == 60
    return {u.name: u.id for u in units} | {"bank": bank.id}


def phone_client(app) -> Client:
    return Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                  headers={"user-agent": "Mozilla/5.0 (iPhone) Mobile"})


async def answer_all(client: Client, url: str, session, right: int) -> str:
    """Answer every question on an attempt page; the first `right` of them correctly."""
    page = await client.get(url)
    ids = [int(i) for i in re.findall(r'data-question="(\d+)"', page.text)]
    last = ""
    for n, question_id in enumerate(ids):
        q = await session.get(Question, question_id)
        good = "".join(q.answer) if q.kind != "fill" else q.answer[0]
        bad = "错" if q.answer == ["对"] else "对" if q.kind == "truefalse" else "未知" if q.kind == "fill" else \
            ("B" if q.answer != ["B"] else "A")
        value = good if n < right else bad
        response = await client.form(f"{url}/questions/{question_id}",
                                     {"response": list(value) if q.kind == "multiple" else value})
        assert response.status_code == 200, response.text
        last = response.text
    return last


async def test_practice_quiz_board_and_report_equal_sql(app, organiser, session):
    ids = await seed(session)
    made = await organiser.form("/admin/exams/sets", {"kind": "practice", "bank_id": ids["bank"],
                                                     "title": "食品安全练习", "count": "6"})
    practice_id = int(made.headers["location"].rsplit("/", 1)[1])
    now = utcnow() + timedelta(hours=8)  # the form takes China time
    made = await organiser.form("/admin/exams/sets", {
        "kind": "quiz", "bank_id": ids["bank"], "title": "安全生产月答题", "count": "20",
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"), "minutes": "10", "per_attempt": "5",
        "max_attempts": "2"})
    quiz_id = int(made.headers["location"].rsplit("/", 1)[1])
    assert (await phone_client(app).get(f"/practice/sets/{quiz_id}")).status_code == 404  # not yet published
    for set_id in (practice_id, quiz_id):
        await organiser.form(f"/admin/exams/sets/{set_id}/publish")

    # Anyone practises: each answer comes back with the right answer and the explanation.
    anon = phone_client(app)
    started = await anon.form(f"/practice/sets/{practice_id}/start")
    assert started.status_code == 303
    card = await answer_all(anon, started.headers["location"], session, right=3)
    assert "正确答案" in card and "解析：" in card

    # A quiz needs a light account first.
    worker = phone_client(app)
    assert (await worker.form(f"/practice/sets/{quiz_id}/start")).headers["location"].startswith("/practice/me")
    bad_phone = await worker.form("/practice/me", {"name": "王建华", "unit_id": ids[UNITS[0][0]], "phone": "123"})
    assert bad_phone.status_code == 400 and "手机号" in text_of(bad_phone.text)

    people = [("王建华", 0, "13800001111"), ("李秀英", 0, "13800002222"), ("陈志强", 1, "13900003333"),
              ("刘芳", 2, "13700004444")]
    for k, (name, unit, phone) in enumerate(people):
        client = phone_client(app)
        registered = await client.form("/practice/me", {"name": name, "unit_id": ids[UNITS[unit][0]], "phone": phone})
        assert registered.status_code == 303
        for attempt in range(2 if k == 0 else 1):
            started = await client.form(f"/practice/sets/{quiz_id}/start")
            url = started.headers["location"]
            await answer_all(client, url, session, right=k + attempt + 1)
            done = await client.form(f"{url}/finish")
            assert done.status_code == 303
        if k == 0:  # two attempts allowed, not three
            third = await client.form(f"/practice/sets/{quiz_id}/start")
            assert third.status_code == 409 and "次数已用完" in text_of(third.text)
        if k == 1:  # the quiz's clock: an answer after the deadline is refused
            started = await client.form(f"/practice/sets/{quiz_id}/start")
            attempt = (await session.exec(select(Attempt).order_by(Attempt.id.desc()))).first()
            await session.exec(text("update attempt set deadline = now() - interval '1 second' where id = :id")
                               .bindparams(id=attempt.id))
            await session.commit()
            page = await client.get(started.headers["location"])
            assert "得分" in text_of(page.text)  # handed in by the clock

    # The same phone again is the same worker (who moved unit).
    again = phone_client(app)
    await again.form("/practice/me", {"name": "刘芳", "unit_id": ids[UNITS[1][0]], "phone": "137 0000 4444"})
    assert (await session.exec(text("select count(*) from learner"))).one()[0] == 4

    # The leaderboard equals SQL counts, by unit and by county.
    board = (await anon.get(f"/practice/sets/{quiz_id}/board")).text
    for phone in ("13800001111", "1380000", "0001111", "4444"):
        assert phone not in board
    sections = dict(zip(("units", "areas"), board.split('id="board-units"')[1].split('id="board-areas"'),
                        strict=True))
    for section, table, alias in (("units", "unit", "u"), ("areas", "area", "ar")):
        counted = {name: (people_n, times) for name, people_n, times in (await session.exec(text(f"""
            select {alias}.name, count(distinct a.learner_id), count(*) from attempt a
            join {table} {alias} on {alias}.id = a.{table}_id where a.set_id = :set and a.answered > 0
            group by {alias}.name""").bindparams(set=quiz_id))).all()}
        shown = {name: (int(people_n), int(times)) for name, people_n, times in re.findall(
            r'<tr data-name="([^"]+)"><td>\d+</td><td>[^<]+</td><td class="num people">(\d+)</td>'
            r'<td class="num attempts">(\d+)</td>', sections[section])}
        assert shown == counted and counted, section
    assert set(counted) == {"咸安区", "赤壁市"}
    assert "王*华" in board and "王建华" not in board  # names masked

    # A unit's page shows its workers' participation.
    fragment = (await anon.get(f"/units/{ids[UNITS[0][0]]}/practice")).text
    assert "安全生产月答题" in fragment

    # The yearly report: practice and quiz person-times and coverage equal SQL counts.
    year = (utcnow() + timedelta(hours=8)).year
    figures = await practice.participation(session, year)
    by_kind = dict((await session.exec(text("""
        select s.kind, count(*) from attempt a join practice_set s on s.id = a.set_id
        where a.answered > 0 and extract(year from a.started_at at time zone 'Asia/Shanghai') = :year
        group by s.kind""").bindparams(year=year))).all())
    assert (figures.practice_times, figures.quiz_times) == (by_kind["practice"], by_kind["quiz"]) == (1, 5)
    assert figures.people == (await session.exec(text(
        "select count(distinct learner_id) from attempt where answered > 0"))).one()[0] == 4
    assert figures.units == 3  # 刘芳 moved unit later: her attempts stay with the unit she was in
    report = text_of((await organiser.get(f"/admin/registry/report?year={year}")).text)
    assert f"网上练兵人次 {by_kind['practice']}" in report and f"答题活动人次 {by_kind['quiz']}" in report
    assert f"参与人次合计（竞赛、练兵、答题） {by_kind['practice'] + by_kind['quiz']}" in report
    assert (await session.exec(select(PracticeSet).where(PracticeSet.id == quiz_id))).one().published
