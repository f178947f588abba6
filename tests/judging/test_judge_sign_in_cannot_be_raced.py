"""Judges' sign-in against a real two-worker server: a burst of wrong PINs gets no more than five
checks, the right PIN is then refused until the organiser unlocks the judge (on the ledger); every
failure says the same, with the tries left; one address's lockout leaves the judge's own tablet
elsewhere alone, while guessing from many addresses locks the judge everywhere; password sign-in
is throttled likewise."""
import asyncio
from collections import Counter

import httpx
from sqlalchemy import text

from contest import auth
from contest.judging.service.judges import SIGN_IN_FAILED, failed_sign_in
from tests.builders import make_contest

BURST = 100


async def tablet(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=BURST))
    await client.get("/judge/login")  # the CSRF cookie, as the login page gives it
    return client


async def sign_in(client: httpx.AsyncClient, code: str, number: str, pin: str, address: str | None = None):
    headers = {"x-csrftoken": client.cookies["csrftoken"]}
    if address:  # the server trusts X-Forwarded-For from loopback, as from a proxy on the same host
        headers["x-forwarded-for"] = address
    return await client.post("/api/judge/session", json={"event_code": code, "number": number, "pin": pin},
                             headers=headers)


def wrong(pin: str) -> str:
    return "000000" if pin != "000000" else "111111"


async def test_a_burst_of_wrong_pins_gets_five_checks_then_only_the_organiser_unlocks(live_server, session):
    contest = await make_contest(session)
    code, pin = contest.event.judge_code, contest.pins["J02"]
    client = await tablet(live_server)
    answers = await asyncio.gather(*(sign_in(client, code, "J02", wrong(pin)) for _ in range(BURST)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses[400] <= 5 and statuses[400] + statuses[429] == BURST, statuses
    assert all(a.json()["error"].startswith(SIGN_IN_FAILED) for a in answers if a.status_code == 400)
    refused = await sign_in(client, code, "J02", pin)
    assert refused.status_code == 429 and "分钟" in refused.json()["error"] and "解锁" in refused.json()["error"]
    assert 0 < int(refused.headers["retry-after"]) <= 900

    organiser = httpx.AsyncClient(base_url=live_server, timeout=30)
    await auth.create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
    await organiser.get("/login")
    csrf = {"x-csrftoken": organiser.cookies["csrftoken"]}
    await organiser.post("/login", data={"username": "clerk", "password": "correct-horse"}, headers=csrf)
    page = await organiser.get(f"/admin/events/{contest.event.slug}")
    assert "输错过多" in page.text and "解锁" in page.text
    judge = next(j for j in contest.judges if j.number == "J02")
    unlocked = await organiser.post(f"/admin/events/{contest.event.slug}/judges/{judge.id}/unlock", headers=csrf)
    assert unlocked.status_code == 303
    assert (await sign_in(client, code, "J02", pin)).status_code == 200
    ledgered = (await session.exec(text("select actor, subject from ledger_entry where action = 'judge.unlock'"))).all()
    assert ledgered == [("account:1 竞赛办小王", f"judge:{judge.id}")]
    await client.aclose()
    await organiser.aclose()


async def test_every_failure_says_the_same(live_server, session):
    contest = await make_contest(session)
    code, pin = contest.event.judge_code, contest.pins["J03"]
    client = await tablet(live_server)
    answers = [await sign_in(client, "999999", "J03", pin), await sign_in(client, code, "J99", pin),
               await sign_in(client, code, "J03", wrong(pin))]
    assert [(a.status_code, a.json()) for a in answers] == [(400, {"error": failed_sign_in(4), "status": 400})] * 3
    await client.aclose()


async def test_typos_elsewhere_leave_a_judges_tablet_alone_but_guessing_everywhere_locks(live_server, session):
    contest = await make_contest(session)
    code, pin = contest.event.judge_code, contest.pins["J04"]
    client = await tablet(live_server)
    for _ in range(5):  # someone in the hall, from their phone
        assert (await sign_in(client, code, "J04", wrong(pin), "10.0.0.66")).status_code == 400
    assert (await sign_in(client, code, "J04", pin, "10.0.0.66")).status_code == 429
    assert (await sign_in(client, code, "J04", pin, "10.0.0.4")).status_code == 200  # the judge's own tablet
    # guessing from many addresses: 20 failures lock the judge from everywhere
    for n in range(20):
        answer = await sign_in(client, code, "J04", wrong(pin), f"10.1.0.{n}")
        assert answer.status_code == 400, (n, answer.text)
    assert (await sign_in(client, code, "J04", pin, "10.0.0.4")).status_code == 429
    await client.aclose()


async def test_a_made_up_judge_is_throttled_like_a_real_one(live_server, session):
    contest = await make_contest(session)
    client = await tablet(live_server)
    answers = [await sign_in(client, contest.event.judge_code, "J77", "123456") for _ in range(6)]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    told = [a.json()["error"] for a in answers[:5]]
    assert told == [failed_sign_in(n) for n in (4, 3, 2, 1, 0)]  # as for a real judge's wrong PIN
    assert "还可尝试4次" in told[0] and "暂停15分钟" in told[4] and "解锁" in told[4]
    await client.aclose()


async def test_password_sign_in_is_throttled(live_server, session):
    await auth.create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
    client = httpx.AsyncClient(base_url=live_server, timeout=30)
    await client.get("/login")
    csrf = {"x-csrftoken": client.cookies["csrftoken"]}
    answers = await asyncio.gather(*(client.post("/login", data={"username": "clerk", "password": f"guess-{n}"},
                                                 headers=csrf) for n in range(30)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses[400] <= 5 and statuses[400] + statuses[429] == 30, statuses
    right = await client.post("/login", data={"username": "clerk", "password": "correct-horse"}, headers=csrf)
    assert right.status_code == 429 and "分钟" in right.text
    await client.aclose()
