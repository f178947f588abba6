"""农民工, 新就业形态 and 一线职工 are captured by the contestants import template and by the
one-contestant form, and the yearly report counts exactly what SQL counts."""
import io
from datetime import date

import openpyxl
from sqlalchemy import text

from contest.events import importers
from contest.events import service as events
from contest.people.identity import make_id_number
from tests.builders import HEADER, make_event, person, sign_in_organiser, xlsx
from tests.support import text_of

GROUPS = ["一线职工", "农民工", "新就业形态"]


def report_figure(page: str, label: str) -> int:
    after = text_of(page).split(label, 1)[1]
    return int(after.split()[0])


async def test_the_template_has_the_columns_with_yes_no_lists():
    sheet = openpyxl.load_workbook(io.BytesIO(importers.write_template())).active
    header = [c.value for c in sheet[1]]
    assert header[-3:] == GROUPS
    assert len(sheet.data_validations.dataValidation) >= 5  # gender, area, level and the three yes/no lists


async def test_the_report_counts_what_imports_and_the_form_entered(client, session):
    event, track = await make_event(session, slug=f"cook-{date.today().year}")
    event.year = date.today().year
    await events.set_event_status(session, event, "registration")
    rows = [person(i) + flags for i, flags in enumerate([
        ["是", "是", "否"], ["否", "否", "是"], ["", "√", "Y"], ["", "", ""], ["是", "否", "否"]])]
    await sign_in_organiser(client, session)
    upload = await client.form(f"/admin/events/{event.slug}/tracks/{track.slug}/import",
                               files={"file": ("名单.xlsx", xlsx(rows, header=HEADER + GROUPS))})
    assert upload.status_code == 200 and "已导入" in text_of(upload.text), text_of(upload.text)[:400]

    typed = {"姓名": "孙丽华", "身份证号": make_id_number("421202", date(1990, 3, 8), 77, "女"),
             "工作单位": "咸宁顺丰速运", "县(市、区)": "咸安区", "一线职工": "是", "农民工": "是", "新就业形态": "是"}
    added = await client.form(f"/admin/events/{event.slug}/tracks/{track.slug}/contestants", typed)
    assert added.status_code == 303
    bad = await client.form(f"/admin/events/{event.slug}/tracks/{track.slug}/contestants",
                            {**typed, "身份证号": "421202199003081234", "农民工": "也许"})
    assert bad.status_code == 400 and "身份证号" in bad.text and "农民工应填" in bad.text
    assert 'value="咸宁顺丰速运"' in bad.text  # what was typed is kept

    counts = (await (await session.connection()).execute(text(
        "select count(*) filter (where p.migrant_worker), count(*) filter (where p.new_employment_form), "
        "count(*) filter (where p.front_line), count(*) from entry e join person p on p.id = e.person_id "
        "join track t on t.id = e.track_id where t.event_id = :event"), {"event": event.id})).one()
    assert tuple(counts) == (3, 3, 5, 6)  # rows 1, 3 and the form; rows 2, 3 and the form; all but row 2
    page = (await client.get(f"/admin/registry/report?year={event.year}")).text
    assert report_figure(page, "农民工（人次）") == counts[0]
    assert report_figure(page, "新就业形态劳动者（人次）") == counts[1]
