"""The 香城工匠 registry: craftsman profiles, honours and innovations, candidates on their way
through the review pipeline, numbered naming batches, the target, and master–apprentice pairs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from contest.db import utcnow

TIERS = {"city": "香城工匠", "county": "县级工匠", "enterprise": "企业工匠", "nominee": "香城工匠提名"}
ROADS = {"contest": "竞赛成绩", "honour": "荣誉称号", "nomination": "单位推荐", "self": "个人自荐（经单位）"}
HONOUR_LEVELS = {"national": "全国", "provincial": "省级", "city": "市级", "county": "县级", "enterprise": "企业"}
PATENT_KINDS = {"invention": "发明专利", "utility": "实用新型", "design": "外观设计", "other": "其他成果"}
STATES = {
    "candidate": "候选人", "eligible": "资格审查通过", "ineligible": "资格审查未通过", "reviewed": "专家评审完成",
    "under_notice": "公示中", "named": "已命名", "rejected": "未获命名", "withdrawn": "已撤回", "suspended": "暂停",
    "revoked": "撤销", "retired": "退休", "deceased": "已故",
}
ACTIVE = ("candidate", "eligible", "ineligible", "reviewed", "under_notice")  # in the pipeline: one per person
COUNTED = ("named", "suspended", "retired", "deceased")  # named craftsmen stay counted in their year
NEW = "new"  # the state before a person is a candidate


@dataclass(frozen=True)
class Transition:
    """One thing the office does to a candidate: from which states, to which ones (none: the state
    stays, e.g. an expert's marks), and whether it needs a reason."""

    label: str  # what the office does, as it reads after 不能: 进行资格审查
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    reason: bool = False


# The one table every registry state check asks (service.require); naming and notices add their
# batch's dates and objections on top of it.
TRANSITIONS = {
    "nominate": Transition("登记为候选人", (NEW,), ("candidate",)),
    "import": Transition("按历史名单登记为已命名", (NEW,), ("named",)),
    "check_eligibility": Transition("进行资格审查", ("candidate",), ("eligible", "ineligible")),
    "recheck": Transition("复核资格审查", ("ineligible",), ("candidate",), reason=True),
    "review": Transition("录入专家评分", ("eligible",), ()),
    "finish_review": Transition("完成专家评审", ("eligible",), ("reviewed",)),
    "open_notice": Transition("列入批次公示", ("reviewed",), ("under_notice",)),
    "object": Transition("受理异议", ("under_notice",), ()),
    "name": Transition("命名", ("under_notice",), ("named",)),
    "reject": Transition("决定不予命名", ("reviewed", "under_notice"), ("rejected",), reason=True),
    "withdraw": Transition("撤回推荐", ACTIVE, ("withdrawn",), reason=True),
    "suspend": Transition("暂停称号", ("named",), ("suspended",), reason=True),
    "reinstate": Transition("恢复称号", ("suspended",), ("named",), reason=True),
    "revoke": Transition("撤销称号", ("named", "suspended"), ("revoked",), reason=True),
    "retire": Transition("登记退休", ("named", "suspended"), ("retired",)),
    "decease": Transition("登记去世", ("named", "suspended", "retired"), ("deceased",)),
}
# What the office can do instead, by the state a refused action found the candidate in.
NEXT_STEP = {
    NEW: "请先登记为候选人",
    "candidate": "请先补全档案并进行资格审查",
    "eligible": "请组织专家评分后完成专家评审",
    "ineligible": "如认为审查有误，请填写理由进行复核",
    "reviewed": "请将其列入命名批次公示，或决定不予命名",
    "under_notice": "请待公示期满、异议处理完毕后按批次命名",
    "named": "已命名的工匠只能暂停、撤销称号或登记退休、去世",
    "suspended": "请先恢复称号，或撤销称号",
    "rejected": "如需再次推荐，请重新登记为候选人",
    "withdrawn": "如需再次推荐，请重新登记为候选人",
    "revoked": "称号已撤销，记录不再变更",
    "retired": "已登记退休，只能再登记去世",
    "deceased": "已登记去世，记录不再变更",
}


def refusal(name: str, state: str, action: str) -> str | None:
    """Why this candidate, in this state, cannot have this done to them; None if they can."""
    if state in TRANSITIONS[action].sources:
        return None
    return f"{name}目前为“{STATES.get(state, '未登记')}”，不能{TRANSITIONS[action].label}。{NEXT_STEP[state]}。"


def actions_from(state: str) -> list[str]:
    return [action for action, rule in TRANSITIONS.items() if state in rule.sources]


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
    # A named craftsman always has a batch and a year: the tracker counts every one of them.
    __table_args__ = (CheckConstraint(
        f"state not in {COUNTED} or (batch_id is not null and named_year is not null)",
        name="candidate_named_in_a_batch"),)

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


class ReviewOpinion(SQLModel, table=True):
    """An expert's written opinion (评审意见) on a candidate, submitted with their marks: the review
    scheme requires one (issue 23), so that a decision can be defended by its reasons."""

    __tablename__ = "review_opinion"
    __table_args__ = (UniqueConstraint("candidate_id", "reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    reviewer: str = Field(max_length=40)
    opinion: str = Field(sa_column=Column(Text, nullable=False))


class Objection(SQLModel, table=True):
    """An objection during a batch's notice, from the public page or typed in by the office: it
    needs a real name and a mobile number, kept only masked and as a keyed hash (to recognise the
    same person again). The objector follows it up by its receipt code."""

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    receipt: str | None = Field(default=None, max_length=12, unique=True)  # 受理编号
    channel: str = Field(default="office", max_length=8)  # public: the notice page; office: by letter or call
    by_name: str = Field(default="", max_length=40)
    by_unit: str = Field(default="", max_length=120)
    contact_masked: str | None = Field(default=None, max_length=16)
    contact_hash: str | None = Field(default=None, max_length=64, index=True)
    content: str = Field(max_length=2000)
    lodged_at: datetime = Field(default_factory=utcnow)
    outcome: str | None = Field(default=None, max_length=10)  # an OUTCOMES key, once resolved
    resolution: str | None = Field(default=None, max_length=400)
    resolved_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=80)


OUTCOMES = {"dismissed": "异议不成立", "upheld": "异议成立，不予命名"}
CHANNELS = {"public": "公示页", "office": "来信来电"}


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
