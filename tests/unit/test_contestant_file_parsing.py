import csv
import dataclasses
import io
from datetime import date, datetime

import openpyxl
import pytest

from contest.events.importers import (
    DEFAULT_AREAS,
    TEMPLATE_COLUMNS,
    ContestantRow,
    read_contestants,
    validate_rows,
    write_template,
)
from contest.people.identity import id_hash, make_id_number
from contest.people.models import SKILL_LEVELS, parse_skill_level
from contest.tables import ImportFileError, RawRow, RowProblem

AREAS = set(DEFAULT_AREAS)
KEY = b"test-key"
ID_WANG = make_id_number("421202", date(1985, 3, 12), 7, "男")
ID_LI = make_id_number("421281", date(1992, 11, 30), 21, "女")
ID_ZHOU = make_id_number("421221", date(1979, 7, 1), 2, "男")

ROWS = [  # the last three cells: 一线职工, 农民工, 新就业形态
    ["王建华", "男", ID_WANG, "13800138000", "咸宁市第一人民医院", "咸安区", "四级/中级工", "是", "否", "否"],
    ["李秀英", "", ID_LI, "", "赤壁市青砖茶有限公司", "赤壁市", "", "", "", ""],
    ["周志强", "男", ID_ZHOU, "139 0715 0000", "嘉鱼县建筑公司", "嘉鱼县", "技师", "否", "是", "是"],
]


def xlsx(rows, header=TEMPLATE_COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    for row in [list(header), *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding, header=TEMPLATE_COLUMNS) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows([list(header), *rows])
    return text.getvalue().encode(encoding)


def check(rows):
    return validate_rows(rows, AREAS, KEY)


def problems_of(rows) -> set[tuple[int, str, str]]:
    return {(p.row, p.column, p.problem) for p in check(rows).problems}


def one_row_file(**changes) -> list[RawRow]:
    row = dict(zip(TEMPLATE_COLUMNS, ROWS[0], strict=True)) | changes
    return read_contestants("a.xlsx", xlsx([list(row.values())]))


# --- Reading ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("参赛人员.xlsx", xlsx(ROWS)),
        ("参赛人员.csv", csv_bytes(ROWS, "utf-8")),
        ("参赛人员.CSV", csv_bytes(ROWS, "utf-8-sig")),
        ("参赛人员.csv", csv_bytes(ROWS, "gbk")),
    ],
    ids=["xlsx", "utf-8", "utf-8-bom", "gbk"],
)
def test_xlsx_and_csv_in_every_encoding_read_the_same_rows(filename, data):
    rows = read_contestants(filename, data)
    assert [row.row for row in rows] == [2, 3, 4]
    assert [list(row.cells.values()) for row in rows] == ROWS
    assert list(rows[0].cells) == list(TEMPLATE_COLUMNS)


def test_extra_columns_are_ignored():
    header = ["序号", *TEMPLATE_COLUMNS, "备注"]
    rows = [[n, *row, "已缴费"] for n, row in enumerate(ROWS, 1)]
    assert read_contestants("a.xlsx", xlsx(rows, header)) == read_contestants("a.xlsx", xlsx(ROWS))


def test_columns_are_found_by_name_in_any_order_with_spaces_and_full_width_brackets():
    order = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    header = [f" {TEMPLATE_COLUMNS[i]} ".replace("(", "（").replace(")", "）") for i in order]
    rows = [[row[i] for i in order] for row in ROWS]
    assert header[4] == " 县（市、区） "
    assert read_contestants("a.csv", csv_bytes(rows, "utf-8", header)) == read_contestants("a.xlsx", xlsx(ROWS))


def test_a_title_row_above_the_header_and_empty_rows_are_skipped_keeping_row_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2026年咸宁市职工烹饪技能大赛参赛人员名单"])
    sheet.append(TEMPLATE_COLUMNS)
    sheet.append(ROWS[0])
    sheet.append([None, "  ", None])
    sheet.append(ROWS[1])
    sheet.append([None] * 10 + ["合计：2人"])  # nothing in our columns
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_contestants("a.xlsx", buffer.getvalue())
    assert [row.row for row in rows] == [3, 5]


def test_optional_columns_may_be_missing():
    header = ["姓名", "身份证号", "工作单位", "县(市、区)"]
    rows = read_contestants("a.csv", csv_bytes([["李秀英", ID_LI, "赤壁市青砖茶有限公司", "赤壁市"]], "utf-8", header))
    (good,) = check(rows).good
    assert (good.gender, good.phone_masked, good.skill_level) == ("女", None, None)


def test_a_missing_required_column_is_a_file_error_naming_it():
    header = ["姓名", "性别", "身份证号", "手机号"]
    with pytest.raises(ImportFileError, match="缺少必填列：工作单位、县\\(市、区\\)"):
        read_contestants("a.xlsx", xlsx([ROWS[0][:4]], header))


def test_a_repeated_header_is_a_file_error():
    with pytest.raises(ImportFileError, match="“姓名”列出现了不止一次"):
        read_contestants("a.csv", csv_bytes([], "utf-8", [*TEMPLATE_COLUMNS, "姓名"]))


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.xls", b"\xd0\xcf\x11\xe0", "不支持.xls"),
        ("a.pdf", b"%PDF", "只支持.xlsx或.csv文件"),
        ("a", b"", "只支持.xlsx或.csv文件"),
        ("a.xlsx", b"not a zip file", "无法打开该Excel文件"),
        ("a.csv", b"\x80\x80", "无法识别CSV文件的编码"),
        ("a.csv", b"", "未找到表头"),
        ("a.csv", "名字,号码\n张三,1\n".encode(), "未找到表头"),
    ],
    ids=["xls", "pdf", "no-extension", "broken-xlsx", "bad-encoding", "empty-csv", "no-header"],
)
def test_unusable_files_raise_a_chinese_file_error(filename, data, message):
    with pytest.raises(ImportFileError, match=message):
        read_contestants(filename, data)


def test_spreadsheet_values_are_read_as_text():
    rows = read_contestants(
        "a.xlsx",
        xlsx([["王建华", None, ID_WANG, 13800138000, "单位", "咸安区", datetime(2024, 5, 1)]]),
    )
    assert rows[0].cells["性别"] == ""
    assert rows[0].cells["手机号"] == "13800138000"
    assert rows[0].cells["职业技能等级"] == "2024-05-01"
    assert rows[0].numeric == {"手机号"}


def test_the_template_round_trips_and_keeps_ids_as_text():
    data = write_template()
    assert read_contestants("参赛人员导入模板.xlsx", data) == []
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet, instructions = workbook.worksheets
    assert [cell.value for cell in sheet[1]] == list(TEMPLATE_COLUMNS)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["C"].number_format == "@"  # 身份证号
    assert sheet.column_dimensions["D"].number_format == "@"  # 手机号
    dropdowns = {str(rule.sqref): rule.formula1 for rule in sheet.data_validations.dataValidation}
    assert dropdowns == {
        "B2:B10001": '"男,女"',
        "F2:F10001": '"' + ",".join(DEFAULT_AREAS) + '"',
        "G2:G10001": '"五级/初级工,四级/中级工,三级/高级工,二级/技师,一级/高级技师"',
        "H2:H10001": '"是,否"', "I2:I10001": '"是,否"', "J2:J10001": '"是,否"',  # 一线职工, 农民工, 新就业形态
    }
    assert instructions.title == "填写说明"
    text = "".join(str(cell.value) for row in instructions.iter_rows() for cell in row)
    assert all(area in text for area in DEFAULT_AREAS)
    assert all(grade in text and title in text for grade, title in SKILL_LEVELS.values())


def test_a_filled_in_template_reads_back():
    workbook = openpyxl.load_workbook(io.BytesIO(write_template()))
    for row in ROWS:
        workbook.worksheets[0].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(check(read_contestants("a.xlsx", buffer.getvalue())).good) == 3


# --- Checking ---------------------------------------------------------------------------------------


def test_good_rows_keep_only_hashes_and_masked_forms():
    result = check(read_contestants("a.xlsx", xlsx(ROWS)))
    assert result.problems == []
    wang, li, zhou = result.good
    assert wang == ContestantRow(
        row=2,
        name="王建华",
        gender="男",
        id_hash=id_hash(ID_WANG, KEY),
        id_masked=ID_WANG[:4] + "**********" + ID_WANG[-4:],
        birth_date=date(1985, 3, 12),
        phone_masked="138****8000",
        phone_hash=wang.phone_hash,
        unit_name="咸宁市第一人民医院",
        area="咸安区",
        skill_level=4,
        groups={"front_line": True, "migrant_worker": False, "new_employment_form": False},
    )
    assert li.gender == "女" and li.phone_masked is None and li.skill_level is None
    assert zhou.phone_masked == "139****0000" and zhou.skill_level == 2
    assert li.groups == {"front_line": True, "migrant_worker": False, "new_employment_form": False}  # blank: defaults
    assert zhou.groups == {"front_line": False, "migrant_worker": True, "new_employment_form": True}
    stored = "".join(str(value) for row in result.good for value in dataclasses.astuple(row))
    for secret in (ID_WANG, ID_LI, ID_ZHOU, "13800138000", "13907150000"):
        assert secret not in stored


def test_every_problem_of_every_row_is_reported_with_row_and_column():
    bad = [
        ["", "男", ID_WANG, "12345", "", "武汉市", "特级"],
        ["李秀英", "男", ID_LI, "", "赤壁市青砖茶有限公司", "赤壁市", ""],
        ["周志强", "未知", ID_ZHOU[:17] + ("0" if ID_ZHOU[17] != "0" else "1"), "", "单位", "嘉鱼县", ""],
        ["张三", "", "", "", "单位", "", ""],
    ]
    rows = read_contestants("a.xlsx", xlsx([ROWS[0], *bad]))
    result = check(rows)
    assert [row.row for row in result.good] == [2]
    assert {(p.row, p.column) for p in result.problems} == {
        (3, "姓名"), (3, "手机号"), (3, "工作单位"), (3, "县(市、区)"), (3, "职业技能等级"),
        (3, "身份证号"),  # the same person as row 2
        (4, "性别"),
        (5, "性别"), (5, "身份证号"),
        (6, "身份证号"), (6, "县(市、区)"),
    }  # fmt: skip
    messages = {(p.row, p.column): p.problem for p in result.problems}
    assert messages[3, "姓名"] == "姓名不能为空"
    assert messages[3, "身份证号"] == "与第2行是同一人"
    assert messages[3, "县(市、区)"].startswith("“武汉市”不是可选的县(市、区)，应为：")
    assert "咸安区" in messages[3, "县(市、区)"]
    assert messages[4, "性别"] == "性别与身份证号不符（身份证号显示为女）"
    assert messages[5, "身份证号"] == "校验位错误，请核对是否输错"
    assert messages[6, "身份证号"] == "身份证号不能为空"
    assert [p.row for p in result.problems] == sorted(p.row for p in result.problems)


def test_the_same_person_twice_names_the_first_row_even_with_a_lowercase_x():
    number = next(
        n for seq in range(500) if (n := make_id_number("421202", date(1990, 2, 3), seq, "女")).endswith("X")
    )
    rows = [
        RawRow(2, {"姓名": "李秀英", "身份证号": number, "工作单位": "甲", "县(市、区)": "咸安区"}),
        RawRow(3, {"姓名": "张丽", "身份证号": ID_LI, "工作单位": "乙", "县(市、区)": "咸安区"}),
        RawRow(4, {"姓名": "李秀英", "身份证号": number.lower(), "工作单位": "丙", "县(市、区)": "咸安区"}),
        RawRow(5, {"姓名": "李秀英", "身份证号": " " + number, "工作单位": "丁", "县(市、区)": "咸安区"}),
    ]
    result = check(rows)
    assert [row.row for row in result.good] == [2, 3]
    assert result.problems == [
        RowProblem(4, "身份证号", "与第2行是同一人"),
        RowProblem(5, "身份证号", "与第2行是同一人"),
    ]


def test_an_id_number_stored_as_a_number_must_be_text():
    (number_cell,) = one_row_file(身份证号=int(ID_ZHOU[:17] + "0"))
    assert "身份证号" in number_cell.numeric
    assert problems_of([number_cell]) == {
        (2, "身份证号", "身份证号被存成了数字，末几位会丢失；请把该列设为文本格式后重新填写")
    }
    scientific = RawRow(2, dict(number_cell.cells, 身份证号="4.21202E+17"))
    assert problems_of([scientific]) == problems_of([number_cell])


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("王", "姓名应为2至30个字"),
        ("王" * 31, "姓名应为2至30个字"),
        ("王建华1", "姓名中不能有数字"),
    ],
)
def test_name_problems(name, problem):
    assert problems_of(one_row_file(姓名=name)) == {(2, "姓名", problem)}


def test_names_padded_for_alignment_are_joined():
    (good,) = check(one_row_file(姓名="王  芳", 性别="")).good
    assert good.name == "王芳"
    (good,) = check(one_row_file(姓名="买买提·艾力")).good
    assert good.name == "买买提·艾力"


@pytest.mark.parametrize(
    ("text", "level"),
    [("", None), ("无", None), ("五级", 5), ("初级工", 5), ("四级/中级工", 4), ("三级（高级工）", 3),
     ("技师", 2), ("二级", 2), (" 高级技师 ", 1), ("一级", 1)],
)  # fmt: skip
def test_skill_levels_accept_either_name(text, level):
    assert parse_skill_level(text) == level
    (good,) = check(one_row_file(职业技能等级=text)).good
    assert good.skill_level == level


def test_an_unknown_skill_level_lists_the_allowed_ones():
    ((_, column, problem),) = problems_of(one_row_file(职业技能等级="高级"))
    assert column == "职业技能等级"
    assert problem.startswith("职业技能等级“高级”无法识别，应为五级/初级工、四级/中级工")


def test_ten_thousand_rows_are_read_and_checked():
    """Every row of a large file is read and checked (how fast: tests/benchmarks/bench_import_contestants.py)."""
    def person(n: int) -> list[str]:
        number = make_id_number("421202", date(1980, 1, 1 + n % 28), n // 56, "男" if n % 56 < 28 else "女")
        return ["王建华", "", number, "13800138000", "咸宁市第一人民医院", "咸安区", "技师"]

    result = check(read_contestants("a.xlsx", xlsx([person(n) for n in range(10_000)])))
    assert len(result.good) == 10_000 and result.problems == []
