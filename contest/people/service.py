"""Areas, units and people: look-ups and the bulk upserts that imports and seeds share."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import db
from contest.errors import InputError
from contest.people.models import OWNERSHIPS, UNIT_KINDS, UNIT_SIZES, Area, Industry, Person, Unit


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


async def upsert_people(session: AsyncSession, people: Iterable[dict]) -> dict[str, int]:
    """Insert people, or refresh those already known by their ID hash (a person changes unit or
    level between contests). Returns person ids by ID hash. Does not commit."""
    rows = await db.insert_many(session, Person, list(people), conflict=("id_hash",),
                                update=("name", "gender", "phone_masked", "unit_id", "area_id", "skill_level",
                                        "front_line", "migrant_worker", "new_employment_form"),
                                returning=("id_hash", "id"))
    return dict(rows)
