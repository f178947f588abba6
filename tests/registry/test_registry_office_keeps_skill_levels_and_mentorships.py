"""The registry office's people data: craftsmen lists imported with a template and a check-only
run, and counted honestly on re-import; skill levels changed with a history whose rises the yearly
report counts; mentorships registered by name and closed with their outcome and skill rise; public
profiles link only the people who have one."""
import io
import re
from datetime import date

import openpyxl
from sqlalchemy import text
from sqlmodel import select

from contest import clock
from contest.ledger import LedgerEntry
from contest.people.models import SkillLevelChange
from contest.registry.importers import COLUMNS
from contest.registry.models import Candidate, Mentorship
from tests.builders import craftsmen_file, name_craftsman, registry_areas, wang_craftsmen, worker
from tests.support import text_of


def figure(page: str, label: str) -> int:
    return int(text_of(page).split(label, 1)[1].split()[0])


async def sql(session, query: str, **params) -> int:
    return (await (await session.connection()).execute(text(query), params)).scalar_one()


async def test_a_craftsmen_list_is_checked_imported_and_counted_honestly_again(organiser, session):
    await registry_areas(session)
    template = await organiser.get("/admin/registry/import-template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert [c.value for c in book.active[1]] == list(COLUMNS) and "填写说明" in book.sheetnames
    assert len(book.active.data_validations.dataValidation) >= 6  # area, level, tier, honour level, yes/no ×3

    upload = {"file": ("名单.xlsx", craftsmen_file(list(wang_craftsmen(2))))}  # 4 craftsmen
    checked = await organiser.form("/admin/registry/import", {"dry_run": "1"}, files=upload)
    assert "仅检查：共 4 行，4 行无误" in text_of(checked.text) and "未导入任何数据" in checked.text
    assert await sql(session, "select count(*) from candidate") == 0

    first = await organiser.form("/admin/registry/import", files=upload)
    assert "已导入 4 人。" in text_of(first.text)
    again = await organiser.form("/admin/registry/import", files=upload)
    assert "已导入 0 人，4 人已在名录中。" in text_of(again.text)
    checked = await organiser.form("/admin/registry/import", {"dry_run": "1"}, files=upload)
    assert "4 行无误，4 人已在名录中" in text_of(checked.text)
    assert await sql(session, "select count(*) from candidate") == 4


async def test_a_skill_level_changes_with_history_and_its_rise_is_reported(organiser, session):
    someone = await worker(session, "李小龙", skill_level=4)
    page = f"/admin/registry/people/{someone.id}"
    found = await organiser.get("/admin/registry/people", params={"q": "小龙"})
    assert f'href="{page}"' in found.text
    today = clock.today()

    for bad, says in (({"level": "4"}, "已是"), ({"level": "3", "basis": ""}, "请填写依据"),
                      ({"level": "3", "changed_on": date(today.year + 1, 1, 1).isoformat()}, "不能晚于今天"),
                      ({"level": "9"}, "请选择职业技能等级")):
        sent = {"level": "3", "changed_on": today.isoformat(), "basis": "证书 S0001"} | bad
        refused = await organiser.form(f"{page}/skill-level", sent)
        assert refused.status_code == 400 and says in refused.text, (bad, text_of(refused.text)[:300])
    assert await sql(session, "select count(*) from skill_level_change") == 0

    before = await organiser.get(f"/admin/registry/report?year={today.year}")
    changed = await organiser.form(f"{page}/skill-level", {"level": "3", "changed_on": today.isoformat(),
                                                           "basis": "职业技能等级证书 S0001"})
    assert changed.status_code == 303
    shown = await organiser.get(page)
    assert "三级/高级工" in text_of(shown.text.split('id="skill-level"')[1][:80])
    assert "四级/中级工" in shown.text and "职业技能等级证书 S0001" in shown.text and "提升" in shown.text
    entry = (await session.exec(select(LedgerEntry).where(LedgerEntry.subject == f"person:{someone.id}"))).one()
    assert entry.action == "person.skill_level" and entry.payload["before"] == 4 and entry.payload["after"] == 3

    rises = await sql(session, "select count(*) from skill_level_change where level_after < level_before "
                               "and extract(year from changed_on) = :year", year=today.year)
    report = await organiser.get(f"/admin/registry/report?year={today.year}")
    assert rises == 1 and figure(report.text, "职工技能等级提升（人次）") == rises
    assert figure(before.text, "职工技能等级提升（人次）") == 0


async def test_a_mentorship_is_registered_by_name_and_closed_with_a_skill_rise(client, organiser, session):
    master = await worker(session, "张建华", skill_level=1)
    apprentice = await worker(session, "李小龙", n=1, skill_level=4)
    await worker(session, "王芳", n=2), await worker(session, "王芳", n=3)
    await name_craftsman(session, master)
    today = clock.today()

    choices = await organiser.get("/admin/registry/people/pick/apprentice", params={"apprentice": "小龙"})
    assert f'name="apprentice_id" value="{apprentice.id}"' in choices.text and "checked" in choices.text
    two = await organiser.get("/admin/registry/people/pick/master", params={"master": "王芳"})
    assert two.text.count('name="master_id"') == 2 and "checked" not in two.text
    nobody = await organiser.get("/admin/registry/people/pick/master", params={"master": "查无此人"})
    assert "没有找到“查无此人”" in nobody.text

    terms = {"starts_on": date(today.year - 2, 3, 1).isoformat(), "ends_on": date(today.year, 1, 1).isoformat(),
             "goals": "掌握数控编程"}
    ambiguous = await organiser.form("/admin/registry/mentorships", {"master": "王芳", "apprentice": "李小龙",
                                                                      **terms})
    assert ambiguous.status_code == 400 and "有多位“王芳”" in ambiguous.text
    added = await organiser.form("/admin/registry/mentorships", {
        "master": "张建华", "apprentice": "小龙", "apprentice_id": str(apprentice.id), **terms})
    assert added.status_code == 303 and added.headers["location"].endswith(f"/admin/registry/people/{master.id}"
                                                                             "#mentorships")
    pair = (await session.exec(select(Mentorship))).one()
    assert (pair.master_id, pair.apprentice_id, pair.level_before) == (master.id, apprentice.id, 4)

    no_outcome = await organiser.form(f"/admin/registry/mentorships/{pair.id}/close", {"outcome": " "})
    assert no_outcome.status_code == 400 and "请填写带徒成效" in no_outcome.text
    closed = await organiser.form(f"/admin/registry/mentorships/{pair.id}/close", {
        "outcome": "独立完成数控编程", "level": "3", "changed_on": today.isoformat(), "back": "apprentice"})
    assert closed.status_code == 303 and closed.headers["location"].endswith(f"/people/{apprentice.id}#mentorships")
    await session.refresh(pair)
    assert (pair.outcome, pair.level_after) == ("独立完成数控编程", 3)
    change = (await session.exec(select(SkillLevelChange))).one()
    assert (change.person_id, change.level_before, change.level_after) == (apprentice.id, 4, 3)
    assert "张建华" in change.basis
    again = await organiser.form(f"/admin/registry/mentorships/{pair.id}/close", {"outcome": "再次"})
    assert again.status_code == 409

    report = await organiser.get(f"/admin/registry/report?year={today.year}")
    assert figure(report.text, "师带徒技能等级提升") == 1 and figure(report.text, "职工技能等级提升（人次）") == 1
    await session.refresh(apprentice)
    assert apprentice.skill_level == 3

    profile = await client.get(f"/registry/people/{master.id}")
    assert "李小龙" in profile.text and f'href="/registry/people/{apprentice.id}"' not in profile.text
    for link in set(re.findall(r'href="(/registry/people/\d+)"', profile.text)):
        assert (await client.get(link)).status_code == 200, link
    assert (await session.exec(select(Candidate))).one().person_id == master.id


async def test_a_unit_nominates_a_worker_picked_by_name_and_unit(organiser, session):
    await worker(session, "王芳", n=2), await worker(session, "王芳", n=3)
    form = {"name": "王芳", "tier": "city", "road": "nomination"}
    twice = await organiser.form("/admin/registry/candidates", form)
    assert twice.status_code == 400 and "有 2 位“王芳”" in twice.text
    unknown = await organiser.form("/admin/registry/candidates", {**form, "unit": "没有这个单位"})
    assert unknown.status_code == 400 and "单位名录中没有" in unknown.text
    assert await sql(session, "select count(*) from candidate") == 0
