"""Public pages from memory: a public page (route opt `public_page`) is rendered once per worker and
public revision, then sent from the board store (BOARDS) to every visitor and every proxy, with no
database query while nothing changed; a proxy or browser that holds it already (If-None-Match on
its weak ETag) gets 304 Not Modified.

The key is the address (host, path and query), the variant (an htmx request, gzip or not) and the
revision: the database's public revision (contest.notify.Revision, moved by every write that
public pages show, announced after commit) and the contest's date, since some pages change with
the day alone (a notice period ends, a registry notice opens)."""
from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from contest import clock
from contest.leaderboards.service import BOARDS

_DROPPED = (b"set-cookie", b"etag", b"date")


def public_pages(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] != "http" or scope["method"] != "GET" or not (handler and handler.opt.get("public_page")):
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        revision = (await scope["app"].state.revision.current(), clock.today().isoformat())
        variant = "".join(mark for mark, on in (("h", headers.get(b"hx-request")), ("b", headers.get(b"hx-boosted")),
                                                ("z", b"gzip" in headers.get(b"accept-encoding", b""))) if on)
        tag = f'W/"{revision[0]}-{revision[1]}-{variant}"'.encode()  # the same from every worker
        if tag in [t.strip() for t in headers.get(b"if-none-match", b"").split(b",")]:
            await _send(send, 304, [(b"etag", tag)], b"")
            return
        # the host too: without CONTEST_BASE_URL a certificate's QR code links to the host it was asked at
        key = (headers.get(b"host", b""), scope["path"], scope.get("query_string", b""), variant)
        if (kept := BOARDS.page(key, revision)) is not None:
            status, kept_headers, body = kept
            await _send(send, status, [*kept_headers, (b"etag", tag)], body)
            return
        await app(scope, receive, _keeping(send, key, revision, tag))

    return handle


def _keeping(send: Send, key: tuple, revision: tuple, tag: bytes) -> Send:
    """The send of a page being rendered: a 200 is kept in the store and sent with its ETag."""
    start: Message | None = None
    body: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and message["status"] == 200:
            start = message
            return
        if start is None:
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() not in _DROPPED]
        BOARDS.keep_page(key, revision, (200, headers, b"".join(body)))
        await _send(send, 200, [*headers, (b"etag", tag)], b"".join(body))

    return keep


async def _send(send: Send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
