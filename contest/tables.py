"""Spreadsheets and CSV files, in and out: reading an import file under its header (bounded in
size and rows before it is parsed), the problems of its rows, the report of an import, writing an
import template, and writing XLSX export rows that no spreadsheet evaluates (the rule: contest.inert).

Every import (contestants, craftsmen, studios) reads its file through `read_table` with a
`Layout` of its own, reports every problem of every row as a `RowProblem`, and writes nothing
while any row is bad unless the clerk chose to skip the bad rows. Messages are in Chinese: they
are shown to the union office clerk. This module knows no domain: the layouts live with them."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from pathlib import PurePath

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from contest.inert import formula_like

_HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the header
MAX_ROWS = 20_000  # rows with something in them, per import file (the largest real list: 10,000 contestants)
MAX_UNPACKED = 40_000_000  # bytes of an XLSX's parts once unzipped (10,000 contestants: about 4 MB)
MAX_PARTS = 500  # files inside an XLSX (a workbook has a few dozen)
_TEMPLATE_ROWS = 10_000  # how far a template's dropdowns reach
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
NUMBER_LOST = "身份证号被存成了数字，末几位会丢失；请把该列设为文本格式后重新填写"


class ImportFileError(Exception):
    """The file as a whole cannot be used; the message is for the clerk."""


@dataclass(frozen=True)
class Layout:
    """The columns of an import file, the ones that must be there, and other headers clerks
    commonly use for them (alias -> column)."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawRow:
    row: int  # 1-based row number as the spreadsheet shows it
    cells: dict[str, str]  # layout column -> stripped text
    numeric: frozenset[str] = frozenset()  # columns whose cell held a number, not text


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    problem: str

    @property
    def said(self) -> str:
        """The problem after its column ("身份证号：校验位错误…"), or alone when it names it ("姓名不能为空")."""
        return self.problem if self.problem.startswith(self.column) else f"{self.column}：{self.problem}"


@dataclass
class ImportReport:
    """What an import found and did."""

    rows: int  # data rows read from the file
    good: int
    problems: list[RowProblem]
    new_units: list[str] = field(default_factory=list)
    imported: int = 0  # rows written; 0 when nothing was committed
    dry_run: bool = False
    already: int = 0  # good rows with nothing to add: what they name is there already

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


def squeeze(text: str) -> str:
    """Half-width and no spaces: "县（市、区） " and "县(市、区)" are the same."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def close_gaps(text: str) -> str:
    """Chinese text without the spaces that pad it for alignment: "王  芳" is 王芳."""
    return _CJK_GAP.sub("", text)


def number_lost(raw: RawRow, column: str) -> bool:
    """The cell held a long number (an ID number typed into a number cell): its last digits are gone."""
    return column in raw.numeric or bool(_SCIENTIFIC.fullmatch(raw.cells.get(column, "")))


# --- reading ----------------------------------------------------------------------------------------


def read_table(filename: str, data: bytes, layout: Layout) -> list[RawRow]:
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
    _check_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or encrypted file
        raise ImportFileError("无法打开该Excel文件，请确认是未加密的.xlsx文件") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs save a wrong used range; read every row
        return _bounded(sheet.iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError("Excel文件内容已损坏，无法读取") from exc
    finally:
        workbook.close()


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a zip bomb before anything is unpacked: the sizes its directory declares bound what
    unzipping may produce (Python's zipfile stops at the declared size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportFileError("无法打开该Excel文件，请确认是未加密的.xlsx文件") from exc
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED:
        raise ImportFileError(f"该Excel文件解压后超过 {MAX_UNPACKED // 1_000_000} MB，远大于任何名单；"
                              "请只保留名单工作表（删除图片和多余的工作表）后另存再上传")


def _bounded(rows: Iterable[Sequence[object]]) -> list[Sequence[object]]:
    """The rows of a file, refused once more than MAX_ROWS of them hold something (empty rows that
    carry only formatting do not count)."""
    grid, filled = [], 0
    for row in rows:
        grid.append(row)
        if any(value is not None and value != "" for value in row):
            filled += 1
            if filled > MAX_ROWS + _HEADER_SEARCH_ROWS:
                raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请分成几个文件导入")
    return grid


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
        return _bounded(csv.reader(io.StringIO(text, newline="")))
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
    key = squeeze(_text(value))
    return next((c for c in layout.columns if squeeze(c) == key), None) or layout.aliases.get(key)


def _find_header(grid: Sequence[Sequence[object]], layout: Layout) -> tuple[int, dict[str, int]]:
    """The index of the header row, and the position of each layout column in it."""
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


# --- templates --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """An import template: a sheet with the layout's header, and a sheet of instructions."""

    title: str  # the data sheet's name
    layout: Layout
    help: Mapping[str, str]  # column -> how to fill it in
    widths: Mapping[str, int]  # column -> width; others 14
    text_columns: tuple[str, ...] = ()  # kept as text, so Excel keeps every digit (not 4.2E+17)
    dropdowns: Mapping[str, Sequence[str]] = field(default_factory=dict)  # column -> the values allowed


def write_template(template: Template) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = template.title
    columns = template.layout.columns
    sheet.append(columns)
    for index, column in enumerate(columns, 1):
        sheet.cell(1, index).font = Font(bold=True)
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = template.widths.get(column, 14)
        if column in template.text_columns:
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"
    for column, values in template.dropdowns.items():
        _add_dropdown(sheet, columns.index(column), column, values)
    _write_instructions(workbook.create_sheet("填写说明"), template)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_dropdown(sheet: Worksheet, index: int, column: str, values: Iterable[str]) -> None:
    formula = '"' + ",".join(values) + '"'
    if len(formula) > 255:  # Excel's limit for an inline list; the instructions still list them
        return
    letter = get_column_letter(index + 1)
    rule = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                          errorTitle="输入有误", error=f"请从下拉列表中选择{column}")
    rule.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(rule)


def _write_instructions(sheet: Worksheet, template: Template) -> None:
    bold = Font(bold=True)
    sheet.append(("列名", "是否必填", "填写说明"))
    for column in template.layout.columns:
        sheet.append((column, "必填" if column in template.layout.required else "选填", template.help[column]))
    sheet.append(())
    sheet.append(("注意", "", "第一行是表头，请勿修改；可以增加其他列（如备注），导入时忽略；也可另存为CSV上传"))
    for cell in (*sheet[1], sheet.cell(sheet.max_row, 1)):
        cell.font = bold
    for letter, width in zip("ABC", (16, 10, 90), strict=True):
        sheet.column_dimensions[letter].width = width


# --- exports ----------------------------------------------------------------------------------------


def append_row(sheet: Worksheet, values: Iterable[object]) -> None:
    """A row of an exported sheet. Formula-like text is stored as text with Excel's quote prefix:
    it shows exactly as typed and stays text when the cell is edited. Numbers stay numbers."""
    sheet.append([_text_cell(sheet, value) if formula_like(value) else value for value in values])


def _text_cell(sheet: Worksheet, value: str) -> Cell:
    cell = Cell(sheet, value=value)  # openpyxl takes "=…" for a formula …
    cell.data_type, cell.quotePrefix = "s", True  # … so it is told otherwise
    return cell
