"""Import of existing craftsmen lists (names already given in earlier years) from XLSX or CSV,
with the same bad-row report as the contestant import: nothing is written while any row is bad
unless the office chooses to skip the bad rows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import tables
from contest.errors import InputError
from contest.events.importers import GROUP_HELP
from contest.people import service as people
from contest.people.identity import (
    birth_date_from_id,
    gender_from_id,
    id_hash,
    mask_id,
    normalise_id_number,
    validate_id_number,
)
from contest.people.models import SKILL_LEVEL_LABELS, WORK_GROUPS, Person, check_groups, parse_skill_level
from contest.registry import service as svc
from contest.registry.models import HONOUR_LEVELS, TIERS, Candidate, Honour
from contest.tables import ImportFileError, ImportReport, Layout, RowProblem, read_table

COLUMNS = ("姓名", "身份证号", "工作单位", "县(市、区)", "工种", "职业技能等级", "层级", "命名年度",
           "荣誉称号", "荣誉级别", "荣誉年度", *(label for label, _ in WORK_GROUPS.values()))
CRAFTSMEN = Layout(COLUMNS, ("姓名", "身份证号", "工作单位", "县(市、区)", "层级", "命名年度"),
                   {"身份证号码": "身份证号"})
TIER_BY_LABEL = {label: key for key, label in TIERS.items()} | {
    "提名": "nominee", "县级": "county", "企业级": "enterprise"}
LEVEL_BY_LABEL = {label: key for key, label in HONOUR_LEVELS.items()}


@dataclass(frozen=True)
class _Row:
    row: int
    cells: dict[str, str]
    id_number: str
    tier: str
    year: int
    level: int | None
    honour_year: int | None
    groups: dict[str, bool]  # 一线职工, 农民工, 新就业形态


def _check(raw, areas: set[str], seen: dict[str, int]) -> tuple[_Row | None, list[RowProblem]]:
    cells, problems = raw.cells, []

    def bad(column: str, problem: str) -> None:
        problems.append(RowProblem(raw.row, column, problem))

    for column in CRAFTSMEN.required:
        if not cells.get(column):
            bad(column, f"{column}不能为空")
    number = normalise_id_number(cells.get("身份证号", ""))
    if number and (problem := validate_id_number(number)):
        bad("身份证号", problem)
    elif number in seen:
        bad("身份证号", f"与第{seen[number]}行是同一人")
    seen.setdefault(number, raw.row)
    if cells.get("县(市、区)") and cells["县(市、区)"] not in areas:
        bad("县(市、区)", f"“{cells['县(市、区)']}”不是咸宁市的县(市、区)")
    tier = TIER_BY_LABEL.get(cells.get("层级", ""))
    if cells.get("层级") and tier is None:
        bad("层级", f"层级应为：{'、'.join(TIERS.values())}")
    year = _year(cells.get("命名年度", ""), "命名年度", bad)
    honour_year = _year(cells.get("荣誉年度", ""), "荣誉年度", bad) if cells.get("荣誉年度") else None
    if cells.get("荣誉称号") and cells.get("荣誉级别") not in LEVEL_BY_LABEL:
        bad("荣誉级别", f"荣誉级别应为：{'、'.join(HONOUR_LEVELS.values())}")
    try:
        level = parse_skill_level(cells.get("职业技能等级", ""))
    except ValueError:
        bad("职业技能等级", "职业技能等级无法识别")
        level = None
    groups, group_problems = check_groups(raw)
    problems += group_problems
    if problems:
        return None, problems
    return _Row(raw.row, cells, number, tier, year, level, honour_year, groups), []


def _year(text: str, column: str, bad) -> int:
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    if text:
        bad(column, f"{column}应为四位年份")
    return 0


async def import_craftsmen(session: AsyncSession, filename: str, data: bytes, id_key: bytes, *, skip_bad: bool,
                           actor: str, dry_run: bool = False) -> ImportReport:
    """Name the list's craftsmen in their years. A craftsman already named in that year (the same
    list uploaded again) is counted as already there, not as imported."""
    try:
        raw = read_table(filename, data, CRAFTSMEN)
    except ImportFileError as exc:
        raise InputError(str(exc), "file") from exc
    areas = await people.areas_by_name(session)
    seen: dict[str, int] = {}
    checked = [_check(r, set(areas), seen) for r in raw]
    good = [row for row, _ in checked if row is not None]
    report = ImportReport(len(raw), len(good), [p for _, problems in checked for p in problems], dry_run=dry_run)
    named = await _already_named(session, good, id_key)
    if dry_run or not good or (report.problems and not skip_bad):
        report.already = len(named) if dry_run else 0  # said only of a check, or of an import done
        return report
    report.already = len(named)
    units, report.new_units = await people.ensure_units(
        session, {r.cells["工作单位"]: areas[r.cells["县(市、区)"]].id for r in good})
    ids = await people.upsert_people(session, [
        {"name": r.cells["姓名"], "gender": gender_from_id(r.id_number), "birth_date": birth_date_from_id(r.id_number),
         "id_hash": id_hash(r.id_number, id_key), "id_masked": mask_id(r.id_number), "phone_masked": None,
         "unit_id": units[r.cells["工作单位"]], "area_id": areas[r.cells["县(市、区)"]].id, "skill_level": r.level,
         **r.groups} for r in good], basis="工匠名单导入")
    for r in good:
        if r.row not in named:
            await _name(session, await session.get(Person, ids[id_hash(r.id_number, id_key)]), r, actor)
            report.imported += 1
    await session.commit()
    return report


async def _already_named(session: AsyncSession, rows: list[_Row], id_key: bytes) -> set[int]:
    """The rows whose person is already named in the row's year."""
    hashes = {id_hash(r.id_number, id_key): r for r in rows}
    found = (await session.exec(select(Person.id_hash, Candidate.named_year).join(
        Candidate, Candidate.person_id == Person.id).where(Person.id_hash.in_(list(hashes))))).all()
    return {hashes[h].row for h, year in found if hashes[h].year == year}


async def _name(session: AsyncSession, person: Person, row: _Row, actor: str) -> None:
    """A craftsman named in an earlier year: a profile and a candidacy already at 'named'."""
    await svc.ensure_profile(session, person, trade=row.cells.get("工种") or None)
    batch = await svc.historic_batch(session, row.year)
    road = "honour" if row.cells.get("荣誉称号") else "nomination"
    candidate = Candidate(person_id=person.id, tier=row.tier, road=road, batch_id=batch.id, named_year=row.year)
    await svc.record_import(session, candidate, actor)
    if row.cells.get("荣誉称号"):
        session.add(Honour(person_id=person.id, name=row.cells["荣誉称号"][:60],
                           level=LEVEL_BY_LABEL[row.cells["荣誉级别"]], year=row.honour_year or row.year))


# --- the template ---------------------------------------------------------------------------------------

_HELP = {
    "姓名": "与身份证上的姓名一致",
    "身份证号": "18位居民身份证号；本列为文本格式，请勿改成数字格式；同一人只能出现一次",
    "工作单位": "工作单位全称；系统中没有的单位会新建",
    "县(市、区)": "只能填咸宁市的县(市、区)",
    "工种": "如：焊工、中式烹调师，可不填",
    "职业技能等级": "可填：" + "、".join(SKILL_LEVEL_LABELS.values()) + "；没有等级的不填",
    "层级": "只能填：" + "、".join(TIERS.values()),
    "命名年度": "四位年份，如 2023；只能导入平台开始按批次公示命名之前的年度",
    "荣誉称号": "如：湖北省五一劳动奖章，可不填；一行只填一个",
    "荣誉级别": "填了荣誉称号时必填：" + "、".join(HONOUR_LEVELS.values()),
    "荣誉年度": "四位年份；不填视为命名年度",
    **GROUP_HELP,
}


def write_template(areas: list[str]) -> bytes:
    return tables.write_template(tables.Template(
        "工匠名单", CRAFTSMEN, _HELP, {"姓名": 10, "身份证号": 22, "工作单位": 34, "职业技能等级": 16, "荣誉称号": 24},
        text_columns=("身份证号",),
        dropdowns={"县(市、区)": areas, "职业技能等级": list(SKILL_LEVEL_LABELS.values()), "层级": list(TIERS.values()),
                   "荣誉级别": list(HONOUR_LEVELS.values()),
                   **{label: ("是", "否") for label, _ in WORK_GROUPS.values()}}))
