"""Live boards: one listener per track per worker, shared by every open stream of that track.

When a track changes, its listener rebuilds the board once and wakes the streams, which render
their page of rows from a per-worker cache: a change reaches a thousand viewers with one build
and one render per distinct filter, not a thousand. The listener stays subscribed for the life
of the worker, so a track that loses its last viewer does not go deaf for the next one."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from litestar.channels import ChannelsPlugin
from sqlalchemy.ext.asyncio import async_sessionmaker

from contest.errors import NotFound
from contest.events.models import Event, Track
from contest.judging.service import track_channel
from contest.leaderboards import service as svc

log = logging.getLogger(__name__)


@dataclass
class _Feed:
    board: svc.Board
    tick: asyncio.Event = field(default_factory=asyncio.Event)  # set, then replaced, at each new board
    task: asyncio.Task | None = None


class LiveBoards:
    def __init__(self, channels: ChannelsPlugin, sessionmaker: async_sessionmaker) -> None:
        self._channels = channels
        self._sessionmaker = sessionmaker
        self._feeds: dict[int, _Feed] = {}
        self._opening: dict[int, asyncio.Lock] = {}

    async def feed(self, track_id: int) -> _Feed:
        """The track's feed, subscribed before its first board is built so no change slips between."""
        if (feed := self._feeds.get(track_id)) is not None:
            return feed
        async with self._opening.setdefault(track_id, asyncio.Lock()):
            if (feed := self._feeds.get(track_id)) is not None:
                return feed
            subscriber = await self._channels.subscribe([track_channel(track_id)])
            try:
                feed = _Feed(await self._build(track_id))
            except BaseException:
                await self._channels.unsubscribe(subscriber)
                raise
            feed.task = asyncio.create_task(self._follow(track_id, feed, subscriber))
            self._feeds[track_id] = feed
            return feed

    async def _build(self, track_id: int) -> svc.Board:
        async with self._sessionmaker() as db:
            track = await db.get(Track, track_id)
            if track is None:
                raise NotFound("赛项")
            return await svc.board(db, await db.get(Event, track.event_id), track)

    async def _follow(self, track_id: int, feed: _Feed, subscriber) -> None:
        # The subscriber keeps one pending message (backlog 1, drop-left): changes that arrive
        # during a build coalesce into one more build.
        async for _ in subscriber.iter_events():
            try:
                board = await self._build(track_id)
            except Exception:  # a failed build must not silence the track; the next change retries
                log.exception("live board of track %s not rebuilt", track_id)
                continue
            if board.version != feed.board.version:
                feed.board, tick, feed.tick = board, feed.tick, asyncio.Event()
                tick.set()

    async def close(self) -> None:
        for feed in self._feeds.values():
            if feed.task is not None:
                feed.task.cancel()
        self._feeds.clear()
