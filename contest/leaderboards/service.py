"""Public boards and everything that makes results public: the public gate, visibility, result
states, the notice period (公示), appeals, titles, the ceremony freeze, exports and certificates.

Boards are read far more often than results change, so each worker keeps the last board of a
track in its board store and rebuilds it only when the track's version (one cheap query) moves on."""
from __future__ import annotations

import hashlib
import io
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property

import openpyxl
from openpyxl.styles import Font
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, ledger, notify, scoring, tables
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.events import service as events
from contest.events.models import Entry, Event, Round, Stage, Track
from contest.judging import service as judging
from contest.judging.models import Result, StageSignoff
from contest.leaderboards.models import (
    APPEAL_OUTCOMES,
    RESULT_STATES,
    Appeal,
    BoardFreeze,
    Certificate,
    Notice,
    TitleRule,
)
from contest.people.models import Area, Person, Unit
from contest.people.service import pinyin_key, search_text

STATUS_LABELS = {"ok": "", "incomplete": "评分中", "withdrawn": "退赛", "disqualified": "取消资格",
                 "not_scored": "待评分"}
UNSCORED = ("incomplete", "not_scored")  # an entry still being judged


@dataclass(frozen=True)
class BoardRow:
    entry_id: int
    rank: int | None
    code: str  # the blind code; always shown
    name: str | None  # None while the visibility rule hides who it is
    unit: str | None
    area: str | None
    unit_id: int | None
    area_id: int | None
    stages: tuple[str, ...]  # stage totals (before weight) in scheme order, "" when not yet there
    total: str
    award: str | None
    titles: tuple[str, ...]
    status: str

    def matches(self, words: str, letters: str) -> bool:
        """Whether a search (see people.search_text) finds this row: by name, unit, code, or the name's
        pinyin or initials (worked out at the first search, and kept per name by pinyin_key)."""
        return (words in (self.name or "") or words in (self.unit or "") or words in self.code
                or bool(letters and self.name) and letters in pinyin_key(self.name))


@dataclass(frozen=True)
class Board:
    event: Event
    track: Track
    round: Round
    stages: tuple[tuple[str, str], ...]  # (key, name)
    rows: tuple[BoardRow, ...]
    state: str  # a RESULT_STATES key
    shows_names: bool
    shows_results: bool
    version: str
    notice: Notice | None = None
    frozen: bool = False
    revealed: int | None = None
    _filtered: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _rendered: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def state_label(self) -> str:
        return RESULT_STATES[self.state]

    @property
    def visible(self) -> tuple[BoardRow, ...]:
        """A frozen board shows only the rows revealed so far, from the bottom of the board up."""
        if not self.frozen:
            return self.rows
        return self.rows[len(self.rows) - self.revealed:] if self.revealed else ()

    def filtered(self, area_id: int | None = None, unit_id: int | None = None, query: str = "") -> tuple[BoardRow, ...]:
        """The visible rows of one county and/or unit (kept, as the board is shared by every viewer),
        and of those the ones a search finds (by name, pinyin, initials, unit or code)."""
        key = (area_id, unit_id)
        if (area_id is not None and area_id not in dict(self.areas)) or (
                unit_id is not None and unit_id not in dict(self.units)):
            return ()  # not on this board (an address typed by hand): nothing to keep
        if key not in self._filtered:
            self._filtered[key] = tuple(r for r in self.visible if (area_id is None or r.area_id == area_id)
                                        and (unit_id is None or r.unit_id == unit_id))
        words, letters = search_text(query)
        if not words:
            return self._filtered[key]
        return tuple(r for r in self._filtered[key] if r.matches(words, letters))

    def row(self, code: str) -> BoardRow | None:
        """A visible row by its blind code (a contestant's page)."""
        return next((r for r in self.visible if r.code == code), None)

    def rendered(self, key: tuple, render: Callable[[], str]) -> str:
        """A fragment of this board (a page of rows for one filter…), rendered once and kept with the
        board: a board is read far more often than it changes, and a new board starts afresh."""
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) > 256:  # filters typed by hand must not grow it without end
                self._rendered.clear()
            html = self._rendered[key] = render()
        return html

    @cached_property
    def areas(self) -> list[tuple[int, str]]:
        """(id, name) of the counties on the board, for its filter."""
        return sorted({(r.area_id, r.area) for r in self.visible if r.area_id}, key=lambda a: a[1])

    @cached_property
    def units(self) -> list[tuple[int, str]]:
        return sorted({(r.unit_id, r.unit) for r in self.visible if r.unit_id}, key=lambda u: u[1])

    def units_in(self, area_id: int | None) -> list[tuple[int, str]]:
        """The units of one county (all of them without one), for a unit filter that follows the county's."""
        if area_id is None:
            return self.units
        return sorted({(r.unit_id, r.unit) for r in self.visible if r.unit_id and r.area_id == area_id},
                      key=lambda u: u[1])

    @cached_property
    def has_areas(self) -> bool:
        """Whether the county column has anything to show (never on a blind or hidden board)."""
        return any(r.area for r in self.rows)

    @property
    def columns(self) -> int:
        return 4 + self.has_areas + len(self.stages)

    @cached_property
    def unscored(self) -> int:
        """Entries still being judged (评分中, 待评分)."""
        return sum(r.status in UNSCORED for r in self.rows)

    @property
    def awards_tentative(self) -> bool:
        """Prizes before the chief judges sign off are what the scores would give: shown as 预计 (and
        not at all while anyone is still being judged, see _build)."""
        return self.state == "provisional"

    @property
    def next_to_reveal(self) -> BoardRow | None:
        """At the ceremony: the row the next reveal shows."""
        if not self.frozen or self.revealed >= len(self.rows):
            return None
        return self.rows[len(self.rows) - self.revealed - 1]


class BoardStore:
    """This worker's boards: the last board built of each track, and (kept with each board) its
    filtered rows and rendered fragments. Pages, feeds, screens, unit pages, exports and live
    streams all read boards from here."""

    def __init__(self) -> None:
        self._boards: dict[int, Board] = {}

    def get(self, track_id: int) -> Board | None:
        return self._boards.get(track_id)

    def keep(self, board: Board) -> Board:
        self._boards[board.track.id] = board
        return board


BOARDS = BoardStore()


# --- the public gate ------------------------------------------------------------------------------------


def is_public(event: Event) -> bool:
    """An event in preparation (草稿, status draft) is not public: no page, feed, screen, stream,
    export or certificate of it exists for the public."""
    return event.status != "draft"


def public_event(event: Event) -> Event:
    """The public gate: every public route passes an event through here before showing anything
    of it. What a board then shows of a public event is decided by `visibility` at its result state."""
    if not is_public(event):
        raise NotFound(f"竞赛活动 {event.slug} ")
    return event


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
                || '/' || count(*) filter (where status in ('withdrawn', 'disqualified'))
         from entry where track_id = t.id),
        (select coalesce(max(finalised_at)::text, 'open') || max(id) from notice where event_id = e.id),
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


async def public_board(session: AsyncSession, slug: str, track_slug: str) -> Board:
    """A track's board by the slugs of a page's address, through the public gate: one query while
    this worker's board is current."""
    query = text(_VERSION.format(where="e.slug = :slug and t.slug = :track"))
    current = await _current(session, query.bindparams(slug=slug, track=track_slug))
    if current is None:  # say what is missing
        event = public_event(await events.get_event(session, slug))
        await events.get_track(session, event, track_slug)
        raise NotFound("赛项")  # a track without a round
    public_event(current.event)
    return current


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


def visibility(event: Event, state: str) -> tuple[bool, bool]:
    """(shows results, shows names) under the event's rule at this state of its results."""
    official = state in ("signed_off", "under_notice", "final")
    if event.visibility == "hidden":
        return official, official
    if event.visibility == "blind":
        return True, state in ("under_notice", "final")
    return True, True


async def _build(session: AsyncSession, event: Event, track: Track, round_: Round, version: str) -> Board:
    scheme = events.scheme_of(round_)
    state = await result_state(session, event, round_)
    shows_results, shows_names = visibility(event, state)
    stage_keys = tuple((s.key, s.name) for s in scheme.stages)
    freeze = (await session.exec(select(BoardFreeze).where(BoardFreeze.track_id == track.id))).first()
    if freeze is not None:
        rows = tuple(BoardRow(**{**r, "stages": tuple(r["stages"]), "titles": tuple(r["titles"])})
                     for r in freeze.rows)
        return Board(event, track, round_, stage_keys, rows, state, shows_names, shows_results, version,
                     notice=await get_notice(session, event), frozen=True, revealed=freeze.revealed)
    rows = await _rows(session, event, track, round_, scheme, shows_results, shows_names)
    if state == "provisional" and any(r.status in UNSCORED for r in rows):
        # prize tiers follow from everyone's scores: while some are missing, no prize is even likely
        rows = tuple(replace(r, award=None, titles=()) for r in rows)
    return Board(event, track, round_, stage_keys, rows, state, shows_names, shows_results, version,
                 notice=await get_notice(session, event))


async def _rows(session: AsyncSession, event: Event, track: Track, round_: Round, scheme: scoring.Scheme,
                shows_results: bool, shows_names: bool) -> tuple[BoardRow, ...]:
    entries = (await session.exec(
        select(Entry, Person.name, Unit.name, Area.name, Area.id)
        .outerjoin(Person, Person.id == Entry.person_id).outerjoin(Unit, Unit.id == Entry.unit_id)
        .outerjoin(Area, Area.id == Unit.area_id)
        .where(Entry.track_id == track.id, Entry.blind_code.is_not(None)))).all()
    results = {r.entry_id: r for r in (await session.exec(select(Result).where(Result.round_id == round_.id))).all()}
    bib_of = {e.id: e.bib for e, *_ in entries}
    standings = {s.entry: s for s in scoring.rank_figures(scheme, [_figures(r, bib_of[r.entry_id])
                                                                   for r in results.values() if r.entry_id in bib_of])}
    rules = (await session.exec(select(TitleRule).where(TitleRule.event_id == event.id)
                                .order_by(TitleRule.up_to_rank))).all()
    places = scheme.rounding.places
    rows = []
    for entry, person_name, unit_name, area_name, area_id in entries:
        result, standing = results.get(entry.id), standings.get(entry.bib)
        rank = standing.rank if standing and shows_results else None
        rows.append(BoardRow(
            entry_id=entry.id, rank=rank, code=entry.blind_code,
            name=(person_name or entry.project_title) if shows_names else None,
            unit=unit_name if shows_names else None, area=area_name if shows_names else None,
            unit_id=entry.unit_id if shows_names else None, area_id=area_id if shows_names else None,
            stages=tuple(_fmt(result.stage_totals.get(k), places) if result and shows_results else ""
                         for k, _ in ((s.key, s.name) for s in scheme.stages)),
            total=_fmt(result.total, places) if result and shows_results and result.total is not None else "",
            award=standing.award if standing and shows_results else None,
            titles=tuple(r.title for r in rules if rank is not None and rank <= r.up_to_rank),
            status=_status(entry, result) if shows_results else "not_scored"))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return tuple(rows)


def _figures(result: Result, bib: str) -> scoring.Figures:
    return scoring.Figures(bib, result.status, None if result.total is None else Decimal(result.total),
                           {k: Decimal(v) for k, v in result.stage_totals.items()},
                           {s: {c: Decimal(v) for c, v in cs.items()} for s, cs in result.criteria.items()})


def _status(entry: Entry, result: Result | None) -> str:
    if entry.status in ("withdrawn", "disqualified"):
        return entry.status
    return result.status if result else "not_scored"


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
                  actor: str) -> Notice:
    """Signed-off results go under public notice (公示) for a period with start and end dates."""
    if ends_on < starts_on:
        raise InputError("公示结束日期不能早于开始日期", "ends_on")
    if await get_notice(session, event):
        raise Conflict("本活动的成绩已经公示")
    if event.status != "review":
        raise Conflict("活动须处于“审核中”状态才能公示成绩")
    missing = await unsigned_stages(session, event)
    if missing:
        raise Conflict(f"以下环节尚未由裁判长签字确认：{'、'.join(missing[:10])}")
    notice = Notice(event_id=event.id, starts_on=starts_on, ends_on=ends_on, contact=contact.strip()[:200])
    session.add(notice)
    event.status = "published"
    session.add(event)
    await _log(session, event, actor, "results.publish", {"starts_on": str(starts_on), "ends_on": str(ends_on)})
    await session.commit()
    return notice


async def finalise(session: AsyncSession, event: Event, actor: str, today: date | None = None) -> Notice:
    """After the notice period, with every appeal decided, the results become final."""
    notice = await get_notice(session, event)
    if notice is None:
        raise Conflict("成绩尚未公示")
    if notice.finalised_at:
        raise Conflict("成绩已是最终成绩")
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


async def _log(session: AsyncSession, event: Event, actor: str, action: str, payload: dict) -> None:
    await ledger.append(session, event_id=event.id, actor=actor, device="", action=action,
                        subject=f"event:{event.id}", payload=payload)
    await notify.announce_event(session, event.id)


async def list_appeals(session: AsyncSession, event: Event) -> Sequence[tuple[Appeal, Entry]]:
    return (await session.exec(select(Appeal, Entry).join(Entry, Entry.id == Appeal.entry_id)
                               .where(Appeal.event_id == event.id).order_by(Appeal.lodged_at))).all()


async def lodge_appeal(session: AsyncSession, event: Event, entry_id: int, appellant: str, content: str,
                       deadline: date, actor: str) -> Appeal:
    """An appeal (申诉) recorded by the organiser for a contestant, during the notice period."""
    notice = await get_notice(session, event)
    if notice is None or notice.finalised_at:
        raise Conflict("只能在公示期内受理申诉")
    entry = await session.get(Entry, entry_id)
    if entry is None or (await session.get(Track, entry.track_id)).event_id != event.id:
        raise NotFound("选手")
    if not appellant.strip() or not content.strip():
        raise InputError("请填写申诉人和申诉内容", "content")
    appeal = Appeal(event_id=event.id, entry_id=entry.id, appellant=appellant.strip()[:60],
                    content=content.strip()[:2000], deadline=deadline)
    session.add(appeal)
    await session.flush()
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="appeal.lodge",
                        subject=f"appeal:{appeal.id}", payload={"entry": entry.bib, "appellant": appeal.appellant})
    await session.commit()
    return appeal


async def decide_appeal(session: AsyncSession, event: Event, appeal_id: int, outcome: str, decision: str,
                        actor: str) -> Appeal:
    """The supervision and arbitration group's decision. An upheld appeal re-opens the entry's
    stages for re-scoring through the chief judge's console (their sign-offs are withdrawn)."""
    appeal = await session.get(Appeal, appeal_id)
    if appeal is None or appeal.event_id != event.id:
        raise NotFound("申诉")
    if outcome not in ("upheld", "dismissed"):
        raise InputError(f"处理结果应为{APPEAL_OUTCOMES['upheld']}或{APPEAL_OUTCOMES['dismissed']}", "outcome")
    if appeal.outcome != "pending":
        raise Conflict("该申诉已处理")
    if not decision.strip():
        raise InputError("请填写处理意见", "decision")
    appeal.outcome, appeal.decision = outcome, decision.strip()[:2000]
    appeal.decided_at, appeal.decided_by = utcnow(), actor[:60]
    session.add(appeal)
    if outcome == "upheld":
        entry = await session.get(Entry, appeal.entry_id)
        await judging.withdraw_signoffs(session, entry.track_id, f"申诉 #{appeal.id} 成立，重新评分", actor)
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="appeal.decide",
                        subject=f"appeal:{appeal.id}", payload={"outcome": outcome, "decision": appeal.decision})
    await session.commit()
    return appeal


# --- titles and the ceremony -------------------------------------------------------------------------


async def add_title_rule(session: AsyncSession, event: Event, up_to_rank: int, title: str,
                         craftsman_candidate: bool) -> TitleRule:
    if up_to_rank < 1:
        raise InputError("名次应为正整数", "up_to_rank")
    if not title.strip():
        raise InputError("请填写称号", "title")
    rule = TitleRule(event_id=event.id, up_to_rank=up_to_rank, title=title.strip()[:80],
                     craftsman_candidate=craftsman_candidate)
    session.add(rule)
    await session.commit()
    return rule


async def freeze(session: AsyncSession, event: Event, track: Track) -> BoardFreeze:
    """Stop the board at this moment for the award ceremony, to be revealed from the bottom up. Only
    a board whose every entry is scored: a ceremony must not reveal a place that can still change."""
    if (await session.exec(select(BoardFreeze.id).where(BoardFreeze.track_id == track.id))).first():
        raise Conflict("该赛项的榜单已冻结")
    current = await board(session, track.id)
    if not current.shows_results:
        raise Conflict("成绩尚未公布（须裁判长签字确认），不能冻结榜单")
    if not current.rows:
        raise Conflict("榜单上还没有选手，不能冻结")
    if current.unscored:
        raise Conflict(f"还有 {current.unscored} 名选手未评完分（评分中或待评分），全部评完后才能冻结榜单；"
                       "缺赛的选手请先标为退赛")
    rows = [{**r.__dict__, "stages": list(r.stages), "titles": list(r.titles)} for r in current.rows]
    frozen = BoardFreeze(track_id=track.id, rows=rows)
    session.add(frozen)
    await notify.announce(session, track.id)
    await session.commit()
    return frozen


async def reveal(session: AsyncSession, track: Track, down_to_rank: int | None = None) -> BoardFreeze:
    """Reveal the next place from the bottom, or every place down to a rank at once (ties together)."""
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
    await notify.announce(session, track.id)
    await session.commit()
    return frozen


async def unfreeze(session: AsyncSession, track: Track) -> None:
    frozen = (await session.exec(select(BoardFreeze).where(BoardFreeze.track_id == track.id))).first()
    if frozen is not None:
        await session.delete(frozen)
        await notify.announce(session, track.id)
        await session.commit()


# --- exports and certificates -------------------------------------------------------------------------


def published(board_: Board) -> bool:
    return board_.state in ("under_notice", "final")


async def marks_export(session: AsyncSession, round_: Round) -> tuple[str, str, str]:
    """The round's scheme (JSON), its marks with judges anonymised as J1..Jn, and the SHA-256 that
    certificates show: anyone can recompute the published results from these two files."""
    scheme_text = json.dumps(round_.scheme, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    marks_csv = await judging.export_marks(session, round_, anonymise=True)
    digest = hashlib.sha256((scheme_text + marks_csv).encode()).hexdigest()
    return scheme_text, marks_csv, digest


def results_xlsx(board_: Board, rows: Sequence[BoardRow] | None = None) -> bytes:
    """The results as a workbook: scores are numbers (Excel sums and sorts them) shown with the
    decimals the results have. `rows`: the organiser's export passes them all; by default a frozen
    board's export holds only what the ceremony has revealed."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩"
    tables.append_row(sheet, [f"{board_.event.name} · {board_.track.name} · {board_.state_label}"])
    tables.append_row(sheet, ["名次", "加密号", "姓名", "单位", "县(市、区)", *[name for _, name in board_.stages],
                              "总分", "奖项", "称号", "状态"])
    for r in board_.visible if rows is None else rows:
        tables.append_row(sheet, [r.rank, r.code, r.name or "", r.unit or "", r.area or "", *map(_score, r.stages),
                                  _score(r.total), r.award or "", "、".join(r.titles),
                                  STATUS_LABELS.get(r.status, r.status)])
    return _finished(sheet)


def _score(text: str) -> Decimal | None:
    """A score as a number for a spreadsheet; empty while there is none."""
    return Decimal(text) if text else None


_WIDTHS = {"名次": 6, "加密号": 9, "姓名": 10, "单位": 34, "工作单位": 34, "县(市、区)": 12, "总分": 9, "奖项": 9,
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
    current = await board(session, track.id)
    if current.state != "final":
        raise Conflict("成绩确定为最终成绩后才能颁发证书")
    _, _, digest = await marks_export(session, current.round)
    existing = {c.entry_id: c for c in (await session.exec(select(Certificate).where(
        Certificate.round_id == current.round.id, Certificate.superseded_by.is_(None)))).all()}
    issued = []
    for row in current.rows:
        printed = {"holder": row.name or row.code, "award": row.award, "rank": row.rank, "total": row.total,
                   "titles": list(row.titles)}
        old = existing.get(row.entry_id)
        if not row.award or (old is not None and _printed(old) == printed):
            continue
        cert = Certificate(code=secrets.token_urlsafe(12), entry_id=row.entry_id, round_id=current.round.id,
                           digest=digest, **printed)
        if old is not None:
            old.superseded_by = cert.code
            session.add(old)
            await session.flush()  # the old one stops being current before the new one is
            await ledger.append(session, event_id=event.id, actor=actor, device="", action="certificate.supersede",
                                subject=f"certificate:{old.code}",
                                payload={"by": cert.code, "was": _printed(old), "now": printed})
        session.add(cert)
        issued.append(cert)
    await session.commit()
    return issued


def _printed(cert: Certificate) -> dict:
    return {"holder": cert.holder, "award": cert.award, "rank": cert.rank, "total": cert.total,
            "titles": list(cert.titles)}


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


def issuer(event: Event) -> str:
    """Who signs a certificate or a notice: the event's first organiser."""
    return event.organisers.split("、")[0] if event.organisers else "咸宁市总工会"


async def revoke_certificate(session: AsyncSession, code: str, reason: str, actor: str) -> Certificate:
    cert, event, _ = await certificate(session, code)
    if not reason.strip():
        raise InputError("请填写撤销原因", "reason")
    cert.revoked_at, cert.revoke_reason = utcnow(), reason.strip()[:200]
    session.add(cert)
    await ledger.append(session, event_id=event.id, actor=actor, device="", action="certificate.revoke",
                        subject=f"certificate:{cert.code}", payload={"reason": cert.revoke_reason})
    await session.commit()
    return cert


async def list_certificates(session: AsyncSession, track: Track) -> Sequence[Certificate]:
    return (await session.exec(select(Certificate).join(Round, Round.id == Certificate.round_id)
                               .where(Round.track_id == track.id)
                               .order_by(Certificate.rank, Certificate.issued_at))).all()


async def current_certificate(session: AsyncSession, entry_id: int, round_id: int) -> Certificate | None:
    """The entry's certificate that stands (neither revoked nor superseded), if any."""
    return (await session.exec(select(Certificate).where(
        Certificate.entry_id == entry_id, Certificate.round_id == round_id, Certificate.superseded_by.is_(None),
        Certificate.revoked_at.is_(None)))).first()


async def title_rules(session: AsyncSession, event: Event) -> Sequence[TitleRule]:
    return (await session.exec(select(TitleRule).where(TitleRule.event_id == event.id)
                               .order_by(TitleRule.up_to_rank))).all()


async def entry_by_bib(session: AsyncSession, event: Event, track_slug: str, bib: str) -> int:
    track = await events.get_track(session, event, track_slug)
    entry_id = (await session.exec(select(Entry.id).where(Entry.track_id == track.id, Entry.bib == bib))).first()
    if entry_id is None:
        raise InputError(f"赛项 {track.name} 没有参赛证号为 {bib} 的选手", "bib")
    return entry_id


def notice_xlsx(event: Event, notice: Notice, boards: Sequence[Board]) -> bytes:
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
        tables.append_row(sheet, ["名次", "姓名", "工作单位", "县(市、区)", *[name for _, name in b.stages],
                                  "总分", "奖项", "称号"])
        for r in b.visible:
            if r.rank is not None:
                tables.append_row(sheet, [r.rank, r.name or r.code, r.unit or "", r.area or "",
                                          *map(_score, r.stages), _score(r.total), r.award or "",
                                          "、".join(r.titles)])
    return _finished(sheet)
