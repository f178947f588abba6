"""Innovation studios: creating and editing them, their members, yearly reports and assessments,
alliances with a rotating chair, listings and report totals."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, db
from contest.errors import InputError, NotFound
from contest.people.models import Area, Person, Unit
from contest.studios.models import (
    ALLIANCE_KINDS,
    ASSESSMENTS,
    STUDIO_LEVELS,
    STUDIO_TYPES,
    Alliance,
    AllianceMember,
    Studio,
    StudioMember,
    StudioReport,
)

NAME_MAX = 120
FIELD_MAX = 80
ROLE_MAX = 20
LEAD_ROLE = "领衔人"
FIRST_YEAR, LAST_YEAR = 2000, 2100
COUNT_MAX = 1_000_000  # a yearly figure above this is a typing slip, not a result
BENEFIT_MAX = Decimal("99999999999999.99")  # NUMERIC(16, 2)
_LEVEL_ORDER = case({key: i for i, key in enumerate(STUDIO_LEVELS)}, value=Studio.level, else_=len(STUDIO_LEVELS))
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def _check_choice(value: str | None, allowed: dict, field_name: str, label: str) -> None:
    if value not in allowed:
        raise InputError(f"{label}取值无效：{value or '（空）'}，应为{'、'.join(allowed.values())}之一", field_name)


# --- studios ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudioInput:
    name: str
    kind: str
    level: str
    lead_id: int | None = None
    host_unit_id: int | None = None
    field: str = ""
    founded_on: date | None = None


def check_studio(data: StudioInput, today: date | None = None) -> StudioInput:
    """The checks that need no database: names, choices and dates."""
    name = _CJK_GAP.sub("", data.name.strip())
    if not name:
        raise InputError("工作室名称不能为空", "name")
    if len(name) > NAME_MAX:
        raise InputError(f"工作室名称不能超过{NAME_MAX}个字", "name")
    _check_choice(data.kind, STUDIO_TYPES, "kind", "工作室类型")
    _check_choice(data.level, STUDIO_LEVELS, "level", "工作室级别")
    studio_field = data.field.strip()
    if len(studio_field) > FIELD_MAX:
        raise InputError(f"领域不能超过{FIELD_MAX}个字", "field")
    if data.founded_on is not None and not date(1949, 10, 1) <= data.founded_on <= (today or clock.today()):
        raise InputError("命名时间应在1949年10月1日至今天之间", "founded_on")
    return replace(data, name=name, field=studio_field)


async def _check_links(session: AsyncSession, data: StudioInput) -> None:
    if data.lead_id is not None and await session.get(Person, data.lead_id) is None:
        raise InputError(f"领衔人（人员编号 {data.lead_id}）不存在", "lead_id")
    if data.host_unit_id is not None and await session.get(Unit, data.host_unit_id) is None:
        raise InputError(f"依托单位（单位编号 {data.host_unit_id}）不存在", "host_unit_id")


async def name_taken(session: AsyncSession, name: str, but: int | None = None) -> bool:
    stmt = select(Studio.id).where(Studio.name == name)
    if but is not None:
        stmt = stmt.where(Studio.id != but)
    return (await session.exec(stmt)).first() is not None


async def create_studio(session: AsyncSession, data: StudioInput) -> Studio:
    data = check_studio(data)
    if await name_taken(session, data.name):
        raise InputError(f"工作室“{data.name}”已存在", "name")
    await _check_links(session, data)
    studio = Studio(**data.__dict__)
    session.add(studio)
    await session.commit()
    return studio


async def update_studio(session: AsyncSession, studio: Studio, data: StudioInput) -> Studio:
    """Edit a studio. A member who becomes the lead leaves the member list (a person is in a
    studio once); the former lead is not made a member."""
    data = check_studio(data)
    if await name_taken(session, data.name, but=studio.id):
        raise InputError(f"工作室“{data.name}”已存在", "name")
    await _check_links(session, data)
    if data.founded_on is not None:
        earliest = (await session.exec(select(func.min(StudioReport.year))
                                       .where(StudioReport.studio_id == studio.id))).one()
        if earliest is not None and earliest < data.founded_on.year:
            raise InputError(f"已有{earliest}年度报告，命名时间不能晚于{earliest}年", "founded_on")
    if data.lead_id is not None and data.lead_id != studio.lead_id:
        member = await _membership(session, studio.id, data.lead_id)
        if member is not None:
            await session.delete(member)
    studio.sqlmodel_update(data.__dict__)
    session.add(studio)
    await session.commit()
    return studio


async def get_studio(session: AsyncSession, studio_id: int) -> Studio:
    return await db.get_or_404(session, Studio, studio_id, "工作室")


@dataclass(frozen=True)
class StudioRow:
    """A studio with the names a list shows (names only: nothing private)."""

    id: int
    name: str
    kind: str
    level: str
    field: str
    founded_on: date | None
    lead_id: int | None
    lead_name: str | None
    host_unit_id: int | None
    host_unit: str | None
    area_id: int | None
    area: str | None
    members: int


async def list_studios(session: AsyncSession, *, level: str | None = None, kind: str | None = None,
                       area_id: int | None = None, query: str = "",
                       ids: Sequence[int] | None = None) -> list[StudioRow]:
    """Studios, highest level first, filtered by level, type, the county of the host unit and a
    part of the name."""
    if level:
        _check_choice(level, STUDIO_LEVELS, "level", "工作室级别")
    if kind:
        _check_choice(kind, STUDIO_TYPES, "kind", "工作室类型")
    counts = (select(StudioMember.studio_id, func.count().label("n"))
              .group_by(StudioMember.studio_id).subquery())
    stmt = (select(Studio, Person.name, Unit.name, Area.id, Area.name, func.coalesce(counts.c.n, 0))
            .outerjoin(Person, Person.id == Studio.lead_id).outerjoin(Unit, Unit.id == Studio.host_unit_id)
            .outerjoin(Area, Area.id == Unit.area_id).outerjoin(counts, counts.c.studio_id == Studio.id))
    if level:
        stmt = stmt.where(Studio.level == level)
    if kind:
        stmt = stmt.where(Studio.kind == kind)
    if area_id is not None:
        stmt = stmt.where(Unit.area_id == area_id)
    if query.strip():
        stmt = stmt.where(Studio.name.contains(query.strip(), autoescape=True))
    if ids is not None:
        stmt = stmt.where(Studio.id.in_(list(ids)))
    rows = (await session.exec(stmt.order_by(_LEVEL_ORDER, Studio.name))).all()
    return [StudioRow(s.id, s.name, s.kind, s.level, s.field, s.founded_on, s.lead_id, lead, s.host_unit_id, unit,
                      area_key, area, members) for s, lead, unit, area_key, area, members in rows]


async def studio_row(session: AsyncSession, studio_id: int) -> StudioRow:
    rows = await list_studios(session, ids=[studio_id])
    if not rows:
        raise NotFound("工作室")
    return rows[0]


# --- members ------------------------------------------------------------------------------------------


async def _membership(session: AsyncSession, studio_id: int, person_id: int) -> StudioMember | None:
    stmt = select(StudioMember).where(StudioMember.studio_id == studio_id, StudioMember.person_id == person_id)
    return (await session.exec(stmt)).first()


async def add_member(session: AsyncSession, studio: Studio, person_id: int, role: str = "成员") -> StudioMember:
    """Add a person to a studio; a person is in a studio once (the lead counts as in it)."""
    role = role.strip() or "成员"
    if len(role) > ROLE_MAX:
        raise InputError(f"成员角色不能超过{ROLE_MAX}个字", "role")
    person = await session.get(Person, person_id)
    if person is None:
        raise InputError(f"人员编号 {person_id} 不存在", "person")
    if person.id == studio.lead_id:
        raise InputError(f"{person.name}是本工作室的领衔人，不必再添加为成员", "person")
    if await _membership(session, studio.id, person.id) is not None:
        raise InputError(f"{person.name}已是本工作室成员", "person")
    member = StudioMember(studio_id=studio.id, person_id=person.id, role=role)
    session.add(member)
    await session.commit()
    return member


async def remove_member(session: AsyncSession, studio: Studio, person_id: int) -> None:
    member = await _membership(session, studio.id, person_id)
    if member is None:
        raise NotFound("该工作室成员")
    await session.delete(member)
    await session.commit()


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    role: str


async def list_members(session: AsyncSession, studio: Studio) -> list[MemberRow]:
    stmt = (select(StudioMember.person_id, Person.name, StudioMember.role)
            .join(Person, Person.id == StudioMember.person_id)
            .where(StudioMember.studio_id == studio.id).order_by(StudioMember.id))
    return [MemberRow(*row) for row in (await session.exec(stmt)).all()]


@dataclass(frozen=True)
class PersonStudio:
    studio_id: int
    name: str
    kind: str
    level: str
    role: str  # 领衔人, or the member's role


async def studios_of_person(session: AsyncSession, person_id: int) -> list[PersonStudio]:
    """The studios a person leads or belongs to, highest level first (for the craftsman profile)."""
    led = (await session.exec(select(Studio).where(Studio.lead_id == person_id))).all()
    joined = (await session.exec(select(Studio, StudioMember.role)
                                 .join(StudioMember, StudioMember.studio_id == Studio.id)
                                 .where(StudioMember.person_id == person_id))).all()
    found = {s.id: PersonStudio(s.id, s.name, s.kind, s.level, LEAD_ROLE) for s in led}
    for s, role in joined:
        found.setdefault(s.id, PersonStudio(s.id, s.name, s.kind, s.level, role))
    rank = {key: i for i, key in enumerate(STUDIO_LEVELS)}
    return sorted(found.values(), key=lambda p: (rank.get(p.level, len(rank)), p.role != LEAD_ROLE, p.name))


# --- yearly reports and assessments -------------------------------------------------------------------

REPORT_FIGURES = {
    "patents": "专利", "projects": "创新项目", "problems_solved": "解决难题", "results_applied": "成果转化应用",
    "people_trained": "培训人次", "skill_rises": "技能等级提升人数",
}
BENEFIT_LABEL = "经济效益（元）"


@dataclass(frozen=True)
class ReportInput:
    year: int
    patents: int = 0
    projects: int = 0
    problems_solved: int = 0
    results_applied: int = 0
    benefit_yuan: Decimal = Decimal(0)
    people_trained: int = 0
    skill_rises: int = 0


def check_report(data: ReportInput, founded_on: date | None = None) -> ReportInput:
    if isinstance(data.year, bool) or not isinstance(data.year, int) or not FIRST_YEAR <= data.year <= LAST_YEAR:
        raise InputError(f"年度应为{FIRST_YEAR}–{LAST_YEAR}之间的四位年份", "year")
    if founded_on is not None and data.year < founded_on.year:
        raise InputError(f"年度不能早于工作室命名年份（{founded_on.year}年）", "year")
    for key, label in REPORT_FIGURES.items():
        value = getattr(data, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{label}应为整数", key)
        if value < 0:
            raise InputError(f"{label}不能为负数", key)
        if value > COUNT_MAX:
            raise InputError(f"{label}数值过大：{value}", key)
    benefit = data.benefit_yuan
    if isinstance(benefit, bool) or not isinstance(benefit, Decimal | int):  # never a float: money is exact
        raise InputError(f"{BENEFIT_LABEL}应为精确的数值", "benefit_yuan")
    benefit = Decimal(benefit)
    if not benefit.is_finite():
        raise InputError(f"{BENEFIT_LABEL}应为数字", "benefit_yuan")
    if benefit < 0:
        raise InputError(f"{BENEFIT_LABEL}不能为负数", "benefit_yuan")
    if benefit > BENEFIT_MAX:  # before quantize, which cannot take a number this large
        raise InputError(f"{BENEFIT_LABEL}数值过大", "benefit_yuan")
    if benefit != benefit.quantize(Decimal("0.01")):
        raise InputError(f"{BENEFIT_LABEL}最多保留两位小数（分）", "benefit_yuan")
    return replace(data, benefit_yuan=benefit.quantize(Decimal("0.01")))


async def get_report(session: AsyncSession, studio: Studio, year: int) -> StudioReport | None:
    stmt = select(StudioReport).where(StudioReport.studio_id == studio.id, StudioReport.year == year)
    return (await session.exec(stmt)).first()


async def save_report(session: AsyncSession, studio: Studio, data: ReportInput) -> StudioReport:
    """Create or replace the studio's report for the year; an assessment already given stays."""
    data = check_report(data, studio.founded_on)
    report = await get_report(session, studio, data.year) or StudioReport(studio_id=studio.id, year=data.year)
    report.sqlmodel_update(data.__dict__)
    session.add(report)
    await session.commit()
    return report


async def set_assessment(session: AsyncSession, studio: Studio, year: int, outcome: str | None) -> StudioReport:
    """Record the annual assessment (优秀/良好/合格/不合格) of a year already reported; None clears it."""
    if outcome:
        _check_choice(outcome, ASSESSMENTS, "assessment", "考核结果")
    report = await get_report(session, studio, year)
    if report is None:
        raise InputError(f"{studio.name}还没有{year}年度报告，请先填写年度报告再录入考核结果", "year")
    report.assessment = outcome or None
    session.add(report)
    await session.commit()
    return report


async def list_reports(session: AsyncSession, studio: Studio) -> Sequence[StudioReport]:
    stmt = select(StudioReport).where(StudioReport.studio_id == studio.id).order_by(StudioReport.year)
    return (await session.exec(stmt)).all()


@dataclass
class Totals:
    """Report figures summed over studios: per year, or over every year when year is None."""

    year: int | None
    studios: int = 0  # reports counted
    patents: int = 0
    projects: int = 0
    problems_solved: int = 0
    results_applied: int = 0
    benefit_yuan: Decimal = Decimal("0.00")
    people_trained: int = 0
    skill_rises: int = 0
    assessments: dict[str, int] = field(default_factory=dict)


_SUMMED = ("patents", "projects", "problems_solved", "results_applied", "benefit_yuan", "people_trained",
           "skill_rises")


async def report_totals(session: AsyncSession, *, studio_ids: Sequence[int] | None = None, level: str | None = None,
                        kind: str | None = None, area_id: int | None = None) -> list[Totals]:
    """Per year: the sum of every figure of the matching studios' reports, and the count of each
    assessment outcome. Sums are exact (the benefit is a Decimal in yuan)."""
    if level:
        _check_choice(level, STUDIO_LEVELS, "level", "工作室级别")
    if kind:
        _check_choice(kind, STUDIO_TYPES, "kind", "工作室类型")
    sums = [func.sum(getattr(StudioReport, name)) for name in _SUMMED]
    base = (select(StudioReport.year, func.count(), *sums).join(Studio, Studio.id == StudioReport.studio_id)
            .outerjoin(Unit, Unit.id == Studio.host_unit_id))
    outcomes = (select(StudioReport.year, StudioReport.assessment, func.count())
                .join(Studio, Studio.id == StudioReport.studio_id).outerjoin(Unit, Unit.id == Studio.host_unit_id)
                .where(StudioReport.assessment.is_not(None)))
    conditions = []
    if studio_ids is not None:
        conditions.append(Studio.id.in_(list(studio_ids)))
    if level:
        conditions.append(Studio.level == level)
    if kind:
        conditions.append(Studio.kind == kind)
    if area_id is not None:
        conditions.append(Unit.area_id == area_id)
    base, outcomes = base.where(*conditions), outcomes.where(*conditions)
    by_year: dict[int, Totals] = {}
    for year, count, *values in (await session.exec(base.group_by(StudioReport.year))).all():
        figures = {name: int(v or 0) for name, v in zip(_SUMMED, values, strict=True) if name != "benefit_yuan"}
        benefit = Decimal(values[_SUMMED.index("benefit_yuan")] or 0).quantize(Decimal("0.01"))
        by_year[year] = Totals(year, count, benefit_yuan=benefit, **figures)
    for year, outcome, count in (await session.exec(outcomes.group_by(StudioReport.year,
                                                                       StudioReport.assessment))).all():
        by_year[year].assessments[outcome] = count
    return [by_year[year] for year in sorted(by_year)]


def overall(totals: Sequence[Totals]) -> Totals:
    """The yearly totals added up over the years."""
    out = Totals(None)
    outcomes: Counter[str] = Counter()
    for t in totals:
        out.studios += t.studios
        for name in _SUMMED:
            setattr(out, name, getattr(out, name) + getattr(t, name))
        outcomes.update(t.assessments)
    out.assessments = dict(outcomes)
    return out


# --- alliances ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllianceInput:
    name: str
    kind: str
    lead_unit_id: int | None = None


async def create_alliance(session: AsyncSession, data: AllianceInput) -> Alliance:
    name = _CJK_GAP.sub("", data.name.strip())
    if not name:
        raise InputError("联盟名称不能为空", "name")
    if len(name) > NAME_MAX:
        raise InputError(f"联盟名称不能超过{NAME_MAX}个字", "name")
    _check_choice(data.kind, ALLIANCE_KINDS, "kind", "联盟类型")
    if (await session.exec(select(Alliance.id).where(Alliance.name == name))).first():
        raise InputError(f"联盟“{name}”已存在", "name")
    if data.lead_unit_id is not None and await session.get(Unit, data.lead_unit_id) is None:
        raise InputError(f"牵头单位（单位编号 {data.lead_unit_id}）不存在", "lead_unit_id")
    alliance = Alliance(name=name, kind=data.kind, lead_unit_id=data.lead_unit_id)
    session.add(alliance)
    await session.commit()
    return alliance


async def get_alliance(session: AsyncSession, alliance_id: int) -> Alliance:
    return await db.get_or_404(session, Alliance, alliance_id, "联盟")


async def member_studio_ids(session: AsyncSession, alliance: Alliance) -> list[int]:
    """The alliance's member studios in the order they joined: the order the chair rotates in."""
    stmt = (select(AllianceMember.studio_id).where(AllianceMember.alliance_id == alliance.id)
            .order_by(AllianceMember.id))
    return list((await session.exec(stmt)).all())


async def add_alliance_member(session: AsyncSession, alliance: Alliance, studio_id: int) -> AllianceMember:
    """A studio joins the alliance; the first member takes the chair while none is set."""
    studio = await session.get(Studio, studio_id)
    if studio is None:
        raise InputError(f"工作室编号 {studio_id} 不存在", "studio_id")
    if studio.id in await member_studio_ids(session, alliance):
        raise InputError(f"{studio.name}已是本联盟成员", "studio_id")
    member = AllianceMember(alliance_id=alliance.id, studio_id=studio.id)
    session.add(member)
    if alliance.chair_studio_id is None:
        alliance.chair_studio_id = studio.id
        session.add(alliance)
    await session.commit()
    return member


async def remove_alliance_member(session: AsyncSession, alliance: Alliance, studio_id: int) -> None:
    """A studio leaves; if it held the chair, the chair passes to the next member (or to none)."""
    stmt = select(AllianceMember).where(AllianceMember.alliance_id == alliance.id,
                                        AllianceMember.studio_id == studio_id)
    member = (await session.exec(stmt)).first()
    if member is None:
        raise NotFound("该联盟成员")
    if alliance.chair_studio_id == studio_id:
        order = await member_studio_ids(session, alliance)
        rest = order[order.index(studio_id) + 1:] + order[:order.index(studio_id)]
        alliance.chair_studio_id = rest[0] if rest else None
        session.add(alliance)
    await session.delete(member)
    await session.commit()


async def set_chair(session: AsyncSession, alliance: Alliance, studio_id: int) -> Alliance:
    if studio_id not in await member_studio_ids(session, alliance):
        raise InputError("轮值主席单位必须是本联盟的成员工作室", "chair_studio_id")
    alliance.chair_studio_id = studio_id
    session.add(alliance)
    await session.commit()
    return alliance


async def rotate_chair(session: AsyncSession, alliance: Alliance) -> Alliance:
    """Pass the chair to the next member studio in joining order, wrapping round to the first."""
    order = await member_studio_ids(session, alliance)
    if not order:
        raise InputError("联盟还没有成员工作室，无法轮换主席单位", "chair_studio_id")
    if alliance.chair_studio_id in order:
        alliance.chair_studio_id = order[(order.index(alliance.chair_studio_id) + 1) % len(order)]
    else:
        alliance.chair_studio_id = order[0]
    session.add(alliance)
    await session.commit()
    return alliance


@dataclass(frozen=True)
class AllianceRow:
    id: int
    name: str
    kind: str
    lead_unit: str | None
    chair_studio_id: int | None
    chair: str | None
    members: int


async def list_alliances(session: AsyncSession, studio_id: int | None = None,
                         alliance_id: int | None = None) -> list[AllianceRow]:
    """Every alliance, or those a studio belongs to, or the one asked for."""
    counts = (select(AllianceMember.alliance_id, func.count().label("n"))
              .group_by(AllianceMember.alliance_id).subquery())
    stmt = (select(Alliance, Unit.name, Studio.name, func.coalesce(counts.c.n, 0))
            .outerjoin(Unit, Unit.id == Alliance.lead_unit_id).outerjoin(Studio, Studio.id == Alliance.chair_studio_id)
            .outerjoin(counts, counts.c.alliance_id == Alliance.id))
    if studio_id is not None:
        stmt = stmt.join(AllianceMember, AllianceMember.alliance_id == Alliance.id).where(
            AllianceMember.studio_id == studio_id)
    if alliance_id is not None:
        stmt = stmt.where(Alliance.id == alliance_id)
    rows = (await session.exec(stmt.order_by(Alliance.id))).all()
    return [AllianceRow(a.id, a.name, a.kind, unit, a.chair_studio_id, chair_name, n)
            for a, unit, chair_name, n in rows]


async def alliance_members(session: AsyncSession, alliance: Alliance) -> list[StudioRow]:
    """The member studios, in joining order."""
    order = await member_studio_ids(session, alliance)
    rows = {r.id: r for r in await list_studios(session, ids=order)}
    return [rows[i] for i in order]
