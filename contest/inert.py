"""Cells that no spreadsheet evaluates: the one rule for every person-facing export, CSV and XLSX
(tables.append_row), kept free of the spreadsheet library so the offline `contest results compute`
loads only the engine and this.

Text that a spreadsheet would read as a formula (or DDE command) starts with one of _FORMULA_START;
a name like "=HYPERLINK(…)" typed into a registration form must stay a name in every export.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")


def formula_like(value: object) -> bool:
    """Text starting like a formula — but not a plain number such as "-3.5", which stays a number."""
    return isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value)


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """CSV whose formula-like cells start with an apostrophe, which spreadsheets show and never
    evaluate. Numbers stay numbers."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        ["'" + value if formula_like(value) else value for value in row] for row in rows)
    return out.getvalue()
