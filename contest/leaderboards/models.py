"""Publication (公示), appeals, titles, board freezes and certificates."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from contest.db import utcnow

APPEAL_OUTCOMES = {"pending": "待处理", "upheld": "申诉成立（重新评分）", "dismissed": "申诉不成立"}
RESULT_STATES = {"provisional": "暂定成绩", "signed_off": "裁判长已确认", "under_notice": "公示中", "final": "最终成绩"}


class Notice(SQLModel, table=True):
    """The public notice period of an event's results; once it ends without open appeals the
    organiser makes the results final."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", unique=True)
    starts_on: date
    ends_on: date
    published_at: datetime = Field(default_factory=utcnow)
    finalised_at: datetime | None = None
    contact: str = Field(default="", max_length=200)  # where appeals go (监督仲裁组)


class NoticeVersion(SQLModel, table=True):
    """One issue of the notice: version 1 when results are published, one more for each correction
    (更正) issued. Its rows are what every public page of the event shows from then on."""

    __tablename__ = "notice_version"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    version: int
    reason: str = Field(default="", max_length=500)
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by: str = Field(max_length=80)


class NoticeRow(SQLModel, table=True):
    """A track's row in a notice version, as published (and ledgered with the version)."""

    __tablename__ = "notice_row"

    id: int | None = Field(default=None, primary_key=True)
    notice_version_id: int = Field(foreign_key="notice_version.id", index=True)
    track_id: int = Field(foreign_key="track.id", index=True)
    position: int
    entry_id: int = Field(foreign_key="entry.id")
    rank: int | None = None
    code: str = Field(max_length=20)
    name: str | None = Field(default=None, max_length=200)
    unit: str | None = Field(default=None, max_length=200)
    area: str | None = Field(default=None, max_length=40)
    unit_id: int | None = None
    area_id: int | None = None
    stages: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total: str = Field(default="", max_length=60)
    award: str | None = Field(default=None, max_length=40)
    titles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    team: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    team_unit_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class Correction(SQLModel, table=True):
    """A correction (更正) of published results: opened with a reason (or by an upheld appeal), made
    through the lifecycle's correction actions, and closed by issuing a new notice version (the
    certificates it changes revoked or reissued) — or withdrawn if it changed nothing."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    reason: str = Field(max_length=500)
    opened_at: datetime = Field(default_factory=utcnow)
    opened_by: str = Field(max_length=80)
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=80)
    notice_version: int | None = None  # the version that issued it (None: withdrawn, nothing changed)


class Appeal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    appellant: str = Field(max_length=60)
    content: str = Field(max_length=2000)
    lodged_at: datetime = Field(default_factory=utcnow)
    deadline: date  # by when the arbitration group must decide
    outcome: str = Field(default="pending", max_length=12)
    decision: str | None = Field(default=None, max_length=2000)
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=60)


class TitleRule(SQLModel, table=True):
    """A title that follows a rank, e.g. places 1–3 → recommended for 咸宁市技术能手."""

    __tablename__ = "title_rule"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    up_to_rank: int = Field(ge=1)
    title: str = Field(max_length=80)
    craftsman_candidate: bool = False  # finishers within the rank become 香城工匠 candidates


class BoardFreeze(SQLModel, table=True):
    """The award ceremony: the board stops at a moment and is revealed rank by rank."""

    __tablename__ = "board_freeze"

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", unique=True)
    frozen_at: datetime = Field(default_factory=utcnow)
    rows: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # the board at that moment
    revealed: int = 0  # how many rows are revealed, from the bottom of the board up


class Certificate(SQLModel, table=True):
    """A printed award. Issuing again after the printed facts changed (a name corrected) makes a new
    certificate that supersedes the old one; an entry has one current certificate per round."""

    __table_args__ = (Index("certificate_current", "entry_id", "round_id", unique=True,
                            postgresql_where=text("superseded_by IS NULL AND team_member_id IS NULL")),
                      Index("certificate_member_current", "team_member_id", "round_id", unique=True,
                            postgresql_where=text("superseded_by IS NULL")))

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=24, unique=True)  # in the QR code and the verification URL
    entry_id: int = Field(foreign_key="entry.id", index=True)
    round_id: int = Field(foreign_key="round.id")
    holder: str = Field(max_length=200)  # name (or project title) as printed
    # A project team's certificates: one per member (the holder), printing the project's title
    team_member_id: int | None = Field(default=None, foreign_key="team_member.id")
    project: str | None = Field(default=None, max_length=200)
    award: str = Field(max_length=40)
    rank: int
    total: str = Field(max_length=20)
    titles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    digest: str = Field(max_length=64)  # SHA-256 of the scheme and the anonymised marks of the round
    issued_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    revoke_reason: str | None = Field(default=None, max_length=200)
    superseded_by: str | None = Field(default=None, max_length=24)  # the code of the certificate that replaced it
