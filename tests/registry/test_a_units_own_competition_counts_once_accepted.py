"""劳动竞赛备案: a unit files its own competition with 300 person-times; nothing moves until its county
union accepts it (the unit cannot accept its own); then the yearly report and the coverage dashboard
move by exactly 300 and one unit, and every figure equals a plain SQL count. Participants listed by
ID count once each: a person listed twice is refused."""
import io

import openpyxl
from sqlalchemy import text

from contest.auth import create_account
from contest.people.models import Unit
from tests.builders import make_contest, person, unit_account, xlsx
from tests.support import text_of

YEAR = 2026


async def figures(client) -> dict[str, str]:
    """What the office reads on the yearly report and the coverage dashboard."""
    report, coverage = text_of((await client.get(f"/admin/registry/report?year={YEAR}")).text), \
        text_of((await client.get(f"/admin/coverage?year={YEAR}")).text)
    read = lambda page, label: page.split(label, 1)[1].split()[0]  # noqa: E731
    return {"labour_times": read(report, "劳动竞赛参与人次合计（全市竞赛与单位备案）"),
            "labour_units": read(report, "参与劳动竞赛单位合计"),
            "coverage_times": read(coverage, "劳动竞赛参与人次"),
            "took_part": read(coverage, "参与单位 / 单位总数")}


async def counted(session) -> tuple[int, int]:
    """Person-times and units of the year, counted straight from the tables."""
    entries = """select e.unit_id from entry e join track t on t.id = e.track_id join event v on v.id = t.event_id
                 where v.year = :year and v.status <> 'draft'"""
    times = (await session.exec(text(
        f"select (select count(*) from ({entries}) x) + (select coalesce(sum(person_times), 0) from filing "
        "where state = 'accepted' and year = :year)"), params={"year": YEAR})).one()[0]
    units = (await session.exec(text(
        f"select count(distinct unit_id) from ({entries} union all select unit_id from filing "
        "where state = 'accepted' and year = :year) x where unit_id is not null"), params={"year": YEAR})).one()[0]
    return times, units


async def test_an_accepted_filing_moves_the_report_and_the_dashboard_by_exactly_its_figure(client, session):
    contest = await make_contest(session)
    factory = await session.get(Unit, contest.entries[0].unit_id)
    other = Unit(name="咸安区温泉机械厂", area_id=factory.area_id, ownership="non_public", size="small")
    session.add(other)
    await session.commit()
    await unit_account(session, "works", unit_id=other.id)
    await unit_account(session, "xianan", area_id=factory.area_id)
    await create_account(session, "office-clerk", "竞赛办小王", "organiser", "correct-horse")

    async def sign_in(name: str) -> None:
        await client.form("/logout")
        assert (await client.form("/login", {"username": name, "password": "correct-horse"})).status_code == 303

    await sign_in("office-clerk")
    before = await figures(client)
    assert (int(before["labour_times"]), int(before["labour_units"])) == await counted(session) == (6, 1)

    await sign_in("works")
    filed = await client.form(f"/unit/{other.id}/filings", {
        "theme": "2026年温泉机械厂车工技术比武", "starts_on": "2026-05-01", "ends_on": "2026-05-20",
        "teams": "一车间、二车间", "person_times": "300"})
    assert filed.status_code == 303
    filing_id = int(filed.headers["location"].rsplit("/", 1)[1])
    assert (await client.form(f"/unit/filings/{filing_id}/decision", {"action": "accept"})).status_code == 404

    await sign_in("office-clerk")
    assert await figures(client) == before  # filed, not yet accepted: nothing moves

    await sign_in("xianan")
    assert (await client.form(f"/unit/filings/{filing_id}/decision", {"action": "accept"})).status_code == 303
    await sign_in("office-clerk")
    after = await figures(client)
    assert int(after["labour_times"]) == int(before["labour_times"]) + 300 == int(after["coverage_times"])
    assert int(after["labour_units"]) == int(before["labour_units"]) + 1
    assert after["took_part"] == "2"
    assert (int(after["labour_times"]), int(after["labour_units"])) == await counted(session)
    book = openpyxl.load_workbook(io.BytesIO((await client.get(f"/admin/coverage.xlsx?year={YEAR}")).content))
    cells = {row[0]: row[1] for row in book.active.iter_rows(values_only=True) if row and row[0]}
    assert cells["劳动竞赛参与人次（全市竞赛与单位备案）"] == 306 and cells["参与单位"] == 2


async def test_participants_listed_by_id_count_once(client, session):
    contest = await make_contest(session, contestants=1)
    unit = await session.get(Unit, contest.entries[0].unit_id)
    await unit_account(session, "hotel", unit_id=unit.id)
    await client.form("/login", {"username": "hotel", "password": "correct-horse"})
    filed = await client.form(f"/unit/{unit.id}/filings", {
        "theme": "后厨刀工比武", "starts_on": "2026-06-01", "ends_on": "2026-06-01", "person_times": "10"})
    results = filed.headers["location"] + "/results"
    twice = await client.form(results, {"person_times": "10", "awards": "一等奖1名"}, files={
        "file": ("名单.xlsx", xlsx([person(1), person(2), person(1)]))})
    assert twice.status_code == 400 and "与第2行是同一人" in text_of(twice.text)
    once = await client.form(results, {"person_times": "10", "awards": "一等奖1名"}, files={
        "file": ("名单.xlsx", xlsx([person(1), person(2), person(3)]))})
    assert once.status_code == 303
    assert (await session.exec(text("select person_times from filing"))).one()[0] == 3
    page = text_of((await client.get(filed.headers["location"])).text)
    assert "按名单 3 人" in page and "待受理" in page
