"""No public studio page, nor the profile fragment, carries an ID number or a phone — not even
the masked forms the registry keeps: only names."""
import random
import re

from sqlmodel import select

from contest import seed
from contest.people.models import Person
from contest.studios.models import Alliance, Studio
from tests.builders import make_world

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
CSRF = re.compile(r'"x-csrftoken": "[^"]*"')


async def test_public_pages_carry_no_id_number_or_phone(client, session):
    world = await make_world(session, 60)
    await seed.studios_demo(session, random.Random(5), [p.id for p in world.people],
                            [u.id for u in world.units.values()])
    studios = (await session.exec(select(Studio.id))).all()
    alliances = (await session.exec(select(Alliance.id))).all()
    paths = ["/studios", "/alliances", *(f"/studios/{i}" for i in studios), *(f"/alliances/{i}" for i in alliances),
             *(f"/studios/people/{p.id}" for p in world.people)]
    masked = {v for p in (await session.exec(select(Person))).all() for v in (p.id_masked, p.phone_masked) if v}
    assert masked
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        body = CSRF.sub("", response.text)
        assert not ID_NUMBER.search(body), path
        assert not PHONE.search(body), path
        assert not any(m in body for m in masked), path
    page = (await client.get(f"/studios/{studios[0]}")).text
    assert any(p.name in page for p in world.people)  # names are shown
