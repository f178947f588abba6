"""The contestant import file (参赛人员导入表): its template, reading it, and checking its rows.

Reading (`read_table`) and checking (`validate_rows`) are separate steps so the server can show a
preview and a full problem report before anything is saved; "skip the bad rows" is `check.good`.
Problem messages are in Chinese: they are shown to the union office clerk.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from pathlib import PurePath

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from contest.people.identity import (
    birth_date_from_id,
    gender_from_id,
    id_hash,
    mask_id,
    mask_phone,
    normalise_id_number,
    normalise_phone,
    phone_hash,
    validate_id_number,
    validate_phone,
)
from contest.people.models import SKILL_LEVEL_LABELS, SKILL_LEVELS

TEMPLATE_COLUMNS = ("姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级")
NAME, GENDER, ID_NUMBER, PHONE, UNIT, AREA, SKILL_LEVEL = TEMPLATE_COLUMNS
# Gender can be read from the ID number; phone and skill level may be left blank.
REQUIRED_COLUMNS = (NAME, ID_NUMBER, UNIT, AREA)
# Headers clerks commonly use in their own sheets for the same thing.
_HEADER_ALIASES = {"身份证号码": ID_NUMBER, "公民身份号码": ID_NUMBER, "手机号码": PHONE}

# The live list comes from the Area table; this default serves the template and the seeds.
DEFAULT_AREAS = ("咸安区", "赤壁市", "嘉鱼县", "通城县", "崇阳县", "通山县", "咸宁高新区")

NAME_MAX = 30
UNIT_MAX = 100
_HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the header
_TEMPLATE_ROWS = 10_000  # how far the template's dropdowns reach
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


class ImportFileError(Exception):
    """The file as a whole cannot be used; the message is for the clerk."""


@dataclass(frozen=True)
class RawRow:
    row: int  # 1-based row number as the spreadsheet shows it
    cells: dict[str, str]  # template column -> stripped text
    numeric: frozenset[str] = frozenset()  # columns whose cell held a number, not text


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class ContestantRow:
    """A checked row. Holds no raw ID number or phone: only keyed hashes and masked forms."""

    row: int
    name: str
    gender: str
    id_hash: str
    id_masked: str
    birth_date: date
    phone_masked: str | None
    phone_hash: str | None
    unit_name: str
    area: str
    skill_level: int | None


@dataclass(frozen=True)
class ImportCheck:
    good: list[ContestantRow]
    problems: list[RowProblem]


def _squeeze(text: str) -> str:
    # Half-width and no spaces: "县（市、区） " and "县(市、区)" are the same header.
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


# --- Skill levels -----------------------------------------------------------------------------------



_LEVEL_BY_TEXT = {
    text: level
    for level, (grade, title) in SKILL_LEVELS.items()
    for text in (grade, title, f"{grade}/{title}", f"{grade}({title})")
}


def parse_skill_level(text: str) -> int | None:
    """Either name form (or both, as the template's dropdown writes them) -> 5..1; blank -> None."""
    key = _squeeze(text)
    if key in ("", "无"):
        return None
    if key not in _LEVEL_BY_TEXT:
        raise ValueError(f"unknown skill level: {text!r}")
    return _LEVEL_BY_TEXT[key]


# --- The template -----------------------------------------------------------------------------------

_WIDTHS = {NAME: 10, GENDER: 6, ID_NUMBER: 22, PHONE: 15, UNIT: 36, AREA: 14, SKILL_LEVEL: 16}
_TEXT_COLUMNS = (ID_NUMBER, PHONE)  # so Excel keeps every digit instead of showing 4.2E+17


def _column_help(areas: Sequence[str]) -> dict[str, str]:
    levels = "、".join(SKILL_LEVEL_LABELS[level] for level in SKILL_LEVELS)
    return {
        NAME: f"与身份证上的姓名一致，2至{NAME_MAX}个字",
        GENDER: "填“男”或“女”；不填时按身份证号识别",
        ID_NUMBER: "18位居民身份证号，末位X大小写均可；本列为文本格式，请勿改成数字格式；同一人只能出现一次",
        PHONE: "11位手机号，可不填",
        UNIT: f"工作单位全称，不超过{UNIT_MAX}个字",
        AREA: "只能填：" + "、".join(areas),
        SKILL_LEVEL: f"可填：{levels}（斜杠前后任一写法均可）；没有等级的不填",
    }


def _add_dropdown(sheet: Worksheet, column: str, values: Iterable[str]) -> None:
    formula = '"' + ",".join(values) + '"'
    if len(formula) > 255:  # Excel's limit for an inline list; the instructions still list them
        return
    letter = get_column_letter(TEMPLATE_COLUMNS.index(column) + 1)
    rule = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error=f"请从下拉列表中选择{column}",
    )
    rule.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(rule)


def _write_instructions(sheet: Worksheet, areas: Sequence[str]) -> None:
    bold = Font(bold=True)
    sheet.append(("列名", "是否必填", "填写说明"))
    for column, help_text in _column_help(areas).items():
        sheet.append((column, "必填" if column in REQUIRED_COLUMNS else "选填", help_text))
    sheet.append(())
    sheet.append(("注意", "", "第一行是表头，请勿修改；可以增加其他列（如备注），导入时忽略；也可另存为CSV上传"))
    for cell in (*sheet[1], sheet.cell(sheet.max_row, 1)):
        cell.font = bold
    for letter, width in zip("ABC", (14, 10, 90), strict=True):
        sheet.column_dimensions[letter].width = width


def write_template(areas: Sequence[str] = DEFAULT_AREAS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "参赛人员"
    sheet.append(TEMPLATE_COLUMNS)
    for index, column in enumerate(TEMPLATE_COLUMNS, 1):
        sheet.cell(1, index).font = Font(bold=True)
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = _WIDTHS[column]
        if column in _TEXT_COLUMNS:
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"
    _add_dropdown(sheet, GENDER, ("男", "女"))
    _add_dropdown(sheet, AREA, areas)
    _add_dropdown(sheet, SKILL_LEVEL, (SKILL_LEVEL_LABELS[level] for level in SKILL_LEVELS))
    _write_instructions(workbook.create_sheet("填写说明"), areas)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The columns of an import file: every import (contestants, craftsmen, studios) reads its
    file through read_table with its own layout."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)


CONTESTANTS = Layout(TEMPLATE_COLUMNS, REQUIRED_COLUMNS, _HEADER_ALIASES)


def read_table(filename: str, data: bytes, layout: Layout = CONTESTANTS) -> list[RawRow]:
    """The rows under the header, keyed by the layout's columns; raises ImportFileError for a bad file."""
    extension = PurePath(filename).suffix.lower()
    if extension == ".xlsx":
        grid = _xlsx_grid(data)
    elif extension == ".csv":
        grid = _csv_grid(data)
    elif extension in (".xls", ".et"):
        raise ImportFileError("不支持.xls或WPS表格（.et）格式，请另存为.xlsx后上传")
    else:
        raise ImportFileError("只支持.xlsx或.csv文件，请使用导入模板")
    return _rows_from_grid(grid, layout)


def _xlsx_grid(data: bytes) -> list[Sequence[object]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or encrypted file
        raise ImportFileError("无法打开该Excel文件，请确认是未加密的.xlsx文件") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs save a wrong used range; read every row
        return list(sheet.iter_rows(values_only=True))
    except Exception as exc:
        raise ImportFileError("Excel文件内容已损坏，无法读取") from exc
    finally:
        workbook.close()


def _csv_grid(data: bytes) -> list[Sequence[object]]:
    # Excel in China saves "CSV" as GBK; "CSV UTF-8" adds a BOM. gb18030 is a superset of GBK.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别CSV文件的编码，请在Excel中另存为.xlsx后上传")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFileError("CSV文件格式有误，无法读取") from exc


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _header_column(value: object, layout: Layout) -> str | None:
    key = _squeeze(_text(value))
    return next((c for c in layout.columns if _squeeze(c) == key), None) or layout.aliases.get(key)


def _find_header(grid: Sequence[Sequence[object]], layout: Layout) -> tuple[int, dict[str, int]]:
    """The index of the header row, and the position of each template column in it."""
    candidates = (i for i, values in enumerate(grid) if any(_text(v) for v in values))
    for index in islice(candidates, _HEADER_SEARCH_ROWS):
        positions: dict[str, int] = {}
        for position, value in enumerate(grid[index]):
            column = _header_column(value, layout)
            if column in positions:
                raise ImportFileError(f"第{index + 1}行表头中“{column}”列出现了不止一次")
            if column:
                positions[column] = position
        if positions:
            missing = [column for column in layout.required if column not in positions]
            if missing:
                raise ImportFileError(f"缺少必填列：{'、'.join(missing)}（请使用导入模板）")
            return index, {column: positions[column] for column in layout.columns if column in positions}
    raise ImportFileError(f"未找到表头，第一行应为：{'、'.join(layout.columns)}")


def _rows_from_grid(grid: Sequence[Sequence[object]], layout: Layout) -> list[RawRow]:
    header, positions = _find_header(grid, layout)
    rows = []
    for index in range(header + 1, len(grid)):
        values = grid[index]
        raw = {column: values[p] if p < len(values) else None for column, p in positions.items()}
        cells = {column: _text(value) for column, value in raw.items()}
        if any(cells.values()):  # rows with nothing in our columns are spacing, notes or totals
            numeric = frozenset(column for column, value in raw.items() if _is_number(value))
            rows.append(RawRow(index + 1, cells, numeric))
    return rows


# --- Checking ---------------------------------------------------------------------------------------

Checked = tuple[str | None, str | None]  # (clean value or None, problem or None)


def _check_name(text: str) -> Checked:
    name = _CJK_GAP.sub("", text)  # "王  芳" is padded for alignment; the name is 王芳
    if not name:
        return None, "姓名不能为空"
    if not 2 <= len(name) <= NAME_MAX:
        return None, f"姓名应为2至{NAME_MAX}个字"
    if any(ch.isdigit() for ch in name):
        return None, "姓名中不能有数字"
    return name, None


def _check_id(raw: RawRow) -> Checked:
    text = raw.cells.get(ID_NUMBER, "")
    if ID_NUMBER in raw.numeric or _SCIENTIFIC.fullmatch(text):
        return None, "身份证号被存成了数字，末几位会丢失；请把该列设为文本格式后重新填写"
    if not text:
        return None, "身份证号不能为空"
    problem = validate_id_number(text)
    return (None, problem) if problem else (normalise_id_number(text), None)


def _check_gender(text: str, id_number: str | None) -> Checked:
    if text not in ("", "男", "女"):
        return None, "性别应填“男”或“女”"
    if id_number is None:
        return text or None, None
    from_id = gender_from_id(id_number)
    if text and text != from_id:
        return None, f"性别与身份证号不符（身份证号显示为{from_id}）"
    return from_id, None


def _check_phone(text: str) -> Checked:
    if not text:
        return None, None
    problem = validate_phone(text)
    return (None, problem) if problem else (normalise_phone(text), None)


def _check_unit(text: str) -> Checked:
    if not text:
        return None, "工作单位不能为空"
    if len(text) > UNIT_MAX:
        return None, f"工作单位不能超过{UNIT_MAX}个字"
    return text, None


def _check_area(text: str, areas: Collection[str]) -> Checked:
    area = _squeeze(text)
    if not area:
        return None, "县(市、区)不能为空"
    if area not in areas:
        allowed = list(areas) if isinstance(areas, Sequence) else sorted(areas)
        listed = "、".join(allowed[:10]) + ("等" if len(allowed) > 10 else "")
        return None, f"“{text}”不是可选的县(市、区)，应为：{listed}"
    return area, None


def _check_skill_level(text: str) -> tuple[int | None, str | None]:
    try:
        return parse_skill_level(text), None
    except ValueError:
        levels = "、".join(SKILL_LEVEL_LABELS[level] for level in SKILL_LEVELS)
        return None, f"职业技能等级“{text}”无法识别，应为{levels}之一，或不填"


def _check_row(
    raw: RawRow, areas: Collection[str], id_key: bytes, first_row_of: dict[str, int]
) -> tuple[ContestantRow | None, list[RowProblem]]:
    cell = raw.cells.get
    name, name_problem = _check_name(cell(NAME, ""))
    id_number, id_problem = _check_id(raw)
    hashed = id_hash(id_number, id_key) if id_number else None
    if hashed:
        first = first_row_of.setdefault(hashed, raw.row)
        if first != raw.row:
            id_problem = f"与第{first}行是同一人"
    gender, gender_problem = _check_gender(cell(GENDER, ""), id_number)
    phone, phone_problem = _check_phone(cell(PHONE, ""))
    unit, unit_problem = _check_unit(cell(UNIT, ""))
    area, area_problem = _check_area(cell(AREA, ""), areas)
    level, level_problem = _check_skill_level(cell(SKILL_LEVEL, ""))

    found = zip(
        TEMPLATE_COLUMNS,
        (name_problem, gender_problem, id_problem, phone_problem, unit_problem, area_problem, level_problem),
        strict=True,
    )
    problems = [RowProblem(raw.row, column, problem) for column, problem in found if problem]
    if problems:
        return None, problems
    return ContestantRow(
        row=raw.row,
        name=name,
        gender=gender,
        id_hash=hashed,
        id_masked=mask_id(id_number),
        birth_date=birth_date_from_id(id_number),
        phone_masked=mask_phone(phone) if phone else None,
        phone_hash=phone_hash(phone, id_key) if phone else None,
        unit_name=unit,
        area=area,
        skill_level=level,
    ), []


def validate_rows(rows: Iterable[RawRow], areas: Collection[str], id_key: bytes) -> ImportCheck:
    """Check every row; report every problem of every row, and keep the rows that have none."""
    good: list[ContestantRow] = []
    problems: list[RowProblem] = []
    first_row_of: dict[str, int] = {}  # id hash -> first row it appeared on
    for raw in rows:
        contestant, row_problems = _check_row(raw, areas, id_key, first_row_of)
        problems.extend(row_problems)
        if contestant:
            good.append(contestant)
    return ImportCheck(good, problems)
