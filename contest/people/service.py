"""Areas, units and people: look-ups and the bulk upserts that imports and seeds share."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from sqlalchemy import func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, db, ledger
from contest.errors import InputError
from contest.people.identity import id_hash, normalise_id_number, validate_id_number
from contest.people.models import (
    OWNERSHIPS,
    SKILL_LEVEL_LABELS,
    UNIT_KINDS,
    UNIT_SIZES,
    Area,
    Industry,
    Person,
    SkillLevelChange,
    Unit,
)
from contest.tables import close_gaps


@lru_cache(maxsize=65536)  # boards rebuild often, and the same names come back
def pinyin_key(name: str) -> str:
    """'王建华' → 'wangjianhua wjh': full pinyin and initials, so either finds the person."""
    return f"{''.join(lazy_pinyin(name))} {''.join(lazy_pinyin(name, style=Style.FIRST_LETTER))}"


def search_text(query: str) -> tuple[str, str]:
    """What a search box holds, as (the words, trimmed; the same as pinyin letters: lower case, no
    spaces, or "" when it is not plain Latin letters) — '  Wang JH ' → ('Wang JH', 'wangjh')."""
    words = " ".join(query.split())[:40]
    letters = words.lower().replace(" ", "")
    return words, letters if letters.isascii() and letters.isalpha() else ""


async def areas_by_name(session: AsyncSession) -> dict[str, Area]:
    return {a.name: a for a in (await session.exec(select(Area).order_by(Area.code))).all()}


async def list_units(session: AsyncSession) -> Sequence[Unit]:
    return (await session.exec(select(Unit).order_by(Unit.name))).all()


async def unit_named(session: AsyncSession, name: str, field: str, *, required: bool = False) -> int | None:
    """The unit the unit picker names (its full name, as the directory has it); blank is none."""
    name = " ".join(name.split())
    if not name:
        if required:
            raise InputError("请选择单位：输入单位名称中的几个字，从列表中选择", field)
        return None
    unit_id = (await session.exec(select(Unit.id).where(Unit.name == name))).first()
    if unit_id is None:
        raise InputError(f"单位名录中没有“{name[:60]}”：请从列表中选择，或先在“单位”页添加该单位", field)
    return unit_id


async def list_industries(session: AsyncSession) -> Sequence[Industry]:
    return (await session.exec(select(Industry).order_by(Industry.name))).all()


@dataclass(frozen=True)
class UnitInput:
    name: str
    area_id: int | None = None
    industry_id: int | None = None
    ownership: str | None = None
    size: str | None = None
    kind: str = "employer"


def check_unit(data: UnitInput) -> UnitInput:
    name = data.name.strip()
    if not name:
        raise InputError("单位名称不能为空", "name")
    if len(name) > 120:
        raise InputError("单位名称不能超过120个字", "name")
    for value, allowed, field in ((data.ownership, OWNERSHIPS, "ownership"), (data.size, UNIT_SIZES, "size"),
                                  (data.kind, UNIT_KINDS, "kind")):
        if value and value not in allowed:
            raise InputError(f"{field} 取值无效：{value}", field)
    return UnitInput(name, data.area_id, data.industry_id, data.ownership or None, data.size or None, data.kind)


async def create_unit(session: AsyncSession, data: UnitInput) -> Unit:
    data = check_unit(data)
    if (await session.exec(select(Unit).where(Unit.name == data.name))).first():
        raise InputError(f"单位“{data.name}”已存在", "name")
    if data.area_id is not None and await session.get(Area, data.area_id) is None:
        raise InputError("所选县(市、区)不存在", "area_id")
    unit = Unit(**data.__dict__)
    session.add(unit)
    await session.commit()
    return unit


async def ensure_units(session: AsyncSession, wanted: dict[str, int | None]) -> tuple[dict[str, int], list[str]]:
    """Unit ids by name, creating the units not yet known (name -> area id). Returns the ids and
    the names created. Does not commit: it is part of the caller's transaction."""
    known = {u.name: u.id for u in (await session.exec(select(Unit).where(Unit.name.in_(list(wanted))))).all()}
    new = [name for name in wanted if name not in known]
    rows = [{"name": n, "area_id": wanted[n], "kind": "employer"} for n in new]
    known.update(dict(await db.insert_many(session, Unit, rows, returning=("name", "id"))))
    return known, new


async def upsert_people(session: AsyncSession, people: Iterable[dict], basis: str = "名单导入") -> dict[str, int]:
    """Insert people, or refresh those already known by their ID hash (a person changes unit or
    level between contests). A known person's new skill level goes into the level history under
    `basis`. Returns person ids by ID hash. Does not commit."""
    people = list(people)
    before = dict((await session.exec(select(Person.id_hash, Person.skill_level).where(
        Person.id_hash.in_([p["id_hash"] for p in people]), Person.skill_level.is_not(None)))).all())
    rows = dict(await db.insert_many(session, Person, people, conflict=("id_hash",),
                                     update=("name", "gender", "phone_masked", "unit_id", "area_id", "skill_level",
                                             "front_line", "migrant_worker", "new_employment_form"),
                                     returning=("id_hash", "id")))
    changed = [p for p in people
               if p.get("skill_level") and before.get(p["id_hash"], p["skill_level"]) != p["skill_level"]]
    changes = [{"person_id": rows[p["id_hash"]], "level_before": before[p["id_hash"]], "level_after": p["skill_level"],
                "changed_on": clock.today(), "basis": basis, "actor": ""} for p in changed]
    await db.insert_many(session, SkillLevelChange, changes)
    return rows


# --- finding a person, and their skill level ------------------------------------------------------------


async def find_person(session: AsyncSession, text: str, prefer_unit_id: int | None = None, *,
                      field_name: str = "person", only_that_unit: bool = False) -> Person:
    """The person an office clerk means: by person number, or by name; when names repeat, the one in
    prefer_unit_id. An ambiguous name lists the people's numbers and units (an organiser's page).
    `only_that_unit`: a unit's own account, which may name its own people and learns of no one else."""
    text = close_gaps(text.strip())
    if not text:
        raise InputError("请填写姓名或人员编号", field_name)
    if text.isascii() and text.isdigit():
        person = await session.get(Person, int(text)) if len(text) <= 9 else None
        if person is None or (only_that_unit and person.unit_id != prefer_unit_id):
            raise InputError(f"人员编号 {text} 不存在", field_name)
        return person
    stmt = (select(Person, Unit.name).outerjoin(Unit, Unit.id == Person.unit_id).where(Person.name == text)
            .order_by(Person.id).limit(20))
    if only_that_unit:
        stmt = stmt.where(Person.unit_id == prefer_unit_id)
    found = (await session.exec(stmt)).all()
    if len(found) > 1 and prefer_unit_id is not None:
        found = [row for row in found if row[0].unit_id == prefer_unit_id] or found
    if not found and only_that_unit:
        raise InputError(f"本单位没有登记“{text}”：请填写本单位职工的姓名，或先通过网上报名登记此人", field_name)
    if not found:
        raise InputError(f"系统中找不到“{text}”，请先通过竞赛报名或工匠导入登记此人", field_name)
    if len(found) > 1:
        listed = "；".join(f"编号 {p.id}（{unit or '单位不详'}）" for p, unit in found[:8])
        raise InputError(f"有多位“{text}”：{listed}。请填写人员编号", field_name)
    return found[0][0]


@dataclass(frozen=True)
class PersonRow:
    """A person as the office's lists show them: no ID number, only its masked form."""

    id: int
    name: str
    gender: str | None
    id_masked: str | None
    unit: str | None
    skill_level: int | None


def searched_id(words: str, id_key: bytes) -> str | None:
    """The ID hash to look for when a search box holds a whole, valid ID number (else None)."""
    number = normalise_id_number(words)
    return id_hash(number, id_key) if len(number) == 18 and validate_id_number(number) is None else None


async def search_people(session: AsyncSession, query: str, id_key: bytes, *, limit: int = 20,
                        offset: int = 0) -> tuple[list[PersonRow], int]:
    """People by a part of their name or unit, or by their full ID number; the total found."""
    words, _ = search_text(query)
    stmt = select(Person.id, Person.name, Person.gender, Person.id_masked, Unit.name, Person.skill_level).outerjoin(
        Unit, Unit.id == Person.unit_id)
    if hashed := searched_id(words, id_key):
        stmt = stmt.where(Person.id_hash == hashed)
    elif words:
        stmt = stmt.where(or_(Person.name.contains(close_gaps(words), autoescape=True),
                              Unit.name.contains(words, autoescape=True)))
    total = (await session.exec(select(func.count()).select_from(stmt.subquery()))).one()
    rows = (await session.exec(stmt.order_by(Person.name, Person.id).limit(limit).offset(offset))).all()
    return [PersonRow(*row) for row in rows], total


async def change_skill_level(session: AsyncSession, person: Person, level: int, on: date, basis: str,
                             actor: str) -> SkillLevelChange:
    """Set a person's skill level as of a day, keeping the one before in the history, and ledger it
    (a rise counts in the yearly report). Does not commit: a mentorship's end records one too."""
    if level not in SKILL_LEVEL_LABELS:
        raise InputError("请选择职业技能等级", "level")
    if level == person.skill_level:
        raise InputError(f"{person.name}的职业技能等级已是{SKILL_LEVEL_LABELS[level]}", "level")
    if on > clock.today():
        raise InputError("变更日期不能晚于今天", "changed_on")
    if person.birth_date is not None and on <= person.birth_date:
        raise InputError("变更日期不能早于出生日期", "changed_on")
    basis = close_gaps(basis.strip())
    if not basis:
        raise InputError("请填写依据（如证书编号）", "basis")
    if len(basis) > 120:
        raise InputError("依据不能超过120个字", "basis")
    change = SkillLevelChange(person_id=person.id, level_before=person.skill_level, level_after=level,
                              changed_on=on, basis=basis, actor=actor[:80])
    person.skill_level = level
    session.add_all([person, change])
    await ledger.append(session, event_id=None, actor=actor, device="", action="person.skill_level",
                        subject=f"person:{person.id}", payload={"before": change.level_before, "after": level,
                                                                 "on": on.isoformat(), "basis": basis})
    await session.flush()
    return change


async def skill_history(session: AsyncSession, person_id: int) -> Sequence[SkillLevelChange]:
    return (await session.exec(select(SkillLevelChange).where(SkillLevelChange.person_id == person_id)
                               .order_by(SkillLevelChange.changed_on.desc(), SkillLevelChange.id.desc()))).all()


async def skill_rises(session: AsyncSession, year: int) -> int:
    """Skill level rises recorded in a year (each rise of each person counts once)."""
    return (await session.exec(select(func.count()).select_from(SkillLevelChange).where(
        func.extract("year", SkillLevelChange.changed_on) == year,
        SkillLevelChange.level_after < SkillLevelChange.level_before))).one()
