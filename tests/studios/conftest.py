"""A small Xianning for the studio tests: areas, units in two industries, and people whose ID
numbers and phones exist only as keyed hashes and masked forms (as every import leaves them)."""
from dataclasses import dataclass
from datetime import date

import pytest

from contest.people.identity import id_hash, make_id_number, mask_id, mask_phone
from contest.people.models import Area, Industry, Person, Unit
from contest.people.names import NameGenerator
from contest.registry.models import Candidate
from tests.conftest import ID_KEY

AREAS = [("421202", "咸安区"), ("421281", "赤壁市"), ("421221", "嘉鱼县")]
UNITS = [("咸安区", "制造业", "咸宁机械制造有限公司"), ("赤壁市", "茶叶加工", "赤壁青砖茶业有限公司"),
         ("嘉鱼县", "电力能源", "嘉鱼供电公司")]
NAMES = ["张建华", "李秀英", "陈志强", "刘芳", "王伟", "杨丽", "黄国平", "赵敏", "吴桂兰", "周涛", "徐明", "孙红"]


def id_number(i: int) -> str:
    gender = "男" if i % 2 else "女"
    return make_id_number("421202", date(1980, 1, 1 + i % 28), i, gender)


def phone(i: int) -> str:
    return f"1390715{i:04d}"


@dataclass
class World:
    areas: dict[str, Area]
    units: dict[str, Unit]
    people: list[Person]  # people[i] is NAMES[i % len(NAMES)], working in UNITS[i % 3]

    def person(self, name: str) -> Person:
        return next(p for p in self.people if p.name == name)


async def make_world(session, count: int = len(NAMES)) -> World:
    areas = {name: Area(code=code, name=name) for code, name in AREAS}
    session.add_all(areas.values())
    industries = {i: Industry(name=i) for i in {u[1] for u in UNITS}}
    session.add_all(industries.values())
    await session.flush()
    units = {name: Unit(name=name, area_id=areas[area].id, industry_id=industries[industry].id)
             for area, industry, name in UNITS}
    session.add_all(units.values())
    await session.flush()
    people, names = [], NameGenerator(7)
    for i in range(count):
        unit = units[UNITS[i % len(UNITS)][2]]
        number = id_number(i)
        gender = "男" if i % 2 else "女"
        name = NAMES[i] if i < len(NAMES) else names.person_name(gender)
        people.append(Person(name=name, gender=gender, id_hash=id_hash(number, ID_KEY.encode()),
                             id_masked=mask_id(number), phone_masked=mask_phone(phone(i)), unit_id=unit.id,
                             area_id=unit.area_id, skill_level=3))
    session.add_all(people)
    await session.commit()
    return World(areas, units, people)


async def name_craftsman(session, person: Person, year: int = 2024) -> None:
    """Make the person a named 香城工匠, so the registry has a public profile for them."""
    session.add(Candidate(person_id=person.id, tier="city", road="nomination", state="named", named_year=year))
    await session.commit()


@pytest.fixture
async def world(session) -> World:
    return await make_world(session)
