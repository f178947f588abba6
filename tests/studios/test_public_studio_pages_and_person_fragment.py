"""The public studio list with its filters and totals, a studio's page (lead linked to the
registry profile when the lead is a named craftsman), an alliance's page, and the fragment the
craftsman profile loads: the person's studios, or nothing at all."""
from decimal import Decimal

from contest.studios import service as svc
from tests.builders import name_craftsman
from tests.support import text_of


async def build(session, world):
    tea = await svc.create_studio(session, svc.StudioInput(
        "赤壁青砖茶制作技艺工匠工作室", "craftsman", "provincial", world.person("李秀英").id,
        world.units["赤壁青砖茶业有限公司"].id, "茶叶加工"))
    machine = await svc.create_studio(session, svc.StudioInput(
        "张建华劳模创新工作室", "model_worker", "city", world.person("张建华").id,
        world.units["咸宁机械制造有限公司"].id, "机械制造"))
    await svc.add_member(session, tea, world.person("张建华").id, "技术顾问")
    await svc.add_member(session, tea, world.person("吴桂兰").id)
    await svc.save_report(session, tea, svc.ReportInput(2024, 3, 2, 8, 4, Decimal("1250000.50"), 60, 15))
    await svc.save_report(session, machine, svc.ReportInput(2024, 1, 1, 2, 1, Decimal("0.25"), 10, 2))
    await svc.set_assessment(session, tea, 2024, "excellent")
    alliance = await svc.create_alliance(session, svc.AllianceInput("咸宁青砖茶产业链创新工作室联盟", "chain"))
    await svc.add_alliance_member(session, alliance, tea.id)
    await svc.add_alliance_member(session, alliance, machine.id)
    await name_craftsman(session, world.person("李秀英"))
    return tea, machine, alliance


async def test_public_list_filters_by_level_type_and_county(client, session, world):
    tea, machine, _ = await build(session, world)
    everything = await client.get("/studios")
    assert everything.status_code == 200
    assert tea.name in everything.text and machine.name in everything.text
    assert everything.text.index(tea.name) < everything.text.index(machine.name)  # provincial before city
    assert "1,250,000.75" in everything.text  # the year's benefit, summed exactly
    for query, shown, hidden in (("level=city", machine, tea), ("kind=craftsman", tea, machine),
                                 (f"area={world.areas['赤壁市'].id}", tea, machine), ("q=青砖茶", tea, machine)):
        page = (await client.get(f"/studios?{query}")).text
        assert shown.name in page and hidden.name not in page, query
    blank = await client.get("/studios?level=&kind=&area=&q=")
    assert blank.status_code == 200 and tea.name in blank.text
    bad = await client.get("/studios?level=galactic")
    assert bad.status_code == 400 and "工作室级别取值无效" in bad.text


async def test_studio_page_shows_lead_members_reports_and_alliances(client, session, world):
    tea, machine, alliance = await build(session, world)
    page = await client.get(f"/studios/{tea.id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "工匠工作室" in text and "省级" in text and "赤壁青砖茶业有限公司" in text and "赤壁市" in text
    assert f'<a href="/registry/people/{world.person("李秀英").id}">李秀英</a>' in page.text  # a named craftsman
    assert "张建华 技术顾问" in text and "吴桂兰" in text
    assert "/registry/people/" + str(world.person("张建华").id) not in page.text  # no profile: no dead link
    assert "1,250,000.50" in text and "优秀" in text
    assert f'href="/alliances/{alliance.id}"' in page.text
    other = await client.get(f"/studios/{machine.id}")
    assert "未考核" in other.text and "张建华" in other.text
    assert (await client.get("/studios/424242")).status_code == 404


async def test_alliance_pages(client, session, world):
    tea, machine, alliance = await build(session, world)
    page = await client.get(f"/alliances/{alliance.id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "产业链联盟" in text and f"轮值主席单位： {tea.name}" in text and machine.name in text
    listing = await client.get("/alliances")
    assert alliance.name in listing.text
    assert (await client.get("/alliances/424242")).status_code == 404


async def test_person_fragment_lists_led_and_joined_studios_or_nothing(client, session, world):
    tea, machine, _ = await build(session, world)
    fragment = await client.get(f"/studios/people/{world.person('张建华').id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.headers["content-type"].startswith("text/html")
    assert "<html" not in fragment.text
    assert f'<a href="/studios/{tea.id}">{tea.name}</a>' in fragment.text
    assert f'<a href="/studios/{machine.id}">{machine.name}</a>' in fragment.text
    assert "领衔人" in fragment.text and "技术顾问" in fragment.text
    roles = [(s.name, s.role) for s in await svc.studios_of_person(session, world.person("张建华").id)]
    assert roles == [(tea.name, "技术顾问"), (machine.name, "领衔人")]  # provincial first
    nobody = await client.get(f"/studios/people/{world.person('周涛').id}")
    assert nobody.status_code == 200 and nobody.text == ""
