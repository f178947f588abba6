"""The append-only audit ledger: every entry carries the SHA-256 of the one before it, so an
entry changed, removed or inserted outside the platform breaks the chain at that point.

One chain for the whole platform; appends are serialised by a transaction-scoped advisory lock
taken as late as possible, just before the insert, so it is held only until the commit."""
from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.db import utcnow

GENESIS = "0" * 64
_LOCK = 7_180_001  # advisory lock key of the chain's tail


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


def entry_digest(prev_hash: str, at: datetime, event_id: int | None, actor: str, device: str, action: str,
                 subject: str, payload: dict) -> str:
    body = json.dumps([prev_hash, at.isoformat(), event_id, actor, device, action, subject, payload],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


async def append(session: AsyncSession, *, event_id: int | None, actor: str, device: str, action: str,
                 subject: str, payload: dict[str, Any]) -> LedgerEntry:
    """Append one entry in the caller's transaction (the lock is released at its commit)."""
    # Two statements, not one: the head must be read with a snapshot taken after the lock is granted.
    await session.exec(text(f"select pg_advisory_xact_lock({_LOCK})"))
    last = (await session.exec(select(LedgerEntry.hash).order_by(LedgerEntry.id.desc()).limit(1))).first()
    prev = last or GENESIS
    at = utcnow()
    entry = LedgerEntry(at=at, event_id=event_id, actor=actor, device=device[:120], action=action,
                        subject=subject, payload=payload, prev_hash=prev,
                        hash=entry_digest(prev, at, event_id, actor, device[:120], action, subject, payload))
    session.add(entry)
    await session.flush()
    return entry


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
    prev, count = GENESIS, 0
    async for entry in walk(session):
        count += 1
        if entry.prev_hash != prev:
            return count, Break(entry.id, "does not follow the entry before it (an entry was removed or inserted)")
        expected = entry_digest(entry.prev_hash, entry.at, entry.event_id, entry.actor, entry.device,
                                entry.action, entry.subject, entry.payload)
        if expected != entry.hash:
            return count, Break(entry.id, "its content does not match its hash (it was altered)")
        prev = entry.hash
    return count, None
