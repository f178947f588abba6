"""Route helpers that every module's handlers share: who is acting, downloads, the answer to a
form post, numbers from a query string, public links and their QR codes; and what every response
and request passes: security headers, size limits, JSON bodies, the error shapes the API documents.
Imports no domain module."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import segno
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from contest.auth import Identity
from contest.errors import InputError
from contest.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BODY_LIMIT = 1_000_000  # bytes of any request body: forms and the judges' JSON are far smaller
UPLOAD_LIMIT = 20_000_000  # bytes of an import file's upload (a 10,000-row XLSX is about 1 MB)
NO_STORE = {"Cache-Control": "no-store"}  # pages showing secrets (PINs, login links): kept by no cache or browser

# No inline script, no plugins, no framing, forms only to ourselves. Styles only from our files too
# (htmx's own indicator styles are in site.css; see base.html's htmx-config).
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def security_headers(settings: Settings):
    """A before_send hook adding the security headers to every response the app sends: pages,
    files, errors, and the 404 of an address no route has."""
    headers = [(b"content-security-policy", _CSP.encode()), (b"x-frame-options", b"DENY"),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
               (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
    if settings.base_url and settings.base_url.startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *headers]

    return add_headers


# A proxy keeps a public page a second (s-maxage); a browser asks again at every view (max-age=0),
# cheaply since its If-None-Match gets 304, so a page seen right after a change never shows the old one.
PUBLIC_CACHE = b"public, max-age=0, s-maxage=1"
# Serving it stale while revalidating is for shared caches only (RFC 9213, which browsers ignore; nginx
# does it by its own proxy_cache_use_stale): a browser would answer a page's fetch() of the board's
# feed or rows from its stale copy for 30 seconds after a change.
PUBLIC_CDN_CACHE = b"public, max-age=1, stale-while-revalidate=30"
IMMUTABLE = b"public, max-age=31536000, immutable"  # a static file under its content's hash (static_url)
DEFAULT_CACHE = b"private, no-cache"  # anything else: no shared cache keeps it, a browser asks again


async def cache_policy(message: Message, scope: Scope) -> None:
    """Who may keep a response, for one that does not say so itself: proxies may keep a public page
    (route opt `public_page`, the same for every visitor) for a second and serve it stale while they
    revalidate, browsers revalidate it at every view; a static file asked for by its content's hash
    forever; nothing else is kept by a shared cache (signed-in pages, the tablet, CSRF-carrying forms)."""
    if message["type"] != "http.response.start":
        return
    headers = message.setdefault("headers", [])
    handler = scope.get("route_handler")
    if scope.get("path", "").startswith("/static/") and b"v=" in scope.get("query_string", b""):
        headers[:] = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
        headers.append((b"cache-control", IMMUTABLE))
    elif not any(k.lower() == b"cache-control" for k, _ in headers):
        # a 304 too: its headers replace the kept copy's, which must stay a public page's
        public = message["status"] in (200, 304) and handler is not None and handler.opt.get("public_page")
        headers.append((b"cache-control", PUBLIC_CACHE if public else DEFAULT_CACHE))
        if public:
            headers.append((b"cdn-cache-control", PUBLIC_CDN_CACHE))


def head_as_get(app: ASGIApp) -> ASGIApp:
    """HEAD on every GET route: answered as the GET would be, headers only (a proxy or a link
    checker asks HEAD; Litestar routes it nowhere by itself). The response ends after its headers,
    so a live stream asked for by HEAD ends at once too."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return
        sent = False

        async def headers_only(message: Message) -> None:
            nonlocal sent
            if sent:
                return
            if message["type"] == "http.response.start":
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                sent = True

        # the same scope, not a copy: the router writes the route handler into it, which the
        # before_send hooks read (cache_policy: a public page's HEAD is as cacheable as its GET)
        scope["method"] = "GET"
        await app(scope, receive, headers_only)

    return handle


def _static_hashes(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in root.rglob("*") if path.is_file()}


STATIC = Path(__file__).resolve().parent.parent / "static"
_HASHES = _static_hashes(STATIC)  # once per process: a deploy restarts the workers


def static_url(path: str) -> str:
    """A static file's address under its content's hash (`/static/css/site.css?v=…`), which browsers
    and proxies keep for a year (cache_policy): a changed file has a new address."""
    return f"/static/{path}?v={_HASHES[path]}"


async def require_json(request: Request) -> None:
    """The JSON API takes only application/json bodies: a page elsewhere cannot post to it as a
    plain form or text (which browsers send cross-site without asking)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.url.path.startswith("/api/"):
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise HTTPException(status_code=415, detail="请以 application/json 格式提交")


@dataclass
class ErrorBody:
    error: str  # what is wrong, in Chinese, for a person
    status: int
    field: str | None = None  # the field at fault, if one is


_ERRORS = {
    400: "输入有误（error 说明原因，field 指出字段）", 401: "未登录或登录已失效", 403: "没有权限，或缺少 CSRF 令牌",
    404: "不存在", 409: "与当前状态冲突（如评分表已被他人更新）", 413: "提交的内容过大",
    415: "须以 application/json 提交", 429: "尝试次数过多，Retry-After 说明何时再试",
    503: "数据库暂时无法连接，Retry-After 秒后重试",
}
# Every refusal a JSON API handler can answer, for its OpenAPI `responses`.
API_ERRORS = {status: ResponseSpec(data_container=ErrorBody, description=text, generate_examples=False)
              for status, text in _ERRORS.items()}

# The JSON API's CSRF rule, as the OpenAPI schema states it (app.py) and each writing operation names it.
CSRF_HEADER, CSRF_COOKIE = "x-csrftoken", "csrftoken"
CSRF_RULE = (f"每个 POST、PUT、PATCH、DELETE 请求都须带请求头 {CSRF_HEADER}，其值为 Cookie {CSRF_COOKIE} 的值"
             "（服务器在登录页、带表单的页面和登录后的 GET 响应中设置该 Cookie，如 GET /api/judge/queue；"
             "公开页面不设）；"
             "缺少或不符时答 403，什么也不改。GET 请求不需要。")
CSRF = [{"csrf": []}]  # `security=` of an operation that needs the header


def actor(request: Request) -> str:
    """The signed-in account as the ledger and the records name it."""
    user: Identity = request.user
    return f"account:{user.id} {user.name}"


def download(body: bytes, filename: str, media_type: str = XLSX) -> Response[bytes]:
    """A file to save, under a Chinese name that every browser keeps (RFC 5987)."""
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def see_other(path: str) -> Redirect:
    """After a form post: the page to show next (303, so a reload does not post again)."""
    return Redirect(path, status_code=303)


def query_id(value: str | None, field: str, label: str) -> int | None:
    """An id chosen in a filter (a query-string parameter); the form's "all" option sends it empty."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise InputError(f"{label}筛选条件应为编号，收到“{value[:20]}”", field)
    return int(value)


def query_page(value: str | None) -> int:
    """A page number from a pager link; anything else is the first page."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) <= 6 and int(value) else 1


def public_url(request: Request, path: str) -> str:
    """An absolute address to print or put in a QR code: CONTEST_BASE_URL when it is set, else the
    scheme, host and port this request came to (so `contest demo --port 8613` links to port 8613)."""
    base = request.app.state.settings.base_url or str(request.base_url)
    return base.rstrip("/") + path


def qr_svg(link: str) -> str:
    """A QR code as inline SVG that scales to whatever size CSS prints it at (a viewBox, no fixed
    width or height), with the standard quiet zone of four modules around it."""
    return segno.make(link, error="m").svg_inline(omitsize=True, border=4)

