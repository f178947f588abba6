"""Withdrawn (退赛), absent (缺考) or disqualified (取消资格), each with a reason: the entry leaves the
ranking at once (the others move up), the change and its reason are ledgered, and after the chief
judge's sign-off the change is refused until the sign-off is withdrawn with a reason."""
from sqlmodel import select

from contest.errors import Conflict, InputError
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.ledger import LedgerEntry
from tests.builders import score_everything, sign_off


async def ranking(session, contest) -> list[tuple[str, int | None, str]]:
    board = await boards.board(session, contest.track.id)
    return [(row.code, row.rank, row.status) for row in board.rows]


async def test_a_disqualified_winner_leaves_the_ranking_and_the_rest_move_up(contest, session):
    contest.event.visibility = "named"  # ranks shown while scoring
    session.add(contest.event)
    await score_everything(session, contest)
    before = await ranking(session, contest)
    winner_code = before[0][0]
    winner = next(e for e in contest.entries if e.blind_code == winner_code)
    await judging.change_entry_status(session, winner, "disqualified", "使用违禁调料，经裁判组认定", "account:1 竞赛办")
    after = await ranking(session, contest)
    assert [code for code, rank, _ in after if rank is not None] == [code for code, _, _ in before[1:]]
    assert after[0][1] == 1
    assert (winner_code, None, "disqualified") in after
    entry = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "entry.status"))).one()
    assert entry.payload == {"track": "chef", "bib": winner.bib, "from": "registered", "to": "disqualified",
                             "reason": "使用违禁调料，经裁判组认定"}


async def test_absent_is_a_status_of_its_own_and_needs_a_reason(contest, session):
    entry = contest.entries[2]
    try:
        await judging.change_entry_status(session, entry, "absent", "  ", "account:1 竞赛办")
        raise AssertionError("a status change without a reason was accepted")
    except InputError as refused:
        assert refused.message == "请填写登记缺考的原因"
    await judging.change_entry_status(session, entry, "absent", "未按时检录", "account:1 竞赛办")
    queue = await judging.queue(session, contest.judges[1], contest.practical, contest.track)
    assert entry.id not in {item.entry_id for item in queue}
    await judging.change_entry_status(session, entry, "registered", "检录时间记录有误，实际到场", "account:1 竞赛办")
    queue = await judging.queue(session, contest.judges[1], contest.practical, contest.track)
    assert entry.id in {item.entry_id for item in queue}


async def test_after_sign_off_a_status_change_waits_for_the_sign_off_to_be_withdrawn(organiser, contest, session):
    await score_everything(session, contest)
    await sign_off(session, contest)
    page = f"/admin/events/cook/tracks/{contest.track.slug}"
    refused = await organiser.form(f"{page}/entries/status", {"bib": contest.entries[0].bib, "status": "withdrawn",
                                                              "reason": "赛后主动退赛"})
    assert refused.status_code == 409
    assert refused.text.count("成绩已由裁判长签字确认，不能登记退赛。请裁判长先撤回签字确认") == 1
    html = (await organiser.get(page)).text
    assert "已退赛：成绩已由裁判长签字确认，不能登记退赛" in html
    withdrawn = await organiser.form(f"{page}/stages/{contest.practical.id}/signoff/withdraw",
                                     {"reason": "选手赛后申请退赛，须重算"})
    assert withdrawn.status_code == 303
    done = await organiser.form(f"{page}/entries/status", {"bib": contest.entries[0].bib, "status": "withdrawn",
                                                           "reason": "赛后主动退赛"})
    assert done.status_code == 303
    actions = [e.action for e in (await session.exec(select(LedgerEntry).order_by(LedgerEntry.id))).all()]
    assert actions[-2:] == ["stage.signoff_withdrawn", "entry.status"]


async def test_an_unknown_status_is_bad_input(contest, session):
    try:
        await judging.change_entry_status(session, contest.entries[0], "checked_out", "x", "a")
        raise AssertionError
    except InputError as refused:
        assert "参赛状态取值无效" in refused.message
    try:
        await judging.change_entry_status(session, contest.entries[0], "registered", "x", "a")
        raise AssertionError
    except InputError as refused:
        assert "已是“已报名”" in refused.message
    assert Conflict  # the lifecycle's refusals are Conflicts (409): see the sign-off test above
