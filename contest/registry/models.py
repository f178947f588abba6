"""The 香城工匠 registry: craftsman profiles, honours and innovations, candidates on their way
through the review pipeline, numbered naming batches, the target, and master–apprentice pairs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from contest.db import utcnow

TIERS = {"city": "香城工匠", "county": "县级工匠", "enterprise": "企业工匠", "nominee": "香城工匠提名"}
ROADS = {"contest": "竞赛成绩", "honour": "荣誉称号", "nomination": "单位推荐", "self": "个人自荐（经单位）"}
HONOUR_LEVELS = {"national": "全国", "provincial": "省级", "city": "市级", "county": "县级", "enterprise": "企业"}
PATENT_KINDS = {"invention": "发明专利", "utility": "实用新型", "design": "外观设计", "other": "其他成果"}
# The pipeline: each state lists where it may go next.
STATES = {
    "candidate": "候选人", "eligible": "资格审查通过", "ineligible": "资格审查未通过", "reviewed": "专家评审完成",
    "under_notice": "公示中", "named": "已命名", "rejected": "未获命名", "suspended": "暂停",
    "revoked": "撤销", "retired": "退休", "deceased": "已故",
}
FLOW = {
    "candidate": {"eligible", "ineligible"},
    "eligible": {"reviewed"},
    "reviewed": {"under_notice", "rejected"},
    "under_notice": {"named", "rejected"},
    "named": {"suspended", "revoked", "retired", "deceased"},
    "suspended": {"named", "revoked", "retired", "deceased"},
    "ineligible": set(), "rejected": set(), "revoked": set(), "retired": set(), "deceased": set(),
}
COUNTED = ("named", "suspended", "retired", "deceased")  # named craftsmen stay counted in their year


class Profile(SQLModel, table=True):
    """One profile per person: what the registry knows beyond contest set-up's Person."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    trade: str = Field(default="", max_length=60)  # 工种
    professional_title: str = Field(default="", max_length=60)  # 职称
    industry_id: int | None = Field(default=None, foreign_key="industry.id")
    unit_head: bool = False  # 单位负责人, for the composition check
    years_in_post: int | None = None
    pinyin: str = Field(default="", max_length=120, index=True)  # full pinyin and initials, for search
    created_at: datetime = Field(default_factory=utcnow)


class Honour(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    name: str = Field(max_length=60)  # 劳动模范, 五一劳动奖章, 技术能手, 荆楚工匠, 金牌工人 …
    level: str = Field(max_length=12)
    year: int


class Innovation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=12)
    title: str = Field(max_length=200)
    number: str = Field(default="", max_length=40)  # patent number
    year: int


class Batch(SQLModel, table=True):
    """A numbered naming batch, e.g. 2026年度第二批."""

    id: int | None = Field(default=None, primary_key=True)
    year: int
    seq: int
    name: str = Field(max_length=40, unique=True)
    notice_starts_on: date | None = None
    notice_ends_on: date | None = None
    named_at: datetime | None = None


class Candidate(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    tier: str = Field(max_length=12)
    road: str = Field(max_length=12)
    state: str = Field(default="candidate", max_length=14, index=True)
    entry_id: int | None = Field(default=None, foreign_key="entry.id")  # the contest result it came from
    honour_id: int | None = Field(default=None, foreign_key="honour.id")
    nominating_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    union_chain: str = Field(default="", max_length=200)  # the unions it came through
    documents: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [{name, pages, kind}]
    batch_id: int | None = Field(default=None, foreign_key="batch.id")
    review_total: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=400)  # why rejected, revoked …
    named_year: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class CandidateStep(SQLModel, table=True):
    """Every move of a candidate through the pipeline, with who and why."""

    __tablename__ = "candidate_step"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=80)
    from_state: str = Field(max_length=14)
    to_state: str = Field(max_length=14)
    note: str = Field(default="", max_length=400)


class ReviewMark(SQLModel, table=True):
    """An expert's mark on one competency of a candidate (the registry marking scheme)."""

    __tablename__ = "review_mark"
    __table_args__ = (UniqueConstraint("candidate_id", "reviewer", "criterion"),)

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    reviewer: str = Field(max_length=40)
    criterion: str = Field(max_length=40)
    value: str = Field(max_length=20)


class Objection(SQLModel, table=True):
    """An objection during a batch's notice: it needs a real name or a unit."""

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    by_name: str = Field(default="", max_length=40)
    by_unit: str = Field(default="", max_length=120)
    content: str = Field(max_length=2000)
    lodged_at: datetime = Field(default_factory=utcnow)
    resolution: str | None = Field(default=None, max_length=400)


class Target(SQLModel, table=True):
    """The five-year target (default: 1,000 craftsmen of all tiers over 2022–2026)."""

    id: int | None = Field(default=None, primary_key=True)
    count: int = 1000
    first_year: int = 2022
    last_year: int = 2026
    counted_tiers: list = Field(default_factory=lambda: ["city", "county", "enterprise", "nominee"],
                                sa_column=Column(JSON, nullable=False))
    min_years_in_post: int = 5  # eligibility rules
    max_skill_level: int = 3  # at least 三级/高级工 (levels run 5 → 1)
    review_scheme: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Mentorship(SQLModel, table=True):
    """名师带徒: a master and an apprentice under an agreement."""

    id: int | None = Field(default=None, primary_key=True)
    master_id: int = Field(foreign_key="person.id", index=True)
    apprentice_id: int = Field(foreign_key="person.id", index=True)
    starts_on: date
    ends_on: date
    goals: str = Field(default="", max_length=400)
    outcome: str = Field(default="", max_length=400)
    level_before: int | None = None
    level_after: int | None = None
