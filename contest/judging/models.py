"""Score sheets and marks, the requests that wrote them, sign-offs, re-checks, paper entry and
the stored results (derived data: always rebuilt from marks and schemes through the engine)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from contest.db import utcnow

SHEET_STATES = {"draft": "草稿", "submitted": "已提交", "reopened": "已退回修改"}


class Sheet(SQLModel, table=True):
    """One judge's score sheet for one entry in one stage."""

    __table_args__ = (UniqueConstraint("stage_id", "entry_id", "judge_id"),)

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    judge_id: int = Field(foreign_key="judge.id", index=True)
    state: str = Field(default="draft", max_length=12)
    version: int = 0  # optimistic concurrency: a write must name the version it was based on
    draft: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    reopen_reason: str | None = Field(default=None, max_length=200)
    # The judge's words, submitted and ledgered with the marks: a written opinion (评审意见) on the
    # sheet and a note per criterion (criterion key -> text). They never enter the computation.
    opinion: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    notes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    # The contestant's confirmation of the values measured at the station (criteria with `confirm`),
    # submitted and ledgered with the marks: {"values": {…}, "agreed": bool, "reason": …}; {} if none
    confirmation: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    # The words of a draft (or of a sheet sent back): {"opinion": …, "notes": {…}}, like `draft`
    draft_words: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))


MAX_OPINION = 2000  # characters of a sheet's opinion
MAX_NOTE = 300  # characters of one criterion's note
MAX_DISAGREEMENT = 200  # characters of a contestant's reason for disagreeing with a measured value


class JudgePledge(SQLModel, table=True):
    """A judge's pledge (裁判员承诺书) for the event, accepted on the tablet before any scoring,
    with the relations declared with it (each also a conflict of interest, which recuses)."""

    __tablename__ = "judge_pledge"

    id: int | None = Field(default=None, primary_key=True)
    judge_id: int = Field(foreign_key="judge.id", unique=True)
    pledge: str = Field(sa_column=Column(Text, nullable=False))  # the text as the judge accepted it
    declared: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # ["单位 …", "选手 …"]
    accepted_at: datetime = Field(default_factory=utcnow)
    device: str = Field(default="", max_length=120)


class Mark(SQLModel, table=True):
    """A submitted mark. Written only together with a ledger entry that records it."""

    __table_args__ = (UniqueConstraint("sheet_id", "criterion"),)

    id: int | None = Field(default=None, primary_key=True)
    sheet_id: int = Field(foreign_key="sheet.id", index=True)
    criterion: str = Field(max_length=40)
    value: Decimal = Field(sa_column=Column(Numeric(12, 4), nullable=False))


class SheetRequest(SQLModel, table=True):
    """The outcome of each write request by its idempotency key: a retry gets the same answer."""

    __tablename__ = "sheet_request"

    key: str = Field(primary_key=True, max_length=64)
    judge_id: int = Field(foreign_key="judge.id")
    sheet_id: int = Field(foreign_key="sheet.id")
    outcome: dict = Field(sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class StageSignoff(SQLModel, table=True):
    """The chief judge's signature: the stage is locked and its results official."""

    __tablename__ = "stage_signoff"

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", unique=True)
    judge_id: int = Field(foreign_key="judge.id")
    at: datetime = Field(default_factory=utcnow)


class RecheckDraw(SQLModel, table=True):
    """复核: the top ten in full plus a random sample of at least 15% of the rest."""

    __tablename__ = "recheck_draw"

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    seed: str = Field(max_length=64)
    drawn_by: str = Field(max_length=60)
    at: datetime = Field(default_factory=utcnow)
    entries: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [[bib, why], …]


RECHECK_OUTCOMES = {"confirmed": "核对无误", "corrected": "已更正"}


class RecheckOutcome(SQLModel, table=True):
    """The chief judge's finding on one entry of a re-check draw: confirmed, or corrected (with a
    note of what was put right). Sign-off waits until every entry of the last draw has one."""

    __tablename__ = "recheck_outcome"
    __table_args__ = (UniqueConstraint("recheck_draw_id", "bib"),)

    id: int | None = Field(default=None, primary_key=True)
    recheck_draw_id: int = Field(foreign_key="recheck_draw.id", index=True)
    bib: str = Field(max_length=20)
    outcome: str = Field(max_length=12)
    note: str = Field(default="", max_length=200)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = Field(default_factory=utcnow)


class PaperEntry(SQLModel, table=True):
    """Marks typed from a signed paper sheet by a scorer (录分员); two independent passes must agree."""

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("stage_id", "entry_id", "judge_id", "pass_no"),)

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    entry_id: int = Field(foreign_key="entry.id")
    judge_id: int = Field(foreign_key="judge.id")
    pass_no: int = Field(ge=1, le=2)
    scorer: str = Field(max_length=60)  # as the ledger names the scorer
    scorer_id: int | None = Field(default=None, foreign_key="account.id")  # the account that typed the pass
    marks: dict = Field(sa_column=Column(JSON, nullable=False))
    # the judge's written opinion as the paper sheet has it (评审意见): typed in both passes too
    opinion: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    at: datetime = Field(default_factory=utcnow)


class Result(SQLModel, table=True):
    """An entry's figures in a round, recomputed through the engine whenever its marks change."""

    __table_args__ = (UniqueConstraint("round_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    entry_id: int = Field(foreign_key="entry.id", index=True)
    status: str = Field(max_length=16)
    # Figures are kept as the engine's exact decimal text: a NUMERIC column would pad or round
    # them, and ranks recomputed from stored figures must equal the engine's to the last digit.
    total: str | None = Field(default=None, max_length=60)
    stage_totals: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    criteria: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow)
