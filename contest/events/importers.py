"""The contestant import file (参赛人员导入表): its template, reading it, and checking its rows.

Reading (`read_contestants`) and checking (`validate_rows`) are separate steps so the server can show a
preview and a full problem report before anything is saved; "skip the bad rows" is `check.good`.
Problem messages are in Chinese: they are shown to the union office clerk.
"""

import csv
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from contest import tables
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
from contest.people.models import SKILL_LEVEL_LABELS, SKILL_LEVELS, WORK_GROUPS, check_groups, parse_skill_level
from contest.tables import RawRow, RowProblem

TEMPLATE_COLUMNS = ("姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级",
                    *(label for label, _ in WORK_GROUPS.values()))
NAME, GENDER, ID_NUMBER, PHONE, UNIT, AREA, SKILL_LEVEL = TEMPLATE_COLUMNS[:7]
# Gender can be read from the ID number; phone and skill level may be left blank.
REQUIRED_COLUMNS = (NAME, ID_NUMBER, UNIT, AREA)
# Headers clerks commonly use in their own sheets for the same thing.
CONTESTANTS = tables.Layout(TEMPLATE_COLUMNS, REQUIRED_COLUMNS,
                           {"身份证号码": ID_NUMBER, "公民身份号码": ID_NUMBER, "手机号码": PHONE})

# The live list comes from the Area table; this default serves the template and the seeds.
DEFAULT_AREAS = ("咸安区", "赤壁市", "嘉鱼县", "通城县", "崇阳县", "通山县", "咸宁高新区")

NAME_MAX = 30
UNIT_MAX = 100


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
    groups: dict[str, bool]  # WORK_GROUPS field -> yes or no

    def person(self) -> dict:
        """The Person fields this row gives (the unit and area are resolved by the caller)."""
        return {"name": self.name, "gender": self.gender, "birth_date": self.birth_date, "id_hash": self.id_hash,
                "id_masked": self.id_masked, "phone_masked": self.phone_masked, "skill_level": self.skill_level,
                **self.groups}


@dataclass(frozen=True)
class ImportCheck:
    good: list[ContestantRow]
    problems: list[RowProblem]


# --- The template -----------------------------------------------------------------------------------

_WIDTHS = {NAME: 10, GENDER: 6, ID_NUMBER: 22, PHONE: 15, UNIT: 36, AREA: 14, SKILL_LEVEL: 16,
           **{label: 11 for label, _ in WORK_GROUPS.values()}}


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
        **GROUP_HELP,
    }


GROUP_HELP = {
    "一线职工": "填“是”或“否”；不填视为“是”（在生产、服务一线岗位工作）",
    "农民工": "填“是”或“否”；不填视为“否”（户籍在农村、进城务工的职工填“是”）",
    "新就业形态": "填“是”或“否”；不填视为“否”（快递员、外卖送餐员、网约车司机、货车司机等填“是”）",
}


def write_template(areas: Sequence[str] = DEFAULT_AREAS) -> bytes:
    return tables.write_template(tables.Template(
        "参赛人员", CONTESTANTS, _column_help(areas), _WIDTHS, text_columns=(ID_NUMBER, PHONE),
        dropdowns={GENDER: ("男", "女"), AREA: areas,
                   SKILL_LEVEL: [SKILL_LEVEL_LABELS[level] for level in SKILL_LEVELS],
                   **{label: ("是", "否") for label, _ in WORK_GROUPS.values()}}))


# --- Reading ---------------------------------------------------------------------------------------


def form_file(fields: Mapping[str, str]) -> tuple[str, bytes]:
    """One contestant typed into a form (fields named by the template's columns), as a one-row
    import file: the form is checked and written by exactly the import's path and rules."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([TEMPLATE_COLUMNS, [fields.get(column, "") for column in TEMPLATE_COLUMNS]])
    return "form.csv", out.getvalue().encode()


def read_contestants(filename: str, data: bytes) -> list[RawRow]:
    """The rows of a contestant file; raises tables.ImportFileError for a bad file."""
    return tables.read_table(filename, data, CONTESTANTS)


# --- Checking ---------------------------------------------------------------------------------------

Checked = tuple[str | None, str | None]  # (clean value or None, problem or None)


def _check_name(text: str) -> Checked:
    name = tables.close_gaps(text)
    if not name:
        return None, "姓名不能为空"
    if not 2 <= len(name) <= NAME_MAX:
        return None, f"姓名应为2至{NAME_MAX}个字"
    if any(ch.isdigit() for ch in name):
        return None, "姓名中不能有数字"
    return name, None


def _check_id(raw: RawRow) -> Checked:
    text = raw.cells.get(ID_NUMBER, "")
    if tables.number_lost(raw, ID_NUMBER):
        return None, tables.NUMBER_LOST
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
    area = tables.squeeze(text)
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

    groups, group_problems = check_groups(raw)

    found = zip(
        TEMPLATE_COLUMNS[:7],
        (name_problem, gender_problem, id_problem, phone_problem, unit_problem, area_problem, level_problem),
        strict=True,
    )
    problems = [RowProblem(raw.row, column, problem) for column, problem in found if problem] + group_problems
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
        groups=groups,
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


# --- The judges file (裁判名单) ------------------------------------------------------------------------

JUDGE_COLUMNS = ("姓名", "工作单位")
JUDGES = tables.Layout(JUDGE_COLUMNS, ("姓名",), {"裁判姓名": "姓名", "单位": "工作单位", "所在单位": "工作单位"})
JUDGE_NAME_MAX = 40
_JUDGE_HELP = {
    "姓名": f"裁判姓名，不超过{JUDGE_NAME_MAX}个字；裁判编号（J01、J02……）按名单顺序自动编排",
    "工作单位": "裁判所在单位，须与单位名录中的全称一致，用于自动回避本单位选手；外聘裁判不填",
}


@dataclass(frozen=True)
class JudgeRow:
    row: int
    name: str
    unit_name: str | None


def write_judges_template() -> bytes:
    return tables.write_template(tables.Template("裁判", JUDGES, _JUDGE_HELP, {"姓名": 12, "工作单位": 40}))


def check_judges(rows: Iterable[RawRow], units: Collection[str]) -> tuple[list[JudgeRow], list[RowProblem]]:
    """Every problem of every row; a unit must be one the directory knows (it decides recusals)."""
    good, problems, first_row_of = [], [], {}
    for raw in rows:
        name, unit = tables.close_gaps(raw.cells.get("姓名", "")), raw.cells.get("工作单位", "")
        found = []
        if not name or len(name) > JUDGE_NAME_MAX:
            found.append(("姓名", f"裁判姓名不能为空，且不超过{JUDGE_NAME_MAX}个字"))
        if unit and unit not in units:
            found.append(("工作单位", f"“{unit}”不在单位名录中，请填写单位全称（外聘裁判不填）"))
        first = first_row_of.setdefault((name, unit), raw.row)
        if name and first != raw.row:
            found.append(("姓名", f"与第{first}行是同一位裁判"))
        problems += [RowProblem(raw.row, column, problem) for column, problem in found]
        if not found:
            good.append(JudgeRow(raw.row, name, unit or None))
    return good, problems


# --- The project file (创新项目导入表): one row per team member ---------------------------------------

PROJECT_TITLE, ROLE = "项目名称", "角色"
ROLES = ("负责人", "成员")
PROJECT_COLUMNS = (PROJECT_TITLE, ROLE, *TEMPLATE_COLUMNS)
PROJECTS = tables.Layout(PROJECT_COLUMNS, (PROJECT_TITLE, *REQUIRED_COLUMNS),
                         {**CONTESTANTS.aliases, "成果名称": PROJECT_TITLE, "项目": PROJECT_TITLE,
                          "团队角色": ROLE, "分工": ROLE})
TITLE_MAX = 200
TEAM_MAX = 15  # members of one project, the lead included


@dataclass(frozen=True)
class ProjectRows:
    """A checked project: its title and its members' rows, the lead first."""

    title: str
    members: list[ContestantRow]

    @property
    def lead(self) -> ContestantRow:
        return self.members[0]


def left_out(rows: Sequence[int], bad: Collection[int]) -> list[RowProblem]:
    """A team is imported whole or not at all: each of its rows without a problem of its own is
    reported as left out with the first bad one."""
    return [RowProblem(row, PROJECT_TITLE, f"同一项目第{min(bad)}行有错误，整个项目未导入")
            for row in rows if bad and row not in bad]


def write_projects_template(areas: Sequence[str] = DEFAULT_AREAS) -> bytes:
    help_ = {PROJECT_TITLE: f"创新成果（项目）全称，不超过{TITLE_MAX}个字；"
                            "同一项目的每位团队成员各占一行，项目名称相同",
             ROLE: f"每个项目须有且只有一位“负责人”，其余填“成员”（不填视为成员）；一个项目最多{TEAM_MAX}人",
             **_column_help(areas)}
    return tables.write_template(tables.Template(
        "创新项目", PROJECTS, help_, {PROJECT_TITLE: 36, ROLE: 8, **_WIDTHS}, text_columns=(ID_NUMBER, PHONE),
        dropdowns={ROLE: ROLES, GENDER: ("男", "女"), AREA: areas,
                   SKILL_LEVEL: [SKILL_LEVEL_LABELS[level] for level in SKILL_LEVELS],
                   **{label: ("是", "否") for label, _ in WORK_GROUPS.values()}}))


def read_projects(filename: str, data: bytes) -> list[RawRow]:
    return tables.read_table(filename, data, PROJECTS)


def check_projects(rows: Sequence[RawRow], areas: Collection[str], id_key: bytes
                   ) -> tuple[list[ProjectRows], list[RowProblem]]:
    """Every member row checked by the contestants' own validator, then each project as a whole
    (a title, one lead, at most TEAM_MAX members). A project with any bad row is left out whole."""
    check = validate_rows(rows, areas, id_key)
    problems = list(check.problems)
    good = {row.row: row for row in check.good}
    by_title: dict[str, list[RawRow]] = {}
    for raw in rows:
        title = tables.squeeze(raw.cells.get(PROJECT_TITLE, ""))
        if not title or len(title) > TITLE_MAX:
            problems.append(RowProblem(raw.row, PROJECT_TITLE, f"项目名称不能为空，且不超过{TITLE_MAX}个字"))
        elif raw.cells.get(ROLE, "") not in ("", *ROLES):
            problems.append(RowProblem(raw.row, ROLE, "角色应填“负责人”或“成员”"))
        else:
            by_title.setdefault(title, []).append(raw)
    projects = []
    for title, members in by_title.items():
        leads = [raw for raw in members if raw.cells.get(ROLE) == "负责人"]
        found = ([] if len(leads) == 1 else
                 [RowProblem(members[0].row, ROLE, f"项目“{title}”须有且只有一位负责人（现有{len(leads)}位）")])
        if len(members) > TEAM_MAX:
            found.append(RowProblem(members[TEAM_MAX].row, PROJECT_TITLE, f"项目“{title}”超过{TEAM_MAX}人"))
        bad = {raw.row for raw in members if raw.row not in good} | {p.row for p in found}
        problems += found + left_out([raw.row for raw in members], bad)
        if not bad:
            ordered = leads + [raw for raw in members if raw is not leads[0]]
            projects.append(ProjectRows(title, [good[raw.row] for raw in ordered]))
    problems.sort(key=lambda p: p.row)
    return projects, problems
