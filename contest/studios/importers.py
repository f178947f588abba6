"""Import of existing studio lists (工作室名单) from XLSX or CSV, with the same bad-row report as
the contestant import: every problem of every row is listed, and nothing is written while any
row is bad unless the office chooses to skip the bad rows. Problem messages are in Chinese:
they are shown to the union office clerk."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, tables
from contest.errors import InputError
from contest.people import service as people
from contest.people.identity import id_hash, validate_id_number
from contest.people.models import Person, Unit
from contest.studios import service as svc
from contest.studios.models import STUDIO_LEVELS, STUDIO_TYPES, Studio
from contest.tables import ImportFileError, ImportReport, Layout, RawRow, RowProblem, read_table

COLUMNS = ("工作室名称", "类型", "级别", "领衔人", "领衔人身份证号", "依托单位", "领域", "命名时间", "县(市、区)")
NAME, KIND, LEVEL, LEAD, LEAD_ID, HOST, FIELD, FOUNDED, AREA = COLUMNS
REQUIRED = (NAME, KIND, LEVEL)
STUDIOS = Layout(COLUMNS, REQUIRED, {
    "名称": NAME, "工作室": NAME, "工作室类型": KIND, "工作室级别": LEVEL, "命名级别": LEVEL, "领衔人姓名": LEAD,
    "领衔人身份证号码": LEAD_ID, "身份证号": LEAD_ID, "身份证号码": LEAD_ID, "依托单位名称": HOST, "所在单位": HOST,
    "专业领域": FIELD, "所属领域": FIELD, "命名日期": FOUNDED, "命名年份": FOUNDED, "成立时间": FOUNDED,
})

_KIND_BY_TEXT = {label: key for key, label in STUDIO_TYPES.items()} | {key: key for key in STUDIO_TYPES} | {
    "劳模(工匠)创新工作室": "model_craftsman", "劳模工匠创新工作室": "model_craftsman",
    "劳模和工匠创新工作室": "model_craftsman", "工匠创新工作室": "craftsman", "技能大师工作室": "craftsman"}
_LEVEL_BY_TEXT = {label: key for key, label in STUDIO_LEVELS.items()} | {key: key for key in STUDIO_LEVELS} | {
    "国家级": "national", "全国级": "national", "省": "provincial", "省部级": "provincial", "市": "city",
    "县": "county", "县(市、区)级": "county", "区级": "county", "企业": "enterprise"}
_DATE = re.compile(r"(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?年?")


def _studio_name(text: str) -> str:
    return tables.close_gaps(text.strip())


@dataclass(frozen=True)
class StudioRowIn:
    """A checked row: the studio to write. The lead is a person id; no ID number is kept."""

    row: int
    studio: svc.StudioInput
    host_unit: str | None
    area: str | None


def parse_founded(text: str, today: date | None = None) -> date | None:
    """'2021-05-01', '2021/5/1', '2021年5月', '2021.5' or '2021' (the first of the month or year)."""
    text = tables.squeeze(text)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    founded = date(year, month, day)  # ValueError for 2021-02-30
    if not date(1949, 10, 1) <= founded <= (today or clock.today()):
        raise ValueError(text)
    return founded


class _Checker:
    """Checks rows against what the database knows; collects every problem."""

    def __init__(self, existing: set[str], units: dict[str, int], areas: dict[str, int],
                 by_hash: dict[str, Person], by_name: dict[str, list[Person]], id_key: bytes) -> None:
        self.existing, self.units, self.areas = existing, units, areas
        self.by_hash, self.by_name, self.id_key = by_hash, by_name, id_key
        self.first_row_of: dict[str, int] = {}

    def check(self, raw: RawRow) -> tuple[StudioRowIn | None, list[RowProblem]]:
        cells = raw.cells
        problems: list[RowProblem] = []

        def bad(column: str, problem: str) -> None:
            problems.append(RowProblem(raw.row, column, problem))

        name = _studio_name(cells.get(NAME, ""))
        if not name:
            bad(NAME, "工作室名称不能为空")
        elif len(name) > svc.NAME_MAX:
            bad(NAME, f"工作室名称不能超过{svc.NAME_MAX}个字")
        elif name in self.existing:
            bad(NAME, f"工作室“{name}”已存在")
        elif self.first_row_of.setdefault(name, raw.row) != raw.row:
            bad(NAME, f"与第{self.first_row_of[name]}行的工作室重名")
        kind = _KIND_BY_TEXT.get(tables.squeeze(cells.get(KIND, "")))
        if kind is None:
            bad(KIND, _choice_problem(KIND, cells.get(KIND, ""), STUDIO_TYPES))
        level = _LEVEL_BY_TEXT.get(tables.squeeze(cells.get(LEVEL, "")))
        if level is None:
            bad(LEVEL, _choice_problem(LEVEL, cells.get(LEVEL, ""), STUDIO_LEVELS))
        area = tables.squeeze(cells.get(AREA, "")) or None
        if area and area not in self.areas:
            allowed = "、".join(self.areas) or "（系统中尚未设置县(市、区)）"
            bad(AREA, f"“{cells[AREA]}”不是可选的县(市、区)，应为：{allowed}")
        host = cells.get(HOST, "").strip() or None
        if host and len(host) > 120:
            bad(HOST, "依托单位不能超过120个字")
        studio_field = cells.get(FIELD, "").strip()
        if len(studio_field) > svc.FIELD_MAX:
            bad(FIELD, f"领域不能超过{svc.FIELD_MAX}个字")
        try:
            founded = parse_founded(cells.get(FOUNDED, ""))
        except ValueError:
            founded = None
            bad(FOUNDED, f"命名时间“{cells.get(FOUNDED, '')}”无法识别，"
                         "应为日期（如2021-05-01）或年份（如2021），且不晚于今天")
        lead = self._lead(raw, host, bad)
        if problems:
            return None, problems
        studio = svc.StudioInput(name, kind, level, lead.id if lead else None, None, studio_field, founded)
        return StudioRowIn(raw.row, studio, host, area), []

    def _lead(self, raw: RawRow, host: str | None, bad) -> Person | None:
        lead_name = re.sub(r"\s", "", raw.cells.get(LEAD, ""))
        number = raw.cells.get(LEAD_ID, "")
        if tables.number_lost(raw, LEAD_ID):
            bad(LEAD_ID, tables.NUMBER_LOST)
            return None
        if number:
            problem = validate_id_number(number)
            if problem:
                bad(LEAD_ID, problem)
                return None
            person = self.by_hash.get(id_hash(number, self.id_key))
            if person is None:
                bad(LEAD_ID, "系统中没有该身份证号对应的人员，请先通过竞赛报名或工匠导入登记此人")
                return None
            if lead_name and lead_name != person.name:
                bad(LEAD, f"领衔人姓名与身份证号对应的人员（{person.name}）不符")
                return None
            return person
        if not lead_name:
            return None
        found = self.by_name.get(lead_name, [])
        if host and len(found) > 1:
            unit_id = self.units.get(host)
            found = [p for p in found if p.unit_id == unit_id] or found
        if not found:
            bad(LEAD, f"系统中找不到“{lead_name}”，请填写领衔人身份证号，或先登记此人")
            return None
        if len(found) > 1:
            bad(LEAD, f"系统中有{len(found)}位“{lead_name}”，请填写领衔人身份证号以区分")
            return None
        return found[0]


def _choice_problem(column: str, text: str, allowed: dict) -> str:
    if not text.strip():
        return f"{column}不能为空"
    return f"{column}“{text}”无法识别，应为：{'、'.join(allowed.values())}"


async def _checker(session: AsyncSession, raw: list[RawRow], id_key: bytes) -> _Checker:
    names = [_studio_name(r.cells.get(NAME, "")) for r in raw]
    existing = set((await session.exec(select(Studio.name).where(Studio.name.in_(names)))).all())
    hosts = {r.cells.get(HOST, "").strip() for r in raw} - {""}
    units = dict((await session.exec(select(Unit.name, Unit.id).where(Unit.name.in_(hosts)))).all())
    areas = {name: area.id for name, area in (await people.areas_by_name(session)).items()}
    hashes = []
    for r in raw:
        number = r.cells.get(LEAD_ID, "")
        if number and not validate_id_number(number):
            hashes.append(id_hash(number, id_key))
    by_hash = {p.id_hash: p for p in (await session.exec(select(Person).where(Person.id_hash.in_(hashes)))).all()}
    lead_names = {re.sub(r"\s", "", r.cells.get(LEAD, "")) for r in raw} - {""}
    by_name: dict[str, list[Person]] = {}
    for p in (await session.exec(select(Person).where(Person.name.in_(lead_names)).order_by(Person.id))).all():
        by_name.setdefault(p.name, []).append(p)
    return _Checker(existing, units, areas, by_hash, by_name, id_key)


async def import_studios(session: AsyncSession, filename: str, data: bytes, *, id_key: bytes,
                         skip_bad: bool = False, dry_run: bool = False) -> ImportReport:
    """Check every row and create the studios, all or nothing: while any row is bad nothing is
    written, unless the organiser chose to skip bad rows. Host units not yet known are created
    (in the row's county when given) and listed in the report."""
    try:
        raw = read_table(filename, data, STUDIOS)
    except ImportFileError as exc:
        raise InputError(str(exc), "file") from exc
    if not raw:
        raise InputError("文件中没有工作室数据行", "file")
    checker = await _checker(session, raw, id_key)
    checked = [checker.check(r) for r in raw]
    problems = sorted((p for _, row_problems in checked for p in row_problems), key=lambda p: p.row)
    good = [row for row, _ in checked if row is not None]
    report = ImportReport(rows=len(raw), good=len(good), problems=problems, dry_run=dry_run)
    report.new_units = sorted({r.host_unit for r in good if r.host_unit and r.host_unit not in checker.units})
    if dry_run or not good or (problems and not skip_bad):
        return report  # nothing has been written: the checks above only read
    wanted = {}
    for r in good:
        if r.host_unit:
            wanted.setdefault(r.host_unit, checker.areas.get(r.area) if r.area else None)
    unit_ids, _ = await people.ensure_units(session, wanted)
    for r in good:
        session.add(Studio(**{**r.studio.__dict__, "host_unit_id": unit_ids.get(r.host_unit) if r.host_unit else None}))
    await session.commit()
    report.imported = len(good)
    return report


# --- the template -------------------------------------------------------------------------------------

_HELP = {
    NAME: "工作室全称，如“张建华劳模创新工作室”；不能与已有工作室重名",
    KIND: "只能填：" + "、".join(STUDIO_TYPES.values()),
    LEVEL: "只能填：" + "、".join(STUDIO_LEVELS.values()),
    LEAD: "领衔人姓名；系统中有同名人员时，请同时填写领衔人身份证号",
    LEAD_ID: "选填，18位居民身份证号（文本格式）；只用于匹配系统中的人员，不会保存或显示",
    HOST: "依托单位全称；系统中没有的单位会新建",
    FIELD: f"如 电力、茶叶加工、机械制造，不超过{svc.FIELD_MAX}个字",
    FOUNDED: "命名日期，如 2021-05-01；只知道年份的填 2021",
    AREA: "选填，依托单位所在县(市、区)，新建单位时使用",
}


def write_template() -> bytes:
    return tables.write_template(tables.Template("创新工作室", STUDIOS, _HELP, {NAME: 34, HOST: 34, LEAD_ID: 22},
                                                 text_columns=(LEAD_ID,)))
