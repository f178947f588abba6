"""An organiser signs in and sets a competition up through the admin pages."""
from sqlmodel import select

from contest.events.models import Event, Stage, Track
from tests.support import text_of


async def test_admin_pages_need_sign_in(client):
    response = await client.get("/admin/")
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/login")


async def test_wrong_password_is_refused(client, organiser):
    await client.post("/logout", headers={"x-csrftoken": await client.csrf()})
    response = await client.login(password="wrong-password")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.text


async def test_create_event_and_track_with_default_scheme(organiser, session):
    response = await organiser.form("/admin/events", {
        "name": "2026年咸宁市职工烹饪技能大赛", "slug": "cooking-2026", "year": "2026", "level": "city",
        "kind": "individual", "visibility": "blind", "organisers": "咸宁市总工会"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/events/cooking-2026"
    response = await organiser.form("/admin/events/cooking-2026/tracks",
                                    {"name": "中式烹调师", "slug": "chinese-cooking", "skill_level": "3"})
    assert response.status_code == 303
    page = await organiser.get("/admin/events/cooking-2026/tracks/chinese-cooking")
    assert page.status_code == 200
    assert "理论知识" in page.text and "实际操作" in page.text
    event = (await session.exec(select(Event))).one()
    track = (await session.exec(select(Track))).one()
    stages = (await session.exec(select(Stage).order_by(Stage.seq))).all()
    assert (event.slug, track.slug) == ("cooking-2026", "chinese-cooking")
    assert [(s.key, str(s.weight)) for s in stages] == [("theory", "0.3000"), ("practical", "0.7000")]


async def test_bad_event_input_gets_a_clear_400_and_writes_nothing(organiser, session):
    response = await organiser.form("/admin/events", {"name": "", "slug": "Bad Slug", "year": "2026"})
    assert response.status_code == 400
    assert "活动代码" in text_of(response.text) or "活动名称" in text_of(response.text)
    response = await organiser.form("/admin/events", {"name": "某大赛", "slug": "ok-slug", "year": "abc"})
    assert response.status_code == 400 and "年度应为整数" in response.text
    assert (await session.exec(select(Event))).all() == []


async def test_post_without_csrf_token_is_refused(organiser, session):
    response = await organiser.post("/admin/events", data={"name": "某大赛", "slug": "x-2026", "year": "2026"})
    assert response.status_code == 403
    assert (await session.exec(select(Event))).all() == []


async def test_invalid_scheme_is_rejected_naming_the_place(organiser, session):
    await organiser.form("/admin/events", {"name": "大赛", "slug": "ev-2026", "year": "2026"})
    await organiser.form("/admin/events/ev-2026/tracks", {"name": "评茶员", "slug": "tea-tasting"})
    response = await organiser.form("/admin/events/ev-2026/tracks/tea-tasting/rounds/1/scheme",
                                    {"yaml": "scheme: 1\nname: x\nstages: []\n"})
    assert response.status_code == 400
    assert "评分标准有误：环节：至少需要一个环节" in text_of(response.text)
    stages = (await session.exec(select(Stage))).all()
    assert [s.key for s in stages] == ["theory", "practical"]
