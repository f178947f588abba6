"""A scheme saved on a round mirrors the stages judges score: a best_of stage is scored through its
attempts (no panel, nothing to sign off of its own); a coefficient taken from an entry attribute,
which the platform has no place to enter, is refused with a message that says what to use instead."""
from sqlmodel import select

from contest.events.models import Stage

ATTEMPTS = """scheme: 1
name: 举重
stages:
  - {key: sn1, name: 抓举第1次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
  - {key: sn2, name: 抓举第2次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
  - {key: snatch, name: 抓举, best_of: [sn1, sn2]}
"""


async def set_scheme(organiser, text: str):
    await organiser.form("/admin/events", {"name": "大赛", "slug": "ev-2026", "year": "2026"})
    await organiser.form("/admin/events/ev-2026/tracks", {"name": "举重", "slug": "lifting"})
    # typed into the expert (YAML) editor beside the scheme builder
    return await organiser.form("/admin/events/ev-2026/tracks/lifting/rounds/1/scheme", {"yaml": text})


async def test_attempt_stages_are_mirrored_and_the_best_of_stage_is_not(organiser, session):
    response = await set_scheme(organiser, ATTEMPTS)
    assert response.status_code in (200, 303), response.text
    assert [s.key for s in (await session.exec(select(Stage).order_by(Stage.seq))).all()] == ["sn1", "sn2"]


async def test_an_attribute_coefficient_is_refused_on_the_platform(organiser, session):
    text = ATTEMPTS.replace("criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}\n  - {key: sn2",
                            "coefficient: {attribute: sinclair}, criteria: [{key: kg, name: 重量, max: 300, "
                            "kind: measurement}]}\n  - {key: sn2", 1)
    response = await set_scheme(organiser, text)
    assert response.status_code == 400
    assert "取自选手属性的系数（sinclair）只能用于离线计算" in response.text
    assert [s.key for s in (await session.exec(select(Stage).order_by(Stage.seq))).all()] == ["theory", "practical"]
