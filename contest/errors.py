"""Errors that reach people: each names what is wrong and where, and changes nothing."""
from __future__ import annotations


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
