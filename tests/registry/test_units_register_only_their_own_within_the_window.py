"""The rules of grass-roots unions online, over HTTP: a unit account sees and edits only its own unit
and a county account only its county's (the service's rule: another unit is "not found"); an
invitation opens one account once; registration only while the event is 报名中, up to its closing
day and within the track's quota; a worker on their own is 新就业形态 and rate-limited; the office
returns only with a reason, and an approved registration is an entry of its person."""
from datetime import timedelta

from sqlalchemy import text

from contest import clock
from contest.events import service as events
from contest.people import service as people
from contest.people.models import Area
from contest.units import service as units
from tests.builders import make_event, person, unit_account
from tests.support import text_of


async def sign_in(client, username: str):
    """As a chair signs in: from the sign-in page itself (no page to go back to)."""
    return await client.form("/login", {"username": username, "password": "correct-horse"})


def fields(row: list[str]) -> dict[str, str]:
    return {"姓名": row[0], "身份证号": row[2], "手机号": row[3], "县(市、区)": row[5], "职业技能等级": row[6]}


async def setting(session):
    event, track = await make_event(session)
    xianan = (await people.areas_by_name(session))["咸安区"]
    chibi = Area(code="421281", name="赤壁市")
    session.add(chibi)
    await session.commit()
    hotel = await people.create_unit(session, people.UnitInput("咸安区香城大酒店", area_id=xianan.id))
    tea = await people.create_unit(session, people.UnitInput("赤壁青砖茶业有限公司", area_id=chibi.id))
    return event, track, hotel, tea, chibi


async def test_a_unit_sees_only_its_own_and_a_county_only_its_county(client, session):
    event, track, hotel, tea, chibi = await setting(session)
    await events.set_event_status(session, event, "registration")
    await unit_account(session, "hotel", unit_id=hotel.id)
    await unit_account(session, "chibi", area_id=chibi.id)

    assert (await sign_in(client, "hotel")).headers["location"] == "/unit"
    assert (await client.get("/unit")).headers["location"] == f"/unit/{hotel.id}"
    assert (await client.get(f"/unit/{tea.id}")).status_code == 404
    refused = await client.form(f"/unit/{tea.id}/tracks/{track.id}", fields(person(1, "赤壁青砖茶业有限公司")))
    assert refused.status_code == 404
    saved = await client.form(f"/unit/{hotel.id}/profile", {"ownership": "non_public", "size": "micro",
                                                            "workers": "30", "members": "28",
                                                            "contact_phone": "13907150001"})
    assert saved.status_code == 303
    assert (await client.form(f"/unit/{hotel.id}/profile", {"workers": "30", "members": "31"})).status_code == 400

    await client.form("/logout")
    await sign_in(client, "chibi")
    page = await client.get("/unit")
    assert "赤壁青砖茶业有限公司" in page.text and "咸安区香城大酒店" not in page.text
    assert (await client.get(f"/unit/{hotel.id}")).status_code == 404
    assert (await client.get(f"/unit/{tea.id}")).status_code == 200


async def test_an_invitation_opens_one_account_once(client, session):
    _, _, hotel, _, _ = await setting(session)
    code = await units.invite(session, unit_id=hotel.id, area_id=None, actor="test")
    mismatch = await client.form(f"/invite/{code}", {"username": "hotel", "password": "xiangcheng-2026",
                                                     "password2": "xiangcheng-2027"})
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in text_of(mismatch.text)
    opened = await client.form(f"/invite/{code}", {"username": "hotel", "password": "xiangcheng-2026",
                                                   "password2": "xiangcheng-2026"})
    assert opened.status_code == 303 and opened.headers["location"] == "/unit"
    again = await client.get(f"/invite/{code}")
    assert again.status_code == 409 and "已使用" in text_of(again.text)
    assert (await client.get("/invite/not-a-code")).status_code == 404


async def test_registration_keeps_to_the_phase_the_closing_day_and_the_quota(client, session):
    event, track, hotel, _, _ = await setting(session)
    await unit_account(session, "hotel", unit_id=hotel.id)
    await sign_in(client, "hotel")
    url = f"/unit/{hotel.id}/tracks/{track.id}"
    draft = await client.form(url, fields(person(1)))
    assert draft.status_code == 409 and "筹备" in text_of(draft.text)

    await events.set_event_status(session, event, "registration")
    await events.set_registration_closes(session, event, clock.today() - timedelta(days=1), "test")
    late = await client.form(url, fields(person(1)))
    assert late.status_code == 409 and "截止" in text_of(late.text)

    await events.set_registration_closes(session, event, clock.today(), "test")
    track.capacity = 2
    session.add(track)
    await session.commit()
    assert (await client.form(url, fields(person(1)))).status_code == 200
    twice = await client.form(url, fields(person(1)))
    assert twice.status_code == 400 and "已在网上报名本赛项" in text_of(twice.text)
    assert (await client.form(url, fields(person(2)))).status_code == 200
    full = await client.form(url, fields(person(3)))
    assert full.status_code == 400 and "超出赛项名额" in text_of(full.text)
    assert (await session.exec(text("select count(*) from registration"))).one()[0] == 2


async def test_a_courier_registers_alone_and_the_office_decides(client, session, organiser):
    event, track, _, _, _ = await setting(session)
    await events.set_event_status(session, event, "registration")
    await client.form("/logout")
    for i in range(units.INDIVIDUAL_LIMIT):
        answer = await client.form(f"/register/{track.id}", {**fields(person(10 + i)), "employer": "美团外卖"})
        assert answer.status_code == 200, text_of(answer.text)
    limited = await client.form(f"/register/{track.id}", {**fields(person(20)), "employer": "美团外卖"})
    assert limited.status_code == 409 and "每小时最多" in text_of(limited.text)
    assert (await client.form(f"/register/{track.id}", fields(person(21)))).status_code == 400  # no employer

    ids = list((await session.exec(text("select id from registration order by id"))).scalars())
    await client.login()
    assert (await client.form("/admin/registrations", {"ids": ids[:1], "action": "return"})).status_code == 400
    assert (await client.form("/admin/registrations", {"ids": ids[1:], "action": "approve"})).status_code == 303
    assert (await client.form("/admin/registrations", {"ids": ids[1:2], "action": "approve"})).status_code == 409
    entered = (await session.exec(text(
        "select count(*) from entry e join person p on p.id = e.person_id join registration r on r.entry_id = e.id "
        "where p.new_employment_form and p.id_hash = r.id_hash"))).one()[0]
    assert entered == units.INDIVIDUAL_LIMIT - 1
    ledgered = (await session.exec(text(
        "select count(*) from ledger_entry where action = 'registration.approve'"))).one()[0]
    assert ledgered == 1
