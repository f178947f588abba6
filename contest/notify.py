"""Channels and announcements: "track N changed", told to every worker's live boards.

An announcement is a PostgreSQL NOTIFY queued inside the caller's transaction: PostgreSQL
delivers it only when that transaction commits, so no board ever shows a change that was rolled
back, and every worker (each LISTENs through the channels plugin) hears it. The message says only
what changed; each worker rebuilds the board once for all its viewers. Imports no domain module."""
from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

_NOTIFY = text("select pg_notify(:channel, :message)")
_TRACKS_OF_EVENT = text("select id from track where event_id = :event order by id").bindparams(
    bindparam("event"))


def track_channel(track_id: int) -> str:
    return f"track_{track_id}"


def announcement(track_id: int) -> dict[str, str]:
    """The `channel` and `message` parameters of a pg_notify that tells the track's boards, for a
    statement that notifies along with its own work (the sheet submission's result store)."""
    return {"channel": track_channel(track_id), "message": f'{{"track": {track_id}}}'}


async def announce(session: AsyncSession, track_id: int) -> None:
    """Tell every worker's live boards that the track changed, when the caller's transaction commits."""
    await session.exec(_NOTIFY, params=announcement(track_id))


async def announce_event(session: AsyncSession, event_id: int) -> None:
    """Tell the boards of every track of the event (the event's status, notice or titles changed)."""
    for track_id in (await session.exec(_TRACKS_OF_EVENT, params={"event": event_id})).scalars():
        await announce(session, track_id)
