"""An expert's review marks pass the same check as a judge's sheet: a mark off the criterion's step
(13.3 where the step is 0.5) is a 400 naming the competency and stores nothing (it used to be
stored, and finishing the review then failed with a 500 for good)."""
from sqlmodel import select

from contest.registry import service as registry
from contest.registry.models import Candidate, ReviewMark
from tests.builders import eligible as eligible_candidate

GOOD = {"lead": "16", "practice": "18", "innovate": "15.5", "tackle": "17", "pass_on": "16"}


async def review(client, candidate: Candidate, marks: dict[str, str]):
    return await client.form(f"/admin/registry/candidates/{candidate.id}/review", marks)


async def test_a_mark_off_the_step_is_a_400_and_stores_nothing(organiser, session):
    candidate = await eligible_candidate(session)
    assert candidate.state == "eligible"
    response = await review(organiser, candidate, {**GOOD, "innovate": "13.3"})
    assert response.status_code == 400
    assert "创新：13.3 应为 0.5 的整数倍" in response.text
    assert (await session.exec(select(ReviewMark))).all() == []


async def test_out_of_range_unknown_and_missing_marks_are_400s(organiser, session):
    candidate = await eligible_candidate(session)
    for marks, message in (({**GOOD, "lead": "21"}, "引领：21 超出范围 0–20"),
                           ({**GOOD, "lead": "很好"}, "引领：“很好”不是数字"),
                           ({**GOOD, "lead": ""}, "还有评分项未打分：引领")):
        response = await review(organiser, candidate, marks)
        assert response.status_code == 400 and message in response.text, response.text
    assert (await session.exec(select(ReviewMark))).all() == []


async def test_marks_on_the_step_are_kept_and_the_review_finishes(organiser, session):
    candidate = await eligible_candidate(session)
    for reviewer in ("专家甲", "专家乙", "专家丙"):
        await registry.record_review(session, candidate, reviewer, GOOD, "技艺精湛，带徒成效显著")
    response = await organiser.form(f"/admin/registry/candidates/{candidate.id}/finish-review")
    assert response.status_code == 303
    session.expunge_all()
    candidate = await session.get(Candidate, candidate.id)
    assert (candidate.state, candidate.review_total) == ("reviewed", "82.50")
