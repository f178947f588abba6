"""Public boards and everything that makes results public: the public gate, visibility, result
states, the notice period (公示), appeals, titles, the ceremony freeze, exports and certificates.

Boards are read far more often than results change, so each worker keeps the last board of a
track in its board store and rebuilds it only when the track's version (one cheap query) moves on."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

import openpyxl
from openpyxl.styles import Font
from sqlalchemy import text
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, ledger, notify, scoring, tables
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import lifecycle
from contest.events import service as events
from contest.events.models import (
    OUT_OF_CONTEST,
    Entry,
    Event,
    Judge,
    Panel,
    PanelMember,
    Recusal,
    Round,
    Stage,
    TeamMember,
    Track,
)
from contest.judging import service as judging
from contest.judging.models import Result, StageSignoff
from contest.leaderboards import public
from contest.leaderboards.models import (
    APPEAL_OUTCOMES,
    RESULT_STATES,
    Appeal,
    BoardFreeze,
    Certificate,
    Correction,
    Notice,
    NoticeRow,
    NoticeVersion,
    TitleRule,
)
from contest.people.models import Area, Person, Unit

STATUS_LABELS = {"ok": "", "incomplete": "评分中", "withdrawn": "退赛", "absent": "缺考", "disqualified": "取消资格",
                 "not_scored": "待评分"}


@dataclass(frozen=True)
class BoardRow(public.PublicRow):
    """A row as the platform knows it: the public row's fields (in full, before the visibility rule)
    and the entry it is of."""

    entry_id: int


@dataclass(frozen=True)
class Board:
    """A track's board as the platform knows it: every row in full. The public sees it only through
    the gate (`public`), which applies the event's visibility rule."""

    event: Event
    track: Track
    round: Round
    stages: tuple[tuple[str, str], ...]  # (key, name)
    rows: tuple[BoardRow, ...]
    state: str  # a RESULT_STATES key
    version: str
    notice: Notice | None = None
    frozen: bool = False
    revealed: int | None = None
    notice_versions: tuple[NoticeVersion, ...] = ()  # newest first
    undrawn: int = 0  # entries in the contest still without a blind code: said on the board, never dropped silently
    # the round computed afresh by the engine (bib -> EntryResult), for the score sheets: once per board
    computed: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def state_label(self) -> str:
        return RESULT_STATES[self.state]

    @cached_property
    def public(self) -> public.PublicBoard:
        """The board through the public gate (NotFound for a draft event), built once per board."""
        return public.board(self, self.notice_versions)


class BoardStore:
    """This worker's boards and rendered public pages. Boards: the last board built of each track,
    and (kept with each board) its filtered rows and rendered fragments; pages, feeds, screens, unit
    pages, exports and live streams all read boards from here. Pages: the public pages as sent,
    under their address and the public revision they were rendered at (leaderboards.pages), the
    least recently asked for dropped beyond MAX_PAGES, so that addresses typed by hand cannot
    grow the worker's memory without limit."""

    MAX_PAGES = 2000

    def __init__(self) -> None:
        self._boards: dict[int, Board] = {}
        self._pages: OrderedDict[tuple, tuple] = OrderedDict()

    def get(self, track_id: int) -> Board | None:
        return self._boards.get(track_id)

    def keep(self, board: Board) -> Board:
        self._boards[board.track.id] = board
        return board

    def page(self, key: tuple, revision: tuple) -> tuple | None:
        """The page kept under the key, if it was rendered at this revision."""
        kept = self._pages.get(key)
        if kept is None or kept[0] != revision:
            return None
        self._pages.move_to_end(key)
        return kept[1]

    def keep_page(self, key: tuple, revision: tuple, page: tuple) -> None:
        self._pages[key] = (revision, page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)


BOARDS = BoardStore()


def published(board_: Board) -> bool:
    """Whether the board's results are published (under notice or final): what other modules (the
    registry's candidates and report) may take from it."""
    return board_.state in ("under_notice", "final")


# Everything a board shows moves one of these parts; a board is current while they are unchanged.
_VERSION = """
    select t.id, concat_ws('|', e.status, e.visibility, e.slug, e.name, t.name, r.id, md5(r.scheme::text),
        -- every recompute moves its row's computed_at forward under the entry's lock, so the sum
        -- moves with every commit, in whatever order the commits land (a max would not); an
        -- interval sum is exact and cheaper than a numeric one
        (select count(*) || '/' || coalesce(sum(computed_at - timestamptz '2000-01-01')::text, '')
         from result where round_id = r.id),
        (select count(*) from stage_signoff s join stage st on st.id = s.stage_id where st.round_id = r.id),
        (select count(*) || '/' || count(blind_code) || '/' || coalesce(max(id), 0)
                || '/' || count(*) filter (where status in ('withdrawn', 'absent', 'disqualified'))
         from entry where track_id = t.id),
        (select coalesce(max(finalised_at)::text, 'open') || max(id) from notice where event_id = e.id),
        (select coalesce(max(id), 0) from notice_version where event_id = e.id),
        (select revealed || '/' || frozen_at::text from board_freeze where track_id = t.id),
        (select count(*) || '/' || coalesce(max(id), 0) from title_rule where event_id = e.id),
        (select count(*) from draw where track_id = t.id))
    from track t join event e on e.id = t.event_id
    join lateral (select id, scheme from round where track_id = t.id order by seq desc limit 1) r on true
    where {where}"""


async def board(session: AsyncSession, track_id: int) -> Board:
    current = await _current(session, text(_VERSION.format(where="t.id = :track")).bindparams(track=track_id))
    if current is None:
        raise NotFound("赛项")
    return current


async def public_board(session: AsyncSession, slug: str, track_slug: str) -> public.PublicBoard:
    """A track's board by the slugs of a page's address, through the public gate: one query while
    this worker's board is current."""
    return (await _board_at(session, slug, track_slug)).public


async def _board_at(session: AsyncSession, slug: str, track_slug: str) -> Board:
    query = text(_VERSION.format(where="e.slug = :slug and t.slug = :track"))
    current = await _current(session, query.bindparams(slug=slug, track=track_slug))
    if current is None:  # say what is missing
        event = await public_event(session, slug)
        await events.get_track(session, event, track_slug)
        raise NotFound("赛项")  # a track without a round
    return current


async def public_contestant(session: AsyncSession, slug: str, track_slug: str, code: str
                            ) -> tuple[public.PublicBoard, public.PublicRow | None,
                                       tuple[public.PublicCertificate, ...], tuple[public.PublicOpinion, ...]]:
    """One contestant of a public board by blind code: their row as the board shows it (None while a
    frozen board has not revealed it yet) and, once the results are published, their certificate (a
    project team's: one per member) and the judges' words where the event's rules allow."""
    current = await _board_at(session, slug, track_slug)
    shown = current.public
    row = shown.row(code)
    if row is None and not (shown.frozen and any(r.code == code for r in shown.rows)):
        raise NotFound("选手")
    held, words = (), ()
    if row is not None and shown.published:
        entry_id = next(r.entry_id for r in current.rows if r.code == code)
        held = await current_certificates(session, entry_id, current.round.id)
        event = await session.get(Event, current.event.id)  # the rule as it is now (boards are kept)
        aliases = judging.judge_aliases(await judging.round_marks(session, current.round.id))
        words = public.opinions(event, True, await judging.sheet_records(session, entry_id=entry_id), aliases)
    return shown, row, tuple(public.certificate(c) for c in held), words


async def unit_links(session: AsyncSession, unit_ids: Sequence[int]) -> Sequence[tuple[int, str]]:
    """(id, name) of units a public row names (a project team's members' units), for links to their pages."""
    if not unit_ids:
        return ()
    return (await session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids)).order_by(Unit.name))).all()


async def score_sheet(session: AsyncSession, slug: str, track_slug: str, code: str) -> str | None:
    """How a contestant's published score was made (成绩明细): the engine's score sheet of the entry,
    from the round's marks as the public marks file has them (judges J1..Jn, never by name), with
    the judges who stepped aside noted under their stages. None before publication, and while a
    correction has changed the marks since (the sheet would not add up to the published total)."""
    current = await _board_at(session, slug, track_slug)
    row = next((r for r in current.rows if r.code == code), None)
    if row is None or not current.public.published or current.public.row(code) is None:
        return None
    return await _sheet_of(session, current, row)


async def own_score_sheet(session: AsyncSession, slug: str, track_slug: str, bib: str, code: str,
                          key: bytes) -> tuple[public.PublicBoard, str]:
    """A contestant's own score sheet by their admission number and the look-up code on their
    admission card (events.lookup_code): once the results are signed off, before or after
    publication, whatever the board shows of names, but not while the award ceremony has yet to
    reveal the place. A wrong pair is refused without saying which part was wrong."""
    current = await _board_at(session, slug, track_slug)
    shown = current.public  # through the gate: a draft event's track is a 404 here too
    typed = bib.strip()
    same_bib = (func.ltrim(Entry.bib, "0") == typed.lstrip("0")) if typed.isdigit() else (Entry.bib == typed)
    entry = (await session.exec(select(Entry).where(Entry.track_id == current.track.id, same_bib))).first()  # 1 = 0001
    if entry is None or not hmac.compare_digest(events.lookup_code(entry, key), code.strip().upper()):
        raise InputError("参赛证号或查分码不正确，请核对准考证", "code")
    row = next((r for r in current.rows if r.entry_id == entry.id), None)
    if row is None or current.state not in public.OFFICIAL:
        raise Conflict("成绩尚未签字确认，裁判长签字确认后即可查询明细")
    if shown.frozen and shown.row(row.code) is None:  # the sheet says the place: not before the host does
        raise Conflict("颁奖典礼正在揭晓成绩，此名次揭晓后即可查询明细")
    sheet = await _sheet_of(session, current, row)
    if sheet is None:
        raise Conflict("成绩正在更正，更正公示发布后即可查询明细")
    return shown, sheet


async def _sheet_of(session: AsyncSession, current: Board, row: BoardRow) -> str | None:
    """The engine's score sheet of a row of a board, if it adds up to the row's total."""
    bib = (await session.exec(select(Entry.bib).where(Entry.id == row.entry_id))).one()
    if not current.computed:
        current.computed.update((r.entry, r) for r in await judging.compute_round(session, current.round,
                                                                                  anonymise=True))
    result = current.computed.get(bib)
    places = events.scheme_of(current.round).rounding.places
    if result is None or _fmt(result.total, places) != row.total:
        return None
    aliases = judging.judge_aliases(await judging.round_marks(session, current.round.id))
    return scoring.explain_text(result, await _recused(session, row.entry_id, current.round.id, aliases))


async def _recused(session: AsyncSession, entry_id: int, round_id: int, aliases: dict[str, str]
                   ) -> dict[str, list[str]]:
    """Stage key -> the panel judges of the stage who stepped aside from the entry (as the marks name
    them; one who marked nothing in the round has no such name and is said as 一位裁判)."""
    rows = (await session.exec(
        select(Stage.key, Judge.number).join(Panel, Panel.stage_id == Stage.id)
        .join(PanelMember, PanelMember.panel_id == Panel.id).join(Judge, Judge.id == PanelMember.judge_id)
        .join(Recusal, (Recusal.judge_id == Judge.id) & (Recusal.entry_id == entry_id))
        .where(Stage.round_id == round_id).order_by(Stage.seq, Judge.number))).all()
    recused: dict[str, list[str]] = {}
    for stage_key, number in rows:
        recused.setdefault(stage_key, []).append(aliases.get(number, "一位裁判"))
    return recused


async def public_event(session: AsyncSession, slug: str) -> Event:
    """The event of a public page's address, once the gate has let it through (404 for a draft)."""
    event = await events.get_event(session, slug)
    public.event(event)
    return event


async def public_events(session: AsyncSession) -> list[public.PublicEvent]:
    return [public.event(e) for e in await events.list_events(session) if public.is_public(e)]


async def public_tracks(session: AsyncSession, slug: str) -> tuple[public.PublicEvent, list[public.PublicTrack],
                                                                    public.PublicNotice | None]:
    event = await public_event(session, slug)
    return (public.event(event), [public.track(t) for t in await events.list_tracks(session, event)],
            public.notice(await get_notice(session, event), tuple(await notice_versions(session, event))))


async def public_boards(session: AsyncSession, event: Event) -> list[public.PublicBoard]:
    """Every track's board of a public event, through the gate."""
    return [(await board(session, t.id)).public for t in await events.list_tracks(session, event)]


async def unit_boards(session: AsyncSession, unit_id: int) -> list[tuple[public.PublicBoard, tuple]]:
    """The rows of one unit on every public board (a unit's page): the gate decides what shows."""
    out = []
    for event in await events.list_events(session):
        if public.is_public(event):
            for the_board in await public_boards(session, event):
                rows = the_board.filtered(None, unit_id)
                if rows:
                    out.append((the_board, rows))
    return out


async def public_certificate(session: AsyncSession, code: str) -> tuple[public.PublicCertificate,
                                                                          public.PublicEvent, public.PublicTrack]:
    cert, event, track = await certificate(session, code)
    return public.certificate(cert), public.event(event), public.track(track)


async def _current(session: AsyncSession, version_query) -> Board | None:
    row = (await session.exec(version_query)).first()
    if row is None:
        return None
    track_id, version = row
    kept = BOARDS.get(track_id)
    if kept is None or kept.version != version:
        track = await session.get(Track, track_id)
        event = await session.get(Event, track.event_id)
        round_ = (await events.list_rounds(session, track))[-1]
        kept = BOARDS.keep(await _build(session, event, track, round_, version))
    return kept


async def result_state(session: AsyncSession, event: Event, round_: Round) -> str:
    notice = (await session.exec(select(Notice).where(Notice.event_id == event.id))).first()
    if notice is not None:
        return "final" if notice.finalised_at else "under_notice"
    stages = (await session.exec(select(Stage.id).where(Stage.round_id == round_.id))).all()
    signed = (await session.exec(select(StageSignoff.stage_id).where(StageSignoff.stage_id.in_(stages)))).all()
    return "signed_off" if stages and len(signed) == len(stages) else "provisional"


async def _build(session: AsyncSession, event: Event, track: Track, round_: Round, version: str) -> Board:
    scheme = events.scheme_of(round_)
    state = await result_state(session, event, round_)
    stage_keys = tuple((s.key, s.name) for s in scheme.stages)
    notice = await get_notice(session, event)
    versions = tuple(await notice_versions(session, event)) if notice else ()
    freeze = (await session.exec(select(BoardFreeze).where(BoardFreeze.track_id == track.id))).first()
    undrawn = len(await events.undrawn_entries(session, track))
    if freeze is not None:
        rows = tuple(BoardRow(**{**r, "stages": tuple(r["stages"]), "titles": tuple(r["titles"]),
                                 "team": tuple(r.get("team", ())), "team_unit_ids": tuple(r.get("team_unit_ids", ()))})
                     for r in freeze.rows)
        return Board(event, track, round_, stage_keys, rows, state, version, notice, True, freeze.revealed, versions,
                     undrawn)
    published_rows = await _published_rows(session, event, track) if versions else None
    rows = published_rows if published_rows is not None else await live_rows(session, event, track, round_, scheme)
    return Board(event, track, round_, stage_keys, rows, state, version, notice, notice_versions=versions,
                 undrawn=undrawn)


async def live_rows(session: AsyncSession, event: Event, track: Track, round_: Round,
                    scheme: scoring.Scheme) -> tuple[BoardRow, ...]:
    """Every drawn entry's row as its stored results rank it now (names and figures in full)."""
    results = (await session.exec(select(Result, Entry.bib).join(Entry, Entry.id == Result.entry_id)
                                  .where(Result.round_id == round_.id))).all()
    rows, _ = await notice_rows(session, event, track, round_, scheme, {bib: _figures(r, bib) for r, bib in results})
    return rows


async def notice_rows(session: AsyncSession, event: Event, track: Track, round_: Round, scheme: scoring.Scheme,
                      figures: dict[str, scoring.Figures | scoring.EntryResult]
                      ) -> tuple[tuple[BoardRow, ...], dict[int, str]]:
    """Every drawn entry's row ranked from these figures (bib -> figures), with its title rules,
    in board order, and the bib of each row's entry: what the board shows and a notice prints."""
    entries = (await session.exec(
        select(Entry, Person.name, Unit.name, Area.name, Area.id)
        .outerjoin(Person, Person.id == Entry.person_id).outerjoin(Unit, Unit.id == Entry.unit_id)
        .outerjoin(Area, Area.id == Unit.area_id)
        .where(Entry.track_id == track.id, Entry.blind_code.is_not(None)))).all()
    bibs = {e.id: e.bib for e, *_ in entries}
    teams = await events.teams(session, list(bibs))
    standings = {s.entry: s for s in scoring.rank_figures(scheme, [f for bib, f in figures.items()
                                                                   if bib in bibs.values()])}
    rules = await title_rules(session, event)
    places = scheme.rounding.places
    rows = []
    for entry, person_name, unit_name, area_name, area_id in entries:
        result, standing = figures.get(entry.bib), standings.get(entry.bib)
        rank = standing.rank if standing else None
        rows.append(BoardRow(
            entry_id=entry.id, rank=rank, code=entry.blind_code, name=person_name or entry.project_title,
            unit=unit_name, area=area_name, unit_id=entry.unit_id, area_id=area_id,
            stages=tuple(_fmt(result.stage_totals.get(s.key), places) if result else "" for s in scheme.stages),
            total=_fmt(result.total, places) if result and result.total is not None else "",
            award=standing.award if standing else None,
            titles=tuple(r.title for r in rules if rank is not None and rank <= r.up_to_rank),
            status=_status(entry, result), team=tuple(m.name for m in teams.get(entry.id, ())),
            team_unit_ids=tuple(dict.fromkeys(m.unit_id for m in teams.get(entry.id, ()) if m.unit_id))))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return tuple(rows), bibs


def _figures(result: Result, bib: str) -> scoring.Figures:
    return scoring.Figures(bib, result.status, None if result.total is None else Decimal(result.total),
                           {k: Decimal(v) for k, v in result.stage_totals.items()},
                           {s: {c: Decimal(v) for c, v in cs.items()} for s, cs in result.criteria.items()})


def _status(entry: Entry, figures: scoring.Figures | None) -> str:
    if entry.status in OUT_OF_CONTEST:
        return entry.status
    return figures.status if figures else "not_scored"


def _fmt(value, places: int) -> str:
    if value in (None, ""):
        return ""
    return scoring.format_decimal(Decimal(value), places)


# --- publication: notice, appeals, final -----------------------------------------------------------


async def get_notice(session: AsyncSession, event: Event) -> Notice | None:
    return (await session.exec(select(Notice).where(Notice.event_id == event.id))).first()


async def unsigned_stages(session: AsyncSession, event: Event) -> list[str]:
    rows = (await session.exec(
        select(Track.name, Stage.name, StageSignoff.id).join(Round, Round.track_id == Track.id)
        .join(Stage, Stage.round_id == Round.id).outerjoin(StageSignoff, StageSignoff.stage_id == Stage.id)
        .where(Track.event_id == event.id))).all()
    return [f"{track}·{stage}" for track, stage, signed in rows if signed is None]


async def publish(session: AsyncSession, event: Event, starts_on: date, ends_on: date, contact: str,
                  actor: str, today: date | None = None) -> Notice:
    """Signed-off results go under public notice (公示) for a period with start and end dates."""
    check_notice_period(event, starts_on, ends_on, today or clock.today())
    if await get_notice(session, event):
        raise Conflict("本活动的成绩已经公示")
    missing = await unsigned_stages(session, event)
    if missing:
        raise Conflict(f"以下环节尚未由裁判长签字确认：{'、'.join(missing[:10])}；"
                       "全部签字确认、活动进入“审核中”后才能公示")
    await _require(session, event, "notice.publish")
    notice = Notice(event_id=event.id, starts_on=starts_on, ends_on=ends_on, contact=contact.strip()[:200])
    session.add(notice)
    event.status = "published"
    session.add(event)
    await _log(session, event, actor, "results.publish", {"starts_on": str(starts_on), "ends_on": str(ends_on)})
    await _issue_notice(session, event, actor, "")
    await session.commit()
    return notice


def check_notice_period(event: Event, starts_on: date, ends_on: date, today: date) -> None:
    """A 公示 cannot be skipped: it opens today or later, ends after the day it opens, and holds at
    least the event's minimum of working days (Mon–Fri), so finalisation (after its end) has to wait."""
    if starts_on < today:
        raise InputError(f"公示开始日期 {starts_on} 已经过去：公示须从今天（{today}）或以后开始", "starts_on")
    if ends_on <= starts_on:
        raise InputError(f"公示结束日期须晚于开始日期 {starts_on}", "ends_on")
    if clock.workdays(starts_on, ends_on) < event.notice_workdays:
        raise InputError(f"本活动的成绩公示期不少于 {event.notice_workdays} 个工作日（周一至周五）："
                         f"{starts_on} 至 {ends_on} 只有 {clock.workdays(starts_on, ends_on)} 个，"
                         f"最早可到 {clock.workday_end(starts_on, event.notice_workdays)} 结束", "ends_on")


# --- notice versions and corrections (更正) ----------------------------------------------------------------
# What is published is kept: each notice version holds every track's rows as they were issued, and
# every public page of a published event shows the current version's rows. Results change after
# publication only through a correction: opened with a reason (or by an upheld appeal), made through
# the lifecycle's correction actions, and issued as the next notice version, which revokes or
# reissues the certificates it changes — all ledgered.


async def notice_versions(session: AsyncSession, event: Event) -> Sequence[NoticeVersion]:
    return (await session.exec(select(NoticeVersion).where(NoticeVersion.event_id == event.id)
                               .order_by(NoticeVersion.version.desc()))).all()


async def _issue_notice(session: AsyncSession, event: Event, actor: str, reason: str) -> NoticeVersion:
    """The next notice version: every track's rows as its stored results rank them now, ledgered."""
    last = (await session.exec(select(func.max(NoticeVersion.version))
                               .where(NoticeVersion.event_id == event.id))).one()
    version = NoticeVersion(event_id=event.id, version=(last or 0) + 1, reason=reason[:500], issued_by=actor[:80])
    session.add(version)
    await session.flush()
    ledgered = {}
    for track in await events.list_tracks(session, event):
        round_ = (await events.list_rounds(session, track))[-1]
        rows, bibs = await _current_rows(session, event, track, round_)
        session.add_all(NoticeRow(notice_version_id=version.id, track_id=track.id, position=i, **_row_fields(row))
                        for i, row in enumerate(rows))
        ledgered[track.slug] = [notice_record(row, bibs[row.entry_id]) for row in rows]
    await _log(session, event, actor, "notice.version", {"version": version.version, "reason": version.reason,
                                                          "tracks": ledgered})
    return version


async def _current_rows(session: AsyncSession, event: Event, track: Track, round_: Round
                        ) -> tuple[tuple[BoardRow, ...], dict[int, str]]:
    results = (await session.exec(select(Result, Entry.bib).join(Entry, Entry.id == Result.entry_id)
                                  .where(Result.round_id == round_.id))).all()
    return await notice_rows(session, event, track, round_, events.scheme_of(round_),
                             {bib: _figures(r, bib) for r, bib in results})


def _row_fields(row: BoardRow) -> dict:
    return {**{k: v for k, v in row.__dict__.items() if k not in ("stages", "titles", "team", "team_unit_ids")},
            "stages": list(row.stages), "titles": list(row.titles), "team": list(row.team),
            "team_unit_ids": list(row.team_unit_ids)}


def notice_record(row: BoardRow, bib: str) -> dict:
    """A published row as the ledger keeps it: by the entry's bib, without database ids (a project's
    team by name, lead first; an individual's row has no team key)."""
    return {"bib": bib, "rank": row.rank, "code": row.code, "name": row.name, "unit": row.unit, "area": row.area,
            "stages": list(row.stages), "total": row.total, "award": row.award, "titles": list(row.titles),
            "status": row.status, **({"team": list(row.team)} if row.team else {})}


def row_of_notice(row: NoticeRow) -> BoardRow:
    return BoardRow(entry_id=row.entry_id, rank=row.rank, code=row.code, name=row.name, unit=row.unit,
                    area=row.area, unit_id=row.unit_id, area_id=row.area_id, stages=tuple(row.stages),
                    total=row.total, award=row.award, titles=tuple(row.titles), status=row.status,
                    team=tuple(row.team or ()), team_unit_ids=tuple(row.team_unit_ids or ()))


async def _published_rows(session: AsyncSession, event: Event, track: Track) -> tuple[BoardRow, ...] | None:
    """The track's rows in the event's current notice version (None before the first)."""
    version = (await session.exec(select(NoticeVersion.id).where(NoticeVersion.event_id == event.id)
                                  .order_by(NoticeVersion.version.desc()))).first()
    if version is None:
        return None
    rows = (await session.exec(select(NoticeRow).where(NoticeRow.notice_version_id == version,
                                                       NoticeRow.track_id == track.id)
                               .order_by(NoticeRow.position))).all()
    return tuple(row_of_notice(r) for r in rows)


async def open_correction(session: AsyncSession, event: Event, reason: str, actor: str) -> Correction:
    """Open a correction (更正) of published results, with its reason: the changes it allows follow
    the lifecycle (a sign-off withdrawn first where results move); nothing public changes until
    it is issued."""
    await _require(session, event, "correction.open")
    reason = reason.strip()
    if not reason:
        raise InputError("请填写更正原因", "reason")
    return await _open_correction(session, event, reason, actor)


async def _open_correction(session: AsyncSession, event: Event, reason: str, actor: str) -> Correction:
    correction = Correction(event_id=event.id, reason=reason[:500], opened_by=actor[:80])
    session.add(correction)
    await session.flush()
    await _log(session, event, actor, "correction.open", {"reason": correction.reason},
               f"correction:{correction.id}")
    await session.commit()
    return correction


async def current_correction(session: AsyncSession, event: Event) -> Correction | None:
    return (await session.exec(select(Correction).where(Correction.event_id == event.id,
                                                        Correction.closed_at.is_(None)))).first()


@dataclass(frozen=True)
class RowChange:
    track: str  # the track's name
    bib: str
    name: str | None
    changes: dict[str, tuple]  # field -> (published, corrected)


_SHOWN_FIELDS = {"rank": "名次", "name": "姓名/项目", "unit": "单位", "total": "总分", "award": "奖项",
                 "titles": "称号", "status": "状态"}


async def correction_changes(session: AsyncSession, event: Event) -> list[RowChange]:
    """What issuing the correction now would change on the notice: each row whose published figures
    differ from the ones its results give now."""
    out = []
    for track in await events.list_tracks(session, event):
        round_ = (await events.list_rounds(session, track))[-1]
        now, bibs = await _current_rows(session, event, track, round_)
        published = {r.entry_id: r for r in await _published_rows(session, event, track) or ()}
        for row in now:
            before = published.pop(row.entry_id, None)
            diff = {label: (_in_words(k, before) if before else None, _in_words(k, row))
                    for k, label in _SHOWN_FIELDS.items() if before is None or getattr(before, k) != getattr(row, k)}
            if diff:
                out.append(RowChange(track.name, bibs[row.entry_id], row.name, diff))
        for row in published.values():
            out.append(RowChange(track.name, "?", row.name, {"名次": (row.rank, None)}))
    return out


def _in_words(field: str, row: BoardRow):
    """A row's field as the desk says it: a status in words."""
    value = getattr(row, field)
    return (STATUS_LABELS.get(value) or "有效成绩") if field == "status" else value


async def issue_correction(session: AsyncSession, event: Event, actor: str) -> NoticeVersion:
    """Issue the open correction as the next notice version, once every stage is signed off again:
    the certificates whose printed facts or proof it changes are superseded by new ones, those of
    entries it takes an award from are revoked, and new awards get certificates (where the track's
    certificates were issued)."""
    correction = await current_correction(session, event)
    await _require(session, event, "correction.issue")
    if not await correction_changes(session, event):
        raise Conflict("本次更正没有改变任何公示内容，无需发布更正公示；如更正有误，可撤回本次更正")
    version = await _issue_notice(session, event, actor, correction.reason)
    correction.closed_at, correction.closed_by, correction.notice_version = utcnow(), actor[:80], version.version
    session.add(correction)
    await session.flush()
    why = f"更正（第{version.version}版公示）：{correction.reason}"
    for track in await events.list_tracks(session, event):
        if await list_certificates(session, track):
            await _settle_certificates(session, event, track, actor, why)
    await _log(session, event, actor, "correction.issue", {"version": version.version},
               f"correction:{correction.id}")
    await session.commit()
    return version


async def withdraw_correction(session: AsyncSession, event: Event, actor: str) -> None:
    """Close an open correction that changed nothing on the notice (its sign-offs given again)."""
    correction = await current_correction(session, event)
    await _require(session, event, "correction.issue")
    if await correction_changes(session, event):
        raise Conflict("本次更正已改变公示内容，须发布更正公示")
    correction.closed_at, correction.closed_by = utcnow(), actor[:80]
    session.add(correction)
    await _log(session, event, actor, "correction.withdraw", {}, f"correction:{correction.id}")
    await session.commit()


async def finalise(session: AsyncSession, event: Event, actor: str, today: date | None = None) -> Notice:
    """After the notice period, with every appeal decided, the results become final."""
    notice = await get_notice(session, event)
    if notice is None:
        raise Conflict("成绩尚未公示")
    if notice.finalised_at:
        raise Conflict("成绩已是最终成绩")
    await _require(session, event, "finalise")
    if (today or clock.today()) <= notice.ends_on:
        raise Conflict(f"公示期至 {notice.ends_on} 结束，结束后才能确定最终成绩")
    pending = (await session.exec(select(Appeal.id).where(Appeal.event_id == event.id,
                                                          Appeal.outcome == "pending"))).all()
    if pending:
        raise Conflict(f"还有 {len(pending)} 件申诉未处理")
    notice.finalised_at = utcnow()
    event.status = "closed"
    session.add_all([notice, event])
    await _log(session, event, actor, "results.finalise", {})
    await session.commit()
    return notice


async def _require(session: AsyncSession, event: Event, action: str) -> lifecycle.Phase:
    phase = await lifecycle.event_phase(session, event.id)
    lifecycle.require(phase, action)
    return phase


async def _log(session: AsyncSession, event: Event, actor: str, action: str, payload: dict,
               subject: str | None = None) -> None:
    """Ledger a change to what the event's public pages show, and tell its boards."""
    await ledger.record(session, event.id, actor, action, subject or f"event:{event.id}", payload)
    await notify.announce_event(session, event.id)


async def list_appeals(session: AsyncSession, event: Event) -> Sequence[tuple[Appeal, Entry]]:
    return (await session.exec(select(Appeal, Entry).join(Entry, Entry.id == Appeal.entry_id)
                               .where(Appeal.event_id == event.id).order_by(Appeal.lodged_at))).all()


async def lodge_appeal(session: AsyncSession, event: Event, track_slug: str, bib: str, appellant: str, content: str,
                       deadline: date, actor: str) -> Appeal:
    """An appeal (申诉) recorded by the organiser for a contestant (by track and bib), during the
    notice period."""
    await _require(session, event, "appeal.lodge")
    entry_id = await entry_by_bib(session, event, track_slug, bib)
    if not appellant.strip() or not content.strip():
        raise InputError("请填写申诉人和申诉内容", "content")
    appeal = Appeal(event_id=event.id, entry_id=entry_id, appellant=appellant.strip()[:60],
                    content=content.strip()[:2000], deadline=deadline)
    session.add(appeal)
    await session.flush()
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="appeal.lodge",
                        subject=f"appeal:{appeal.id}", payload={"entry": bib, "appellant": appeal.appellant})
    await session.commit()
    return appeal


async def decide_appeal(session: AsyncSession, event: Event, appeal_id: int, outcome: str, decision: str,
                        actor: str) -> Appeal:
    """The supervision and arbitration group's decision. An upheld appeal re-opens the entry's
    stages for re-scoring through the chief judge's console (their sign-offs are withdrawn)."""
    appeal = await session.get(Appeal, appeal_id)
    if appeal is None or appeal.event_id != event.id:
        raise NotFound("申诉")
    await _require(session, event, "appeal.decide")
    if outcome not in ("upheld", "dismissed"):
        raise InputError(f"处理结果应为{APPEAL_OUTCOMES['upheld']}或{APPEAL_OUTCOMES['dismissed']}", "outcome")
    if appeal.outcome != "pending":
        raise Conflict("该申诉已处理")
    if not decision.strip():
        raise InputError("请填写处理意见", "decision")
    appeal.outcome, appeal.decision = outcome, decision.strip()[:2000]
    appeal.decided_at, appeal.decided_by = utcnow(), actor[:60]
    session.add(appeal)
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="appeal.decide",
                        subject=f"appeal:{appeal.id}", payload={"outcome": outcome, "decision": appeal.decision})
    if outcome == "upheld":  # re-scoring, then a corrected notice: a correction opens unless one is open
        entry = await session.get(Entry, appeal.entry_id)
        await judging.withdraw_signoffs(session, entry.track_id, f"申诉 #{appeal.id} 成立，重新评分", actor)
        if await current_correction(session, event) is None:
            await _open_correction(session, event, f"申诉 #{appeal.id} 成立：{appeal.decision}", actor)
    await session.commit()
    return appeal


# --- titles and the ceremony -------------------------------------------------------------------------


async def add_title_rule(session: AsyncSession, event: Event, up_to_rank: int, title: str,
                         craftsman_candidate: bool, actor: str = "system") -> TitleRule:
    """A title that follows a rank (places 1–N): on the board, the notice and the certificates."""
    await _require(session, event, "title.edit")
    if up_to_rank < 1:
        raise InputError("名次应为正整数", "up_to_rank")
    if not title.strip():
        raise InputError("请填写称号", "title")
    rule = TitleRule(event_id=event.id, up_to_rank=up_to_rank, title=title.strip()[:80],
                     craftsman_candidate=craftsman_candidate)
    session.add(rule)
    await session.flush()
    await _log(session, event, actor, "title.add", title_payload(rule), f"title_rule:{rule.id}")
    await session.commit()
    return rule


async def remove_title_rule(session: AsyncSession, event: Event, rule_id: int, actor: str) -> None:
    await _require(session, event, "title.edit")
    rule = await session.get(TitleRule, rule_id)
    if rule is None or rule.event_id != event.id:
        raise NotFound("称号规则")
    await _log(session, event, actor, "title.remove", title_payload(rule), f"title_rule:{rule.id}")
    await session.delete(rule)
    await session.commit()


def title_payload(rule: TitleRule) -> dict:
    return {"up_to_rank": rule.up_to_rank, "title": rule.title, "craftsman_candidate": rule.craftsman_candidate}


async def freeze(session: AsyncSession, event: Event, track: Track, actor: str = "system") -> BoardFreeze:
    """Stop the board at this moment for the award ceremony, to be revealed from the bottom up. Only
    a board whose every entry is scored: a ceremony must not reveal a place that can still change."""
    await _require_track(session, track, "board.freeze")
    if (await session.exec(select(BoardFreeze.id).where(BoardFreeze.track_id == track.id))).first():
        raise Conflict("该赛项的榜单已冻结")
    current = await board(session, track.id)
    refused = current.public.freeze_refusal  # what the screen would reveal: the board through the gate
    if refused:
        raise Conflict(refused)
    rows = [_row_fields(r) for r in current.rows]
    frozen = BoardFreeze(track_id=track.id, rows=rows)
    session.add(frozen)
    await _board_log(session, track, actor, "board.freeze", {"rows": len(rows)})
    await session.commit()
    return frozen


async def reveal(session: AsyncSession, track: Track, down_to_rank: int | None = None,
                 actor: str = "system") -> BoardFreeze:
    """Reveal the next place from the bottom, or every place down to a rank at once (ties together)."""
    await _require_track(session, track, "board.freeze")
    frozen = (await session.exec(select(BoardFreeze).where(BoardFreeze.track_id == track.id))).first()
    if frozen is None:
        raise Conflict("榜单未冻结")
    if frozen.revealed >= len(frozen.rows):
        raise Conflict("已全部揭晓")
    if down_to_rank is None:
        target = frozen.revealed + 1
    elif down_to_rank < 1:
        raise InputError("名次应为正整数", "down_to")
    else:  # the unranked (withdrawn…) sit at the bottom and go first
        target = sum(r["rank"] is None or r["rank"] >= down_to_rank for r in frozen.rows)
        if target <= frozen.revealed:
            raise Conflict(f"第 {down_to_rank} 名及以后已经揭晓")
    frozen.revealed = target
    session.add(frozen)
    await _board_log(session, track, actor, "board.reveal", {"revealed": frozen.revealed})
    await session.commit()
    return frozen


async def unfreeze(session: AsyncSession, track: Track, actor: str = "system") -> None:
    await _require_track(session, track, "board.freeze")
    frozen = (await session.exec(select(BoardFreeze).where(BoardFreeze.track_id == track.id))).first()
    if frozen is not None:
        await session.delete(frozen)
        await _board_log(session, track, actor, "board.unfreeze", {})
        await session.commit()


async def _require_track(session: AsyncSession, track: Track, action: str) -> lifecycle.Phase:
    phase = await lifecycle.track_phase(session, track.event_id, track.id)
    lifecycle.require(phase, action)
    return phase


async def _board_log(session: AsyncSession, track: Track, actor: str, action: str, payload: dict) -> None:
    await ledger.record(session, track.event_id, actor, action, f"track:{track.id}", {"track": track.slug, **payload})
    await notify.announce(session, track.id)


# --- exports and certificates -------------------------------------------------------------------------


async def marks_export(session: AsyncSession, round_: Round) -> tuple[str, str, str]:
    """The round's scheme (JSON), its marks with judges anonymised as J1..Jn, and the SHA-256 that
    certificates show: anyone can recompute the published results from these two files."""
    marks = judging.anonymised(await judging.round_marks(session, round_.id))
    return _scheme_text(round_.scheme), _marks_text(marks), proof_digest(round_.scheme, marks)


def proof_digest(scheme: dict, marks: list[scoring.Mark]) -> str:
    """SHA-256 of the scheme's JSON and the anonymised marks' CSV, as exported: a certificate's proof."""
    return hashlib.sha256((_scheme_text(scheme) + _marks_text(judging.anonymised(marks))).encode()).hexdigest()


def _scheme_text(scheme: dict) -> str:
    return json.dumps(scheme, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _marks_text(marks: list[scoring.Mark]) -> str:
    return scoring.write_marks_csv(sorted(marks, key=lambda m: (m.entry, m.stage, m.criterion, m.judge)))


async def published_export(session: AsyncSession, slug: str, track_slug: str) -> tuple[str, str, str]:
    """The scheme, anonymised marks and digest of a published track (marks_export), for anyone to
    recompute its notice; not while a correction is under way (they would not match the notice)."""
    event = await public_event(session, slug)
    current = await board(session, (await events.get_track(session, event, track_slug)).id)
    if not current.public.published:
        raise NotFound("已公示的成绩")
    if await current_correction(session, event) is not None:
        raise Conflict("成绩正在更正，更正公示发布后可下载评分数据")
    return await marks_export(session, current.round)


def results_xlsx(board_: public.PublicBoard | Board, rows: Sequence[BoardRow] | None = None,
                 standard: dict[str, Decimal] | None = None) -> bytes:
    """The results as a workbook: scores are numbers (Excel sums and sorts them) shown with the
    decimals the results have. `rows`: the organiser's export passes them all; by default a frozen
    board's export holds only what the ceremony has revealed. `standard` (blind code -> standard
    score, for a finished track) adds a 标准分 column and its rule below the rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩"
    tables.append_row(sheet, [f"{board_.event.name} · {board_.track.name} · {board_.state_label}"])
    project = board_.event.kind == "project"
    tables.append_row(sheet, ["名次", "加密号", *_who_columns(project), "县(市、区)",
                              *[name for _, name in board_.stages], "总分", "奖项", "称号", "状态",
                              *(["标准分"] if standard else [])])
    for r in board_.visible if rows is None else rows:
        tables.append_row(sheet, [r.rank, r.code, *_who(r, project, ""), r.area or "", *map(_score, r.stages),
                                  _score(r.total), r.award or "", "、".join(r.titles),
                                  STATUS_LABELS.get(r.status, r.status), *([standard.get(r.code)] if standard else [])])
    if standard:
        tables.append_row(sheet, [])
        tables.append_row(sheet, [f"注：{scoring.STANDARD_RULE}"])
    return _finished(sheet)


# --- standard scores (标准分) --------------------------------------------------------------------------
# Winners of different trades compare by their standard scores: each track standardised over its
# own ranked entries (scoring.standardise), and only once the track is finished and signed off.


class _Ranked(NamedTuple):
    """What scoring.standardise reads of a result."""

    entry: str
    rank: int | None
    total: Decimal


def signed_off(phase: lifecycle.Phase) -> bool:
    """A finished track: signed off, or published and not reopened by a correction."""
    return phase.key == "signoff" or (phase.published and phase.inner in (None, "signoff"))


async def track_standard(session: AsyncSession, track: Track) -> tuple[dict[str, Decimal], str]:
    """Blind code -> standard score of each ranked entry of a finished track's board; empty, with
    the reason, when the track is not signed off or has too few ranked entries."""
    if not signed_off(await lifecycle.track_phase(session, track.event_id, track.id)):
        return {}, "尚未全部签字确认"
    rows = (await board(session, track.id)).rows
    standard = scoring.standardise([_Ranked(r.code, r.rank, Decimal(r.total)) for r in rows if r.rank and r.total])
    return standard, "" if standard else f"有名次的选手不足 {scoring.MIN_STANDARDISED} 名"


@dataclass(frozen=True)
class StandardRow:
    event: Event
    track: Track
    row: BoardRow
    standard: Decimal


async def standard_scores(session: AsyncSession, events_: Sequence[Event]
                          ) -> tuple[list[StandardRow], list[tuple[Event, Track, str]]]:
    """Every ranked entry of the finished tracks of these events by standard score, highest first;
    and the tracks left out, with why."""
    found, left_out = [], []
    for event in events_:
        for track in await events.list_tracks(session, event):
            standard, why = await track_standard(session, track)
            if why:
                left_out.append((event, track, why))
            rows = (await board(session, track.id)).rows if standard else ()
            found += [StandardRow(event, track, r, standard[r.code]) for r in rows if r.code in standard]
    found.sort(key=lambda s: (-s.standard, s.event.id, s.track.id, s.row.rank))
    return found, left_out


async def entry_standards(session: AsyncSession, entry_ids: Iterable[int]) -> dict[int, Decimal]:
    """Entry id -> standard score, for the entries of finished tracks (the registry's candidates)."""
    entry_ids = list(entry_ids)
    tracks = (await session.exec(select(Track).join(Entry, Entry.track_id == Track.id)
                                 .where(Entry.id.in_(entry_ids)).distinct())).all()
    found = {}
    for track in tracks:
        standard, _ = await track_standard(session, track)
        found |= {r.entry_id: standard[r.code] for r in (await board(session, track.id)).rows if r.code in standard}
    return {entry_id: found[entry_id] for entry_id in entry_ids if entry_id in found}


def _who_columns(project: bool) -> tuple[str, ...]:
    """Who a row is, as export columns: a person and their unit, or a project, its team and unit."""
    return ("项目名称", "团队", "申报单位") if project else ("姓名", "单位")


def _who(row: public.PublicRow, project: bool, hidden: str) -> tuple[str, ...]:
    """A row's `_who_columns` (`hidden`, e.g. its code, where the visibility rule hides the name)."""
    return (row.name or hidden, *(("、".join(row.team),) if project else ()), row.unit or "")


def _score(text: str) -> Decimal | None:
    """A score as a number for a spreadsheet; empty while there is none."""
    return Decimal(text) if text else None


_WIDTHS = {"名次": 6, "加密号": 9, "姓名": 10, "项目名称": 30, "团队": 24, "申报单位": 34,
           "单位": 34, "工作单位": 34, "县(市、区)": 12, "总分": 9, "奖项": 9,
           "称号": 16, "状态": 8}


def _finished(sheet) -> bytes:
    """Bold header rows (those starting 名次), column widths by the first one's names (a stage's
    sub-score column gets 10), and each score shown with the decimals it has (87.50 stays 87.50,
    as a number)."""
    widths_set = False
    for row in sheet.iter_rows():
        if row[0].value == "名次":
            for cell in row:
                cell.font = Font(bold=True)
                if not widths_set and cell.value:
                    sheet.column_dimensions[cell.column_letter].width = _WIDTHS.get(cell.value, 10)
            widths_set = True
        for cell in row:
            if isinstance(cell.value, Decimal):
                places = -cell.value.as_tuple().exponent
                cell.number_format = "0." + "0" * places if places > 0 else "0"
    out = io.BytesIO()
    sheet.parent.save(out)
    return out.getvalue()


async def issue_certificates(session: AsyncSession, event: Event, track: Track,
                             actor: str = "system") -> list[Certificate]:
    """A certificate per award of a track whose results are final. Issuing again changes nothing,
    except where what a certificate prints no longer matches the results (a name corrected): a new
    certificate then supersedes the old one, which its verification page says."""
    await _require_track(session, track, "certificates.issue")
    issued = await _settle_certificates(session, event, track, actor, "")
    await session.commit()
    return issued


async def _settle_certificates(session: AsyncSession, event: Event, track: Track, actor: str,
                               reason: str) -> list[Certificate]:
    """Make the track's current certificates match its published rows and proof: a new one for each
    award without one, one superseding each whose printed facts or digest changed, and (for a
    correction) each of an entry that no longer has an award revoked. Ledgered; does not commit."""
    current = await board(session, track.id)
    _, _, digest = await marks_export(session, current.round)
    existing = {(c.entry_id, c.team_member_id): c for c in (await session.exec(select(Certificate).where(
        Certificate.round_id == current.round.id, Certificate.superseded_by.is_(None),
        Certificate.revoked_at.is_(None)))).all()}
    bibs = dict((await session.exec(select(Entry.id, Entry.bib).where(Entry.track_id == track.id))).all())
    teams = await events.teams(session, list(bibs))
    issued = []
    for row, member in ((r, m) for r in current.rows for m in teams.get(r.entry_id) or [None]):
        printed = _printed(row.__dict__, member.name if member else None) or {}
        key = (row.entry_id, member.id if member else None)
        old = existing.pop(key, None)
        if not row.award or (old is not None and printed_record(old) == printed and old.digest == digest):
            if old is not None and not row.award:
                existing[key] = old  # revoked below
            continue
        cert = Certificate(code=secrets.token_urlsafe(12), entry_id=row.entry_id, round_id=current.round.id,
                           team_member_id=key[1], digest=digest, **printed)
        if old is not None:
            old.superseded_by = cert.code
            session.add(old)
            await session.flush()  # the old one stops being current before the new one is
            await ledger.record(session, event.id, actor, "certificate.supersede", f"certificate:{old.code}",
                                {"by": cert.code, "was": printed_record(old), "now": printed, "reason": reason})
        session.add(cert)
        await ledger.record(session, event.id, actor, "certificate.issue", f"certificate:{cert.code}",
                            issued_record(cert, track, bibs[row.entry_id]))
        issued.append(cert)
    for old in existing.values():  # an award the correction took away
        await _revoke(session, event, old, reason or "成绩更正后不再获奖", actor)
    return issued


def printed_record(cert: Certificate) -> dict:
    """What a certificate prints of its holder's result (a team member's, also the project's title)."""
    return {"holder": cert.holder, **({"project": cert.project} if cert.project else {}), "award": cert.award,
            "rank": cert.rank, "total": cert.total, "titles": list(cert.titles)}


def printed_of(record: dict, member: str | None = None) -> dict | None:
    """What a certificate for this notice record (notice_record) must print (for a project, the
    certificate of the team `member` named); None without an award, or for someone not in the team."""
    return _printed(record, member)


def _printed(row: dict, member: str | None) -> dict | None:
    if not row.get("award") or (member is not None and member not in row.get("team", ())):
        return None
    holder = {"holder": member, "project": row["name"]} if member else {"holder": row["name"] or row["code"]}
    return {**holder, "award": row["award"], "rank": row["rank"], "total": row["total"], "titles": list(row["titles"])}


def issued_record(cert: Certificate, track: Track, bib: str) -> dict:
    """What the ledger keeps of an issued certificate: whose, for what, and its digest."""
    return {"track": track.slug, "bib": bib, "round": cert.round_id, **printed_record(cert), "digest": cert.digest}


async def certificate(session: AsyncSession, code: str) -> tuple[Certificate, Event, Track]:
    cert = (await session.exec(select(Certificate).where(Certificate.code == code))).first()
    if cert is None:
        raise NotFound("证书")
    round_ = await session.get(Round, cert.round_id)
    track = await session.get(Track, round_.track_id)
    return cert, await session.get(Event, track.event_id), track


async def track_certificates(session: AsyncSession, track: Track) -> Sequence[Certificate]:
    """The certificates of the track's current results that stand (not revoked, not replaced), by rank."""
    round_ = (await board(session, track.id)).round
    return (await session.exec(select(Certificate).where(
        Certificate.round_id == round_.id, Certificate.superseded_by.is_(None), Certificate.revoked_at.is_(None))
        .order_by(Certificate.rank, Certificate.holder))).all()


def issuer(event: Event | public.PublicEvent) -> str:
    """Who signs a certificate or a notice: the event's first organiser."""
    return event.organisers.split("、")[0] if event.organisers else "咸宁市总工会"


async def revoke_certificate(session: AsyncSession, code: str, reason: str, actor: str) -> Certificate:
    cert, event, track = await certificate(session, code)
    await _require_track(session, track, "certificate.revoke")
    if not reason.strip():
        raise InputError("请填写撤销原因", "reason")
    if cert.revoked_at is not None or cert.superseded_by is not None:
        raise Conflict("该证书已撤销或已被更正后的证书取代")
    await _revoke(session, event, cert, reason.strip(), actor)
    await session.commit()
    return cert


async def _revoke(session: AsyncSession, event: Event, cert: Certificate, reason: str, actor: str) -> None:
    cert.revoked_at, cert.revoke_reason = utcnow(), reason[:200]
    session.add(cert)
    await ledger.record(session, event.id, actor, "certificate.revoke", f"certificate:{cert.code}",
                        {"reason": cert.revoke_reason})


async def list_certificates(session: AsyncSession, track: Track) -> Sequence[Certificate]:
    return (await session.exec(select(Certificate).join(Round, Round.id == Certificate.round_id)
                               .where(Round.track_id == track.id)
                               .order_by(Certificate.rank, Certificate.issued_at))).all()


async def current_certificate(session: AsyncSession, entry_id: int, round_id: int) -> Certificate | None:
    """The entry's certificate that stands (neither revoked nor superseded), if any."""
    return next(iter(await current_certificates(session, entry_id, round_id)), None)


async def current_certificates(session: AsyncSession, entry_id: int, round_id: int) -> Sequence[Certificate]:
    """The entry's certificates that stand: one, or a project team's one per member (lead first)."""
    return (await session.exec(select(Certificate).outerjoin(TeamMember, TeamMember.id == Certificate.team_member_id)
                               .where(Certificate.entry_id == entry_id, Certificate.round_id == round_id,
                                      Certificate.superseded_by.is_(None), Certificate.revoked_at.is_(None))
                               .order_by(TeamMember.seq))).all()


async def title_rules(session: AsyncSession, event: Event) -> Sequence[TitleRule]:
    return (await session.exec(select(TitleRule).where(TitleRule.event_id == event.id)
                               .order_by(TitleRule.up_to_rank))).all()


async def entry_by_bib(session: AsyncSession, event: Event, track_slug: str, bib: str) -> int:
    track = await events.get_track(session, event, track_slug)
    entry_id = (await session.exec(select(Entry.id).where(Entry.track_id == track.id, Entry.bib == bib))).first()
    if entry_id is None:
        raise InputError(f"赛项 {track.name} 没有参赛证号为 {bib} 的选手", "bib")
    return entry_id


def notice_xlsx(event: public.PublicEvent, notice: public.PublicNotice,
                boards: Sequence[public.PublicBoard]) -> bytes:
    """The notice in the usual layout: a title, the period and where to appeal, then one block per
    track with rank, name, unit, each stage's score (理论、实操…), total and award — as numbers —
    and no ID or phone number anywhere."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩公示"
    tables.append_row(sheet, [f"{event.name}成绩公示"])
    tables.append_row(sheet, [f"公示期：{notice.starts_on} 至 {notice.ends_on}。如有异议，请于公示期内向监督仲裁组反映"
                              + (f"（{notice.contact}）" if notice.contact else "") + "。"])
    for b in boards:
        tables.append_row(sheet, [])
        tables.append_row(sheet, [b.track.name])
        project = b.event.kind == "project"
        tables.append_row(sheet, ["名次", *(_who_columns(project) if project else ("姓名", "工作单位")), "县(市、区)",
                                  *[name for _, name in b.stages], "总分", "奖项", "称号"])
        for r in b.visible:
            if r.rank is not None:
                tables.append_row(sheet, [r.rank, *_who(r, project, r.code), r.area or "",
                                          *map(_score, r.stages), _score(r.total), r.award or "",
                                          "、".join(r.titles)])
    return _finished(sheet)
