"""The organiser's studio pages are for signed-in organisers only, and render the whole demo;
the public pages need no sign-in."""
import random

from sqlmodel import select

from contest import seed
from contest.studios.models import Alliance, Studio
from tests.builders import make_world

ADMIN_PAGES = ["/admin/studios/", "/admin/studios/alliances", "/admin/studios/?level=city&kind=worker"]


async def test_admin_pages_need_an_organiser(client, session, world):
    for path in ADMIN_PAGES:
        response = await client.get(path)
        assert response.status_code in (302, 303, 307) and "/login" in response.headers["location"], path
    posted = await client.form("/admin/studios/", {"name": "某工作室", "kind": "worker", "level": "city"})
    assert posted.status_code in (302, 303, 307) and "/login" in posted.headers["location"]
    assert (await session.exec(select(Studio))).first() is None
    assert (await client.get("/studios")).status_code == 200


async def test_every_admin_page_renders_the_demo(organiser, session):
    world = await make_world(session, 80)
    await seed.studios_demo(session, random.Random(9), [p.id for p in world.people],
                            [u.id for u in world.units.values()])
    studio = (await session.exec(select(Studio).order_by(Studio.id))).first()
    alliance = (await session.exec(select(Alliance).order_by(Alliance.id))).first()
    paths = [*ADMIN_PAGES, f"/admin/studios/{studio.id}", f"/admin/studios/{studio.id}?year=2024",
             f"/admin/studios/alliances/{alliance.id}"]
    for path in paths:
        response = await organiser.get(path)
        assert response.status_code == 200, path
    listing = await organiser.get("/admin/studios/")
    assert studio.name in listing.text and "合计" in listing.text
