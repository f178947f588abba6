"""The public gate: what the public may see of an event, and nothing else.

Every public response — pages, rows, live streams, feeds, exports, screens, unit pages and
certificates — is made from the types here, which the gate builds: an event in preparation (draft)
has none (a 404), and a board's rows pass the event's visibility rule on the way. The types are an
allow-list: a public row simply has no field for an ID or phone number, a bib, a person or an entry
id, and a public event none for the judges' sign-in code, so a template or a feed cannot show one.
The gate reads no database: the service hands it what it has built (a board from the board store)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from contest.errors import NotFound
from contest.events.models import Event, Track
from contest.leaderboards.models import RESULT_STATES, Certificate, Notice, NoticeVersion
from contest.people.service import pinyin_key, search_text

if TYPE_CHECKING:
    from contest.judging.service import SheetRecord
    from contest.leaderboards.service import Board, BoardRow

UNSCORED = ("incomplete", "not_scored")  # an entry still being judged
OFFICIAL = ("signed_off", "under_notice", "final")  # results states past the chief judges' sign-off


@dataclass(frozen=True)
class PublicEvent:
    slug: str
    name: str
    year: int
    level: str
    kind: str
    organisers: str
    status: str
    visibility: str


@dataclass(frozen=True)
class PublicTrack:
    id: int  # the live stream's address: /live/tracks/{id}
    slug: str
    name: str


@dataclass(frozen=True)
class PublicNoticeVersion:
    version: int
    issued_at: datetime
    reason: str  # a correction's reason (the first version has none)


@dataclass(frozen=True)
class PublicNotice:
    starts_on: date
    ends_on: date
    contact: str
    published_at: datetime
    finalised_at: datetime | None
    versions: tuple[PublicNoticeVersion, ...] = ()  # newest first: 更正 after the first


@dataclass(frozen=True)
class PublicRow:
    rank: int | None
    code: str  # the blind code; always shown
    name: str | None  # None while the visibility rule hides who it is
    unit: str | None
    area: str | None
    unit_id: int | None  # for the county and unit filters (unit pages are public)
    area_id: int | None
    stages: tuple[str, ...]  # stage totals (before weight) in scheme order, "" when not yet there
    total: str
    award: str | None
    titles: tuple[str, ...]
    status: str
    # A project's team, the lead first (its title is the name), and its members' units (for their
    # unit pages); hidden with the name
    team: tuple[str, ...] = field(default=(), kw_only=True)
    team_unit_ids: tuple[int, ...] = field(default=(), kw_only=True)

    def matches(self, words: str, letters: str) -> bool:
        """Whether a search (see people.search_text) finds this row: by name (or a team member's),
        unit, code, or the name's pinyin or initials (worked out at the first search, and kept per
        name by pinyin_key)."""
        return (words in (self.name or "") or words in (self.unit or "") or words in self.code
                or any(words in member for member in self.team)
                or bool(letters and self.name) and letters in pinyin_key(self.name))


@dataclass(frozen=True)
class PublicCertificate:
    code: str
    holder: str
    award: str
    rank: int
    total: str
    titles: tuple[str, ...]
    digest: str
    issued_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    superseded_by: str | None
    project: str | None = None  # a team member's certificate: the project's title


@dataclass(frozen=True)
class PublicOpinion:
    """A judge's words on a contestant's sheet as their page shows them where the event's rules
    allow, after publication: the stage, the notes by criterion name and the opinion; no judge,
    no mark."""

    stage: str
    notes: tuple[tuple[str, str], ...]  # (criterion name, note)
    opinion: str
    judge: str = ""  # J1..Jn as the round's public marks file and the score sheet name the judge


@dataclass(frozen=True)
class PublicBoard:
    """A board as the public sees it: rows after the visibility rule, and (kept with it, as the
    board is shared by every viewer of the worker) its filtered rows and rendered fragments."""

    event: PublicEvent
    track: PublicTrack
    stages: tuple[tuple[str, str], ...]  # (key, name)
    rows: tuple[PublicRow, ...]
    state: str  # a RESULT_STATES key
    shows_names: bool
    shows_results: bool
    version: str
    notice: PublicNotice | None = None
    frozen: bool = False
    revealed: int | None = None
    undrawn: int = 0  # entered but not yet drawn: counted aloud, not on the rows
    _filtered: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _rendered: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def state_label(self) -> str:
        return RESULT_STATES[self.state]

    @property
    def published(self) -> bool:
        return self.state in ("under_notice", "final")

    @property
    def visible(self) -> tuple[PublicRow, ...]:
        """A frozen board shows only the rows revealed so far, from the bottom of the board up."""
        if not self.frozen:
            return self.rows
        return self.rows[len(self.rows) - self.revealed:] if self.revealed else ()

    def filtered(self, area_id: int | None = None, unit_id: int | None = None,
                 query: str = "") -> tuple[PublicRow, ...]:
        """The visible rows of one county and/or unit (kept, as the board is shared by every viewer),
        and of those the ones a search finds (by name, pinyin, initials, unit or code)."""
        key = (area_id, unit_id)
        if (area_id is not None and area_id not in dict(self.areas)) or (
                unit_id is not None and unit_id not in dict(self.units) and unit_id not in self.team_units):
            return ()  # not on this board (an address typed by hand): nothing to keep
        if key not in self._filtered:
            self._filtered[key] = tuple(r for r in self.visible if (area_id is None or r.area_id == area_id)
                                        and (unit_id is None or unit_id in (r.unit_id, *r.team_unit_ids)))
        words, letters = search_text(query)
        if not words:
            return self._filtered[key]
        return tuple(r for r in self._filtered[key] if r.matches(words, letters))

    def row(self, code: str) -> PublicRow | None:
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

    @cached_property
    def team_units(self) -> frozenset[int]:
        """The units of the project teams' members on the board (their unit pages list the team)."""
        return frozenset(u for r in self.visible for u in r.team_unit_ids)

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
        not at all while anyone is still being judged, see `board`)."""
        return self.state == "provisional"

    @property
    def next_to_reveal(self) -> PublicRow | None:
        """At the ceremony: the row the next reveal shows."""
        if not self.frozen or self.revealed >= len(self.rows):
            return None
        return self.rows[len(self.rows) - self.revealed - 1]

    @property
    def freeze_refusal(self) -> str | None:
        """Why the board cannot be frozen for the award ceremony now (None: it can): a ceremony must
        not reveal a place that can still change, nor one the visibility rule still hides."""
        if not self.shows_results:
            return "成绩尚未公布（须裁判长签字确认），不能冻结榜单"
        if not self.rows:
            return "榜单上还没有选手，不能冻结"
        if self.unscored:
            return (f"还有 {self.unscored} 名选手未评完分（评分中或待评分），全部评完后才能冻结榜单；"
                    "缺赛的选手请先登记缺考或退赛")
        return None


# --- the gate ---------------------------------------------------------------------------------------------


def is_public(event: Event) -> bool:
    """An event in preparation (筹备, status draft) is not public: no page, feed, screen, stream,
    export or certificate of it exists for the public."""
    return event.status != "draft"


def event(the_event: Event) -> PublicEvent:
    """The event as the public may see it; a draft event does not exist for the public (404)."""
    if not is_public(the_event):
        raise NotFound(f"竞赛活动 {the_event.slug} ")
    return PublicEvent(the_event.slug, the_event.name, the_event.year, the_event.level, the_event.kind,
                       the_event.organisers, the_event.status, the_event.visibility)


def track(the_track: Track) -> PublicTrack:
    return PublicTrack(the_track.id, the_track.slug, the_track.name)


def notice(the_notice: Notice | None, versions: tuple[NoticeVersion, ...] = ()) -> PublicNotice | None:
    if the_notice is None:
        return None
    return PublicNotice(the_notice.starts_on, the_notice.ends_on, the_notice.contact, the_notice.published_at,
                        the_notice.finalised_at, tuple(PublicNoticeVersion(v.version, v.issued_at, v.reason)
                                                       for v in versions))


def opinions(the_event: Event, published: bool, records: Sequence[SheetRecord],
             aliases: dict[str, str]) -> tuple[PublicOpinion, ...]:
    """The judges' words on one contestant's sheets, if the results are published and the event's
    rules let contestants read them (`opinions_public`); else none. Each judge by the alias the
    marks file gives them (`aliases`: number -> J1..Jn), so that words and marks can be read together."""
    if not (published and the_event.opinions_public):
        return ()
    return tuple(PublicOpinion(r.stage_name, tuple((r.criterion_name(k), note) for k, note in r.notes.items()),
                               r.opinion, aliases.get(r.judge, "")) for r in records if r.has_words)


def certificate(cert: Certificate) -> PublicCertificate:
    return PublicCertificate(cert.code, cert.holder, cert.award, cert.rank, cert.total, tuple(cert.titles),
                             cert.digest, cert.issued_at, cert.revoked_at, cert.revoke_reason, cert.superseded_by,
                             cert.project)


def visibility(the_event: Event | PublicEvent, state: str) -> tuple[bool, bool]:
    """(shows results, shows names) under the event's rule at this state of its results."""
    official = state in OFFICIAL
    if the_event.visibility == "hidden":
        return official, official
    if the_event.visibility == "blind":
        return True, state in ("under_notice", "final")
    return True, True


def board(the_board: Board, versions: tuple[NoticeVersion, ...] = ()) -> PublicBoard:
    """The board through the gate: its event public, its rows as the visibility rule lets them show."""
    public_event = event(the_board.event)
    shows_results, shows_names = visibility(public_event, the_board.state)
    rows = [_row(r, shows_results, shows_names) for r in the_board.rows]
    if not shows_results and not the_board.frozen:
        rows.sort(key=lambda r: r.code)  # no ranks to order by
    if the_board.state == "provisional" and any(r.status in UNSCORED for r in rows):
        # prize tiers follow from everyone's scores: while some are missing, no prize is even likely
        rows = [replace(r, award=None, titles=()) for r in rows]
    return PublicBoard(public_event, track(the_board.track), the_board.stages, tuple(rows), the_board.state,
                       shows_names, shows_results, the_board.version, notice(the_board.notice, versions),
                       the_board.frozen, the_board.revealed, the_board.undrawn)


def _row(row: BoardRow, shows_results: bool, shows_names: bool) -> PublicRow:
    shown = PublicRow(**{f.name: getattr(row, f.name) for f in fields(PublicRow)})  # the allow-list
    if not shows_names:
        shown = replace(shown, name=None, unit=None, area=None, unit_id=None, area_id=None, team=(), team_unit_ids=())
    if not shows_results:
        shown = replace(shown, rank=None, stages=tuple("" for _ in row.stages), total="", award=None, titles=(),
                        status="not_scored")
    return shown


@dataclass(frozen=True)
class PublicInnovation:
    """An awarded innovation result as the gallery shows it: no ID number or phone (the type has no
    field for one), no attachment but the images the organiser made public."""

    id: int
    title: str
    kind: str  # the category's Chinese name
    year: int
    award: str
    description: str
    names: tuple[str, ...]  # the submitter's name, or a team's members with the lead first
    unit: str | None
    studio_id: int | None
    studio: str | None
    person_ids: tuple[int, ...]  # to link each name to a craftsman profile where one exists
    image_ids: tuple[int, ...]


def innovation(result, kind: str, award: str, names: Sequence[tuple[int, str]], unit: str | None,
               studio: str | None, image_ids: Sequence[int]) -> PublicInnovation:
    """The gallery's row of an innovation result; a result not awarded has none (a 404)."""
    if result.state != "awarded":
        raise NotFound("创新成果不存在")
    return PublicInnovation(result.id, result.title, kind, result.year, award, result.description,
                            tuple(n for _, n in names), unit, result.studio_id, studio,
                            tuple(i for i, _ in names), tuple(image_ids))
