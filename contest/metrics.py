"""Prometheus metrics at /metrics, through Litestar's Prometheus support.

Litestar's middleware counts requests by route (the path template, not every address) and status,
with their latencies; this module adds open live streams, pooled database connections in use, and
what only the database knows — submitted sheets and ledger entries by action — read when scraped.

With several workers (`contest serve --workers N`) every worker writes its figures into the folder
named by PROMETHEUS_MULTIPROC_DIR (set by `contest serve`) and a scrape adds them up, whichever
worker answers it.

Not public: with CONTEST_METRICS_TOKEN set a scraper sends `Authorization: Bearer <token>`;
without it, /metrics answers only requests made on this machine that came through no proxy."""
from __future__ import annotations

import hmac
import ipaddress

from litestar import Request, Response
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Gauge
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from contest.auth import PUBLIC

LIVE_STREAMS = Gauge("contest_live_streams", "Open live leaderboard streams (server-sent events)",
                     multiprocess_mode="livesum")
POOL_IN_USE = Gauge("contest_db_connections_in_use", "Pooled database connections checked out",
                    multiprocess_mode="livesum")
SHEETS_SUBMITTED = Gauge("contest_sheets_submitted", "Score sheets in the submitted state",
                         multiprocess_mode="mostrecent")
LEDGER_ENTRIES = Gauge("contest_ledger_entries", "Entries on the audit ledger, by action", ["action"],
                       multiprocess_mode="mostrecent")

HTTP = PrometheusConfig(app_name="contest", prefix="contest_http", group_path=True)
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")


def watch_pool(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine.sync_engine, "checkin", lambda *_: POOL_IN_USE.dec())


def _allowed(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token:
        return hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}")
    host = request.client.host if request.client else ""
    return _loopback(host) and not any(h in request.headers for h in PROXY_HEADERS)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def before_scrape(request: Request) -> Response | None:
    """Refuse whoever may not read the figures (plain text: a scraper reads it); then read what
    only the database knows."""
    if not _allowed(request):
        return Response("运行指标只对本机或持有令牌（CONTEST_METRICS_TOKEN）的监控系统开放\n", status_code=403,
                        media_type="text/plain")
    async with request.app.state.sessionmaker() as session:
        submitted = await session.exec(text("select count(*) from sheet where state = 'submitted'"))
        SHEETS_SUBMITTED.set(submitted.scalar_one())
        for action, count in await session.exec(text("select action, count(*) from ledger_entry group by action")):
            LEDGER_ENTRIES.labels(action).set(count)
    return None


class Metrics(PrometheusController):
    path = "/metrics"
    opt = PUBLIC  # not behind the sign-in: before_scrape decides
    include_in_schema = False
    before_request = before_scrape
