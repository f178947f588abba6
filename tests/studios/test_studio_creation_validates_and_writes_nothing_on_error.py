"""Creating a studio checks its type and level keys, the unique name, the lead (an existing
person) and the host unit (an existing unit); a bad form answers 400 in Chinese, naming the
field, and writes nothing."""
from datetime import date

import pytest
from sqlmodel import func, select

from contest.errors import InputError
from contest.studios import service as svc
from contest.studios.models import Studio
from tests.support import text_of


async def count(session) -> int:
    return (await session.exec(select(func.count()).select_from(Studio))).one()


def form(world, **changes) -> dict:
    data = {"name": "张建华劳模创新工作室", "kind": "model_worker", "level": "city", "lead": "张建华",
            "host_unit_id": str(world.units["咸宁机械制造有限公司"].id), "field": "机械制造",
            "founded_on": "2019-05-01"}
    return data | changes


async def test_organiser_creates_a_studio_with_its_lead_and_host_unit(organiser, session, world):
    response = await organiser.form("/admin/studios/", form(world))
    assert response.status_code == 303
    studio = (await session.exec(select(Studio))).one()
    assert (studio.name, studio.kind, studio.level, studio.field) == (
        "张建华劳模创新工作室", "model_worker", "city", "机械制造")
    assert studio.lead_id == world.person("张建华").id
    assert studio.host_unit_id == world.units["咸宁机械制造有限公司"].id
    assert studio.founded_on == date(2019, 5, 1)
    assert response.headers["location"] == f"/admin/studios/{studio.id}"
    page = await organiser.get(response.headers["location"])
    assert page.status_code == 200 and "张建华劳模创新工作室" in page.text


@pytest.mark.parametrize(("changes", "message"), [
    ({"kind": "studio"}, "工作室类型取值无效"),
    ({"level": "galactic"}, "工作室级别取值无效"),
    ({"name": ""}, "请填写工作室名称"),
    ({"name": "工" * 121}, "不能超过120个字"),
    ({"lead": "99999"}, "人员编号 99999 不存在"),
    ({"lead": "查无此人"}, "找不到“查无此人”"),
    ({"host_unit_id": "99999"}, "依托单位（单位编号 99999）不存在"),
    ({"host_unit_id": "abc"}, "依托单位应为整数"),
    ({"founded_on": "2019-13-01"}, "命名时间应为日期"),
    ({"founded_on": "2999-01-01"}, "命名时间应在"),
])
async def test_bad_studio_form_is_a_400_naming_the_problem(organiser, session, world, changes, message):
    response = await organiser.form("/admin/studios/", form(world, **changes))
    assert response.status_code == 400
    assert message in text_of(response.text)
    assert await count(session) == 0


async def test_studio_names_are_unique(organiser, session, world):
    assert (await organiser.form("/admin/studios/", form(world))).status_code == 303
    again = await organiser.form("/admin/studios/", form(world, lead="李秀英"))
    assert again.status_code == 400 and "工作室“张建华劳模创新工作室”已存在" in again.text
    assert await count(session) == 1


async def test_service_errors_name_the_field(session, world):
    name = "赤壁青砖茶制作技艺工匠工作室"
    good = svc.StudioInput(name, "craftsman", "provincial")
    for data, field_name in ((svc.StudioInput(name, "x", "city"), "kind"),
                             (svc.StudioInput(name, "craftsman", "x"), "level"),
                             (svc.StudioInput(name, "craftsman", "city", lead_id=424242), "lead_id"),
                             (svc.StudioInput(name, "craftsman", "city", host_unit_id=424242), "host_unit_id")):
        with pytest.raises(InputError) as caught:
            await svc.create_studio(session, data)
        assert caught.value.field == field_name
    assert await count(session) == 0
    await svc.create_studio(session, good)
    assert await count(session) == 1


async def test_ambiguous_lead_name_lists_the_people_to_choose_from(organiser, session, world):
    from contest.people.models import Person

    twin = Person(name="张建华", unit_id=world.units["嘉鱼供电公司"].id)
    session.add(twin)
    await session.commit()
    response = await organiser.form("/admin/studios/", form(world, host_unit_id=""))
    assert response.status_code == 400
    assert "有多位“张建华”" in response.text and "嘉鱼供电公司" in response.text
    # the host unit tells the two apart
    response = await organiser.form("/admin/studios/", form(world))
    assert response.status_code == 303
    assert (await session.exec(select(Studio))).one().lead_id == world.person("张建华").id


async def test_editing_a_studio_checks_the_same_rules(organiser, session, world):
    other = await svc.create_studio(session, svc.StudioInput("嘉鱼带电作业职工创新工作室", "worker", "county"))
    created = await organiser.form("/admin/studios/", form(world))
    path = created.headers["location"]
    clash = await organiser.form(path, form(world, name=other.name))
    assert clash.status_code == 400 and "已存在" in clash.text
    moved = await organiser.form(path, form(world, level="provincial", lead=str(world.person("李秀英").id)))
    assert moved.status_code == 303
    studio = await session.get(Studio, int(path.rsplit("/", 1)[1]))
    await session.refresh(studio)
    assert studio.level == "provincial" and studio.lead_id == world.person("李秀英").id
