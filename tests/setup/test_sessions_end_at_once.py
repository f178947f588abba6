"""Sessions live in PostgreSQL: logout, a new password, a new role, a disabled account and reissued
judges' access cards end them at once — a copy of the cookie is worth nothing afterwards — and an
anonymous visitor gets no session at all."""
import httpx
from sqlalchemy import text
from sqlmodel import select

from contest import auth
from tests.builders import make_contest
from tests.support import Client


def copy_of(app, client: Client) -> Client:
    """Another browser holding a copy of the client's session cookie (a stolen or shared one)."""
    return Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                  cookies={"session": client.cookies["session"]})


async def signed_in(client: Client) -> bool:
    response = await client.get("/admin/registry")  # open to an organiser and a registry reviewer
    return response.status_code == 200


async def account(session, username: str = "clerk") -> auth.Account:
    return (await session.exec(select(auth.Account).where(auth.Account.username == username))).one()


async def test_the_cookie_holds_a_token_and_the_database_the_session(app, organiser, session):
    token = organiser.cookies["session"]
    assert len(token) >= 40 and "." not in token  # random, not a signed blob of data
    rows = (await session.exec(text("select kind, role, token_hash from web_session"))).all()
    assert [(kind, role) for kind, role, _ in rows] == [("account", "organiser")]
    assert token not in rows[0][2]  # only its digest is stored


async def test_logout_ends_every_copy_of_the_cookie(app, organiser):
    async with copy_of(app, organiser) as thief:
        assert await signed_in(thief)
        await organiser.post("/logout", headers={"x-csrftoken": await organiser.csrf()})
        assert not await signed_in(thief)
        assert not await signed_in(organiser)


async def test_new_password_role_or_disabled_account_end_its_sessions(app, organiser, session):
    await auth.create_account(session, "boss", "办公室主任", "organiser", "correct-horse")  # not the last one
    for change in (lambda a: auth.set_password(session, a, "another-horse-2026"),
                   lambda a: auth.change_account(session, a, "cli", role="registry_reviewer"),
                   lambda a: auth.change_account(session, a, "cli", active=False)):
        async with copy_of(app, organiser) as other:
            assert await signed_in(other)
            await change(await account(session))
            assert not await signed_in(other)
        if (await account(session)).active:
            password = "another-horse-2026"
            assert (await organiser.login(password=password)).status_code == 303
    assert (await organiser.login(password="another-horse-2026")).status_code == 400  # disabled


async def test_reissued_access_cards_end_the_judges_sessions(app, organiser, session):
    contest = await make_contest(session)
    async with Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as tablet:
        signed = await tablet.post("/api/judge/session", json={
            "event_code": contest.event.judge_code, "number": "J02", "pin": contest.pins["J02"]},
            headers={"x-csrftoken": await tablet.csrf()})
        assert signed.status_code == 200
        assert (await tablet.get("/api/judge/queue")).status_code == 200
        sheet = await organiser.form(f"/admin/events/{contest.event.slug}/judges/sheet")
        assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"
        assert (await tablet.get("/api/judge/queue")).status_code == 401


async def test_anonymous_visitors_get_no_session(client):
    for path in ("/", "/login", "/judge/login", "/registry"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "session=" not in response.headers.get("set-cookie", ""), path
