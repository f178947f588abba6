"""A judge number is the same judge however it is written: J5, j05, 5 and Ｊ５ are J05."""
import pytest

from contest.events.service import judge_number


@pytest.mark.parametrize("written", ["J05", "J5", "j05", "5", "05", " J 5 ", "Ｊ５"])
def test_every_way_of_writing_five_is_j05(written):
    assert judge_number(written) == "J05"


def test_numbers_past_99_and_words_are_kept():
    assert judge_number("J100") == "J100" and judge_number("裁判甲") == "裁判甲"


@pytest.mark.parametrize("written", ["J2", "2", "j02"])
async def test_a_judge_signs_in_with_the_number_as_written(client, contest, written):
    answer = await client.post("/api/judge/session", json={
        "event_code": contest.event.judge_code, "number": written, "pin": contest.pins["J02"]},
        headers={"x-csrftoken": await client.csrf()})
    assert answer.status_code == 200 and answer.json()["judge"] == "J02"
