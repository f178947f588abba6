"""Issue 23, item 2: on a judge's first sign-in for an event the tablet shows the event's pledge
and asks for relations; a judge who has not accepted cannot score (the sheets service refuses);
a declared relation becomes a conflict of interest and recuses; both are ledgered and listed for
the organiser and the chief judge."""
from sqlmodel import select

from contest import ledger
from contest.events import service as events
from contest.events.models import DEFAULT_PLEDGE, ConflictOfInterest, Recusal
from contest.judging import service as judging
from contest.people.models import Person
from tests.builders import FULL, make_contest, put_sheet, sign_in_judge, sign_in_organiser

DIGEST = judging.pledge_digest(DEFAULT_PLEDGE)


async def pledge(client, **fields):
    return await client.post("/judge/pledge", data={"_csrf_token": await client.csrf(), **fields})


async def test_no_scoring_before_the_pledge_then_a_declared_relation_recuses(client, session):
    contest = await make_contest(session, contestants=3, judges=2, pledged=False)
    close, stranger = contest.entries[0], contest.entries[1]
    await sign_in_judge(client, contest, "J02")
    assert (await client.get("/judge")).headers["location"] == "/judge/pledge"
    assert (await client.get(f"/judge/stages/{contest.practical.id}")).headers["location"] == "/judge/pledge"
    refused = await put_sheet(client, contest, stranger, FULL, 0, submit=True)
    assert refused.status_code == 409 and "承诺书" in refused.json()["error"]
    page = (await client.get("/judge/pledge")).text
    assert DEFAULT_PLEDGE.splitlines()[1] in page and close.bib in page and "咸安区香城大酒店" in page
    assert f">{close.blind_code}<" not in page and f" {close.blind_code} " not in page  # codes stay secret

    unticked = await pledge(client, shown=DIGEST, entry_ids=str(close.id), relation="师徒")
    assert unticked.status_code == 400
    assert 'value="师徒"' in unticked.text and f'value="{close.id}" checked' in unticked.text  # kept for the judge
    vague = await pledge(client, shown=DIGEST, entry_ids=str(close.id), agree="1")
    assert vague.status_code == 400 and "请说明与所选单位或选手的关系" in vague.text
    assert 'id="pledge"' in vague.text and f'value="{close.id}" checked' in vague.text  # the form again, not a dead end
    done = await pledge(client, shown=DIGEST, entry_ids=str(close.id), relation="该选手为本人徒弟",
                        agree="1")
    assert done.status_code == 303 and done.headers["location"] == "/judge"
    assert (await pledge(client, shown=DIGEST, agree="1")).status_code == 409  # once

    judge = contest.judges[1]
    conflict = (await session.exec(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id))).one()
    assert conflict.person_id == close.person_id and "徒弟" in conflict.reason
    recused = (await session.exec(select(Recusal.entry_id).where(Recusal.judge_id == judge.id))).all()
    assert recused == [close.id]
    entries = [e async for e in ledger.walk(session) if e.action == "judge.pledge"]
    assert len(entries) == 1 and entries[0].payload["pledge"] == DEFAULT_PLEDGE
    name = (await session.get(Person, close.person_id)).name
    assert entries[0].payload["declared"] == [f"选手 中式烹调师 {close.bib} {name}（该选手为本人徒弟）"]

    queue = (await client.get("/api/judge/queue")).json()
    practical = next(q for q in queue if q["stage_id"] == contest.practical.id)
    assert close.blind_code not in [e["blind_code"] for e in practical["entries"]]
    assert (await put_sheet(client, contest, close, FULL, 0, submit=True)).status_code == 404
    assert (await put_sheet(client, contest, stranger, FULL, 0, submit=True)).status_code == 200

    # listed for the chief judge (J01 signs their own pledge first) and for the organiser
    await sign_in_judge(client, contest, "J01")
    assert (await pledge(client, shown=DIGEST, agree="1")).status_code == 303
    console = (await client.get(f"/chief/stages/{contest.practical.id}")).text
    assert "该选手为本人徒弟" in console and "J02" in console
    await sign_in_organiser(client, session)
    page = (await client.get(f"/admin/events/{contest.event.slug}")).text
    assert "该选手为本人徒弟" in page and "已签署" in page


async def test_the_organisers_pledge_is_the_one_shown_and_accepted(client, session):
    contest = await make_contest(session, contestants=2, judges=1, pledged=False)
    ours = "本人承诺：公正评分，严守秘密。"
    event = contest.event
    await events.update_event(session, event, events.EventInput(event.slug, event.name, event.year, pledge=ours))
    await sign_in_judge(client, contest, "J01")
    page = (await client.get("/judge/pledge")).text
    assert ours in page and DEFAULT_PLEDGE.splitlines()[1] not in page
    stale = await pledge(client, shown=DIGEST, agree="1")
    assert stale.status_code == 409  # accepted only as the organiser last wrote it
    assert (await pledge(client, shown=judging.pledge_digest(ours), agree="1")).status_code == 303
    (judge, accepted), = await judging.pledges(session, event)
    assert accepted.pledge == ours and accepted.declared == []
