"""A wrong organiser password shows the sign-in page again (HTML, with the name typed and the reason),
never the page's HTML served as JSON."""
from tests.builders import sign_in_organiser
from tests.support import text_of


async def test_a_wrong_password_is_a_page_with_what_was_typed(client, session):
    await sign_in_organiser(client, session)
    await client.post("/logout", headers={"x-csrftoken": await client.csrf()})
    for username in ("clerk", "nobody"):
        refused = await client.form("/login", {"username": username, "password": "wrong", "next": "/admin"})
        assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")
        assert "用户名或密码错误" in text_of(refused.text) and f'value="{username}"' in refused.text
    signed_in = await client.form("/login", {"username": "clerk", "password": "correct-horse"})
    assert signed_in.status_code == 303
