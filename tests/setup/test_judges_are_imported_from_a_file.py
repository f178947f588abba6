"""Judges come in from a spreadsheet like contestants: a template, every bad row reported with its
row number and nothing written while any is bad (unless skipped), a dry run, and numbers given in
the file's order after the judges the event already has."""
import io

import openpyxl
from sqlmodel import select

from contest.events import service as events
from contest.events.models import Judge
from contest.people.models import Area, Unit
from tests.builders import make_event, sign_in_organiser, xlsx
from tests.support import text_of

HEADER = ["姓名", "工作单位"]


async def setting_up(client, session):
    event, _ = await make_event(session)
    area = (await session.exec(select(Area.id))).one()
    session.add(Unit(name="咸宁市第一人民医院", area_id=area, kind="employer"))
    await session.commit()
    await events.add_judge(session, event, "评委甲", None)
    await sign_in_organiser(client, session)
    return event


async def judges(session, event) -> list[tuple[str, str]]:
    return [(j.number, j.name) for j in (await session.exec(
        select(Judge).where(Judge.event_id == event.id).order_by(Judge.number))).all()]


async def test_the_template_and_a_good_file(client, session):
    event = await setting_up(client, session)
    template = await client.get("/admin/judges-template.xlsx")
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(template.content)).active[1]] == HEADER
    rows = [["张  伟", "咸宁市第一人民医院"], ["李秀英", ""], ["王建华", None]]
    page = await client.form(f"/admin/events/{event.slug}/judges/import",
                             files={"file": ("裁判.xlsx", xlsx(rows, header=HEADER))})
    assert page.status_code == 200 and "已导入 3 名裁判" in text_of(page.text)
    assert await judges(session, event) == [("J01", "评委甲"), ("J02", "张伟"), ("J03", "李秀英"), ("J04", "王建华")]
    unit_of = {j.name: j.unit_id for j in (await session.exec(select(Judge))).all()}
    assert unit_of["张伟"] is not None and unit_of["李秀英"] is None


async def test_every_bad_row_is_reported_and_nothing_is_written(client, session):
    event = await setting_up(client, session)
    hospital = "咸宁市第一人民医院"
    rows = [["赵敏", hospital], ["", hospital], ["周涛", "不存在的单位"], ["赵敏", hospital]]
    data = xlsx(rows, header=HEADER)
    checked = await client.form(f"/admin/events/{event.slug}/judges/import", {"dry_run": "1"},
                                files={"file": ("裁判.xlsx", data)})
    assert "仅检查" in text_of(checked.text)
    refused = await client.form(f"/admin/events/{event.slug}/judges/import", files={"file": ("裁判.xlsx", data)})
    text = text_of(refused.text)
    assert "3 行有错误" in text and "不在单位名录中" in text and "与第2行是同一位裁判" in text
    for row in ("3", "4", "5"):
        assert f">{row}<" in refused.text.replace(" ", "")
    assert await judges(session, event) == [("J01", "评委甲")]
    skipped = await client.form(f"/admin/events/{event.slug}/judges/import", {"skip_bad": "1"},
                                files={"file": ("裁判.xlsx", data)})
    assert "已导入 1 名裁判" in text_of(skipped.text)
    assert await judges(session, event) == [("J01", "评委甲"), ("J02", "赵敏")]
