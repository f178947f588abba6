"""Importing an existing studio list: every bad row is listed (row, column, problem) and nothing
is written while any row is bad, unless the organiser skips bad rows. Leads are matched by the
keyed hash of their ID number, or by a name that is unique; the number is never shown back."""
import io
from datetime import date

import openpyxl
import pytest
from sqlmodel import func, select

from contest.errors import InputError
from contest.people.identity import make_id_number
from contest.people.models import Unit
from contest.studios import importers
from contest.studios.models import Studio
from tests import builders
from tests.builders import id_number
from tests.support import ID_KEY, text_of

HEADER = ["工作室名称", "类型", "级别", "领衔人", "领衔人身份证号", "依托单位", "领域", "命名时间"]


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    return builders.xlsx(rows, header, above=(["咸宁市劳模和工匠人才创新工作室名单（2025年）"],))


def good_rows() -> list[list]:
    return [
        ["张建华劳模创新工作室", "劳模创新工作室", "市级", "张建华", "", "咸宁机械制造有限公司", "机械制造",
         "2019-05-01"],
        ["赤壁青砖茶制作技艺工匠工作室", "工匠工作室", "省级", "李秀英", id_number(1), "赤壁青砖茶业有限公司",
         "茶叶加工", date(2021, 9, 1)],
        ["嘉鱼配网运维职工创新工作室", "职工创新工作室", "县级", "", "", "嘉鱼县新能源有限公司", "电力", "2022"],
    ]


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_good_list_imports_every_studio(organiser, session, world):
    units_before = await count(session, Unit)
    response = await organiser.form("/admin/studios/import", files={"file": ("名单.xlsx", xlsx(good_rows()))})
    assert response.status_code == 200
    assert "已导入 3 个工作室" in response.text and "嘉鱼县新能源有限公司" in response.text
    studios = {s.name: s for s in (await session.exec(select(Studio))).all()}
    assert studios["张建华劳模创新工作室"].lead_id == world.person("张建华").id
    assert studios["赤壁青砖茶制作技艺工匠工作室"].lead_id == world.person("李秀英").id
    assert studios["赤壁青砖茶制作技艺工匠工作室"].founded_on == date(2021, 9, 1)
    jiayu = studios["嘉鱼配网运维职工创新工作室"]
    assert (jiayu.kind, jiayu.level, jiayu.lead_id, jiayu.founded_on) == ("worker", "county", None, date(2022, 1, 1))
    assert await count(session, Unit) == units_before + 1


async def test_every_bad_row_is_listed_and_nothing_is_written(organiser, session, world):
    await organiser.form("/admin/studios/", {"name": "已有的工匠工作室", "kind": "craftsman", "level": "city"})
    wrong_check = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
    unknown = make_id_number("421281", date(1990, 6, 6), 77, "男")
    rows = good_rows() + [
        ["", "劳模创新工作室", "市级", "", "", "", "", ""],                                  # row 6: no name
        ["某某工作室", "创客空间", "宇宙级", "", "", "", "", ""],                            # row 7: kind, level
        ["张建华劳模创新工作室", "劳模创新工作室", "市级", "", "", "", "", ""],              # row 8: same as row 3
        ["已有的工匠工作室", "工匠工作室", "市级", "", "", "", "", ""],                      # row 9: exists
        ["校验位工作室", "工匠工作室", "市级", "陈志强", wrong_check, "", "", ""],          # row 10
        ["无此人工作室", "工匠工作室", "市级", "王五", unknown, "", "", ""],                 # row 11
        ["姓名不符工作室", "工匠工作室", "市级", "赵敏", id_number(2), "", "", ""],         # row 12: is 陈志强
        ["查无此人工作室", "工匠工作室", "市级", "欧阳修", "", "", "", ""],                 # row 13
        ["日期工作室", "工匠工作室", "市级", "", "", "", "", "2021-02-30"],                  # row 14
        ["数字身份证工作室", "工匠工作室", "市级", "刘芳", 4.21202198001e17, "", "", ""],   # row 15
    ]
    response = await organiser.form("/admin/studios/import", files={"file": ("名单.xlsx", xlsx(rows))})
    assert response.status_code == 200
    assert "未导入任何数据" in response.text
    page = text_of(response.text)
    for row, column, words in ((6, "工作室名称", "不能为空"), (7, "类型", "创客空间"), (7, "级别", "宇宙级"),
                               (8, "工作室名称", "与第3行"), (9, "工作室名称", "已存在"),
                               (10, "领衔人身份证号", "校验位"), (11, "领衔人身份证号", "没有该身份证号"),
                               (12, "领衔人", "陈志强"),
                               (13, "领衔人", "找不到“欧阳修”"), (14, "命名时间", "无法识别"),
                               (15, "领衔人身份证号", "存成了数字")):
        assert f" {row} {column} " in page and words in page, (row, column)
    for number in (wrong_check, unknown, id_number(2)):
        assert number not in response.text  # the ID numbers are never shown back
    assert await count(session, Studio) == 1  # only the one made before the import
    assert "嘉鱼县新能源有限公司" not in {u.name for u in (await session.exec(select(Unit))).all()}


async def test_skip_bad_imports_the_good_rows(organiser, session, world):
    rows = good_rows() + [["坏行", "不知道", "市级", "", "", "", "", ""]]
    response = await organiser.form("/admin/studios/import", {"skip_bad": "1"},
                                    files={"file": ("名单.xlsx", xlsx(rows))})
    assert "已导入 3 个工作室" in response.text and "跳过了 1 行" in response.text
    assert await count(session, Studio) == 3


async def test_dry_run_and_gbk_csv(session, world):
    csv_text = ",".join(HEADER + ["县(市、区)"]) + "\n" + "\n".join(
        ",".join(str(v) for v in row) + ",嘉鱼县" for row in good_rows()) + "\n"
    data = csv_text.encode("gbk")
    checked = await importers.import_studios(session, "名单.csv", data, id_key=ID_KEY.encode(), dry_run=True)
    assert (checked.good, checked.imported, checked.problems) == (3, 0, [])
    assert await count(session, Studio) == 0
    report = await importers.import_studios(session, "名单.csv", data, id_key=ID_KEY.encode())
    assert report.imported == 3
    new_unit = (await session.exec(select(Unit).where(Unit.name == "嘉鱼县新能源有限公司"))).one()
    assert new_unit.area_id == world.areas["嘉鱼县"].id


async def test_an_unusable_file_is_one_clear_error(session, world):
    with pytest.raises(InputError, match="缺少必填列：类型、级别"):
        await importers.import_studios(session, "名单.xlsx", xlsx([["某工作室"]], header=["工作室名称"]),
                                       id_key=ID_KEY.encode())
    with pytest.raises(InputError, match="只支持.xlsx或.csv"):
        await importers.import_studios(session, "名单.pdf", b"%PDF", id_key=ID_KEY.encode())


async def test_ambiguous_lead_names_need_the_id_number(session, world):
    from contest.people.models import Person

    session.add(Person(name="张建华", unit_id=world.units["嘉鱼供电公司"].id))
    await session.commit()
    rows = [["张建华劳模创新工作室", "劳模创新工作室", "市级", "张建华", "", "", "", ""],
            ["张建华工匠工作室", "工匠工作室", "市级", "张建华", "", "咸宁机械制造有限公司", "", ""],
            ["张建华职工创新工作室", "职工创新工作室", "市级", "张建华", id_number(0), "", "", ""]]
    report = await importers.import_studios(session, "名单.xlsx", xlsx(rows), id_key=ID_KEY.encode())
    assert [(p.row, p.column) for p in report.problems] == [(3, "领衔人")]
    assert "请填写领衔人身份证号" in report.problems[0].problem
    report = await importers.import_studios(session, "名单.xlsx", xlsx(rows), id_key=ID_KEY.encode(), skip_bad=True)
    assert report.imported == 2  # the unit told one apart, the ID number the other


async def test_template_downloads_with_the_columns(organiser, world):
    response = await organiser.get("/admin/studios/import-template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(importers.COLUMNS)
