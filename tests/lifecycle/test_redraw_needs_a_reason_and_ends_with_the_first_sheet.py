"""Before any sheet a redraw needs a reason (ledgered with the draw); once a sheet exists the draw
is final: the service refuses it (409, saying why), and the track page shows the button disabled
with the same words."""
from sqlmodel import select

from contest.errors import Conflict, InputError
from contest.events import service as events
from contest.ledger import LedgerEntry
from tests.builders import FULL, submit


async def test_a_redraw_needs_a_reason_which_the_ledger_keeps(contest, session):
    try:
        await events.draw_blind_codes(session, contest.track, "监督员")
        raise AssertionError("a redraw without a reason was accepted")
    except InputError as refused:
        assert "原因" in refused.message and refused.field == "reason"
    await events.draw_blind_codes(session, contest.track, "监督员", reason="抽签时监督员未到场，重新抽签")
    draws = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "draw.blind_codes")
                                .order_by(LedgerEntry.id))).all()
    assert len(draws) == 2 and draws[-1].payload["reason"] == "抽签时监督员未到场，重新抽签"
    assert "reason" not in draws[0].payload


async def test_the_first_sheet_makes_the_draw_final(organiser, contest, session):
    await submit(session, contest, contest.judges[1], contest.practical, contest.entries[0], FULL)
    codes = {e.id: e.blind_code for e in contest.entries}
    try:
        await events.draw_blind_codes(session, contest.track, "监督员", reason="再抽一次")
        raise AssertionError("a redraw after scoring was accepted")
    except Conflict as refused:
        assert "评分已开始" in refused.message and "不能重新抽签" in refused.message
    page = f"/admin/events/cook/tracks/{contest.track.slug}"
    response = await organiser.form(f"{page}/draw", {"reason": "再抽一次"})
    assert response.status_code == 409 and "不能重新抽签" in response.text
    html = (await organiser.get(page)).text
    draw_form = html.split('data-action="draw"')[1].split("</form>")[0]
    assert "<fieldset disabled>" in draw_form and "评分已开始（已有评分表），不能抽签" in draw_form
    session.expunge_all()
    from contest.events.models import Entry
    assert {e.id: e.blind_code for e in (await session.exec(select(Entry))).all()} == codes
