"""People and the organisations they belong to, shared by every module."""
from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from contest import tables
from contest.tables import squeeze

OWNERSHIPS = {"state": "国有", "collective": "集体", "non_public": "非公有制"}
UNIT_SIZES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
UNIT_KINDS = {"employer": "用人单位", "union": "基层工会"}
GENDERS = ("男", "女")
# National vocational skill levels: 5 is the lowest (初级工), 1 the highest (高级技师).
SKILL_LEVELS: dict[int, tuple[str, str]] = {
    5: ("五级", "初级工"), 4: ("四级", "中级工"), 3: ("三级", "高级工"), 2: ("二级", "技师"), 1: ("一级", "高级技师"),
}
SKILL_LEVEL_LABELS = {level: f"{grade}/{title}" for level, (grade, title) in SKILL_LEVELS.items()}
_LEVEL_BY_TEXT = {text: level for level, (grade, title) in SKILL_LEVELS.items()
                  for text in (grade, title, f"{grade}/{title}", f"{grade}({title})")}


def parse_skill_level(text: str) -> int | None:
    """Either name form (or both, as the import templates' dropdowns write them) -> 5..1; blank -> None."""
    key = squeeze(text)
    if key in ("", "无"):
        return None
    if key not in _LEVEL_BY_TEXT:
        raise ValueError(f"unknown skill level: {text!r}")
    return _LEVEL_BY_TEXT[key]


# How the yearly report groups workers: field -> (the column and form label, the value when left blank).
WORK_GROUPS: dict[str, tuple[str, bool]] = {
    "front_line": ("一线职工", True), "migrant_worker": ("农民工", False), "new_employment_form": ("新就业形态", False)}
_YES, _NO = {"是", "√", "✓", "Y", "YES", "1", "TRUE"}, {"否", "×", "✗", "N", "NO", "0", "FALSE"}


def parse_yes_no(text: str, default: bool) -> bool:
    """是/否 as clerks type it (√, Y, 1 …); blank -> default."""
    key = squeeze(text).upper()
    if not key:
        return default
    if key in _YES or key in _NO:
        return key in _YES
    raise ValueError(f"not yes or no: {text!r}")


def check_groups(raw: tables.RawRow) -> tuple[dict[str, bool], list[tables.RowProblem]]:
    """一线职工, 农民工 and 新就业形态 of a row (of any import that has these columns)."""
    groups, problems = {}, []
    for field, (label, default) in WORK_GROUPS.items():
        text = raw.cells.get(label)
        try:
            groups[field] = parse_yes_no(text, default) if text else default
        except ValueError:
            problems.append(tables.RowProblem(raw.row, label, f"{label}应填“是”或“否”，或不填"))
    return groups, problems


class Area(SQLModel, table=True):
    """A county-level area (县(市、区)) of Xianning."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)
    name: str = Field(max_length=40, unique=True)


class Industry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)


class Unit(SQLModel, table=True):
    """An employer or a grassroots union."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(default="employer", max_length=16)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    industry_id: int | None = Field(default=None, foreign_key="industry.id", index=True)
    ownership: str | None = Field(default=None, max_length=16)
    size: str | None = Field(default=None, max_length=16)


class Person(SQLModel, table=True):
    """A worker. The ID number and phone are never stored: only a keyed hash (to find the same
    person again) and a masked form (for notices that require one)."""

    __table_args__ = (UniqueConstraint("id_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, index=True)
    gender: str | None = Field(default=None, max_length=2)
    birth_date: date | None = None
    id_hash: str | None = Field(default=None, max_length=64)
    id_masked: str | None = Field(default=None, max_length=18)
    phone_masked: str | None = Field(default=None, max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    skill_level: int | None = Field(default=None, ge=1, le=5)
    front_line: bool = True
    migrant_worker: bool = False
    new_employment_form: bool = False


class SkillLevelChange(SQLModel, table=True):
    """A person's skill level as the office changed it (a certificate, a mentorship's end, an
    import): the history behind Person.skill_level. A rise is a lower number (五级 → 四级)."""

    __tablename__ = "skill_level_change"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    level_before: int | None = Field(default=None, ge=1, le=5)
    level_after: int = Field(ge=1, le=5)
    changed_on: date = Field(index=True)
    basis: str = Field(default="", max_length=120)  # the certificate or the reason
    actor: str = Field(default="", max_length=80)

    @property
    def rise(self) -> bool:
        return self.level_before is not None and self.level_after < self.level_before
