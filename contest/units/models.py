"""Grass-roots unions online: the accounts of units and county unions, their invitations, a unit's
profile and (private) contacts, and the registrations of workers for the city's contests."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from contest.db import utcnow

REGISTRATION_STATES = {"pending": "待审核", "approved": "已通过", "returned": "已退回"}


class UnitInvitation(SQLModel, table=True):
    """An organiser's invitation of a unit (or a county union, for the units of its county) to an
    account: a link carrying a one-time code; only the code's SHA-256 is kept."""

    __tablename__ = "unit_invitation"
    __table_args__ = (CheckConstraint("(unit_id is null) <> (area_id is null)", name="unit_invitation_one_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    account_id: int | None = Field(default=None, foreign_key="account.id")


class UnitAccount(SQLModel, table=True):
    """What a unit or county account may see and edit: one unit, or every unit of one county."""

    __tablename__ = "unit_account"
    __table_args__ = (CheckConstraint("(unit_id is null) <> (area_id is null)", name="unit_account_one_scope"),)

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)


class UnitProfile(SQLModel, table=True):
    """What a unit keeps about itself beyond the directory's row. The contacts are private: shown
    to the unit, its county and the office, never on a public page."""

    __tablename__ = "unit_profile"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    members: int | None = Field(default=None, ge=0)  # union members
    workers: int | None = Field(default=None, ge=0)
    contact_name: str = Field(default="", max_length=40)
    contact_phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


class Registration(SQLModel, table=True):
    """A worker entered for a track online — by their unit, or by themselves with their platform or
    employer named — waiting for the office. Holds what the import's validator made of the row: no
    raw ID number or phone. Approved, it becomes an entry through the events service."""

    __table_args__ = (UniqueConstraint("track_id", "id_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(foreign_key="track.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)  # None: on their own
    employer: str = Field(max_length=100)  # the unit's name, or the platform or employer named
    name: str = Field(max_length=40)
    gender: str = Field(max_length=2)
    birth_date: date
    id_hash: str = Field(max_length=64)
    id_masked: str = Field(max_length=18)
    phone_masked: str | None = Field(default=None, max_length=16)
    area: str = Field(max_length=40)
    skill_level: int | None = Field(default=None, ge=1, le=5)
    front_line: bool = True
    migrant_worker: bool = False
    new_employment_form: bool = False
    state: str = Field(default="pending", max_length=10)
    reason: str = Field(default="", max_length=200)  # why it was returned
    source: str = Field(default="", max_length=64)  # an individual's address, for the rate limit
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: str = Field(default="", max_length=80)
    decided_at: datetime | None = None
    entry_id: int | None = Field(default=None, foreign_key="entry.id")


FILING_STATES = {"filed": "待受理", "accepted": "已受理", "returned": "已退回"}


class Filing(SQLModel, table=True):
    """A unit's own labour competition (劳动竞赛备案): filed by the unit, its results filed later, accepted
    (or returned) by its county union or the city's. Accepted, it counts in the yearly figures:
    its person-times are the listed participants when the results list them (each person once),
    else the figure the unit gave."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int = Field(index=True)  # the year it started in: the report's year
    theme: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    teams: str = Field(default="", max_length=400)  # the workshops and teams involved
    person_times: int = Field(ge=0)  # as filed, then as the results say
    awards: str = Field(default="", max_length=1000)
    results_filed: bool = False
    state: str = Field(default="filed", max_length=10)
    reason: str = Field(default="", max_length=200)
    filed_by: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: str = Field(default="", max_length=80)
    decided_at: datetime | None = None


class FilingParticipant(SQLModel, table=True):
    """A worker listed in a filing's results, checked by the contestant import's validator: no raw
    ID number, and each person once per competition."""

    __tablename__ = "filing_participant"
    __table_args__ = (UniqueConstraint("filing_id", "id_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    filing_id: int = Field(foreign_key="filing.id", index=True)
    id_hash: str = Field(max_length=64)
    gender: str = Field(max_length=2)
    front_line: bool = True
    migrant_worker: bool = False
    new_employment_form: bool = False
