"""Reading HTML form fields with errors a clerk understands (one way for every form)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from litestar import Request

from contest.errors import InputError

INT_LIMIT = 2**31  # PostgreSQL's integer: ids, years, counts


class Form:
    def __init__(self, data) -> None:
        self._data = data  # litestar's FormMultiDict

    @classmethod
    async def read(cls, request: Request) -> Form:
        return cls(await request.form())

    def text(self, name: str, default: str = "") -> str:
        value = self._data.get(name, default)
        return value.strip() if isinstance(value, str) else default

    def required(self, name: str, label: str) -> str:
        value = self.text(name)
        if not value:
            raise InputError(f"请填写{label}", name)
        return value

    def int(self, name: str, label: str, *, required: bool = False) -> int | None:
        value = self.text(name)
        if not value:
            if required:
                raise InputError(f"请填写{label}", name)
            return None
        try:
            number = int(value[:20])
        except ValueError:
            raise InputError(f"{label}应为整数，收到“{value[:20]}”", name) from None
        if not -INT_LIMIT < number < INT_LIMIT:
            raise InputError(f"{label}超出允许的范围，收到“{value[:20]}”", name)
        return number

    def decimal(self, name: str, label: str) -> Decimal | None:
        """A finite decimal of at most 18 digits before the point and 8 after (what any figure of
        ours needs; 1e400 or NaN is a clerk's typo or an attack, never a number to compute with)."""
        value = self.text(name)
        if not value:
            return None
        try:
            number = Decimal(value[:100])
        except InvalidOperation:
            raise InputError(f"{label}应为数字，收到“{value[:20]}”", name) from None
        if not number.is_finite():
            raise InputError(f"{label}应为数字，收到“{value[:20]}”", name)
        if number and (number.adjusted() >= 18 or number.as_tuple().exponent < -8):
            raise InputError(f"{label}超出允许的范围（整数部分最多18位，小数最多8位），收到“{value[:20]}”", name)
        return number

    def date(self, name: str, label: str, *, required: bool = True) -> date | None:
        """An ISO date (the value of an <input type="date">)."""
        value = self.required(name, label) if required else self.text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{label}应为日期，如 2026-12-01", name) from None

    def texts(self, name: str) -> list[str]:
        """Every value sent under one name (a group of checkboxes), stripped, blanks left out."""
        return [v.strip() for v in self._data.getall(name, []) if isinstance(v, str) and v.strip()]

    def ints(self, name: str, label: str) -> list[int]:
        values = [v for v in self._data.getall(name, []) if isinstance(v, str) and v.strip()]
        try:
            numbers = [int(v[:20]) for v in values]
        except ValueError:
            raise InputError(f"{label}取值无效", name) from None
        if any(not -INT_LIMIT < n < INT_LIMIT for n in numbers):
            raise InputError(f"{label}取值无效", name)
        return numbers

    def has(self, name: str) -> bool:
        return name in self._data

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true", "yes")

    def upload(self, name: str, label: str):
        value = self.chosen_file(name)
        if value is None:
            raise InputError(f"请选择{label}", name)
        return value

    def uploads(self, name: str) -> list:
        """Every file chosen under one name (an <input type="file" multiple>); none is an empty list."""
        return [v for v in self._data.getall(name, []) if not isinstance(v, str) and getattr(v, "filename", "")]

    def chosen_file(self, name: str):
        """The file chosen in a file input that may be left empty (None when none was chosen)."""
        return next(iter(self.uploads(name)), None)
