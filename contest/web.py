"""Route helpers that every module's handlers share. Imports no domain module."""
from __future__ import annotations

import segno
from litestar import Request


def public_url(request: Request, path: str) -> str:
    """An absolute address to print or put in a QR code: CONTEST_BASE_URL when it is set, else the
    scheme, host and port this request came to (so `contest demo --port 8613` links to port 8613)."""
    base = request.app.state.settings.base_url or str(request.base_url)
    return base.rstrip("/") + path


def qr_svg(link: str) -> str:
    """A QR code as inline SVG that scales to whatever size CSS prints it at (a viewBox, no fixed
    width or height), with the standard quiet zone of four modules around it."""
    return segno.make(link, error="m").svg_inline(omitsize=True, border=4)
