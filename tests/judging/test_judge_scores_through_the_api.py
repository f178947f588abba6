"""A judge signs in with the event code and PIN, sees a blind queue, saves a draft and submits."""
from sqlmodel import select

from contest.judging.models import Mark, Result, Sheet
from tests.builders import FULL, put_sheet
from tests.builders import sign_in_judge as sign_in


async def test_queue_shows_blind_codes_only(client, contest):
    assert (await sign_in(client, contest)).status_code == 200
    queue = (await client.get("/api/judge/queue")).json()
    practical = next(q for q in queue if q["stage_id"] == contest.practical.id)
    assert [e["blind_code"] for e in practical["entries"]] == [e.blind_code for e in contest.entries]
    text = str(queue)
    for entry in contest.entries:
        assert entry.bib not in [e["blind_code"] for e in practical["entries"]] or entry.bib == entry.blind_code
    assert "王建华" not in text and "咸安区" not in text


async def test_draft_then_submit_locks_the_sheet_and_stores_a_result(client, contest, session):
    await sign_in(client, contest)
    entry = contest.entries[0]
    draft = await put_sheet(client, contest, entry, {"prep": "8"}, 0)
    assert draft.status_code == 200 and draft.json()["state"] == "draft" and draft.json()["version"] == 1
    done = await put_sheet(client, contest, entry, FULL, 1, submit=True)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "submitted"
    again = await put_sheet(client, contest, entry, FULL, 2, submit=True)
    assert again.status_code == 409 and "裁判长" in again.json()["error"]
    marks = (await session.exec(select(Mark))).all()
    assert sorted((m.criterion, str(m.value.normalize())) for m in marks) == sorted(FULL.items())
    result = (await session.exec(select(Result))).one()
    assert result.status == "incomplete"  # one judge of five, and no theory mark yet


async def test_retry_with_the_same_key_is_answered_once(client, contest, session):
    await sign_in(client, contest)
    entry = contest.entries[1]
    first = await put_sheet(client, contest, entry, FULL, 0, submit=True, key="retry-key-1")
    second = await put_sheet(client, contest, entry, FULL, 0, submit=True, key="retry-key-1")
    assert first.status_code == second.status_code == 200
    assert second.json()["replayed"] is True and second.json()["version"] == first.json()["version"]
    assert len((await session.exec(select(Sheet))).all()) == 1


async def test_stale_version_is_a_conflict(client, contest):
    await sign_in(client, contest)
    entry = contest.entries[2]
    await put_sheet(client, contest, entry, {"prep": "5"}, 0)
    stale = await put_sheet(client, contest, entry, {"prep": "6"}, 0)
    assert stale.status_code == 409 and "另一台设备" in stale.json()["error"]


async def test_marks_out_of_range_or_off_step_are_refused(client, contest, session):
    await sign_in(client, contest)
    entry = contest.entries[0]
    over = await put_sheet(client, contest, entry, {**FULL, "prep": "11"}, 0, submit=True)
    assert over.status_code == 400 and "超出范围" in over.json()["error"] and over.json()["field"] == "prep"
    step = await put_sheet(client, contest, entry, {**FULL, "prep": "8.3"}, 0, submit=True)
    assert step.status_code == 400 and "0.5" in step.json()["error"]
    missing = await put_sheet(client, contest, entry, {"prep": "8"}, 0, submit=True)
    assert missing.status_code == 400 and "未打分" in missing.json()["error"]
    assert (await session.exec(select(Sheet))).all() == []


async def test_wrong_pin_five_times_locks_the_judge(client, contest):
    for _ in range(5):
        assert (await sign_in(client, contest, pin="000000" if contest.pins["J02"] != "000000" else "111111")
                ).status_code == 400
    locked = await sign_in(client, contest)
    assert locked.status_code == 429 and "分钟" in locked.json()["error"] and int(locked.headers["retry-after"]) > 800


async def test_a_judge_cannot_read_another_event(client, contest):
    await sign_in(client, contest)
    response = await client.get(f"/api/judge/stages/{contest.practical.id + 999}/entries/{contest.entries[0].id}")
    assert response.status_code == 404
