"""One clock for the whole platform.

Timestamps are stored aware, in UTC. Every "today", every date shown and every date compared is
the contest's own, in CONTEST_TIMEZONE (default Asia/Shanghai): between 00:00 and 08:00 Beijing
time a server on UTC is still on yesterday, and a notice period would end a day late.

Tests move the clock with `monkeypatch.setattr(clock, "now", lambda: …)`: every reading of the
time, here and elsewhere, goes through now()."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
zone = ZoneInfo(DEFAULT_ZONE)


def use(timezone: ZoneInfo) -> None:
    """Make this the contest's time zone (from the settings, once per process)."""
    global zone
    zone = timezone


def now() -> datetime:
    """The current instant, aware, in UTC: what is stored."""
    return datetime.now(UTC)


def local(moment: datetime) -> datetime:
    """An instant as the contest's wall clock shows it."""
    return moment.astimezone(zone)


def today() -> date:
    """The contest's date now: what notice periods, report years and ages are compared with."""
    return local(now()).date()


def workdays(first: date, last: date) -> int:
    """Working days (Mon–Fri) from first to last, both counted: a notice period's length."""
    return sum(1 for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() < 5)


def workday_end(first: date, count: int) -> date:
    """The earliest last day of a period starting on `first` that holds `count` working days."""
    day = first
    while workdays(first, day) < count:
        day += timedelta(days=1)
    return day
