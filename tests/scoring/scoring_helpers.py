"""Small builders shared by the scoring tests (imported as a plain module: tests/ has no packages)."""
from __future__ import annotations

import textwrap
from decimal import Decimal

from contest.scoring import EntryResult, Mark, Scheme, load_scheme_text


def scheme(text: str) -> Scheme:
    return load_scheme_text(textwrap.dedent(text))


def marks(table: dict[str, dict[str, list]], stage: str = "s") -> list[Mark]:
    """{entry: {criterion: [mark of J1, mark of J2, ...]}}; None means that judge gave no mark."""
    return [Mark(entry, stage, criterion, f"J{n}", Decimal(str(value)))
            for entry, row in table.items() for criterion, values in row.items()
            for n, value in enumerate(values, start=1) if value is not None]


def by_entry(results: list[EntryResult]) -> dict[str, EntryResult]:
    return {r.entry: r for r in results}


def one_stage(criteria: str, panel: str = "{}", top: str = "") -> Scheme:
    """A one-stage scheme (stage key s) with the given criteria lines; top adds top-level YAML."""
    return load_scheme_text(
        "scheme: 1\nname: test\nstages:\n  - key: s\n    name: 实际操作\n"
        f"    panel: {panel}\n    criteria:\n"
        + textwrap.indent(textwrap.dedent(criteria).strip("\n") + "\n", "      ")
        + textwrap.dedent(top).strip("\n") + "\n")
