"""Input from outside is bounded before it is parsed: body size, JSON nesting, numbers (finite
decimals in range only) and the media type of JSON bodies; every refusal is a 4xx in Chinese and
changes nothing."""
from sqlmodel import select

from contest.judging.models import Sheet
from tests.builders import make_contest


async def judge_client(client, session):
    contest = await make_contest(session)
    signed = await client.post("/api/judge/session", json={
        "event_code": contest.event.judge_code, "number": "J02", "pin": contest.pins["J02"]},
        headers={"x-csrftoken": await client.csrf()})
    assert signed.status_code == 200
    return contest


def sheet_url(contest) -> str:
    return f"/api/judge/stages/{contest.practical.id}/entries/{contest.entries[0].id}"


async def put_raw(client, url: str, body: bytes, content_type: str = "application/json"):
    return await client.put(url, content=body, headers={"content-type": content_type,
                                                        "x-csrftoken": await client.csrf()})


async def test_a_body_over_the_limit_is_a_413_in_chinese(client, session):
    contest = await judge_client(client, session)
    response = await put_raw(client, sheet_url(contest), b'{"marks": {"prep": "' + b"1" * 1_100_000 + b'"}}')
    assert response.status_code == 413 and "过大" in response.json()["error"]


async def test_json_nested_100000_deep_is_a_400(client, session):
    contest = await judge_client(client, session)
    for body in (b"[" * 100_000 + b"]" * 100_000,
                 b'{"marks": {"prep": ' + b"[" * 100_000 + b"]" * 100_000 + b'}, "base_version": 0, "key": "k"}'):
        response = await put_raw(client, sheet_url(contest), body)
        assert response.status_code == 400 and response.json()["error"], response.text


async def test_json_only_as_application_json(client, session):
    contest = await judge_client(client, session)
    body = b'{"marks": {"prep": "8"}, "base_version": 0, "key": "plain-text"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        response = await put_raw(client, sheet_url(contest), body, content_type)
        assert response.status_code == 415 and "application/json" in response.json()["error"], content_type
    assert (await session.exec(select(Sheet))).all() == []
    assert (await put_raw(client, sheet_url(contest), body, "application/json; charset=utf-8")).status_code == 200


async def test_marks_that_are_no_finite_number_are_refused(client, session):
    contest = await judge_client(client, session)
    for mark in (b"1e400", b'"1e400"', b'"NaN"', b'"Infinity"', b"-1e400", b'"9' + b"9" * 5000 + b'"'):
        body = b'{"marks": {"prep": ' + mark + b'}, "base_version": 0, "key": "k' + str(len(mark)).encode() + b'"}'
        response = await put_raw(client, sheet_url(contest), body)
        assert response.status_code == 400 and response.json()["error"], (mark[:20], response.text)
    assert (await session.exec(select(Sheet))).all() == []


async def test_form_integers_out_of_range_are_refused(organiser):
    for value in ("99999999999", "-99999999999", "1" * 5000):
        response = await organiser.form("/admin/events", {"slug": "x-2026", "name": "大赛", "year": value})
        assert response.status_code == 400 and ("范围" in response.text or "整数" in response.text), value
