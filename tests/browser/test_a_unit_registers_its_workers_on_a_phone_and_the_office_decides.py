"""A grass-roots union online, end to end: the office invites a unit; its chair opens the link on a
phone, sets a password and lands on the unit's home; enters one worker in the phone form (a wrong ID
number refused first, in Chinese) and 21 more from the import's own XLSX template (two bad rows
refused with reasons); the office approves 18 of the 20 and returns 2 with a reason; the 18 are
entries of the track, and the chair sees why the 2 came back."""
from datetime import date

import pytest
from playwright.async_api import expect
from sqlalchemy import text

from contest.events import service as events
from contest.people import service as people
from contest.people.identity import make_id_number
from tests.browser.phone import PHONE, Seen, check_phone_page
from tests.browser.speaks_chinese import assert_chinese
from tests.builders import make_event, person, staff_page, xlsx

pytestmark = pytest.mark.browser

UNIT = "咸安区香城大酒店"


def bad_checksum(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


async def test_a_unit_registers_twenty_workers_and_the_office_approves_eighteen(browser, live_server, session,
                                                                                clean_db):
    event, track = await make_event(session)
    area = (await people.areas_by_name(session))["咸安区"]
    await people.create_unit(session, people.UnitInput(UNIT, area_id=area.id))
    await events.set_event_status(session, event, "registration")

    office = await staff_page(browser, live_server, session, path="/admin/unit-accounts")
    await office.fill("#invite input[name=unit]", UNIT)
    await office.click("#invite button[type=submit]")
    link = await office.locator("#invite-link").input_value()
    assert "/invite/" in link

    chair = await (await browser.new_context(**PHONE)).new_page()
    seen = Seen([])
    await chair.goto(link)
    await expect(chair.locator("h1")).to_contain_text(UNIT)
    await chair.fill("input[name=username]", "xcjd")
    await chair.fill("input[name=password]", "xiangcheng-2026")
    await chair.fill("input[name=password2]", "xiangcheng-2026")
    await chair.click("#accept button")
    await expect(chair.locator("h1")).to_have_text(UNIT)
    await check_phone_page(chair, "the unit's home", seen)
    await assert_chinese(chair)

    await chair.click(f"#open-tracks a:has-text('{track.name}')")
    first = person(0, UNIT)
    await chair.fill("#worker input[name=姓名]", first[0])
    await chair.fill("#worker input[name=身份证号]", bad_checksum(first[2]))
    await chair.click("#worker button")
    await expect(chair.locator("#form-error")).to_contain_text("身份证号")
    await check_phone_page(chair, "the refused form", seen)
    await chair.fill("#worker input[name=身份证号]", first[2])
    await chair.click("#worker button")
    await expect(chair.locator("#saved")).to_contain_text(first[0])

    rows = [person(i, UNIT) for i in range(1, 20)]
    rows.append(person(0, UNIT))  # the worker the form already entered
    wrong = person(40, UNIT)
    wrong[2] = bad_checksum(make_id_number("421202", date(1990, 5, 5), 7, "女"))
    rows.append(wrong)
    await chair.set_input_files("#upload input[name=file]", files=[{
        "name": "报名表.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": xlsx(rows)}])
    await chair.click("#upload button")
    await expect(chair.locator("#file-result")).to_contain_text("19 人已提交报名")
    problems = chair.locator("#problems")
    await expect(problems).to_contain_text("已在网上报名本赛项")
    await expect(problems).to_contain_text("校验")
    await check_phone_page(chair, "the upload's report", seen)
    assert not seen.problems, "\n".join(seen.problems)

    await office.goto(f"{live_server}/admin/registrations")
    boxes = office.locator("#registrations input[name=ids]")
    await expect(boxes).to_have_count(20)
    await office.check("input[data-check-all=ids]")  # 全选, then leave two out
    await boxes.nth(18).uncheck()
    await boxes.nth(19).uncheck()
    await office.click("#approve")
    await expect(boxes).to_have_count(2)
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    await office.fill("#decide input[name=reason]", "技能等级证书与名单不符，请核实后重报")
    await office.click("#return")
    await expect(office.locator("#registrations")).to_contain_text("没有待审核的报名")
    await assert_chinese(office)

    entered = (await session.exec(text(
        "select count(*) from entry e join registration r on r.entry_id = e.id "
        "where e.track_id = :track and r.state = 'approved'"), params={"track": track.id})).one()[0]
    assert entered == (await session.exec(text("select count(*) from entry where track_id = :t"),
                                          params={"t": track.id})).one()[0] == 18
    returned = (await session.exec(text("select count(*) from registration where state = 'returned'"))).one()[0]
    assert returned == 2

    await chair.goto(f"{live_server}/unit")
    await expect(chair.locator("#registrations")).to_contain_text("技能等级证书与名单不符")
    await chair.context.close()
    await office.close()
