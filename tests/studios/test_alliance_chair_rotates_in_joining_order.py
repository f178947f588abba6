"""An alliance's chair rotates through its member studios in the order they joined, wrapping
round; the chair can only be a member, and a leaving chair hands over to the next member."""
import pytest

from contest.errors import InputError
from contest.studios import service as svc


async def studios(session, world, n: int = 3):
    names = ["张建华劳模创新工作室", "赤壁青砖茶制作技艺工匠工作室", "嘉鱼配网运维职工创新工作室",
             "咸安数控加工工匠工作室"]
    return [await svc.create_studio(session, svc.StudioInput(name, "craftsman", "city")) for name in names[:n]]


async def test_chair_rotates_in_joining_order_and_wraps(session, world):
    a, b, c = await studios(session, world)
    alliance = await svc.create_alliance(session, svc.AllianceInput(
        "咸宁青砖茶产业链创新工作室联盟", "chain", world.units["赤壁青砖茶业有限公司"].id))
    with pytest.raises(InputError, match="还没有成员"):
        await svc.rotate_chair(session, alliance)
    for studio in (b, a, c):  # joining order, not id order
        await svc.add_alliance_member(session, alliance, studio.id)
    assert alliance.chair_studio_id == b.id  # the first member takes the chair
    seen = []
    for _ in range(4):
        seen.append((await svc.rotate_chair(session, alliance)).chair_studio_id)
    assert seen == [a.id, c.id, b.id, a.id]


async def test_chair_must_be_a_member_and_passes_on_when_it_leaves(session, world):
    a, b, c, d = await studios(session, world, 4)
    alliance = await svc.create_alliance(session, svc.AllianceInput("咸宁市电力行业创新工作室联盟", "industry"))
    for studio in (a, b, c):
        await svc.add_alliance_member(session, alliance, studio.id)
    with pytest.raises(InputError, match="必须是本联盟的成员") as caught:
        await svc.set_chair(session, alliance, d.id)
    assert caught.value.field == "chair_studio_id"
    with pytest.raises(InputError, match="已是本联盟成员"):
        await svc.add_alliance_member(session, alliance, b.id)
    await svc.set_chair(session, alliance, c.id)
    await svc.remove_alliance_member(session, alliance, c.id)
    assert alliance.chair_studio_id == a.id  # after the last member comes the first
    assert await svc.member_studio_ids(session, alliance) == [a.id, b.id]


async def test_alliance_checks_its_name_kind_and_lead_unit(session, world):
    await svc.create_alliance(session, svc.AllianceInput("赤壁市创新工作室联盟", "region"))
    for data, field_name in ((svc.AllianceInput("赤壁市创新工作室联盟", "region"), "name"),
                             (svc.AllianceInput("", "region"), "name"),
                             (svc.AllianceInput("新联盟", "club"), "kind"),
                             (svc.AllianceInput("新联盟", "region", 424242), "lead_unit_id")):
        with pytest.raises(InputError) as caught:
            await svc.create_alliance(session, data)
        assert caught.value.field == field_name
    assert len(await svc.list_alliances(session)) == 1


async def test_organiser_pages_rotate_the_chair(organiser, session, world):
    a, b = await studios(session, world, 2)
    created = await organiser.form("/admin/studios/alliances", {"name": "咸安区创新工作室联盟", "kind": "region",
                                                                "lead_unit_id": ""})
    assert created.status_code == 303
    path = created.headers["location"]
    for studio in (a, b):
        assert (await organiser.form(f"{path}/members", {"studio_id": str(studio.id)})).status_code == 303
    assert (await organiser.form(f"{path}/rotate")).status_code == 303
    page = await organiser.get(path)
    assert f'<strong id="chair">{b.name}</strong>' in page.text
    bad = await organiser.form(f"{path}/chair", {"chair_studio_id": "424242"})
    assert bad.status_code == 400 and "轮值主席单位必须是本联盟的成员工作室" in bad.text
    public = await organiser.get(path.replace("/admin/studios", ""))
    assert public.status_code == 200 and "轮值主席单位" in public.text and b.name in public.text
