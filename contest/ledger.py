"""The append-only audit ledger: every entry carries the SHA-256 of the one before it, so an
entry changed, removed or inserted outside the platform breaks the chain at that point.

One chain for the whole platform. Its last hash sits in a one-row table, `ledger_head`: an append
locks that row, chains the new entry to it and moves it on, in one statement, so the lock that
serialises appends is held only from that statement to the commit. The head also gives away an
entry deleted from the end of the chain, which a walk alone cannot see."""
from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.db import utcnow

GENESIS = "0" * 64


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    event_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=80)  # e.g. "judge:12 J03 王建华" or "account:1 admin"
    device: str = Field(default="", max_length=120)
    action: str = Field(max_length=40)  # e.g. sheet.submit, sheet.reopen, stage.signoff
    subject: str = Field(max_length=80, index=True)  # e.g. sheet:123
    payload: dict = Field(sa_column=Column(JSONB, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class LedgerHead(SQLModel, table=True):
    """The hash of the chain's last entry (one row, id 1)."""

    __tablename__ = "ledger_head"
    __table_args__ = (CheckConstraint("id = 1", name="ledger_head_one_row"),)

    id: int = Field(default=1, primary_key=True)
    hash: str = Field(max_length=64)


def _body(at: datetime, event_id: int | None, actor: str, device: str, action: str, subject: str,
          payload: dict) -> str:
    """What an entry's hash covers besides the previous hash, as canonical JSON."""
    return json.dumps([at.isoformat(), event_id, actor, device, action, subject, payload],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_digest(prev_hash: str, at: datetime, event_id: int | None, actor: str, device: str, action: str,
                 subject: str, payload: dict) -> str:
    """SHA-256 of the JSON array [prev_hash, at, event_id, actor, device, action, subject, payload]."""
    body = _body(at, event_id, actor, device, action, subject, payload)
    return hashlib.sha256(f'["{prev_hash}",{body[1:]}'.encode()).hexdigest()


# The same digest as entry_digest, taken in the database from the head it has just locked (the
# head is hex, so splicing it into the JSON text needs no escaping); the tests check they agree.
_APPEND = text("""
    with head as (select hash from ledger_head where id = 1 for update),
    entry as (
        insert into ledger_entry (at, event_id, actor, device, action, subject, payload, prev_hash, hash)
        select :at, :event_id, :actor, :device, :action, :subject, :payload, head.hash,
               encode(sha256(convert_to('["' || head.hash || '",' || :rest, 'UTF8')), 'hex')
        from head
        returning id, hash)
    update ledger_head set hash = entry.hash from entry where ledger_head.id = 1
    returning entry.id""").bindparams(bindparam("at", type_=DateTime(timezone=True)),
                                      bindparam("payload", type_=JSONB))


async def append(session: AsyncSession, *, event_id: int | None, actor: str, device: str, action: str,
                 subject: str, payload: dict[str, Any]) -> int:
    """Append one entry in the caller's transaction (the head stays locked until its commit);
    returns the entry's id."""
    at, device = utcnow(), device[:120]
    body = _body(at, event_id, actor, device, action, subject, payload)
    params = {"at": at, "event_id": event_id, "actor": actor, "device": device, "action": action,
              "subject": subject, "payload": payload, "rest": body[1:]}
    connection = await session.connection()
    entry_id = (await connection.execute(_APPEND, params)).scalar()
    if entry_id is None:
        raise LedgerDamaged("the ledger's head (table ledger_head, row 1) is missing: nothing can be ledgered;"
                            " run `contest audit verify`")
    return entry_id


async def record(session: AsyncSession, event_id: int | None, actor: str, action: str, subject: str,
                 payload: dict[str, Any]) -> int:
    """An organiser's or an official's change, ledgered in the caller's transaction (no device)."""
    return await append(session, event_id=event_id, actor=actor, device="", action=action, subject=subject,
                        payload=payload)


class LedgerDamaged(RuntimeError):
    """The ledger cannot take entries: its head record was removed outside the platform."""


@dataclass(frozen=True)
class Break:
    entry_id: int
    problem: str


async def walk(session: AsyncSession, batch: int = 5000) -> AsyncIterator[LedgerEntry]:
    last_id = 0
    while True:
        rows = (await session.exec(select(LedgerEntry).where(LedgerEntry.id > last_id)
                                   .order_by(LedgerEntry.id).limit(batch))).all()
        if not rows:
            return
        for row in rows:
            yield row
        last_id = rows[-1].id


async def verify_chain(session: AsyncSession) -> tuple[int, Break | None]:
    """Re-walk the chain; return how many entries were checked and the first break, if any."""
    prev, count, last_id = GENESIS, 0, 0
    async for entry in walk(session):
        last_id = entry.id
        count += 1
        if entry.prev_hash != prev:
            return count, Break(entry.id, "does not follow the entry before it (an entry was removed or inserted)")
        expected = entry_digest(entry.prev_hash, entry.at, entry.event_id, entry.actor, entry.device,
                                entry.action, entry.subject, entry.payload)
        if expected != entry.hash:
            return count, Break(entry.id, "its content does not match its hash (it was altered)")
        prev = entry.hash
    head = (await session.exec(select(LedgerHead.hash).where(LedgerHead.id == 1))).first()
    if head != prev:
        return count, Break(last_id, "is not the chain's recorded head (entries were removed from its end)"
                            if head else "ends a chain whose head record is missing")
    return count, None
