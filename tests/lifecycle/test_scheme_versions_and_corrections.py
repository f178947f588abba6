"""A round's scheme is versioned: every version ledgered with its digest. Before the first sheet it
is edited freely; after it, a change is a correction with a reason that recomputes every result of
the round; after sign-off it is refused until the chief judge's sign-off is withdrawn."""
import copy

from sqlmodel import select

from contest.errors import Conflict, InputError
from contest.events import service as events
from contest.events.models import SchemeVersion
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.ledger import LedgerEntry
from tests.builders import recheck, score_everything

ACTOR = "account:1 竞赛办"


def with_first_prize_share(scheme: dict, share: str) -> dict:
    changed = copy.deepcopy(scheme)
    changed["awards"]["tiers"][0]["share"] = share
    return changed


async def round_of(session, contest):
    return (await events.list_rounds(session, contest.track))[0]


async def test_each_version_is_kept_and_ledgered_with_its_digest(contest, session):
    round_ = await round_of(session, contest)
    await events.set_scheme(session, round_, {**round_.scheme, "name": "中式烹调师评分标准（2026修订）"}, ACTOR)
    versions = (await session.exec(select(SchemeVersion).order_by(SchemeVersion.version))).all()
    assert [v.version for v in versions] == [1, 2]
    ledgered = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "scheme.version")
                                   .order_by(LedgerEntry.id))).all()
    assert [e.payload["digest"] for e in ledgered] == [v.digest for v in versions]
    assert ledgered[-1].payload["scheme"]["name"] == "中式烹调师评分标准（2026修订）"
    assert versions[-1].digest == events.scheme_digest(round_.scheme)


async def test_after_the_first_sheet_a_change_is_a_correction_that_recomputes_the_round(contest, session):
    contest.event.visibility = "named"  # awards shown while scoring
    session.add(contest.event)
    await score_everything(session, contest)
    round_ = await round_of(session, contest)
    try:
        await events.set_scheme(session, round_, with_first_prize_share(round_.scheme, "0.5"), ACTOR)
        raise AssertionError("an edit after scoring began was accepted")
    except Conflict as refused:
        assert "评分标准已冻结" in refused.message and "更正评分标准" in refused.message
    try:
        await judging.save_scheme(session, round_, with_first_prize_share(round_.scheme, "0.5"), "", ACTOR)
        raise AssertionError("a correction without a reason was accepted")
    except InputError as refused:
        assert refused.field == "reason"
    before = [r.award for r in (await boards.board(session, contest.track.id)).rows]
    assert before.count("一等奖") == 1
    version = await judging.save_scheme(session, round_, with_first_prize_share(round_.scheme, "0.5"),
                                        "一等奖比例按竞赛文件应为50%，录入有误", ACTOR)
    assert version.version == 2 and version.reason.startswith("一等奖比例")
    after = [r.award for r in (await boards.board(session, contest.track.id)).rows]
    assert after.count("一等奖") == 3


async def test_a_signed_off_round_refuses_a_correction(contest, session):
    await score_everything(session, contest)
    chief = contest.judges[0]
    await recheck(session, contest, contest.practical)
    await judging.sign_off(session, chief, await judging.assignment(session, chief, contest.practical.id))
    round_ = await round_of(session, contest)
    try:
        await judging.save_scheme(session, round_, with_first_prize_share(round_.scheme, "0.5"), "比例有误", ACTOR)
        raise AssertionError("a correction of a signed-off round was accepted")
    except Conflict as refused:
        assert refused.message.startswith("成绩已由裁判长签字确认，不能更正评分标准")
    await judging.withdraw_signoff(session, contest.practical, "评分标准一等奖比例有误，须更正", ACTOR)
    assert (await judging.save_scheme(session, round_, with_first_prize_share(round_.scheme, "0.5"), "比例有误",
                                      ACTOR)).version == 2
