"""Every figure on the target dashboard equals a direct SQL count of the registry; imports of
earlier craftsmen lists report every bad row and write nothing while any row is bad."""
import random
import re
from datetime import date

import asyncpg
from sqlmodel import select

from contest.people.identity import make_id_number
from contest.people.models import Industry, Unit
from contest.registry.models import Candidate
from tests.builders import REGISTRY_AREAS, craftsmen_file, registry_areas
from tests.support import libpq

SURNAMES, GIVEN = "王李张刘陈杨黄赵", "建华秀英志强芳伟丽国平敏桂兰涛"


def generated(n: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        area = rng.choice(list(REGISTRY_AREAS))
        gender = rng.choice("男女")
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        yield [name, make_id_number(REGISTRY_AREAS[area], date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i % 500, gender),
               f"{area}单位{i % 6}", area, rng.choice(["焊工", "电工", "中式烹调师"]), "二级/技师",
               rng.choice(["香城工匠", "县级工匠", "企业工匠", "香城工匠提名"]), str(rng.choice(range(2021, 2027))),
               "", "", ""]


async def test_dashboard_figures_equal_sql(client, organiser, session, pg_url):
    await registry_areas(session)
    industry = (await session.exec(select(Industry))).one()
    upload = {"file": ("名单.xlsx", craftsmen_file(generated(120)))}
    response = await organiser.form("/admin/registry/import", files=upload)
    assert "已导入 120 人" in response.text
    await session.exec(Unit.__table__.update().where(Unit.name.like("%单位1")).values(industry_id=industry.id))
    await session.commit()
    page = (await client.get("/registry")).text
    conn = await asyncpg.connect(libpq(pg_url))
    counted = """from candidate c join person p on p.id = c.person_id left join area a on a.id = p.area_id
                 left join unit u on u.id = p.unit_id left join industry i on i.id = u.industry_id
                 where c.state in ('named','suspended','retired','deceased') and c.named_year between 2022 and 2026"""
    total = await conn.fetchval(f"select count(*) {counted}")
    by_year = dict(await conn.fetch(f"select c.named_year, count(*) {counted} group by 1"))
    by_area = dict(await conn.fetch(f"select a.name, count(*) {counted} group by 1"))
    by_industry = await conn.fetchval(f"select count(*) {counted} and i.name = '制造业'")
    await conn.close()
    assert 0 < total < 120  # 2021 is outside the five years
    assert re.search(rf'<strong id="total">{total}</strong> / 1000', page)
    for year, count in by_year.items():
        assert re.search(rf"<td>{year}</td><td class=\"num\">{count}</td>", page), year
    for area, count in by_area.items():
        assert f">{area}</text>" in page and f">{count}人</text>" in page
    assert f">{by_industry}人</text>" in page


async def test_bad_rows_are_listed_and_nothing_is_written(organiser, session):
    await registry_areas(session)
    rows = list(generated(3))
    rows[1][1] = rows[1][1][:-1] + ("1" if rows[1][1][-1] != "1" else "2")
    rows[2][6] = "国家级大工匠"
    response = await organiser.form("/admin/registry/import", files={"file": ("名单.xlsx", craftsmen_file(rows))})
    assert "未导入任何数据" in response.text and "校验" in response.text and "层级应为" in response.text
    assert (await session.exec(select(Candidate))).all() == []


async def test_public_registry_pages_never_show_id_or_phone(client, organiser, session):
    await registry_areas(session)
    await organiser.form("/admin/registry/import", files={"file": ("名单.xlsx", craftsmen_file(generated(30)))})
    person_ids = (await session.exec(select(Candidate.person_id))).all()
    pages = ["/registry", "/registry/people", "/registry/people?q=wang"]
    pages += [f"/registry/people/{pid}" for pid in person_ids[:10]]
    for path in pages:
        text = re.sub(r"<[^>]+>", " ", (await client.get(path)).text)  # what a reader sees
        assert not re.search(r"\d{6}(\*+|\d{8})\d{3}[\dX]|\d{17}[\dX]", text), path
        assert not re.search(r"1[3-9]\d(\*{4}|\d{4})\d{4}", text), path
        assert "*" not in text, path
