"""Errors that reach people: each names what is wrong and where, and changes nothing."""
from __future__ import annotations

from datetime import UTC, datetime


class InputError(ValueError):
    """Bad input from outside. `field` names the form field, column or key at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what}不存在")
        self.message = f"{what}不存在"


class Conflict(RuntimeError):
    """The request collides with the current state (e.g. a stale version or a locked record)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyAttempts(RuntimeError):
    """Sign-in is paused for an identity or an address after too many failed attempts (a 429)."""

    def __init__(self, until: datetime) -> None:
        seconds = max(1, int((until - datetime.now(UTC)).total_seconds()))
        self.message = f"登录失败次数过多，已暂停登录，请{seconds // 60 + 1}分钟后再试"
        self.headers = {"Retry-After": str(seconds)}
        super().__init__(self.message)


class Busy(RuntimeError):
    """The server keeps as many of something as it may (live streams): a 503, Retry-After says when to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.headers = {"Retry-After": str(retry_after)}
