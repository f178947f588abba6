"""An entry added after the draw (the event taken back to 报名中) is counted on the board as waiting
for the draw, then draws the next blind code by a ledgered lot of its own: nobody else's code moves,
the late entry is judged and ranked like the others, and `contest audit verify` accepts the late
draw (and names a late code changed behind the ledger's back)."""
import pytest
from sqlalchemy import text
from sqlmodel import select

from contest.errors import InputError
from contest.events import service as events
from contest.events.models import Draw, Entry
from tests.builders import ID_KEY, make_event, person, score_everything, set_visibility, sign_in_organiser, xlsx
from tests.support import audit_verify

TRACK = "/admin/events/cook/tracks/chef"
FEED = "/api/events/cook/tracks/chef/board"


async def _codes(session, track) -> dict[str, str | None]:
    rows = (await session.exec(select(Entry.bib, Entry.blind_code).where(Entry.track_id == track.id)
                               .execution_options(populate_existing=True))).all()
    return dict(rows)


async def test_a_late_entry_is_drawn_judged_and_ranked_without_touching_the_others(client, contest, session,
                                                                                   settings):
    await sign_in_organiser(client, session)
    await set_visibility(session, contest, "blind")  # live by blind code: the ranks show as they come
    before = await _codes(session, contest.track)
    await events.set_event_status(session, contest.event, "registration")  # 补报: back to 报名中 before scoring
    await events.import_contestants(session, contest.track, "late.xlsx", xlsx([person(6)]), id_key=ID_KEY.encode())
    late_bib = next(bib for bib in await _codes(session, contest.track) if bib not in before)

    board = (await client.get(FEED)).json()
    assert board["undrawn"] == 1 and len(board["rows"]) == 6  # counted aloud, not silently fewer
    assert "另有 1 名已报名、待抽签" in (await client.get("/events/cook/tracks/chef")).text
    page = (await client.get(f"{TRACK}")).text
    assert "1 名选手待抽签" in page and late_bib in page

    assert (await client.form(f"{TRACK}/draw/late")).status_code == 303
    after = await _codes(session, contest.track)
    assert {bib: after[bib] for bib in before} == before  # nobody else's code moved
    assert after[late_bib] == "007"
    again = await client.form(f"{TRACK}/draw/late")
    assert again.status_code == 400 and "没有待抽签的选手" in again.text
    draw = (await session.exec(select(Draw).where(Draw.late).execution_options(populate_existing=True))).one()
    assert draw.entry_count == 1 and events.drawn_codes(draw.seed, [late_bib], 6) == {late_bib: "007"}

    await events.set_event_status(session, contest.event, "running")
    late = (await session.exec(select(Entry).where(Entry.bib == late_bib))).one()
    contest.entries.append(late)
    await score_everything(session, contest)
    board = (await client.get(FEED)).json()
    assert board["undrawn"] == 0 and len(board["rows"]) == 7
    assert all(row["rank"] for row in board["rows"]) and "007" in {row["code"] for row in board["rows"]}
    audit = audit_verify(settings)
    assert audit.returncode == 0, audit.stderr

    await session.exec(text("update entry set blind_code = '099' where bib = :bib").bindparams(bib=late_bib))
    await session.commit()
    tampered = audit_verify(settings)
    assert tampered.returncode != 0 and f"entry {late_bib}: blind code 099 but the ledgered draw gave 007" in (
        tampered.stdout + tampered.stderr)


async def test_a_late_draw_needs_a_first_draw_and_someone_to_draw(session):
    event, track = await make_event(session)
    await events.import_contestants(session, track, "a.xlsx", xlsx([person(0), person(1)]), id_key=ID_KEY.encode())
    with pytest.raises(InputError, match="请先为全体选手抽签"):
        await events.draw_late_entries(session, track, "监督员")
    await events.draw_blind_codes(session, track, "监督员")
    with pytest.raises(InputError, match="没有待抽签的选手"):
        await events.draw_late_entries(session, track, "监督员")
