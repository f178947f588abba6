"""Marks CSV and results CSV/JSON: the file side of `contest results compute` and of exports.

Marks CSV: UTF-8 (a BOM is accepted), a header naming at least the columns
entry,stage,criterion,judge,mark in any order, one mark per row; an empty mark cell means no
mark (an absent judge), never zero. An optional `group` column puts each entry in a ranking pool;
a column named by the scheme's `coefficient: {attribute: NAME}` carries that per-entry number.
Both are entry attributes: one value per entry, given on any of its rows. Other columns are
ignored.
"""
from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import Any

from contest.inert import csv_text
from contest.scoring.analysis import standardise
from contest.scoring.engine import EntryResult, Mark, MarkBook, compute, explain_text
from contest.scoring.marks import MarkError
from contest.scoring.scheme import Scheme, SchemeError, ScoringError, load_scheme_text

__all__ = ["ScoringError", "compute_from_files", "format_decimal", "load_scheme_file", "read_marks_csv",
           "results_to_csv", "results_to_json", "write_marks_csv"]

MARK_COLUMNS = ("entry", "stage", "criterion", "judge", "mark")


def compute_from_files(scheme_path: Path, marks_path: Path, fmt: str, *, standardised: bool = False,
                       explain: bool = False, entries: Iterable[str] = ()) -> str:
    """The whole text `contest results compute` prints: csv or json (with the standard scores if
    asked), or the score sheets (成绩明细) of every entry or of the entries named."""
    scheme = load_scheme_file(scheme_path)
    book = MarkBook(scheme)
    with _cycle_collector_paused():
        _fill(book, _read_text(marks_path), marks_path.name)
        results = compute(scheme, book)
    if explain:
        return "\n".join(explain_text(r) for r in _chosen(results, set(entries)))
    standard = standardise(results) if standardised else None
    if fmt == "csv":
        return results_to_csv(scheme, results, standard)
    if fmt == "json":
        return results_to_json(scheme, results, standard)
    raise ScoringError(f"unknown output format '{fmt}' (csv or json)")


def _chosen(results: list[EntryResult], entries: set[str]) -> list[EntryResult]:
    missing = entries - {r.entry for r in results}
    if missing:
        raise ScoringError(f"没有选手 {'、'.join(sorted(missing))} 的评分")
    return [r for r in results if not entries or r.entry in entries]


def _fill(book: MarkBook, text: str, name: str) -> None:
    """Every mark of the CSV text into the book, with the entries' groups and attributes."""
    line = 0
    try:
        for line, entry, stage, criterion, judge, value, extras in _mark_rows(text, name, book.scheme.attributes):
            if value is not None:
                book.add(entry, stage, criterion, judge, value)
            for column, cell in extras:
                if column == "group":
                    book.set_group(entry, cell)
                else:
                    book.set_attribute(entry, column, _number(cell, f"{name} line {line}: {column} '{cell}' of "
                                                                    f"entry {entry} is not a number"))
    except MarkError as exc:
        raise MarkError(f"{name} line {line}: {exc}", f"{name} 第 {line} 行：{exc.chinese}", exc.criterion) from None
    except ScoringError as exc:
        message = str(exc)
        raise ScoringError(message if message.startswith(name) else f"{name} line {line}: {message}") from None


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Marks and results form no reference cycles, yet the collector would keep rescanning the
    growing heap while hundreds of thousands of rows are read: about 15% of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_scheme_file(path: Path) -> Scheme:
    try:
        return load_scheme_text(_read_text(path))
    except SchemeError as exc:
        raise SchemeError(f"{path.name}: {exc}") from None


def read_marks_csv(source: str | Path) -> list[Mark]:
    """Marks from a CSV file (a Path) or CSV text (a str); rows with an empty mark are skipped."""
    text, name = (_read_text(source), source.name) if isinstance(source, Path) else (source, "marks CSV")
    return [Mark(entry, stage, criterion, judge, value)
            for _, entry, stage, criterion, judge, value, _ in _mark_rows(text, name) if value is not None]


def write_marks_csv(marks: Iterable[Mark]) -> str:
    """Marks as CSV text that read_marks_csv reads back unchanged."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MARK_COLUMNS)
    writer.writerows((m.entry, m.stage, m.criterion, m.judge, format(m.value, "f")) for m in marks)
    return out.getvalue()


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScoringError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ScoringError(f"{path.name}: cannot be read ({exc.strerror})") from None


def _mark_rows(text: str, name: str, attributes: tuple[str, ...] = ()
               ) -> Iterator[tuple[int, str, str, str, str, Decimal | None, tuple[tuple[str, str], ...]]]:
    """(line, entry, stage, criterion, judge, mark, extras) for every row; mark is None where the
    cell is empty, extras the row's non-empty group and attribute cells as (column, text). Rows
    with neither a mark nor extras are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [cell.strip() for cell in next(reader, [])]
    for column in MARK_COLUMNS:
        if header.count(column) != 1:
            problem = "is missing" if column not in header else "appears twice"
            raise ScoringError(f"{name} line 1: column '{column}' {problem}; the header needs "
                               f"{','.join(MARK_COLUMNS)}")
    for column in attributes:
        if header.count(column) != 1:
            problem = "is missing" if column not in header else "appears twice"
            raise ScoringError(f"{name} line 1: column '{column}' {problem}; the scheme takes a coefficient from it")
    pick = itemgetter(*(header.index(column) for column in MARK_COLUMNS))
    extra = [(column, header.index(column)) for column in ("group", *attributes) if column in header]
    width = len(header)
    numbers: dict[str, Decimal] = {}  # marks repeat a few values: parse each text once
    for row in reader:
        if len(row) != width:
            if not row:  # a blank line
                continue
            raise ScoringError(f"{name} line {reader.line_num}: {len(row)} cells where the header has {width}")
        entry, stage, criterion, judge, mark = pick(row)
        extras = tuple((column, row[i].strip()) for column, i in extra if row[i].strip()) if extra else ()
        value = numbers.get(mark)
        if value is None:
            if not mark.strip():
                if extras:
                    yield reader.line_num, entry.strip(), stage.strip(), criterion.strip(), judge.strip(), None, extras
                continue
            value = numbers[mark] = _number(mark, f"{name} line {reader.line_num}: mark '{mark.strip()}' "
                                            f"for entry {entry.strip()} criterion {criterion.strip()} "
                                            f"judge {judge.strip()} is not a number")
        yield reader.line_num, entry.strip(), stage.strip(), criterion.strip(), judge.strip(), value, extras


def _number(text: str, problem: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ScoringError(problem) from None
    if not value.is_finite():
        raise ScoringError(problem)
    return value


# ------------------------------------------------------------------ output


def format_decimal(value: Decimal | None, places: int) -> str:
    """The value exactly as computed, padded with zeros to at least `places` decimals.

    Never rounds: rounding is the scheme's business (round_at), so a value the scheme left
    unrounded prints in full rather than looking rounded.
    """
    if value is None:
        return ""
    text = format(value, "f")
    decimals = len(text) - text.index(".") - 1 if "." in text else 0
    if decimals >= places:
        return text
    return text + ("" if decimals else ".") + "0" * (places - decimals)


def results_to_csv(scheme: Scheme, results: list[EntryResult], standard: dict[str, Decimal] | None = None) -> str:
    """[group,]rank,entry,total,<stage totals before weight>,award,status[,standard] — in result
    order; the group column only when entries have groups (ranks are within the group), the
    standard score (analysis.standardise) only when asked."""
    places = scheme.rounding.places
    grouped = any(r.group is not None for r in results)
    header = [*(["group"] if grouped else []), "rank", "entry", "total", *(s.key for s in scheme.stages),
              "award", "status", *(["standard"] if standard is not None else [])]

    def row(r: EntryResult) -> list:
        return [*([r.group or ""] if grouped else []), r.rank or "", r.entry, format_decimal(r.total, places),
                *(format_decimal(r.stage_totals.get(s.key), places) for s in scheme.stages), r.award or "", r.status,
                *([format_decimal(standard.get(r.entry), 2)] if standard is not None else [])]
    return csv_text([header, *map(row, results)])  # names from the user's files, so formula-safe


def results_to_json(scheme: Scheme, results: list[EntryResult], standard: dict[str, Decimal] | None = None) -> str:
    """{"scheme": name, "results": [...]}, one result per line, Decimals as text formatted like the CSV.

    Written result by result so that only one explanation is held in memory at a time.
    """
    rows = (json.dumps(_plain({**({"group": r.group} if r.group is not None else {}), "rank": r.rank,
                               "entry": r.entry, "total": r.total, "stages": r.stage_totals, "award": r.award,
                               "status": r.status,
                               **({"standard": format_decimal(standard.get(r.entry), 2) or None}
                                  if standard is not None else {}),
                               "explanation": r.explanation},
                              scheme.rounding.places), ensure_ascii=False)
            for r in results)
    return f'{{"scheme": {json.dumps(scheme.name, ensure_ascii=False)}, "results": [\n' + ",\n".join(rows) + "\n]}\n"


def _plain(value: Any, places: int) -> Any:
    """JSON-ready data: Decimals as text, tuples as lists, the explanation dataclasses as objects
    (without the optional fields that say nothing)."""
    if isinstance(value, Decimal):
        return format_decimal(value, places)
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v, places) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, places) for k, v in value.items()}
    return {f.name: _plain(getattr(value, f.name), places) for f in fields(value)
            if not f.metadata.get("optional") or getattr(value, f.name) != f.default}
