"""One settings object, read from CONTEST_* environment variables."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contest import clock

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingsError(ValueError):
    """A CONTEST_* variable holds a value that means nothing; the message names it (for a person)."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"CONTEST_{name}", "").strip()
    return value or default


def _flag(name: str, default: bool = False) -> bool:
    """1/true/yes/on or 0/false/no/off, in any case; anything else is refused rather than read as off
    (CONTEST_SECURE_COOKIES=ture must not quietly send cookies over plain HTTP)."""
    value = _env(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise SettingsError(f"环境变量 CONTEST_{name} 的值“{value}”无法识别：应为 1/true/yes/on 或 0/false/no/off")


def _count(name: str, default: int | None, least: int = 0) -> int | None:
    """A whole number of at least `least`, or the default when unset; anything else is refused."""
    value = _env(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < least:
        raise SettingsError(f"环境变量 CONTEST_{name} 的值“{value}”无效：应为不小于 {least} 的整数")
    return int(value)


def _persisted_secret(data_dir: Path, name: str) -> str:
    """A random secret kept in the data folder, so every worker and every restart share it
    (a CSRF or session secret that differs between processes makes every form fail)."""
    path = data_dir / name
    if not path.exists():
        store_secret(data_dir, name, secrets.token_hex(32))
    return path.read_text().strip()


def store_secret(data_dir: Path, name: str, value: str) -> None:
    """Keep a secret in the data folder, readable only by us (a restore brings the backup's key)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    path.write_text(value)
    path.chmod(0o600)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None  # None: start the embedded PostgreSQL in data_dir
    secret_key: str  # signs sessions and CSRF tokens
    id_hash_key: str  # keys the hash of ID numbers and phones (de-duplication only)
    base_url: str | None  # printed in QR links; None: the address each request came to
    secure_cookies: bool
    debug: bool = False
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(clock.DEFAULT_ZONE))  # of every date (clock.py)
    metrics_token: str | None = None  # None: /metrics answers only on the machine itself (metrics.py)
    max_streams: int | None = None  # live streams a worker keeps open at most; None: no limit
    live_heartbeat: int = 20  # seconds between SSE comments, shorter than any proxy's idle timeout

    @property
    def attachments_dir(self) -> Path:
        """Where uploaded attachments live, each named by its SHA-256 (backups carry them)."""
        return self.data_dir / "attachments"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("DATA_DIR", "./var")).resolve()
        base_url = (_env("BASE_URL") or "").rstrip("/") or None
        return cls(
            data_dir=data_dir,
            database_url=_env("DATABASE_URL"),
            secret_key=_env("SECRET_KEY") or _persisted_secret(data_dir, "secret_key"),
            id_hash_key=_env("ID_HASH_KEY") or _persisted_secret(data_dir, "id_hash_key"),
            base_url=base_url,
            # served over HTTPS (the base URL says so): cookies never travel over plain HTTP
            secure_cookies=_flag("SECURE_COOKIES", default=bool(base_url and base_url.startswith("https://"))),
            debug=_flag("DEBUG"),
            timezone=_timezone(_env("TIMEZONE", clock.DEFAULT_ZONE)),
            metrics_token=_env("METRICS_TOKEN"),
            max_streams=_count("MAX_STREAMS", None),
            live_heartbeat=_count("LIVE_HEARTBEAT", 20, least=1),
        )


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise SettingsError(f"环境变量 CONTEST_TIMEZONE 的值“{name}”不是时区名称：应如 Asia/Shanghai") from None
