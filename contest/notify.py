"""Channels and announcements: "track N changed", told to every worker's live boards.

An announcement is a PostgreSQL NOTIFY queued inside the caller's transaction: PostgreSQL
delivers it only when that transaction commits, so no board ever shows a change that was rolled
back, and every worker (each LISTENs on a connection of its own, see Listener) hears it. The
message says only what changed; each worker rebuilds the board once for all its viewers. Imports
no domain module."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy import BigInteger, Column, Text, bindparam, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, SQLModel
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


# --- listening -----------------------------------------------------------------------------------------

log = logging.getLogger(__name__)
BACKOFF = (0.5, 5.0)  # seconds before the first reconnection attempt, and at most between attempts
PROBE = 10.0  # seconds between checks that a quiet connection still reaches the database


class Listener:
    """The worker's one LISTEN connection, for every channel someone follows.

    When the connection is lost (PostgreSQL restarted, the network dropped) it connects again with
    a growing pause, LISTENs to every followed channel again and then calls every callback once:
    what was notified meanwhile is lost, so followers check for themselves. `up` says whether it
    is connected; `on_state` callbacks hear when that changes."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._followers: dict[str, set[Callable[[], None]]] = {}
        self._state_followers: set[Callable[[bool], None]] = set()
        self._connection: asyncpg.Connection | None = None
        self._task: asyncio.Task | None = None
        self.up = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def follow(self, channel: str, callback: Callable[[], None]) -> None:
        """Call back on every notification of the channel (and after every reconnection); LISTENing
        already when this returns, if the database is reachable."""
        followers = self._followers.setdefault(channel, set())
        followers.add(callback)
        if len(followers) == 1 and self._connection is not None:
            with contextlib.suppress(Exception):  # lost meanwhile: the reconnection LISTENs again
                await self._connection.add_listener(channel, self._deliver)

    def unfollow(self, channel: str, callback: Callable[[], None]) -> None:
        self._followers.get(channel, set()).discard(callback)

    def on_state(self, callback: Callable[[bool], None]) -> None:
        self._state_followers.add(callback)

    def _deliver(self, _connection, _pid, channel: str, _payload: str) -> None:
        for callback in list(self._followers.get(channel, ())):
            callback()

    async def _run(self) -> None:
        pause = BACKOFF[0]
        while True:
            try:
                await self._listen()
                pause = BACKOFF[0]  # it was up: the next loss starts the pauses again from the shortest
            except Exception as exc:  # whatever it was, the boards must not stay deaf: go again
                log.warning("board notifications unavailable (%s: %s); trying again in %.1f s",
                            type(exc).__name__, exc, pause)
            self._set_up(False)
            await asyncio.sleep(pause)
            pause = min(pause * 2, BACKOFF[1])

    async def _listen(self) -> None:
        """Connect, LISTEN to every followed channel, tell every follower, and hold the connection
        until it is lost."""
        connection = await asyncpg.connect(self._dsn, timeout=10)
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        try:
            for channel in list(self._followers):
                await connection.add_listener(channel, self._deliver)
            self._connection = connection
            self._set_up(True)
            for followers in list(self._followers.values()):
                for callback in list(followers):
                    callback()
            while not lost.is_set() and not connection.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), PROBE)
                    break
                await connection.execute("select 1", timeout=5)  # a silent network loss shows here
        finally:
            self._connection = None
            connection.terminate()

    def _set_up(self, up: bool) -> None:
        if up != self.up:
            self.up = up
            for callback in list(self._state_followers):
                callback(up)


# --- the public revision -----------------------------------------------------------------------------

REVISION_CHANNEL = "revision"
_REVISION = text("select coalesce(max(n), 0) from revision where scope = 'public'")
_WRITES = ("insert", "update", "delete", "truncate", "with")  # a statement that may change a table


class RevisionRow(SQLModel, table=True):
    """The public revision: moved (and announced on REVISION_CHANNEL) by a trigger on every table
    public pages read, once per transaction that writes to them (migration 0018)."""

    __tablename__ = "revision"
    scope: str = Field(sa_column=Column(Text, primary_key=True))
    n: int = Field(sa_column=Column(BigInteger, nullable=False))


class Revision:
    """What this worker knows of the public revision, so that a public page view asks the database
    nothing while nothing changed. Known only while the worker's Listener is up and nothing was
    announced since it was read; otherwise (starting, an announcement, the listener down) the next
    `current()` reads it from the database. A commit of this worker's own writes forgets it at once,
    so a page seen right after one's own change never waits for the announcement."""

    def __init__(self, listener: Listener, maker: async_sessionmaker) -> None:
        self._listener = listener
        self._maker = maker
        self._known: int | None = None
        self._generation = 0  # moves at every announcement: a read from before one is not kept

    async def follow(self, engine: AsyncEngine) -> None:
        await self._listener.follow(REVISION_CHANNEL, self.forget)
        _on_own_writes(engine, self.forget)

    def forget(self) -> None:
        self._known = None
        self._generation += 1

    async def current(self) -> int:
        if self._known is not None and self._listener.up:
            return self._known
        generation, up = self._generation, self._listener.up
        async with self._maker() as session:
            n = (await session.exec(_REVISION)).scalar_one()
        if up and self._listener.up and generation == self._generation:
            self._known = n
        return n


def _on_own_writes(engine: AsyncEngine, callback: Callable[[], None]) -> None:
    """Call back after every commit of this engine's connections that wrote something."""

    def executed(connection, _cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:8].lower().startswith(_WRITES):
            connection.info["wrote"] = True

    def committed(connection) -> None:
        if connection.info.pop("wrote", False):
            callback()

    event.listen(engine.sync_engine, "after_cursor_execute", executed)
    event.listen(engine.sync_engine, "commit", committed)
    event.listen(engine.sync_engine, "rollback", lambda connection: connection.info.pop("wrote", None))
