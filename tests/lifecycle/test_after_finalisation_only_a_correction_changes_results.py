"""After finalisation, results change only through a correction (更正): every change is refused
with its reason until a correction is opened; then what moves results waits for the chief judge's
sign-off to be withdrawn; nothing public changes until the correction is issued as notice version 2,
which revokes and reissues the certificates it changes; and `contest audit verify` passes."""
from datetime import timedelta

from sqlmodel import select

from contest import clock
from contest.errors import Conflict
from contest.events import service as events
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate, NoticeVersion
from contest.ledger import LedgerEntry
from tests.builders import OFFICE, certified_contest, recheck, signed_off_contest
from tests.support import audit_verify as verify
from tests.support import published_order, text_of

DESK = "/admin/events/cook/publication"
TRACK = "/admin/events/cook/tracks/chef"


async def board_rows(client) -> list[tuple]:
    rows = (await client.get("/api/events/cook/tracks/chef/board")).json()["rows"]
    return [(r["code"], r["rank"], r["award"], r["name"]) for r in rows]


async def test_a_disqualification_after_finalisation_is_a_correction(organiser, contest, session, settings, pg_url):
    await certified_contest(session, contest)
    winner, second = (await published_order(pg_url))[:2]
    before = await board_rows(organiser)
    refused = await organiser.form(f"{TRACK}/entries/status", {"bib": winner, "status": "disqualified",
                                                               "reason": "赛后查实使用违禁调料"})
    assert refused.status_code == 409
    assert "成绩已是最终成绩，不能取消资格。如确需更改，请先在“成绩发布”页发起更正" in refused.text
    assert (await organiser.form(f"{TRACK}/draw", {"reason": "x"})).status_code == 409

    opened = await organiser.form(f"{DESK}/corrections", {"reason": f"赛后查实选手{winner}使用违禁调料，取消其成绩"})
    assert opened.status_code == 303
    waits = await organiser.form(f"{TRACK}/entries/status", {"bib": winner, "status": "disqualified",
                                                             "reason": "赛后查实使用违禁调料"})
    assert waits.status_code == 409 and "请裁判长先撤回签字确认" in waits.text
    assert (await organiser.form(f"{TRACK}/stages/{contest.practical.id}/signoff/withdraw",
                                 {"reason": "取消选手成绩，须重新确认"})).status_code == 303
    assert (await organiser.form(f"{TRACK}/entries/status", {"bib": winner, "status": "disqualified",
                                                             "reason": "赛后查实使用违禁调料"})).status_code == 303
    assert await board_rows(organiser) == before  # nothing public changes before the correction is issued
    desk = (await organiser.get(f"{DESK}/")).text
    assert "更正进行中" in desk and "名次：1 → —" in desk
    early = await organiser.form(f"{DESK}/corrections/issue")
    assert early.status_code == 409 and "尚未重新签字确认" in early.text

    await recheck(session, contest, contest.practical)  # drawn again: the sign-off was withdrawn since
    chief = contest.judges[0]
    await judging.sign_off(session, chief, await judging.assignment(session, chief, contest.practical.id))
    issued = await organiser.form(f"{DESK}/corrections/issue")
    assert issued.status_code == 303, text_of(issued.text)

    after = await board_rows(organiser)
    ranked = [(code, rank, award) for code, rank, award, _ in after if rank is not None]
    assert len(ranked) == 5 and ranked[0][1:] == (1, "一等奖")
    notice = (await organiser.get("/events/cook/notice")).text
    assert "更正说明" in notice and f"赛后查实选手{winner}使用违禁调料" in notice
    versions = (await session.exec(select(NoticeVersion).order_by(NoticeVersion.version))).all()
    assert [v.version for v in versions] == [1, 2]
    session.expunge_all()
    certs = (await session.exec(select(Certificate).order_by(Certificate.id))).all()
    revoked = [c for c in certs if c.revoked_at is not None]
    current = [c for c in certs if c.revoked_at is None and c.superseded_by is None]
    assert len(revoked) == 1 and "违禁调料" in revoked[0].revoke_reason  # the winner's
    assert sorted(c.rank for c in current) == [1, 2, 3, 4]  # of five ranked: 10%, 20% and 30% (half up)
    assert [c.award for c in sorted(current, key=lambda c: c.rank)] == ["一等奖", "二等奖", "三等奖", "三等奖"]
    assert all(c.superseded_by for c in certs if c not in revoked and c not in current)
    audit = verify(settings)
    assert audit.returncode == 0, audit.stderr
    actions = [e.action for e in (await session.exec(select(LedgerEntry).order_by(LedgerEntry.id))).all()]
    for action in ("correction.open", "stage.signoff_withdrawn", "entry.status", "recheck.draw", "stage.signoff",
                   "notice.version", "certificate.revoke", "certificate.supersede", "correction.issue"):
        assert action in actions, action


async def test_a_name_corrected_reissues_only_that_certificate(contest, session, settings, pg_url):
    await certified_contest(session, contest)
    winner = (await published_order(pg_url))[0]
    entry = await judging.entry_of_track(session, contest.track, winner)
    await boards.open_correction(session, contest.event, "获奖者姓名录入有误", OFFICE)
    await events.edit_entry(session, entry, events.EntryEdit(name="王建华（更正）", unit_id=entry.unit_id),
                            "身份证件核对后更正姓名", OFFICE)
    await boards.issue_correction(session, contest.event, OFFICE)
    session.expunge_all()
    certs = (await session.exec(select(Certificate).order_by(Certificate.id))).all()
    superseded = [c for c in certs if c.superseded_by]
    assert len(superseded) == 1 and superseded[0].holder != "王建华（更正）"
    assert any(c.holder == "王建华（更正）" and c.superseded_by is None for c in certs)
    assert verify(settings).returncode == 0


async def test_an_upheld_appeal_opens_a_correction_and_the_notice_waits_for_it(contest, session):
    await signed_off_contest(session, contest)
    today = clock.today()
    await boards.publish(session, contest.event, today - timedelta(days=8), today - timedelta(days=1), "", OFFICE,
                         today=today - timedelta(days=8))
    appeal = await boards.lodge_appeal(session, contest.event, "chef", contest.entries[0].bib, "李秀英", "计时有误",
                                       today, OFFICE)
    await boards.decide_appeal(session, contest.event, appeal.id, "upheld", "同意重新评分", OFFICE)
    correction = await boards.current_correction(session, contest.event)
    assert correction is not None and correction.reason.startswith(f"申诉 #{appeal.id} 成立")
    try:
        await boards.finalise(session, contest.event, OFFICE)
        raise AssertionError("finalised while a correction was open")
    except Conflict as refused:
        assert "更正进行中，不能确定最终成绩" in refused.message
