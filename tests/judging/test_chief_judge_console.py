"""The chief judge sees the panel's progress, reopens a sheet with a reason, draws the re-check
list and signs the stage off, which locks it."""
from sqlmodel import select

from contest.judging.models import RecheckDraw, Sheet, StageSignoff
from contest.ledger import LedgerEntry
from tests.builders import FULL, make_contest, recheck, score_everything, sign_in_judge


async def sign_in(client, contest, number):
    assert (await sign_in_judge(client, contest, number)).status_code == 200


async def test_only_the_chief_opens_the_console(client, contest):
    await sign_in(client, contest, "J02")
    assert (await client.get(f"/chief/stages/{contest.practical.id}")).status_code == 404


async def test_sign_off_needs_every_sheet_then_locks_the_stage(client, contest, session):
    await sign_in(client, contest, "J01")
    console = await client.get(f"/chief/stages/{contest.practical.id}")
    assert console.status_code == 200 and "缺少" in console.text
    early = await client.form(f"/chief/stages/{contest.practical.id}/signoff")
    assert early.status_code == 409 and "未提交" in early.text
    await score_everything(session, contest, only=contest.entries[:1])  # judging has begun
    assert "全部提交后才能抽取复核名单" in (await client.get(f"/chief/stages/{contest.practical.id}")).text
    too_soon = await client.form(f"/chief/stages/{contest.practical.id}/recheck")  # the top ten are not known yet
    assert too_soon.status_code == 409 and "全部提交后才能抽取复核名单" in too_soon.text
    assert (await session.exec(select(RecheckDraw))).first() is None
    await score_everything(session, contest, only=contest.entries[1:])
    waiting = await client.form(f"/chief/stages/{contest.practical.id}/signoff")
    assert waiting.status_code == 409 and "请先抽取复核名单" in waiting.text  # sign-off waits for the re-check
    await recheck(session, contest, contest.practical)
    done = await client.form(f"/chief/stages/{contest.practical.id}/signoff")
    assert done.status_code == 303
    assert (await session.exec(select(StageSignoff))).one().stage_id == contest.practical.id
    late = await client.put(f"/api/judge/stages/{contest.practical.id}/entries/{contest.entries[0].id}",
                            json={"marks": FULL, "base_version": 99, "key": "late"},
                            headers={"x-csrftoken": await client.csrf()})
    assert late.status_code == 409 and "签字确认" in late.json()["error"]
    actions = [e.action for e in (await session.exec(select(LedgerEntry))).all()]
    assert actions.count("stage.signoff") == 1


async def test_reopen_needs_a_reason_and_is_ledgered(client, contest, session):
    await score_everything(session, contest)
    await sign_in(client, contest, "J01")
    sheet = (await session.exec(select(Sheet).where(Sheet.stage_id == contest.practical.id))).first()
    refused = await client.form(f"/chief/stages/{contest.practical.id}/sheets/{sheet.id}/reopen", {"reason": ""})
    assert refused.status_code == 400
    ok = await client.form(f"/chief/stages/{contest.practical.id}/sheets/{sheet.id}/reopen",
                           {"reason": "成品质量分与记录不符"})
    assert ok.status_code == 303
    await session.refresh(sheet)
    assert sheet.state == "reopened" and sheet.reopen_reason == "成品质量分与记录不符"
    entry = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "sheet.reopen"))).one()
    assert entry.payload["reason"] == "成品质量分与记录不符" and entry.actor.startswith(f"judge:{contest.judges[0].id}")


async def test_recheck_list_has_the_top_ten_and_a_sample_of_the_rest(client, session):

    contest = await make_contest(session, contestants=16, judges=3)
    await score_everything(session, contest)
    await sign_in(client, contest, "J01")
    assert (await client.form(f"/chief/stages/{contest.practical.id}/recheck")).status_code == 303
    draw = (await session.exec(select(RecheckDraw))).one()
    reasons = [why for _, why in draw.entries]
    assert reasons.count("前十名全部复核") == 10 and reasons.count("随机抽查") == 1  # ceil(15% of 6)
    assert len(draw.seed) == 32
    page = await client.get(f"/chief/stages/{contest.practical.id}")
    assert draw.seed in page.text
    assert "由 裁判 J01 " in page.text and "judge:" not in page.text  # who drew it, by number and name
