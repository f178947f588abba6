"""Workers' innovation results (五小, 合理化建议, 先进操作法, 创新成果): who submitted them, their
attachments (kept under the data folder by SHA-256), the experts assigned, their marks and
opinions, the engine's result and the award."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

KINDS = {"invention": "小发明", "creation": "小创造", "improvement": "小革新", "design": "小设计",
         "proposal": "小建议", "rationalisation": "合理化建议", "method": "先进操作法", "achievement": "创新成果"}
SUBMITTERS = {"worker": "职工个人", "team": "职工团队", "studio": "创新工作室"}
AWARDS = {"first": "一等奖", "second": "二等奖", "third": "三等奖", "excellent": "优秀"}
STATES = {"submitted": "待评审", "reviewed": "评审完成", "awarded": "已获奖"}


class InnovationResult(SQLModel, table=True):
    __tablename__ = "innovation_result"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    year: int = Field(index=True)
    description: str = Field(default="", max_length=4000)
    submitter: str = Field(max_length=10)  # worker, team or studio
    studio_id: int | None = Field(default=None, foreign_key="studio.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)  # the unit it was submitted for
    owner_account_id: int | None = Field(default=None, foreign_key="account.id")  # who entered it (may download)
    state: str = Field(default="submitted", max_length=12)
    review_total: str | None = Field(default=None, max_length=20)
    award: str | None = Field(default=None, max_length=12)
    submitted_at: datetime


class InnovationAuthor(SQLModel, table=True):
    """A person the result is credited to; position 0 is the lead (负责人) of a team."""

    __tablename__ = "innovation_author"
    __table_args__ = (UniqueConstraint("result_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="innovation_result.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    position: int = 0


class InnovationFile(SQLModel, table=True):
    """An attachment: its bytes live at <data dir>/attachments/<sha256>, checked on every download."""

    __tablename__ = "innovation_file"

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="innovation_result.id", index=True)
    name: str = Field(max_length=120)
    media_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    public: bool = False  # an image the organiser shows in the gallery


class InnovationExpert(SQLModel, table=True):
    """An expert (a registry_reviewer account) assigned to review a result, with the unit and
    studio they belong to, which decide their recusal."""

    __tablename__ = "innovation_expert"
    __table_args__ = (UniqueConstraint("result_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="innovation_result.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    studio_id: int | None = Field(default=None, foreign_key="studio.id")


class InnovationMark(SQLModel, table=True):
    __tablename__ = "innovation_mark"
    __table_args__ = (UniqueConstraint("result_id", "account_id", "criterion"),)

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="innovation_result.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    criterion: str = Field(max_length=40)
    value: str = Field(max_length=20)


class InnovationOpinion(SQLModel, table=True):
    __tablename__ = "innovation_opinion"
    __table_args__ = (UniqueConstraint("result_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="innovation_result.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    opinion: str = Field(sa_column=Column(Text, nullable=False))
