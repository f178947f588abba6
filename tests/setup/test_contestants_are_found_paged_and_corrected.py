"""A track's contestants: a list found by name, bib, unit or ID number, a page at a time, and one
contestant corrected through the import's own row checks (ledgered; the ID number typed again; a
phone left blank kept)."""
import re

from sqlmodel import select

from contest.events.models import Entry
from contest.ledger import LedgerEntry
from contest.people.models import Person, Unit
from tests.builders import make_event, person, xlsx
from tests.support import form_values, text_of

BASE = "/admin/events/cooking-2026/tracks/cook/contestants"


def bibs(page: str) -> list[str]:
    return re.findall(r'<tr id="entry-(\d+)">', page)


async def test_the_list_is_searched_and_paged(organiser, session):
    await make_event(session)
    rows = [person(i, unit="咸宁温泉宾馆" if i == 7 else "咸安区香城大酒店") for i in range(60)]
    imported = await organiser.form("/admin/events/cooking-2026/tracks/cook/import",
                                    files={"file": ("名单.xlsx", xlsx(rows))})
    assert "已导入 60 名选手" in imported.text
    first = await organiser.get(BASE)
    assert "（60 人）" in first.text and len(bibs(first.text)) == 50 and 'rel="next"' in first.text
    second = await organiser.get(BASE, params={"page": "2"})
    assert bibs(second.text) == [f"{i:04d}" for i in range(51, 61)]

    async def found(**params) -> list[str]:
        return bibs((await organiser.get(BASE, params=params)).text)

    assert len(await found(q="王建华")) == 6  # names repeat every ten rows
    assert await found(q="0012") == ["0012"]
    assert await found(q="温泉") == ["0008"]
    assert await found(q=rows[33][2]) == ["0034"]  # the full ID number
    assert await found(q="王建华", status="withdrawn") == []
    nothing = await organiser.get(BASE, params={"q": "查无此人"})
    assert "没有找到“查无此人”" in nothing.text
    assert (await organiser.get(BASE, params={"status": "gone"})).status_code == 400


async def test_one_contestant_is_corrected_through_the_import_checks(organiser, session):
    await make_event(session)
    rows = [person(i) for i in range(3)]
    await organiser.form("/admin/events/cooking-2026/tracks/cook/import", files={"file": ("名单.xlsx", xlsx(rows))})
    entry = (await session.exec(select(Entry).where(Entry.bib == "0002"))).one()
    someone = await session.get(Person, entry.person_id)
    phone = someone.phone_masked

    page = await organiser.get(f"{BASE}/0002")
    sent = form_values(page.text, "edit-contestant")
    assert sent["姓名"] == rows[1][0] and sent["工作单位"] == "咸安区香城大酒店" and sent["身份证号"] == ""
    assert someone.id_masked in page.text

    bad = dict(sent, 身份证号=rows[1][2][:-1] + ("1" if rows[1][2][-1] != "1" else "2"), 姓名="李秀兰")
    refused = await organiser.form(f"{BASE}/0002", bad)
    assert refused.status_code == 400 and 'value="李秀兰"' in refused.text
    assert "身份证号：校验位错误，请核对是否输错" in text_of(refused.text)  # the field's name once, not twice
    assert "身份证号：身份证号" not in text_of(refused.text)
    taken = await organiser.form(f"{BASE}/0002", dict(sent, 身份证号=rows[2][2], 性别=""))
    assert taken.status_code == 400 and "此人已报名本赛项（参赛证号 0003）" in taken.text

    saved = await organiser.form(f"{BASE}/0002", dict(sent, 身份证号=rows[1][2], 姓名="李秀兰", 工作单位="咸宁温泉宾馆",
                                                       农民工="是"))
    assert saved.status_code == 303 and "saved=0002" in saved.headers["location"]
    assert "已保存参赛证号 0002 的修改" in (await organiser.get(saved.headers["location"])).text
    await session.refresh(entry)
    await session.refresh(someone)
    unit = (await session.exec(select(Unit).where(Unit.name == "咸宁温泉宾馆"))).one()
    assert (entry.person_id, entry.unit_id) == (someone.id, unit.id)
    assert (someone.name, someone.unit_id, someone.migrant_worker, someone.phone_masked) == ("李秀兰", unit.id, True,
                                                                                             phone)
    ledgered = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "entry.edit"))).one()
    assert ledgered.subject == f"entry:{entry.id}" and ledgered.payload["after"]["name"] == "李秀兰"
    assert rows[1][2] not in str(ledgered.payload)


async def test_judges_are_found_with_the_panels_they_sit_on(organiser, session, contest):
    page = f"/admin/events/{contest.event.slug}/judges"
    listed = await organiser.get(page)
    assert "（5 人）" in listed.text
    assert re.findall(r'<tr id="judge-(J\d+)">', listed.text) == ["J01", "J02", "J03", "J04", "J05"]
    chief = text_of(listed.text.split('id="judge-J01"')[1].split("</tr>")[0])
    assert "中式烹调师 · 实际操作 · 实操组（裁判长）" in chief and "理论知识 · 理论组（裁判长）" in chief
    for typed in ("5", "J5", "评委戊"):
        found = await organiser.get(page, params={"q": typed})
        assert re.findall(r'<tr id="judge-(J\d+)">', found.text) == ["J05"], typed
    assert "实操组" in text_of(listed.text.split('id="panels"')[1])


async def test_a_contestant_is_withdrawn_and_one_marked_absent_from_their_page(organiser, session, contest):
    track = f"/admin/events/{contest.event.slug}/tracks/{contest.track.slug}"
    first, second = sorted(contest.entries, key=lambda e: e.bib)[:2]
    page = await organiser.get(f"{track}/contestants/{first.bib}")
    assert 'id="status-withdrawn"' in page.text and 'id="status-absent"' in page.text
    assert 'id="status-registered"' not in page.text  # it is the status already

    nothing = await organiser.form(f"{track}/entries/status", {"bib": first.bib, "status": "withdrawn",
                                                               "reason": " ", "back": "contestant"})
    assert nothing.status_code == 400 and "原因" in nothing.text
    for entry, status, reason in ((first, "withdrawn", "赛前因病退赛"), (second, "absent", "未按时检录")):
        done = await organiser.form(f"{track}/entries/status", {"bib": entry.bib, "status": status,
                                                                "reason": reason, "back": "contestant"})
        assert done.status_code == 303 and done.headers["location"].endswith(f"/contestants/{entry.bib}#status")
        shown = await organiser.get(done.headers["location"])
        assert reason in shown.text and 'id="status-registered"' in shown.text
    listed = await organiser.get(f"{track}/contestants", params={"status": "absent"})
    assert re.findall(r'<tr id="entry-(\d+)">', listed.text) == [second.bib]
    own_page = (await organiser.get(f"{track}/contestants/{second.bib}")).text
    assert "缺考" in text_of(own_page.split('id="status"')[1][:200])
