"""create_app(settings): plugins, routers, error handlers, security."""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File, Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import accounts, auth, clock, db, metrics, web
from contest.errors import Busy, Conflict, InputError, NotFound, TooManyAttempts
from contest.events import routes as events_routes
from contest.exams import routes as exams_routes
from contest.innovations import routes as innovations_routes
from contest.judging import routes as judging_routes
from contest.leaderboards import routes as leaderboards_routes
from contest.leaderboards.live import LiveBoards
from contest.leaderboards.pages import public_pages
from contest.notify import Listener, Revision
from contest.people import routes as people_routes
from contest.registry import routes as registry_routes
from contest.settings import Settings
from contest.studios import routes as studios_routes
from contest.units import routes as units_routes
from contest.units.models import REGISTRATION_STATES

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT = 1.5  # seconds; a health check that waits longer tells a load balancer nothing in time
API_DESCRIPTION = ("评委平板使用的 JSON 接口。先以活动代码、裁判编号和 PIN 调用 POST /api/judge/session 登录，"
                   "此后的请求带上响应设置的会话 Cookie。CSRF：" + web.CSRF_RULE)
log = logging.getLogger("contest")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    clock.use(settings.timezone)
    postgres = None if settings.database_url else db.EmbeddedPostgres(settings.data_dir)  # a worker is given a URL
    url = settings.database_url or postgres.start()
    engine = db.make_engine(url)
    metrics.watch_pool(engine)
    maker = db.make_sessionmaker(engine)

    listener = Listener(db.libpq_url(url))
    live_boards = LiveBoards(listener, maker, settings.live_heartbeat, settings.max_streams)
    revision = Revision(listener, maker)

    undo_signal_hook: list[Callable[[], None]] = []

    async def start(app: Litestar) -> None:
        await db.ensure_migrated(engine)  # an unmigrated database is refused before anything is served
        await revision.follow(engine)
        listener.start()
        undo_signal_hook.append(_on_stop_signal(live_boards.end_streams))

    async def stop(app: Litestar) -> None:
        for undo in undo_signal_hook:
            undo()
        await live_boards.close()
        await listener.close()
        await engine.dispose()
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)

    async def provide_db():
        async for session in db.session_scope(maker):
            yield session

    app = Litestar(
        route_handlers=[
            health,
            metrics.Metrics,
            favicon,
            judge_service_worker,
            create_static_files_router(path="/static", directories=[ROOT / "static"], opt=auth.COOKIELESS,
                                       include_in_schema=False,  # revalidated, unless asked for by hash
                                       cache_control=CacheControlHeader(public=True, no_cache=True)),
            *auth.ROUTES,
            *accounts.ROUTES,
            *people_routes.ROUTES,
            *events_routes.ROUTES,
            *judging_routes.ROUTES,
            *leaderboards_routes.ROUTES,
            *studios_routes.ROUTES,
            *exams_routes.ROUTES,
            *registry_routes.ROUTES,
            *innovations_routes.ROUTES,
            *units_routes.ROUTES,
        ],
        dependencies={"db": Provide(provide_db)},
        on_startup=[start],
        on_shutdown=[stop],
        middleware=[metrics.HTTP.middleware, public_pages,
                    DefineMiddleware(auth.SessionAuthentication, exclude="^/schema")],
        before_send=[web.security_headers(settings), web.cache_policy],
        before_request=web.require_json,
        request_max_body_size=web.BODY_LIMIT,
        plugins=[HTMXPlugin()],
        # HTML, JSON, CSS and JS above 1 KB; never the live streams, whose events gzip would hold back
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, exclude="^/live/"),
        template_config=TemplateConfig(directory=ROOT / "templates", engine=JinjaTemplateEngine,
                                       engine_callback=_configure_jinja),
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_secure=settings.secure_cookies,
                               cookie_httponly=False, header_name=web.CSRF_HEADER, cookie_name=web.CSRF_COOKIE),
        exception_handlers={Exception: error_response},
        openapi_config=OpenAPIConfig(title="咸宁市职工技能竞赛平台 API", version="1", path="/schema",
                                     description=API_DESCRIPTION, components=Components(security_schemes={
                                         "csrf": SecurityScheme(type="apiKey", name=web.CSRF_HEADER,
                                                                security_scheme_in="header",
                                                                description=web.CSRF_RULE)}),
                                     # the schema as JSON only, open to anyone (the pages that render it
                                     # load scripts from a CDN, which the Content-Security-Policy refuses
                                     # and which venues in China often cannot reach)
                                     render_plugins=[JsonRenderPlugin()]),
        debug=settings.debug,
    )
    app.asgi_handler = web.head_as_get(app.asgi_handler)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = maker
    app.state.live = live_boards
    app.state.revision = revision
    return app


def create_app_from_env() -> Litestar:
    """The factory uvicorn workers import (`contest serve` passes the database URL in the env)."""
    return create_app(Settings.from_env())


@get("/healthz", opt=auth.COOKIELESS, include_in_schema=False)
async def health(db: NamedDependency[AsyncSession]) -> Response[dict[str, str]]:
    """For load balancers and service managers: 200 while the database answers, 503 when it does
    not within HEALTH_TIMEOUT seconds (a server that can only fail should get no traffic)."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            await db.exec(text("select 1"))
    except Exception as exc:  # whatever stands between us and the database: unavailable
        log.warning("health check: the database does not answer: %s", _first_line(exc))
        return Response({"status": "unavailable", "database": "数据库无法连接"}, status_code=503)
    return Response({"status": "ok", "database": "ok"})


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _on_stop_signal(callback: Callable[[], None]) -> Callable[[], None]:
    """Call back, in this loop, when the process is told to stop (SIGINT, SIGTERM), then let the
    handler in place (uvicorn's) do its work; returns the undo. uvicorn waits for open responses
    before it shuts the app down, so the app must hear of the signal itself to end live streams."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach only the main thread (a test client may run us elsewhere)
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(sig: int, frame: Any) -> None:
        loop.call_soon_threadsafe(callback)
        if callable(previous[sig]):
            previous[sig](sig, frame)
        elif previous[sig] == signal.SIG_DFL:  # what would have happened without us
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)

    for sig in previous:
        signal.signal(sig, handler)
    return lambda: [signal.signal(sig, old) for sig, old in previous.items()] and None


@get("/favicon.ico", opt=auth.COOKIELESS, include_in_schema=False)
async def favicon() -> File:
    """Browsers ask for it at the root whatever the pages link to."""
    return _static("favicon.ico", "image/x-icon", "public, max-age=86400")


@get("/judge/sw.js", opt=auth.COOKIELESS, include_in_schema=False)
async def judge_service_worker() -> File:
    """The judges' service worker, served from /judge/ so that it may look after the tablet's pages
    (a worker under /static/ could only control /static/); browsers check it for updates."""
    return _static("js/judge-sw.js", "text/javascript", "no-cache")


def _static(path: str, media_type: str, cache_control: str) -> File:
    return File(ROOT / "static" / path, media_type=media_type, content_disposition_type="inline",
                headers={"Cache-Control": cache_control})


def _configure_jinja(engine: JinjaTemplateEngine) -> None:
    from contest.events import lifecycle
    from contest.events import models as ev
    from contest.people import models as pe
    from contest.people.service import pinyin_key

    env = engine.engine
    env.globals.update(
        EVENT_LEVELS=ev.EVENT_LEVELS, EVENT_STATUSES=ev.EVENT_STATUSES, EVENT_KINDS=ev.EVENT_KINDS,
        VISIBILITIES=ev.VISIBILITIES, ENTRY_STATUSES=ev.ENTRY_STATUSES, ROUND_NAMES=ev.ROUND_NAMES,
        PHASES=lifecycle.PHASES, OWNERSHIPS=pe.OWNERSHIPS, UNIT_SIZES=pe.UNIT_SIZES, SKILL_LEVELS=pe.SKILL_LEVEL_LABELS,
        ROLES=auth.ROLES, WORK_GROUPS=pe.WORK_GROUPS, MENUS=auth.MENUS, DEFAULT_PLEDGE=ev.DEFAULT_PLEDGE,
        REGISTRATION_STATES=REGISTRATION_STATES,
    )
    env.globals["static_url"] = web.static_url
    env.filters["local"] = lambda value, fmt="%Y-%m-%d %H:%M": clock.local(value).strftime(fmt) if value else ""
    env.filters["plain"] = _plain
    env.filters["percent"] = lambda value: _plain(Decimal(value) * 100)
    env.filters["shown"] = _shown
    env.filters["who"] = _who
    env.filters["pinyin"] = pinyin_key  # for a list that filters itself as one types (data-filter)


def _plain(value) -> str:
    """A number as a person writes it: 4.5000 → 4.5, 80.00 → 80; nothing → —."""
    if value is None:
        return "—"
    if not isinstance(value, Decimal | int | float | str):
        return str(value)
    return format(Decimal(str(value)).normalize(), "f")


def _who(actor: str) -> str:
    """Who did it, as the ledger names them (account:7 竞赛办小李, judge:8 J01 王飞, system, migration:0010),
    for a person: never the internal id."""
    kind, _, name = actor.partition(" ")
    if kind.startswith("account:") and name:
        return name
    if kind.startswith("judge:") and name:
        return f"裁判 {name}"
    return "平台" if actor == "system" else "平台（升级时补记）" if actor.startswith("migration:") else actor


def _shown(value: Any) -> str:
    """A value for a person: lists joined, nothing as a dash."""
    if value in (None, "", [], ()):
        return "—"
    return "、".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


# --- errors: a page for people, JSON for programs, a fragment for htmx; never a bare 500 -------------

_STATUS = [
    (InputError, 400), (ValidationException, 400), (RecursionError, 400), (NotAuthorizedException, 401),
    (PermissionDeniedException, 403), (NotFound, 404), (NotFoundException, 404), (Conflict, 409),
    (TooManyAttempts, 429), (Busy, 503),
]


def error_response(request: Request, exc: Exception) -> Response[Any]:
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), None)
    if status is None and db.unreachable(exc):
        status = 503  # the database is restarting or gone: try again shortly, nothing was done
    if status is None and _out_of_range(exc):
        status = 400  # e.g. an address with a number beyond what the database holds
    if status is None:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 500:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    message = _message(exc, status)
    headers = getattr(exc, "headers", None) or ({"Retry-After": "5"} if status == 503 else {})
    wants_json = request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")
    if wants_json:
        body: dict[str, Any] = {"error": message, "status": status}
        if getattr(exc, "field", None):
            body["field"] = exc.field
        return Response(body, status_code=status, headers=headers)
    if status == 401:
        path = request.url.path
        if path.startswith(("/judge", "/chief")):
            return Redirect("/judge/login")
        return Redirect("/exam" if path.startswith("/exam") else f"/login?next={path}")
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return Template("_error.html", context={"message": message}, status_code=status,
                        headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML", **headers})
    return Template("error.html", context={"message": message, "status": status}, status_code=status,
                    headers=headers)


def _out_of_range(exc: Exception) -> bool:
    """PostgreSQL refused a value it cannot hold (SQLSTATE class 22, e.g. an id over 2^31)."""
    return isinstance(exc, DBAPIError) and str(getattr(exc.orig, "sqlstate", "") or "").startswith("22")


def _message(exc: Exception, status: int) -> str:
    if isinstance(exc, (InputError, NotFound, Conflict, TooManyAttempts, Busy)):
        return exc.message
    if isinstance(exc, RecursionError):
        return "提交的JSON嵌套层数过多"
    if _out_of_range(exc):
        return "输入的数值或内容超出允许的范围"
    if isinstance(exc, ValidationException):
        fields = ", ".join(str(e.get("key", "")) for e in (exc.extra or []) if isinstance(e, dict))
        return f"提交的内容格式不正确{('：' + fields) if fields else ''}"
    if status == 403:
        return "您的账号没有权限进行此操作（或页面已过期，请刷新后重试）"
    if status == 404:
        return "页面不存在"
    if status == 405:
        return "不支持此操作"
    if status == 413:
        return f"提交的内容过大（上限 {web.BODY_LIMIT // 1_000_000} MB，上传文件 {web.UPLOAD_LIMIT // 1_000_000} MB）"
    if status == 415:
        return "请以 application/json 格式提交"
    if status == 500:
        return "服务器内部错误，请稍后重试；操作未生效"
    if status == 503:
        return "系统暂时无法连接数据库，请稍后重试；本次操作未生效"
    return exc.detail if isinstance(exc, HTTPException) else "请求无效"
