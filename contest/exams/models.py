"""Theory tests and online practice: question banks, papers drawn by rule, the contestants'
sittings and answers, double marking of fill-in answers, and the workers' practice and quizzes."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, Numeric, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from contest.db import utcnow

KINDS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
DIFFICULTIES = {"easy": "易", "medium": "中", "hard": "难"}
TRUE, FALSE = "对", "错"
EXAM_STATES = {"draft": "筹备中", "drawn": "已组卷", "open": "考试中", "closed": "已收卷", "confirmed": "成绩已确认"}
PAPER_MODES = {"each": "每人一卷（按规则分别抽题）", "common": "同卷（题目相同）"}
SITTING_STATES = {"ready": "未登录", "answering": "答题中", "marking": "待人工阅卷", "marked": "已阅卷",
                  "absent": "缺考"}
SET_KINDS = {"practice": "练习", "quiz": "答题活动"}


def points_column() -> Column:
    return Column(Numeric(8, 2), nullable=False)


class Bank(SQLModel, table=True):
    """A question bank (题库) of one trade, e.g. 中式烹调师."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    description: str = Field(default="", max_length=400)
    created_at: datetime = Field(default_factory=utcnow)


class Question(SQLModel, table=True):
    """One version of a question. An edit writes the next version and retires this one from the
    bank (`current` false); drawn papers and answers keep pointing at the version they used."""

    __table_args__ = (
        UniqueConstraint("bank_id", "code", "version"),
        Index("question_current_code", "bank_id", "code", unique=True, postgresql_where=text("current")),
    )

    id: int | None = Field(default=None, primary_key=True)
    bank_id: int = Field(foreign_key="bank.id", index=True)
    code: str = Field(max_length=12)  # 题号 in its bank, the same for every version
    version: int = 1
    current: bool = True
    retired: bool = False  # taken out of use: no new paper or practice draws it
    kind: str = Field(max_length=12)
    stem: str = Field(sa_column=Column(Text, nullable=False))
    options: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # choice texts, A first
    answer: list = Field(sa_column=Column(JSON, nullable=False))  # letters; 对/错; accepted fill-in answers
    manual: bool = False  # fill-in: an answer that is not listed goes to two markers
    points: Decimal = Field(sa_column=points_column())
    difficulty: str = Field(max_length=8)
    knowledge: str = Field(default="", max_length=60)  # 知识点
    source: str = Field(default="", max_length=120)  # 出处
    explanation: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # 解析
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class Exam(SQLModel, table=True):
    """A timed theory test of a track: its mark is the stage's measurement criterion, written by
    the event's platform marker through the judges' results path."""

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", unique=True)
    criterion: str = Field(max_length=40)
    bank_id: int = Field(foreign_key="bank.id")
    name: str = Field(max_length=80)
    minutes: int  # the test's length
    mode: str = Field(default="each", max_length=8)
    blueprint: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="draft", max_length=12)
    access_code: str = Field(max_length=8, index=True)  # read out by the invigilator
    seed: str | None = Field(default=None, max_length=64)
    opened_at: datetime | None = None
    ends_at: datetime | None = None
    created_by: str = Field(default="", max_length=80)


class Sitting(SQLModel, table=True):
    """A contestant's paper in a test and what became of it."""

    __table_args__ = (UniqueConstraint("exam_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    exam_id: int = Field(foreign_key="exam.id", index=True)
    entry_id: int = Field(foreign_key="entry.id")
    state: str = Field(default="ready", max_length=12)
    device: str | None = Field(default=None, max_length=64)  # the one device answering
    device_label: str = Field(default="", max_length=120)
    signed_in_at: datetime | None = None
    last_seen_at: datetime | None = None
    extra_minutes: int = 0
    handed_in_at: datetime | None = None
    handed_in_by: str = Field(default="", max_length=20)  # contestant, time, invigilator
    score: str | None = Field(default=None, max_length=20)  # exact decimal text, once marked


class PaperItem(SQLModel, table=True):
    """A question at its place on a contestant's paper, with its points and the order its options
    are shown in (indexes into the question's options)."""

    __tablename__ = "paper_item"
    __table_args__ = (UniqueConstraint("sitting_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    sitting_id: int = Field(foreign_key="sitting.id", index=True)
    position: int
    question_id: int = Field(foreign_key="question.id", index=True)
    points: Decimal = Field(sa_column=points_column())
    option_order: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Answer(SQLModel, table=True):
    """The answer to one place on a paper as last given. `seq` orders the device's saves: a save
    with a lower number than the one kept (a late retry) changes nothing."""

    sitting_id: int = Field(foreign_key="sitting.id", primary_key=True)
    position: int = Field(primary_key=True)
    response: str = Field(max_length=200)  # letters of the question's own options, 对/错, or the text
    seq: int
    key: str = Field(max_length=64)
    saved_at: datetime = Field(default_factory=utcnow)
    points: Decimal | None = Field(default=None, sa_column=Column(Numeric(8, 2)))  # once marked
    marked_by: str = Field(default="", max_length=80)  # platform, or the two markers


class FillMark(SQLModel, table=True):
    """One marker's mark of a fill-in answer the platform could not mark; two different markers
    must agree, as two scorers must over a paper sheet."""

    __tablename__ = "fill_mark"
    __table_args__ = (UniqueConstraint("sitting_id", "position", "pass_no"),)

    id: int | None = Field(default=None, primary_key=True)
    sitting_id: int = Field(foreign_key="sitting.id", index=True)
    position: int
    pass_no: int = Field(ge=1, le=2)
    marker: str = Field(max_length=60)
    points: Decimal = Field(sa_column=points_column())
    at: datetime = Field(default_factory=utcnow)


# --- 网上练兵: practice sets, quiz campaigns, light accounts -------------------------------------------


class Learner(SQLModel, table=True):
    """A worker's light account for practice and quizzes: no password; the phone is kept only as a
    keyed hash (to know the worker again) and a masked form."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=30)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    phone_hash: str = Field(max_length=64, unique=True)
    phone_masked: str = Field(max_length=16)
    token: str = Field(max_length=64, unique=True)  # kept in the phone's cookie
    created_at: datetime = Field(default_factory=utcnow)


class PracticeSet(SQLModel, table=True):
    """A practice set (练习) anyone may open, or a timed quiz campaign (答题活动) run by the union."""

    __tablename__ = "practice_set"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="practice", max_length=12)
    bank_id: int = Field(foreign_key="bank.id")
    title: str = Field(max_length=80)
    description: str = Field(default="", max_length=400)
    codes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # question codes, in order
    published: bool = False
    # quiz campaigns only
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minutes: int | None = None  # time for one attempt
    per_attempt: int | None = None  # questions drawn for one attempt
    max_attempts: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Attempt(SQLModel, table=True):
    """One go at a practice set or a quiz (one 人次 once it has an answer). The worker's unit and
    county are kept as they were, so a later move does not rewrite past participation."""

    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="practice_set.id", index=True)
    learner_id: int | None = Field(default=None, foreign_key="learner.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    token: str = Field(max_length=64, unique=True)  # an anonymous attempt is continued by this
    question_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    deadline: datetime | None = None
    finished_at: datetime | None = None
    answered: int = 0
    correct: int = 0
    score: Decimal = Field(default=Decimal(0), sa_column=points_column())


class AttemptAnswer(SQLModel, table=True):
    __tablename__ = "attempt_answer"

    attempt_id: int = Field(foreign_key="attempt.id", primary_key=True)
    question_id: int = Field(foreign_key="question.id", primary_key=True)
    response: str = Field(max_length=200)
    correct: bool
    points: Decimal = Field(sa_column=points_column())
    at: datetime = Field(default_factory=utcnow)
