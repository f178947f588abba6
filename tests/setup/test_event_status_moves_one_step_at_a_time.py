"""An event's status moves along its lifecycle one step at a time: a step the lifecycle does not
allow is a state conflict (409), a status that does not exist is bad input (400); neither changes it."""
from sqlmodel import select

from contest.events.models import Event


async def status_of(session) -> str:
    session.expunge_all()
    return (await session.exec(select(Event.status))).one()


async def test_a_step_forward_is_taken(organiser, session):
    await organiser.form("/admin/events", {"name": "大赛", "slug": "ev-2026", "year": "2026"})
    response = await organiser.form("/admin/events/ev-2026/status", {"status": "registration"})
    assert response.status_code == 303
    assert await status_of(session) == "registration"


async def test_a_skipped_step_is_a_409_and_changes_nothing(organiser, session):
    await organiser.form("/admin/events", {"name": "大赛", "slug": "ev-2026", "year": "2026"})
    response = await organiser.form("/admin/events/ev-2026/status", {"status": "published"})
    assert response.status_code == 409
    assert "活动不能从“筹备中”变为“已公布”" in response.text
    assert await status_of(session) == "draft"


async def test_an_unknown_status_is_a_400_and_changes_nothing(organiser, session):
    await organiser.form("/admin/events", {"name": "大赛", "slug": "ev-2026", "year": "2026"})
    response = await organiser.form("/admin/events/ev-2026/status", {"status": "finished"})
    assert response.status_code == 400
    assert "状态取值无效" in response.text
    assert await status_of(session) == "draft"
