"""The demo the seeder loads: about forty studios of every type and level, three to eight
members each, reports for 2022–2025 with assessments, five alliances with a chair — and the
same rng state always gives the same demo."""
import random
from collections import Counter

from sqlalchemy import text
from sqlmodel import select

from contest import seed
from contest.studios import service as svc
from contest.studios.models import STUDIO_LEVELS, STUDIO_TYPES, Alliance, Studio, StudioMember, StudioReport
from tests.builders import make_world
from tests.support import EMPTY_DATABASE


async def snapshot(session) -> list:
    studios = (await session.exec(select(Studio).order_by(Studio.id))).all()
    reports = (await session.exec(select(StudioReport).order_by(StudioReport.id))).all()
    alliances = (await session.exec(select(Alliance).order_by(Alliance.id))).all()
    return [[(s.name, s.kind, s.level, s.lead_id, s.founded_on) for s in studios],
            [(r.studio_id, r.year, r.patents, r.benefit_yuan, r.assessment) for r in reports],
            [(a.name, a.kind, a.chair_studio_id) for a in alliances]]


async def run_demo(session, people: int = 150):
    world = await make_world(session, people)
    await seed.studios_demo(session, random.Random(20261123), [p.id for p in world.people],
                   [u.id for u in world.units.values()])
    return world


async def test_demo_is_realistic(session):
    world = await run_demo(session)
    studios = (await session.exec(select(Studio))).all()
    assert 35 <= len(studios) <= 40
    assert set(Counter(s.level for s in studios)) == set(STUDIO_LEVELS)
    assert set(Counter(s.kind for s in studios)) == set(STUDIO_TYPES)
    assert any(s.name.endswith("劳模创新工作室") and s.lead_id for s in studios)
    assert all(s.lead_id and s.host_unit_id and s.field for s in studios)
    members = Counter(m.studio_id for m in (await session.exec(select(StudioMember))).all())
    assert all(3 <= members[s.id] <= 8 for s in studios)
    reports = (await session.exec(select(StudioReport))).all()
    assert {r.year for r in reports} == {2022, 2023, 2024, 2025}
    assert all(r.year >= s.founded_on.year for s in studios for r in reports if r.studio_id == s.id)
    assert sum(1 for r in reports if r.assessment) > len(reports) // 2
    totals = await svc.report_totals(session)
    assert all(t.benefit_yuan > 0 and t.patents > 0 for t in totals)
    alliances = (await session.exec(select(Alliance))).all()
    assert len(alliances) == 5 and {a.kind for a in alliances} == {"region", "industry", "chain"}
    for alliance in alliances:
        order = await svc.member_studio_ids(session, alliance)
        assert len(order) >= 3 and alliance.chair_studio_id in order
    again = await snapshot(session)
    await seed.studios_demo(session, random.Random(1), [p.id for p in world.people], [])  # loaded once only
    assert await snapshot(session) == again


async def test_same_rng_gives_the_same_demo(session):
    await run_demo(session, 60)
    first = await snapshot(session)
    await session.exec(text(EMPTY_DATABASE))
    await session.commit()
    await run_demo(session, 60)
    assert await snapshot(session) == first
