"""A panel is edited while nothing is scored; once judging has started a judge is only replaced,
with a reason, keeping the seat (the chief's stays the chief's) and the sheets already submitted;
every change ledgered, the lifecycle's words on each refusal."""
from sqlmodel import select

from contest.events.models import Judge, Panel, PanelMember
from contest.judging.models import Sheet
from contest.ledger import LedgerEntry
from contest.people.models import Unit
from tests.builders import submit
from tests.support import text_of


async def members(session, panel: Panel) -> dict[str, bool]:
    rows = (await session.exec(select(Judge.number, PanelMember.is_chief).join(PanelMember)
                               .where(PanelMember.panel_id == panel.id))).all()
    return dict(rows)


async def test_a_panel_is_edited_then_a_judge_replaced_with_a_reason(organiser, session, contest):
    panel = (await session.exec(select(Panel).where(Panel.stage_id == contest.practical.id))).one()
    page = f"/admin/events/{contest.event.slug}/panels/{panel.id}"
    j = {judge.number: judge for judge in contest.judges}
    shown = await organiser.get(page)
    assert "J01 评委甲（裁判长）" in text_of(shown.text) and "实操组" in shown.text

    edited = await organiser.form(page, {"name": "实操一组", "judge_ids": [str(j[n].id) for n in ("J01", "J02", "J03",
                                                                                                  "J04")],
                                         "chief_id": str(j["J01"].id)})
    assert edited.status_code == 303
    await session.refresh(panel)
    assert panel.name == "实操一组" and await members(session, panel) == {
        "J01": True, "J02": False, "J03": False, "J04": False}

    await submit(session, contest, j["J02"], contest.practical, contest.entries[0],
                 {"prep": "8", "skill": "30", "quality": "20", "safety": "1"})
    refused = await organiser.form(page, {"name": "实操一组", "judge_ids": [str(j["J01"].id)]})
    assert refused.status_code == 409 and "评分开始后裁判组成员不能增减" in refused.text
    no_reason = await organiser.form(f"{page}/replace", {"old_id": str(j["J02"].id), "new_id": str(j["J05"].id)})
    assert no_reason.status_code == 400 and "须填写原因" in no_reason.text
    seated = await organiser.form(f"{page}/replace", {"old_id": str(j["J02"].id), "new_id": str(j["J03"].id),
                                                      "reason": "因病"})
    assert seated.status_code == 400 and "已在本组" in seated.text
    assert "替换原因" in (await organiser.get(page)).text

    for old, new in (("J02", "J05"), ("J01", "J02")):
        replaced = await organiser.form(f"{page}/replace", {"old_id": str(j[old].id), "new_id": str(j[new].id),
                                                            "reason": f"{old} 因病不能继续执裁"})
        assert replaced.status_code == 303
    assert await members(session, panel) == {"J02": True, "J03": False, "J04": False, "J05": False}
    ledgered = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "panel.replace")
                                   .order_by(LedgerEntry.id))).all()
    assert [(e.payload["out"], e.payload["in"], e.payload["chief"]) for e in ledgered] == [
        ("J02", "J05", False), ("J01", "J02", True)]
    assert ledgered[0].payload["reason"] == "J02 因病不能继续执裁"
    sheet = (await session.exec(select(Sheet).where(Sheet.judge_id == j["J02"].id))).one()
    assert sheet.entry_id == contest.entries[0].id  # what was submitted stays


async def test_a_judges_unit_is_picked_by_its_name(organiser, session, contest):
    judges = f"/admin/events/{contest.event.slug}/judges"
    unit = contest.entries[0].unit_id
    name = (await session.get(Unit, unit)).name
    unknown = await organiser.form(judges, {"name": "评委新", "unit": "没有这个单位"})
    assert unknown.status_code == 400 and "单位名录中没有“没有这个单位”" in unknown.text
    added = await organiser.form(judges, {"name": "评委新", "unit": name})
    assert added.status_code in (200, 201)
    judge = (await session.exec(select(Judge).where(Judge.name == "评委新"))).one()
    assert judge.unit_id == unit
    outside = await organiser.form(judges, {"name": "评委外聘", "unit": ""})
    assert outside.status_code in (200, 201)
    assert (await session.exec(select(Judge).where(Judge.name == "评委外聘"))).one().unit_id is None
    declared = await organiser.form(f"/admin/events/{contest.event.slug}/conflicts", {
        "judge_id": str(judge.id), "conflict_unit": name, "reason": "曾在该单位任职"})
    assert declared.status_code == 303
