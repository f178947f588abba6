"""No public page of the seeded Xianning demo shows an ID number or a mobile number (not even masked)
or a unit's private contacts: the pages an anonymous visitor reaches by following links from the home
page, the registry, the studios and practice, and the grass-roots pages no link may lead to — the
individual registration form of every open track, and the public page of the unit whose chair keeps
its contacts online. One page per address shape, as many shapes as there are."""
import re
from urllib.parse import urljoin, urlsplit

from sqlmodel import select

from contest import seed
from contest.cli import DEFAULT_SEED
from contest.people.models import Person
from contest.units.models import UnitProfile
from tests.browser.phone import ID_NUMBER, MOBILE
from tests.support import ID_KEY

SKIP = re.compile(r"\.(xlsx|csv|json|ico|svg|png)$|^/live/|^/static/|^/schema|^/login|^/judge|^/exam|^/screen/|/rows$")
BUDGET = 120  # pages: far more shapes than the demo has
STARTS = ["/", "/registry", "/registry/people", "/studios", "/alliances", "/practice", "/register"]


def shape(path: str) -> str:
    """Addresses that differ only in an id, a code or a bib show the same kind of page (an event's or
    a track's slug is kept: a closed event has pages a running one has not)."""
    return re.sub(r"/(?=[^/]*\d)[^/]+(?=/|$)", "/N", urlsplit(path).path)


async def test_public_pages_of_the_demo_keep_ids_phones_and_unit_contacts_private(client, session):
    await seed.load_demo(session, DEFAULT_SEED, ID_KEY.encode())
    profile = (await session.exec(select(UnitProfile))).one()
    assert profile.contact_phone and profile.contact_name
    private = [profile.contact_phone]
    if not (await session.exec(select(Person.id).where(Person.name == profile.contact_name))).first():
        private.append(profile.contact_name)  # a name no worker shares: it must not show anywhere

    open_tracks = re.findall(r'href="(/register/\d+)"', (await client.get("/register")).text)
    assert open_tracks, "the demo has tracks open for registration"
    queue = [*STARTS, *open_tracks, f"/units/{profile.unit_id}"]
    must_see = set(queue)
    seen, problems, visited = set(), [], []
    while queue and len(visited) < BUDGET:
        path = queue.pop(0)
        if SKIP.search(urlsplit(path).path) or (shape(path) in seen and path not in must_see):
            continue
        seen.add(shape(path))
        response = await client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(path)
        html = response.text
        for label, pattern in (("an ID number", ID_NUMBER), ("a mobile number", MOBILE)):
            if found := pattern.findall(html):
                problems.append(f"{path} shows {label}: {sorted(set(found))[:3]}")
        problems += [f"{path} shows a unit's contact {value}" for value in private if value in html]
        for href in re.findall(r'href="([^"#]+)"', html):
            url = urljoin(path, href.replace("&amp;", "&"))
            if url.startswith("/") and not url.startswith("//"):
                queue.append(url)
    assert len(visited) > 25, visited
    assert not problems, "\n".join(problems)
