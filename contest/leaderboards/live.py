"""Live boards: one listener per track per worker, shared by every open stream of that track.

When a track changes, its listener rebuilds the board once into the worker's board store and
wakes the streams, which render their page of rows from the board there (each fragment rendered
once per board): a change reaches a thousand viewers with one build and one render per distinct
filter, not a thousand. The listener stays subscribed for the life
of the worker, so a track that loses its last viewer does not go deaf for the next one. Changes
that send no notification (an organiser's edit of the event) show at a viewer's next connect, and
within RECHECK seconds for streams already open.

When the database goes away, open streams stay open and are told so (`feed.up`); once the worker's
notification connection is back (notify.Listener reconnects by itself), every followed track is
rebuilt, so the streams get the current board without anyone reloading.

Open streams cost one paused generator each: they wait on their feed's tick alone (no task or
timer of their own), and the worker's one heartbeat wakes every feed every `heartbeat` seconds so
that each stream sends a comment that keeps idle proxies from closing it. A worker keeps at most
`max_streams` streams open: the next viewer is told to come back later (a 503) and polls meanwhile."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker

from contest.db import get_or_404, unreachable
from contest.errors import Busy, NotFound
from contest.events.models import Track
from contest.leaderboards import service as svc
from contest.notify import Listener, track_channel

log = logging.getLogger(__name__)
RECHECK = 15  # seconds between version checks of a followed track when nothing was notified


@dataclass
class _Feed:
    track_id: int
    version: str  # of the board the streams were last woken for
    tick: asyncio.Event = field(default_factory=asyncio.Event)  # set, then replaced, at each new board or state
    task: asyncio.Task | None = None
    up: bool = True  # whether changes reach the board (the database and its notifications are there)

    @property
    def board(self) -> svc.Board:
        """The track's board in the worker's board store: at least as new as the last tick's."""
        return svc.BOARDS.get(self.track_id)


class LiveBoards:
    def __init__(self, listener: Listener, sessionmaker: async_sessionmaker, heartbeat: float = 20,
                 max_streams: int | None = None) -> None:
        self._listener = listener
        self._sessionmaker = sessionmaker
        self._feeds: dict[int, _Feed] = {}
        self._opening: dict[int, asyncio.Lock] = {}
        self._heartbeat = heartbeat
        self._beating: asyncio.Task | None = None
        self.max_streams = max_streams
        self.streams = 0  # open in this worker (admitted and not yet ended)
        self.ending = False  # the server is stopping: open streams end, so that it need not wait for them
        listener.on_state(self._state_changed)

    def admit(self, retry_after: int) -> None:
        """Count in one more stream, or refuse it when the worker has as many as it may keep."""
        if self.max_streams is not None and self.streams >= self.max_streams:
            raise Busy("观看实时榜单的人数较多，本页改为定时刷新，稍后自动恢复实时更新", retry_after)
        self.streams += 1
        if self._beating is None:
            self._beating = asyncio.create_task(self._beat())

    def release(self) -> None:
        self.streams -= 1

    async def _beat(self) -> None:
        """Wake every feed's streams at each heartbeat: a stream that has nothing new sends a comment."""
        while True:
            await asyncio.sleep(self._heartbeat)
            for feed in list(self._feeds.values()):
                self._wake(feed)

    async def feed(self, track_id: int) -> _Feed:
        """The track's feed, current as of now (a new viewer never starts from an older board)."""
        if (feed := self._feeds.get(track_id)) is not None:
            self._show(feed, await self._build(track_id))
            return feed
        async with self._opening.setdefault(track_id, asyncio.Lock()):
            if (feed := self._feeds.get(track_id)) is not None:
                return feed
            try:
                return await self._open(track_id)
            except NotFound:
                self._opening.pop(track_id, None)  # no lock kept for an address typed by hand
                raise

    async def _open(self, track_id: int) -> _Feed:
        """Listen before the first build, so that no change slips in between."""
        changed = asyncio.Event()  # notifications that arrive during a build coalesce into one more
        channel = track_channel(track_id)
        await self._listener.follow(channel, changed.set)
        try:
            feed = _Feed(track_id, (await self._build(track_id)).version, up=self._listener.up)
        except BaseException:
            self._listener.unfollow(channel, changed.set)
            raise
        feed.task = asyncio.create_task(self._follow(feed, changed))
        feed.task.add_done_callback(lambda _: self._feeds.pop(track_id, None))  # a dead feed is opened anew
        feed.task.add_done_callback(lambda _: self._listener.unfollow(channel, changed.set))
        self._feeds[track_id] = feed
        return feed

    async def _build(self, track_id: int) -> svc.Board:
        async with self._sessionmaker() as db:
            track = await get_or_404(db, Track, track_id, "赛项")  # an id out of range is a 404 too
            return await svc.board(db, track.id)

    async def _follow(self, feed: _Feed, changed: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), RECHECK)  # else check the version all the same
            changed.clear()
            try:
                self._show(feed, await self._build(feed.track_id))
            except Exception as exc:  # a failed build must not silence the track; the next round retries
                if unreachable(exc):
                    log.warning("live board of track %s not rebuilt: the database is unreachable", feed.track_id)
                else:
                    log.exception("live board of track %s not rebuilt", feed.track_id)

    def _state_changed(self, up: bool) -> None:
        for feed in self._feeds.values():
            feed.up = up
            self._wake(feed)

    @staticmethod
    def _show(feed: _Feed, board: svc.Board) -> None:
        """Wake the feed's streams for a newer board."""
        if board.version != feed.version:
            feed.version = board.version
            LiveBoards._wake(feed)

    @staticmethod
    def _wake(feed: _Feed) -> None:
        tick, feed.tick = feed.tick, asyncio.Event()
        tick.set()

    def end_streams(self) -> None:
        """Wake every open stream to end: uvicorn waits for open responses before it shuts the app
        down, and a live stream never ends by itself."""
        self.ending = True
        for feed in self._feeds.values():
            feed.tick.set()

    async def close(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
        for feed in self._feeds.values():
            if feed.task is not None:
                feed.task.cancel()
        self._feeds.clear()
