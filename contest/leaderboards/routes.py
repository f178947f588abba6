"""Public boards (pages, live stream, JSON feed, big screen), notices, exports, certificates and
their verification; and the organiser's publication desk."""
from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import asdict, astuple, dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, ServerSentEventMessage, Stream, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import clock, metrics, scoring, web
from contest.auth import COOKIELESS, PUBLIC, PUBLIC_PAGE, requires
from contest.errors import Conflict, InputError, NotFound
from contest.events import lifecycle
from contest.events import service as events
from contest.events.models import Event, Track
from contest.forms import Form
from contest.judging import service as judging
from contest.leaderboards import public
from contest.leaderboards import service as svc
from contest.leaderboards.models import APPEAL_OUTCOMES
from contest.leaderboards.public import PublicBoard
from contest.people.models import Unit

PAGE = 200  # rows per board page
SCREEN_SECONDS = 10  # how long the big screen shows each screenful of a long board

_FILTERS = {"area": "地区", "unit": "单位"}


def _filter_id(value: str | None, field: str) -> int | None:
    return web.query_id(value, field, _FILTERS[field])


@dataclass(frozen=True)
class View:
    """What a viewer asked of a board: county, unit, a search, a page (and so the key of its fragments)."""
    area: int | None = None
    unit: int | None = None
    q: str = ""
    page: int = 1

    @classmethod
    def of(cls, area: str | None, unit: str | None, q: str | None, page: str | None) -> View:
        return cls(_filter_id(area, "area"), _filter_id(unit, "unit"), " ".join((q or "").split())[:40],
                   web.query_page(page))

    @property
    def filters(self) -> dict[str, Any]:
        """The filters for links (a pager, a live stream): those that are set."""
        return {k: v for k, v in (("q", self.q), ("area", self.area), ("unit", self.unit)) if v}


def _page_rows(board: PublicBoard, view: View) -> tuple[tuple, int]:
    rows = board.filtered(view.area, view.unit, view.q)
    pages = max(1, -(-len(rows) // PAGE))
    page = min(max(view.page, 1), pages)
    return rows[(page - 1) * PAGE: page * PAGE], pages


def _fragment(request: Request, board: PublicBoard, template: str, key: tuple,
              context: Callable[[], dict[str, Any]]) -> str:
    """A rendered template, once per board and key, shared by all the worker's viewers."""
    return board.rendered((template, *key), lambda: request.app.template_engine.get_template(template)
                          .render(**context()))


def _rows_html(request: Request, board: PublicBoard, view: View) -> str:
    return _fragment(request, board, "leaderboards/_rows.html", astuple(view),
                     lambda: {"board": board, "rows": _page_rows(board, view)[0], "labels": svc.STATUS_LABELS,
                              "filtering": bool(view.filters)})


_LIVE = {"board": "leaderboards/_live.html", "screen": "leaderboards/_screen_live.html"}


def _live_html(request: Request, board: PublicBoard, view: View, kind: str = "board") -> str:
    """The part of a board page (or of the big screen) that every change replaces whole: the state,
    the notice banner, the table's head (names or blind codes follow publication) and the rows."""
    today = clock.today()  # the notice banner says whether the notice period is still open
    return _fragment(request, board, _LIVE[kind], (*astuple(view), today), lambda: {
        "board": board, "rows_html": _rows_html(request, board, view), "notice": board.notice, "today": today,
        "count": len(board.filtered(view.area, view.unit, view.q)), "filtering": bool(view.filters)})


def _board_html(request: Request, board: PublicBoard, view: View) -> str:
    """The board page's content: its search and filters, the live part and the pager."""
    def context() -> dict[str, Any]:
        return {"board": board, "live_html": _live_html(request, board, view), "page": view.page,
                "pages": _page_rows(board, view)[1], "filters": view.filters, "q": view.q, "area": view.area,
                "unit": view.unit, "areas": board.areas, "units": board.units_in(view.area)}

    return _fragment(request, board, "leaderboards/_board.html", (*astuple(view), clock.today()), context)


def _kind(view: str | None) -> str:
    if view not in (None, "", *_LIVE):
        raise InputError(f"显示方式应为 board 或 screen，收到“{view[:20]}”", "view")
    return view or "board"


# --- public pages ---------------------------------------------------------------------------------------


# Every public page, row, stream, feed, export, screen, contestant and unit page and certificate below
# is made of what the public gate (leaderboards.public, through the service's public_* functions) lets
# through.


@get("/", opt=PUBLIC_PAGE, include_in_schema=False)
async def home(db: NamedDependency[AsyncSession]) -> Template:
    return Template("leaderboards/home.html", context={"events": await svc.public_events(db)})


@get("/events/{slug:str}", opt=PUBLIC_PAGE, include_in_schema=False)
async def event_page(db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
    event, tracks, notice = await svc.public_tracks(db, slug)
    return Template("leaderboards/event.html", context={
        "event": event, "tracks": tracks, "counts": await events.count_entries(db, [t.id for t in tracks]),
        "notice": notice, "today": clock.today()})


@get("/events/{slug:str}/tracks/{track:str}", opt=PUBLIC_PAGE, include_in_schema=False)
async def board_page(request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                     q: FromQuery[str | None] = None, area: FromQuery[str | None] = None,
                     unit: FromQuery[str | None] = None, page: FromQuery[str | None] = None) -> Template:
    board = await svc.public_board(db, slug, track)
    html = _board_html(request, board, View.of(area, unit, q, page))
    return Template("leaderboards/board.html", context={"board": board, "content": html},
                    headers={"Vary": "HX-Request"})


@get("/events/{slug:str}/tracks/{track:str}/rows", opt=PUBLIC_PAGE, include_in_schema=False)
async def board_rows(request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                     q: FromQuery[str | None] = None, area: FromQuery[str | None] = None,
                     unit: FromQuery[str | None] = None, page: FromQuery[str | None] = None,
                     view: FromQuery[str | None] = None) -> Response[str]:
    """The live part alone: the polling fallback where server-sent events are blocked."""
    board = await svc.public_board(db, slug, track)
    html = _live_html(request, board, View.of(area, unit, q, page), _kind(view))
    return Response(html, media_type="text/html")


LIVE_STATES = {True: "实时更新", False: "连接中断，正在重连…"}
RETRY_MS = 2000  # how soon a browser reconnects a stream that ended
BUSY_RETRY = 15  # seconds a viewer refused a stream (the worker has its CONTEST_MAX_STREAMS) polls before trying again
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy keeps or buffers a stream
_PING = ServerSentEventMessage(comment="ping", data=None).encode()
_STATES = {up: ServerSentEventMessage(event="state", data=text, retry=RETRY_MS).encode()
           for up, text in LIVE_STATES.items()}


def _live_event(request: Request, board: PublicBoard, view: View, kind: str) -> bytes:
    """The `board` event of a view, encoded once per board and shared as bytes by all its streams."""
    return board.rendered(("sse", kind, *astuple(view), clock.today()), lambda: ServerSentEventMessage(
        event="board", data=_live_html(request, board, view, kind)).encode())


@get("/live/tracks/{track_id:int}", opt=COOKIELESS, include_in_schema=False)
async def live(request: Request, track_id: FromPath[int], q: FromQuery[str | None] = None,
               area: FromQuery[str | None] = None, unit: FromQuery[str | None] = None,
               page: FromQuery[str | None] = None, view: FromQuery[str | None] = None) -> Stream:
    """Server-sent events: the board's live part now (so a reconnecting client catches up), then again
    after every change of the track; a `state` event says whether changes reach the board (not
    while the database is away); a comment at every heartbeat keeps the stream open. Above the
    worker's stream limit: a 503 with Retry-After (the page polls meanwhile)."""
    live_boards = request.app.state.live
    live_boards.admit(BUSY_RETRY)  # first: a refused viewer costs the worker nothing more
    try:
        feed = await live_boards.feed(track_id)
        feed.board.public  # noqa: B018 (through the gate: a draft event's board is not found)
        asked, kind = View.of(area, unit, q, page), _kind(view)
    except BaseException:
        live_boards.release()
        raise

    async def stream() -> AsyncGenerator[bytes, None]:
        try:
            with metrics.LIVE_STREAMS.track_inprogress():
                sent_version = sent_up = None
                while not live_boards.ending:
                    tick, up = feed.tick, feed.up
                    try:
                        shown = feed.board.public
                    except NotFound:
                        return  # the event went back to draft: nothing more of it is public
                    news = shown.version != sent_version or up != sent_up
                    if shown.version != sent_version:
                        yield _live_event(request, shown, asked, kind)
                        sent_version = shown.version
                    if up != sent_up:  # the viewer's page says whether changes reach it
                        yield _STATES[up]
                        sent_up = up
                    if not news:
                        yield _PING  # woken by the heartbeat (or a board this view already shows)
                    await tick.wait()
        finally:
            live_boards.release()

    return Stream(stream(), media_type="text/event-stream", headers=_SSE_HEADERS)


@get("/api/events/{slug:str}/tracks/{track:str}/board", opt=PUBLIC_PAGE, tags=["leaderboards"],
     responses=web.API_ERRORS)
async def board_feed(db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> dict[str, Any]:
    """A track's board for TV graphics and other systems; shows exactly what the public page shows."""
    board = await svc.public_board(db, slug, track)
    return {"event": board.event.name, "track": board.track.name, "state": board.state,
            "state_label": board.state_label, "frozen": board.frozen, "awards_tentative": board.awards_tentative,
            "undrawn": board.undrawn, "stages": [{"key": k, "name": n} for k, n in board.stages],
            "rows": [{k: v for k, v in asdict(r).items() if k not in _FEED_LEAVES_OUT} for r in board.visible]}


_FEED_LEAVES_OUT = ("unit_id", "area_id", "team_unit_ids")  # the database's ids


@get("/screen/events/{slug:str}/tracks/{track:str}", opt=PUBLIC_PAGE, include_in_schema=False)
async def big_screen(request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                     seconds: FromQuery[str | None] = None) -> Template:
    """The venue's big screen; `seconds` is how long each screenful of a long board stays (3–60)."""
    board = await svc.public_board(db, slug, track)
    if seconds and not (seconds.isascii() and seconds.isdigit() and len(seconds) <= 3):
        raise InputError(f"翻页秒数应为 3 到 60 之间的整数，收到“{seconds[:10]}”", "seconds")
    stay = min(max(int(seconds), 3), 60) if seconds else SCREEN_SECONDS
    return Template("leaderboards/screen.html", context={
        "board": board, "live_html": _live_html(request, board, View(), "screen"), "seconds": stay})


@get("/events/{slug:str}/tracks/{track:str}/my-score", opt=PUBLIC, include_in_schema=False)
async def my_score_form(db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                        bib: FromQuery[str] = "", code: FromQuery[str] = "") -> Template:
    """查成绩明细: a contestant types the admission number and look-up code of their admission card
    (its QR code fills them in)."""
    return Template("leaderboards/my_score.html", context={
        "board": await svc.public_board(db, slug, track), "bib": bib[:20], "code": code[:20]})


@post("/events/{slug:str}/tracks/{track:str}/my-score", opt=PUBLIC, include_in_schema=False, status_code=200)
async def my_score(request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                   track: FromPath[str]) -> Template:
    form = await Form.read(request)
    bib, code = form.text("bib")[:20], form.text("code")[:20]
    try:
        board, sheet = await svc.own_score_sheet(db, slug, track, bib, code,
                                                 request.app.state.settings.id_hash_key.encode())
    except (InputError, Conflict) as exc:
        return Template("leaderboards/my_score.html", status_code=400 if isinstance(exc, InputError) else 409,
                        context={"board": await svc.public_board(db, slug, track), "bib": bib, "code": code,
                                 "error": exc.message})
    return Template("leaderboards/my_score.html", headers=web.NO_STORE,
                    context={"board": board, "bib": bib, "sheet": sheet})


@get("/events/{slug:str}/tracks/{track:str}/entries/{code:str}", opt=PUBLIC_PAGE, include_in_schema=False)
async def contestant_page(db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str],
                          code: FromPath[str]) -> Template:
    """One contestant: stage scores, total, place, prize and certificate — only what the board shows
    of them (the row comes from the same board, through the same visibility rule)."""
    board, row, certificates, opinions = await svc.public_contestant(db, slug, track, code)
    return Template("leaderboards/contestant.html", context={
        "board": board, "row": row, "code": code, "certificates": certificates, "labels": svc.STATUS_LABELS,
        "opinions": opinions, "team_units": await svc.unit_links(db, row.team_unit_ids) if row else (),
        "sheet": await svc.score_sheet(db, slug, track, code) if row and board.published else None,
        "stages": [(name, score) for (_, name), score in zip(board.stages, row.stages, strict=True)] if row else []})


@get("/units/{unit_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def unit_page(db: NamedDependency[AsyncSession], unit_id: FromPath[int]) -> Template:
    unit = await db.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位")
    return Template("leaderboards/unit.html", context={"unit": unit, "boards": await svc.unit_boards(db, unit.id),
                                                       "labels": svc.STATUS_LABELS})


@get("/events/{slug:str}/notice", opt=PUBLIC_PAGE, include_in_schema=False)
async def notice_page(db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
    event, notice, boards = await _published_boards(db, slug)
    return Template("leaderboards/notice.html", context={"event": event, "notice": notice, "boards": boards,
                                                         "issuer": svc.issuer(event)})


@get("/events/{slug:str}/notice.xlsx", opt=PUBLIC, include_in_schema=False)
async def notice_xlsx(db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Response[bytes]:
    event, notice, boards = await _published_boards(db, slug)
    return web.download(svc.notice_xlsx(event, notice, boards), f"{event.name}成绩公示.xlsx")


async def _published_boards(db: AsyncSession, slug: str, missing: str = "成绩公示"):
    """The notice and every track's board as the public sees them (the organiser's notice export too)."""
    event, _, notice = await svc.public_tracks(db, slug)
    if notice is None:
        raise NotFound(missing)
    return event, notice, await svc.public_boards(db, await svc.public_event(db, slug))


@get("/events/{slug:str}/tracks/{track:str}/results.xlsx", opt=PUBLIC, include_in_schema=False)
async def results_xlsx(db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> Response:
    board = await svc.public_board(db, slug, track)
    if not board.shows_results:
        raise NotFound("成绩")
    return web.download(svc.results_xlsx(board), f"{board.event.name}-{board.track.name}成绩.xlsx")


@get("/events/{slug:str}/tracks/{track:str}/marks.csv", opt=PUBLIC, include_in_schema=False)
async def marks_csv(db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> Response:
    """Every mark of the published results, judges as J1..Jn: `contest results compute` on this and
    scheme.json reproduces the published results exactly."""
    _, marks, _ = await svc.published_export(db, slug, track)
    return web.download(marks.encode(), f"{slug}-{track}-marks.csv", "text/csv; charset=utf-8")


@get("/events/{slug:str}/tracks/{track:str}/scheme.json", opt=PUBLIC, include_in_schema=False)
async def scheme_json(db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> Response:
    scheme, _, _ = await svc.published_export(db, slug, track)
    return web.download(scheme.encode(), f"{slug}-{track}-scheme.json", "application/json")


@get("/certificates/{code:str}", opt=PUBLIC_PAGE, include_in_schema=False)
async def certificate_page(request: Request, db: NamedDependency[AsyncSession], code: FromPath[str]) -> Template:
    cert, event, track = await svc.public_certificate(db, code)
    link = web.public_url(request, f"/verify/{cert.code}")
    return Template("leaderboards/certificate.html", context={
        "cert": cert, "event": event, "track": track, "link": link, "qr": web.qr_svg(link),
        "issuer": svc.issuer(event)})


@get("/verify/{code:str}", opt=PUBLIC_PAGE, include_in_schema=False)
async def verify_page(db: NamedDependency[AsyncSession], code: FromPath[str]) -> Template:
    """What a person scanning a certificate wants to know, in plain words: whose it is, for what,
    from when, and whether it still stands; the proof for the technically minded folded below."""
    cert, event, track = await svc.public_certificate(db, code)
    return Template("leaderboards/verify.html", context={"cert": cert, "event": event, "track": track,
                                                         "issuer": svc.issuer(event)})


# --- the organiser's publication desk ------------------------------------------------------------------


class PublicationController(Controller):
    path = "/admin/events/{slug:str}/publication"
    guards = [requires("organiser")]
    include_in_schema = False

    @get("/")
    async def desk(self, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Template:
        event = await events.get_event(db, slug)
        tracks = await events.list_tracks(db, event)
        appeals = await svc.list_appeals(db, event)
        return Template("leaderboards/publication.html", context={
            "event": event, "tracks": tracks, "notice": await svc.get_notice(db, event),
            "controls": lifecycle.Controls(await lifecycle.event_phase(db, event.id)),
            "track_controls": {t.id: lifecycle.Controls(await lifecycle.track_phase(db, event.id, t.id))
                               for t in tracks},
            "unsigned": await svc.unsigned_stages(db, event), "appeals": appeals,
            "records": {entry.id: await judging.sheet_records(db, entry_id=entry.id) for _, entry in appeals},
            "outcomes": APPEAL_OUTCOMES, "rules": await svc.title_rules(db, event),
            # the ceremony desk shows what the screen shows: the boards through the public gate
            "boards": await svc.public_boards(db, event) if public.is_public(event) else [],
            "correction": (correction := await svc.current_correction(db, event)),
            "changes": await svc.correction_changes(db, event) if correction else [],
            "versions": await svc.notice_versions(db, event),
            "certificates": {t.id: await svc.list_certificates(db, t) for t in tracks},
            "today": (today := clock.today()), "earliest_end": clock.workday_end(today, event.notice_workdays)})

    @staticmethod
    def _done(slug: str, anchor: str = "") -> Redirect:
        return web.see_other(f"/admin/events/{slug}/publication/{anchor}")

    @post("/notice")
    async def publish(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await svc.publish(db, await events.get_event(db, slug), form.date("starts_on", "公示开始日期"),
                          form.date("ends_on", "公示结束日期"), form.text("contact"), web.actor(request))
        return self._done(slug)

    @post("/final")
    async def finalise(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        await svc.finalise(db, await events.get_event(db, slug), web.actor(request))
        return self._done(slug)

    @post("/corrections")
    async def open_correction(self, request: Request, db: NamedDependency[AsyncSession],
                              slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await svc.open_correction(db, await events.get_event(db, slug), form.required("reason", "更正原因"),
                                  web.actor(request))
        return self._done(slug, "#correction")

    @post("/corrections/issue")
    async def issue_correction(self, request: Request, db: NamedDependency[AsyncSession],
                               slug: FromPath[str]) -> Redirect:
        await svc.issue_correction(db, await events.get_event(db, slug), web.actor(request))
        return self._done(slug, "#notice")

    @post("/corrections/withdraw")
    async def withdraw_correction(self, request: Request, db: NamedDependency[AsyncSession],
                                  slug: FromPath[str]) -> Redirect:
        await svc.withdraw_correction(db, await events.get_event(db, slug), web.actor(request))
        return self._done(slug, "#notice")

    @post("/appeals")
    async def lodge(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        event = await events.get_event(db, slug)
        await svc.lodge_appeal(db, event, form.required("track", "赛项"), form.required("bib", "参赛证号"),
                               form.required("appellant", "申诉人"),
                               form.required("content", "申诉内容"), form.date("deadline", "处理期限"),
                               web.actor(request))
        return self._done(slug, "#appeals")

    @post("/appeals/{appeal_id:int}")
    async def decide(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                     appeal_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.decide_appeal(db, await events.get_event(db, slug), appeal_id, form.required("outcome", "处理结果"),
                                form.required("decision", "处理意见"), web.actor(request))
        return self._done(slug, "#appeals")

    @post("/titles")
    async def title(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await svc.add_title_rule(db, await events.get_event(db, slug), form.int("up_to_rank", "名次", required=True),
                                 form.required("title", "称号"), form.flag("craftsman_candidate"), web.actor(request))
        return self._done(slug, "#titles")

    @post("/titles/{rule_id:int}/remove")
    async def remove_title(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           rule_id: FromPath[int]) -> Redirect:
        await svc.remove_title_rule(db, await events.get_event(db, slug), rule_id, web.actor(request))
        return self._done(slug, "#titles")

    @post("/tracks/{track:str}/{action:str}")
    async def track_action(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           track: FromPath[str], action: FromPath[str]) -> Redirect:
        event = await events.get_event(db, slug)
        the_track = await events.get_track(db, event, track)
        form, actor = await Form.read(request), web.actor(request)
        actions = {"freeze": lambda: svc.freeze(db, event, the_track, actor),
                   "reveal": lambda: svc.reveal(db, the_track, form.int("down_to", "揭晓至第几名"), actor),
                   "unfreeze": lambda: svc.unfreeze(db, the_track, actor) if _confirmed(form) else None,
                   "certificates": lambda: svc.issue_certificates(db, event, the_track, actor)}
        if action not in actions:
            raise NotFound("操作")
        await actions[action]()
        return self._done(slug, f"#track-{track}")

    @post("/certificates/{code:str}/revoke")
    async def revoke(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                     code: FromPath[str]) -> Redirect:
        form = await Form.read(request)
        await svc.revoke_certificate(db, code, form.required("reason", "撤销原因"), web.actor(request))
        return self._done(slug, "#certificates")


def _confirmed(form: Form) -> bool:
    """Unfreezing a ceremony's board shows every result at once: only when the organiser confirms."""
    if not form.flag("confirm"):
        raise InputError("请勾选确认后再解除冻结：解除后大屏与公开榜单立即显示全部成绩", "confirm")
    return True


# --- the organiser's exports and print ------------------------------------------------------------------


class OrganiserExportsController(Controller):
    """What the office takes away from an event, whatever the public may see yet: the results with
    every row, the marks with the judges' own numbers, the notice, and a track's certificates in
    one printable document."""

    path = "/admin/events/{slug:str}"
    guards = [requires("organiser")]
    include_in_schema = False

    @staticmethod
    async def _track(db: AsyncSession, slug: str, track: str) -> tuple[Event, Track]:
        event = await events.get_event(db, slug)  # the organiser's own: not through the public gate
        return event, await events.get_track(db, event, track)

    @get("/tracks/{track:str}/results.xlsx")
    async def results(self, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> Response:
        event, the_track = await self._track(db, slug, track)
        board = await svc.board(db, the_track.id)
        standard, _ = await svc.track_standard(db, the_track)
        return web.download(svc.results_xlsx(board, board.rows, standard), f"{event.name}-{the_track.name}成绩.xlsx")

    @get("/standard-scores")
    async def standard_scores(self, db: NamedDependency[AsyncSession], slug: FromPath[str],
                              over: FromQuery[str] = "event") -> Template:
        """Winners of different trades side by side by standard score: the event's finished tracks,
        or (over=year) those of every event of its year."""
        event = await events.get_event(db, slug)
        year = over == "year"
        chosen = [e for e in await events.list_events(db) if e.year == event.year] if year else [event]
        rows, left_out = await svc.standard_scores(db, chosen)
        return Template("leaderboards/standard_scores.html", context={
            "event": event, "year": year, "rows": rows, "left_out": left_out, "rule": scoring.STANDARD_RULE})

    @get("/tracks/{track:str}/marks.csv")
    async def marks(self, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> Response:
        event, the_track = await self._track(db, slug, track)
        board = await svc.board(db, the_track.id)
        marks = await judging.export_marks(db, board.round, anonymise=False)
        return web.download(marks.encode("utf-8-sig"), f"{event.name}-{the_track.name}评分明细.csv",
                            "text/csv; charset=utf-8")

    @get("/tracks/{track:str}/opinions.csv")
    async def opinions(self, db: NamedDependency[AsyncSession], slug: FromPath[str], track: FromPath[str]) -> Response:
        """The judges' opinions and notes: a file of their own beside the marks."""
        event, the_track = await self._track(db, slug, track)
        board = await svc.board(db, the_track.id)
        words = await judging.export_words(db, board.round)
        return web.download(words.encode("utf-8-sig"), f"{event.name}-{the_track.name}评审意见.csv",
                            "text/csv; charset=utf-8")

    @get("/notice.xlsx")
    async def notice(self, db: NamedDependency[AsyncSession], slug: FromPath[str]) -> Response:
        """The notice as published: the public's own (a notice is public once it exists)."""
        event, notice, boards = await _published_boards(db, slug, "成绩公示（请先在“成绩发布”中开始公示）")
        return web.download(svc.notice_xlsx(event, notice, boards), f"{event.name}成绩公示.xlsx")

    @get("/tracks/{track:str}/certificates")
    async def certificates(self, request: Request, db: NamedDependency[AsyncSession], slug: FromPath[str],
                           track: FromPath[str]) -> Template:
        event, the_track = await self._track(db, slug, track)
        certs = []
        for cert in await svc.track_certificates(db, the_track):
            link = web.public_url(request, f"/verify/{cert.code}")
            certs.append({"cert": cert, "link": link, "qr": web.qr_svg(link)})
        return Template("leaderboards/certificates.html", context={
            "event": event, "track": the_track, "certs": certs, "issuer": svc.issuer(event)})


ROUTES = [home, event_page, board_page, board_rows, live, board_feed, big_screen, contestant_page, my_score_form,
          my_score, unit_page,
          notice_page, notice_xlsx, results_xlsx, marks_csv, scheme_json, certificate_page, verify_page,
          PublicationController, OrganiserExportsController]
