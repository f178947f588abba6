"""Competitions and what they are made of: tracks, rounds, stages, entries, judges, panels."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from contest.db import utcnow

EVENT_LEVELS = {"city": "市级", "county": "县级", "enterprise": "企业级"}
EVENT_STATUSES = {
    "draft": "筹备中",
    "registration": "报名中",
    "running": "比赛中",
    "review": "审核中",
    "published": "已公布",
    "closed": "已结束",
}
EVENT_KINDS = {"individual": "个人赛", "project": "项目赛（创新成果）"}
VISIBILITIES = {"hidden": "签字确认前不公开", "blind": "按加密号实时公开", "named": "按姓名实时公开"}
ENTRY_STATUSES = {"registered": "已报名", "checked_in": "已检录", "withdrawn": "已退赛", "absent": "缺考",
                  "disqualified": "取消资格"}
OUT_OF_CONTEST = ("withdrawn", "absent", "disqualified")  # statuses that take an entry out of scoring
ROUND_NAMES = ("初赛", "复赛", "决赛")
# The pledge a judge accepts before scoring when the organiser has not written the event's own.
DEFAULT_PLEDGE = """本人作为本次竞赛的裁判员，郑重承诺：
一、严格遵守竞赛规则和评分标准，公平、公正、独立地评分，不受任何单位和个人的影响；
二、与参赛选手或其所在单位存在亲属、师徒、同事、利益等关系的，主动申报并回避；
三、严守保密纪律，不泄露试题、加密号、评分及评审过程中的任何信息；
四、不接受参赛选手及相关单位的宴请、礼品和其他利益；
五、如有违反，愿接受取消裁判资格等处理。"""


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=120)
    year: int
    level: str = Field(default="city", max_length=16)
    kind: str = Field(default="individual", max_length=16)
    organisers: str = Field(default="", max_length=400)
    status: str = Field(default="draft", max_length=16)
    visibility: str = Field(default="hidden", max_length=16)
    notice_workdays: int = Field(default=5, ge=1, le=30)  # the shortest 公示 of its results, Mon–Fri
    judge_code: str = Field(max_length=12, unique=True)  # typed on the tablets with a PIN
    # the event's rules let a contestant read the judges' opinions and notes on their page once
    # the results are published (the judges unnamed)
    opinions_public: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})
    # the pledge (裁判员承诺书) each judge accepts on the tablet before scoring; blank: DEFAULT_PLEDGE
    pledge: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # the last day units and workers may register online (报名截止日); none: while the event takes entries
    registration_closes: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Track(SQLModel, table=True):
    """A trade (赛项/工种) within an event."""

    __table_args__ = (UniqueConstraint("event_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    slug: str = Field(max_length=60)
    name: str = Field(max_length=80)
    skill_level: int | None = Field(default=None, ge=1, le=5)
    capacity: int | None = Field(default=None, ge=1)


class Round(SQLModel, table=True):
    """初赛/复赛/决赛 of a track. Its marking scheme (the scoring engine's format) is the source
    of truth for its stages; Stage rows mirror the scheme's stages for panels and marks."""

    __table_args__ = (UniqueConstraint("track_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", index=True)
    seq: int = 1
    name: str = Field(default="决赛", max_length=20)
    advance_top_n: int | None = Field(default=None, ge=1)
    advance_top_percent: Decimal | None = Field(default=None, sa_column=Column(Numeric(5, 2)))
    scheme: dict = Field(sa_column=Column(JSON, nullable=False))


class SchemeVersion(SQLModel, table=True):
    """Every version a round's scheme has had, each ledgered with its digest: the round's `scheme`
    is the last one. After the first sheet a new version is a correction and carries its reason."""

    __tablename__ = "scheme_version"
    __table_args__ = (UniqueConstraint("round_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    version: int
    scheme: dict = Field(sa_column=Column(JSON, nullable=False))
    digest: str = Field(max_length=64)  # events.service.scheme_digest
    reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=80)


class Stage(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    seq: int
    key: str = Field(max_length=40)
    name: str = Field(max_length=60)
    weight: Decimal = Field(sa_column=Column(Numeric(8, 4), nullable=False))


class Entry(SQLModel, table=True):
    """A contestant in a track: a person, or for innovation contests a project with a team."""

    __table_args__ = (
        UniqueConstraint("track_id", "bib"),
        UniqueConstraint("track_id", "blind_code"),
        UniqueConstraint("track_id", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    project_title: str | None = Field(default=None, max_length=200)
    team_members: str | None = Field(default=None, max_length=400)
    bib: str = Field(max_length=20)
    blind_code: str | None = Field(default=None, max_length=20)
    running_order: int | None = None
    status: str = Field(default="registered", max_length=16)
    status_reason: str | None = Field(default=None, max_length=200)  # why it was last changed (also ledgered)


class TeamMember(SQLModel, table=True):
    """A member of a project entry's team: a person, checked and kept like a contestant (ID hashed and
    masked), with the unit they work at. The lead comes first (seq 1)."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("entry_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    seq: int
    is_lead: bool = False


class Draw(SQLModel, table=True):
    """A drawing of blind codes by lot. The codes follow from the seed, so anyone holding the
    seed can replay the draw and check it."""

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", index=True)
    seed: str = Field(max_length=64)
    drawn_at: datetime = Field(default_factory=utcnow)
    drawn_by: str = Field(max_length=60)
    entry_count: int
    late: bool = False  # a late draw: only entries without a code, numbered on after the others


class Judge(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    number: str = Field(max_length=8)  # J01, J02 … typed with the event code and the PIN
    name: str = Field(max_length=40)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    pin_hash: str | None = Field(default=None, max_length=200)
    login_token: str | None = Field(default=None, max_length=64, unique=True)  # the QR link
    # The platform's own marker (a theory test's automatic marking): it never signs in, has no PIN
    # and is on no access card.
    platform: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})


class EventScorer(SQLModel, table=True):
    """A scorer (录分员) account assigned to an event: it may type that event's paper sheets only."""

    __tablename__ = "event_scorer"

    event_id: int = Field(foreign_key="event.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True)


class Panel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    name: str = Field(max_length=60)


class PanelMember(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("panel_id", "judge_id"),)

    id: int | None = Field(default=None, primary_key=True)
    panel_id: int = Field(foreign_key="panel.id", index=True)
    judge_id: int = Field(foreign_key="judge.id", index=True)
    is_chief: bool = False


class ConflictOfInterest(SQLModel, table=True):
    """A declared conflict of interest: a judge with a unit or with a person. (Not to be confused
    with errors.Conflict, the refusal of a request that collides with the current state.)"""

    __tablename__ = "conflict"

    id: int | None = Field(default=None, primary_key=True)
    judge_id: int = Field(foreign_key="judge.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    reason: str = Field(default="", max_length=200)


class Recusal(SQLModel, table=True):
    """A judge stepping aside from an entry (回避), automatic or declared."""

    __table_args__ = (UniqueConstraint("judge_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    judge_id: int = Field(foreign_key="judge.id", index=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    reason: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)
