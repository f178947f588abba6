"""An expert's review of a craftsman candidate is a written opinion (评审意见) as much as marks
(issue 23): the review scheme requires one, so marks without it are a 400 that stores nothing; the
opinion is kept per expert (a second review replaces the first), ledgered with the marks, and shown
with the marks on the candidate's page during the review and after it."""
from sqlmodel import select

from contest.ledger import LedgerEntry
from contest.registry import service as registry
from contest.registry.models import Candidate, ReviewMark, ReviewOpinion
from tests.builders import eligible
from tests.support import text_of

GOOD = {"lead": "16", "practice": "18", "innovate": "15.5", "tackle": "17", "pass_on": "16"}
OPINION = "十年扎根一线，攻克高压焊接难题，带出三名技师。"


async def review(client, candidate: Candidate, opinion: str):
    return await client.form(f"/admin/registry/candidates/{candidate.id}/review", {**GOOD, "opinion": opinion})


async def test_marks_without_an_opinion_are_refused_and_store_nothing(organiser, session):
    candidate = await eligible(session)
    response = await review(organiser, candidate, "   ")
    assert response.status_code == 400 and "专家评审须填写评审意见" in response.text, response.text
    assert (await session.exec(select(ReviewMark))).all() == []
    assert (await session.exec(select(ReviewOpinion))).all() == []


async def test_the_opinion_is_kept_ledgered_and_shown_with_the_marks(organiser, session):
    candidate = await eligible(session)
    assert (await review(organiser, candidate, "初稿")).status_code == 303
    assert (await review(organiser, candidate, f"  {OPINION}  ")).status_code == 303  # the expert's second thoughts
    (written,) = (await session.exec(select(ReviewOpinion))).all()
    assert (written.candidate_id, written.opinion) == (candidate.id, OPINION)
    entries = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "registry.review")
                                  .order_by(LedgerEntry.id))).all()
    assert [e.payload["opinion"] for e in entries] == ["初稿", OPINION]
    assert entries[-1].payload["marks"]["innovate"] == "15.5"
    page = text_of((await organiser.get(f"/admin/registry/candidates/{candidate.id}")).text)
    assert OPINION in page and "评审意见" in page
    for expert in ("专家乙", "专家丙"):
        await registry.record_review(session, candidate, expert, GOOD, "同意推荐")
    assert (await organiser.form(f"/admin/registry/candidates/{candidate.id}/finish-review")).status_code == 303
    after = text_of((await organiser.get(f"/admin/registry/candidates/{candidate.id}")).text)
    assert "专家评审（总分 82.50）" in after and OPINION in after and "同意推荐" in after
