"""Model-worker and craftsman innovation studios, their members, yearly reports, assessments
and alliances."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

STUDIO_TYPES = {"model_worker": "劳模创新工作室", "worker": "职工创新工作室", "craftsman": "工匠工作室",
                "model_craftsman": "劳模和工匠人才创新工作室"}
STUDIO_LEVELS = {"national": "全国", "provincial": "省级", "city": "市级", "county": "县级", "enterprise": "企业级"}
ASSESSMENTS = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
ALLIANCE_KINDS = {"region": "区域联盟", "industry": "行业联盟", "chain": "产业链联盟"}


class Studio(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=20)
    level: str = Field(max_length=12)
    lead_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # 领衔人
    host_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    field: str = Field(default="", max_length=80)
    founded_on: date | None = None


class StudioMember(SQLModel, table=True):
    __tablename__ = "studio_member"
    __table_args__ = (UniqueConstraint("studio_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    studio_id: int = Field(foreign_key="studio.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(default="成员", max_length=20)


class StudioReport(SQLModel, table=True):
    """A studio's yearly report."""

    __tablename__ = "studio_report"
    __table_args__ = (UniqueConstraint("studio_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    studio_id: int = Field(foreign_key="studio.id", index=True)
    year: int
    patents: int = 0
    projects: int = 0
    problems_solved: int = 0
    results_applied: int = 0
    benefit_yuan: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(16, 2), nullable=False))
    people_trained: int = 0
    skill_rises: int = 0
    assessment: str | None = Field(default=None, max_length=12)


class Alliance(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=12)
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    chair_studio_id: int | None = Field(default=None, foreign_key="studio.id")  # the rotating chair now


class AllianceMember(SQLModel, table=True):
    __tablename__ = "alliance_member"
    __table_args__ = (UniqueConstraint("alliance_id", "studio_id"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    studio_id: int = Field(foreign_key="studio.id", index=True)
