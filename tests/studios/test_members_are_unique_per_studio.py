"""A person is in a studio once: as its lead or as one member."""
import pytest
from sqlmodel import func, select

from contest.errors import InputError, NotFound
from contest.studios import service as svc
from contest.studios.models import StudioMember


async def studio_of(session, world):
    return await svc.create_studio(session, svc.StudioInput(
        "张建华劳模创新工作室", "model_worker", "city", world.person("张建华").id,
        world.units["咸宁机械制造有限公司"].id))


async def members(session) -> int:
    return (await session.exec(select(func.count()).select_from(StudioMember))).one()


async def test_a_person_joins_a_studio_once(session, world):
    studio = await studio_of(session, world)
    await svc.add_member(session, studio, world.person("李秀英").id, "骨干成员")
    with pytest.raises(InputError, match="已是本工作室成员") as caught:
        await svc.add_member(session, studio, world.person("李秀英").id)
    assert caught.value.field == "person"
    with pytest.raises(InputError, match="领衔人"):
        await svc.add_member(session, studio, world.person("张建华").id)
    with pytest.raises(InputError, match="不存在"):
        await svc.add_member(session, studio, 987654)
    with pytest.raises(InputError, match="不能超过20个字"):
        await svc.add_member(session, studio, world.person("刘芳").id, "角" * 21)
    assert [(m.name, m.role) for m in await svc.list_members(session, studio)] == [("李秀英", "骨干成员")]


async def test_members_form_adds_removes_and_refuses_twins(organiser, session, world):
    studio = await studio_of(session, world)
    path = f"/admin/studios/{studio.id}/members"
    assert (await organiser.form(path, {"person": "陈志强", "role": "技术骨干"})).status_code == 303
    again = await organiser.form(path, {"person": str(world.person("陈志强").id)})
    assert again.status_code == 400 and "陈志强已是本工作室成员" in again.text
    assert await members(session) == 1
    page = await organiser.get(f"/admin/studios/{studio.id}")
    assert "技术骨干" in page.text
    removed = await organiser.form(f"{path}/{world.person('陈志强').id}/remove")
    assert removed.status_code == 303 and await members(session) == 0
    with pytest.raises(NotFound):
        await svc.remove_member(session, studio, world.person("陈志强").id)


async def test_a_member_made_lead_leaves_the_member_list(session, world):
    studio = await studio_of(session, world)
    await svc.add_member(session, studio, world.person("刘芳").id)
    await svc.update_studio(session, studio, svc.StudioInput(
        studio.name, studio.kind, studio.level, world.person("刘芳").id, studio.host_unit_id))
    assert studio.lead_id == world.person("刘芳").id
    assert await svc.list_members(session, studio) == []
    roles = {s.name: s.role for s in await svc.studios_of_person(session, world.person("刘芳").id)}
    assert roles == {"张建华劳模创新工作室": "领衔人"}
