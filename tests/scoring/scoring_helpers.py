"""Small builders shared by the scoring tests (imported as a plain module: tests/ has no packages)."""
from __future__ import annotations

import json
import re
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


def field(totals: list[int]) -> dict:
    """Entries E001, E002, … with one mark each on criterion a."""
    return {f"E{n:03d}": {"a": [t]} for n, t in enumerate(totals, start=1)}


_STAGE_KEY = re.compile(r"】 \S+(?=  权重)")  # sheets before issue 21 printed each stage's key (say "94")
_CRITERION_KEY = re.compile(r"\(\S+?, (?=judgement|deduction|measurement|adjustment)")  # … each criterion's
_PROBLEM_KEY = re.compile(r"未完成: \S+?: ")  # … and named what was missing by keys ("94.exam: no marks")
_FIGURE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w)")


def sheet_figures(text: str, places: int | None = None) -> list[str]:
    """The figures of score sheets in the order they are printed: what an engine must keep when
    only the sheet's words change (issue 21 put them in plain Chinese). `places`: a sheet printed
    before figures were cut, read as sheets print them now (a figure of 28 digits, one Decimal cut,
    shows one decimal more than the scheme rounds to, the rest dropped)."""
    for key, said in ((_STAGE_KEY, "】"), (_CRITERION_KEY, "("), (_PROBLEM_KEY, "未完成: ")):
        text = key.sub(said, text)
    figures = _FIGURE.findall(text)
    if places is None:
        return figures
    return [f if len(Decimal(f).as_tuple().digits) < 28 else f[:f.index(".") + places + 2].rstrip(".")
            for f in figures]


def every_output(engine, data: dict, marks_csv: str, statuses: dict[str, str]) -> dict[str, str]:
    """All that an engine (contest.scoring, or the frozen reference_engine) makes of a scheme and its
    marks, as text: results CSV and JSON, every score sheet, standard scores, judge consistency."""
    scheme = engine.parse_scheme(data)
    marks = engine.read_marks_csv(marks_csv)
    results = engine.compute(scheme, marks, statuses)
    consistency = engine.judge_consistency(scheme, marks)
    return {
        "csv": engine.results_to_csv(scheme, results),
        "json": engine.results_to_json(scheme, results),
        "explain": "".join(engine.explain_text(r) for r in results),
        "standard": json.dumps({k: str(v) for k, v in engine.standardise(results).items()}, sort_keys=True),
        "consistency": json.dumps({
            "judges": {s: {j: [f.compared, str(f.mean_deviation), str(f.agreement)] for j, f in figs.items()}
                       for s, figs in consistency.judges.items()},
            "flags": [[f.kind, f.stage, f.entry, f.criterion, list(f.judges), f.detail] for f in consistency.flags],
        }, ensure_ascii=False, sort_keys=True),
    }


def one_stage(criteria: str, panel: str = "{}", top: str = "") -> Scheme:
    """A one-stage scheme (stage key s) with the given criteria lines; top adds top-level YAML."""
    return load_scheme_text(
        "scheme: 1\nname: test\nstages:\n  - key: s\n    name: 实际操作\n"
        f"    panel: {panel}\n    criteria:\n"
        + textwrap.indent(textwrap.dedent(criteria).strip("\n") + "\n", "      ")
        + textwrap.dedent(top).strip("\n") + "\n")
