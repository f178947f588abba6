"""Route helpers that every module's handlers share: who is acting, downloads, the answer to a
form post, numbers from a query string, public links and their QR codes. Imports no domain module."""
from __future__ import annotations

from urllib.parse import quote

import segno
from litestar import Request, Response
from litestar.response import Redirect

from contest.auth import Identity
from contest.errors import InputError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The JSON API's CSRF rule, as the OpenAPI schema states it (app.py) and each writing operation names it.
CSRF_HEADER, CSRF_COOKIE = "x-csrftoken", "csrftoken"
CSRF_RULE = (f"每个 POST、PUT、PATCH、DELETE 请求都须带请求头 {CSRF_HEADER}，其值为 Cookie {CSRF_COOKIE} 的值"
             f"（服务器在任意一次 GET 的响应中设置该 Cookie，如 GET /api/judge/queue 或任一页面）；"
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

