"""Every published ISU total component score (1,726 performances, 152 programs) comes out exactly.

Real data nobody on this project wrote: see fixtures/isu/README.md for source and licence.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from contest.cli import main
from contest.scoring import Mark, write_marks_csv

FIXTURE = Path(__file__).parent / "fixtures" / "isu" / "components.csv.gz"
JUDGES = [f"J{n}" for n in range(1, 10)]


def load_programs() -> dict[tuple[str, str], list[dict[str, str]]]:
    rows = csv.DictReader(io.StringIO(gzip.decompress(FIXTURE.read_bytes()).decode("utf-8")))
    programs = defaultdict(list)
    for row in rows:
        programs[row["competition"], row["program"]].append(row)
    return programs


def key(component: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", component.lower()).strip("_")


def absent_judges(rows: list[dict[str, str]]) -> set[str]:
    """Judges whose every component mark in the program is 0: they did not mark."""
    return {j for j in JUDGES if all(r[j] and Decimal(r[j]) == 0 for r in rows)}


def program_scheme(name: str, rows: list[dict[str, str]]) -> dict:
    factors = {}
    for row in rows:
        assert factors.setdefault(key(row["component"]), row["factor"]) == row["factor"], name
    criteria = [{"key": k, "name": k, "max": 10, "kind": "judgement", "factor": f} for k, f in sorted(factors.items())]
    return {
        "scheme": 1,
        "name": name,
        "rounding": {"places": 2, "mode": "half_up"},
        "round_at": ["criterion", "factored"],
        "stages": [{"key": "components", "name": "Program components",
                    "panel": {"aggregate": "trimmed_mean", "trim": 1}, "criteria": criteria}],
    }


def program_marks(rows: list[dict[str, str]], absent: set[str]) -> list[Mark]:
    return [Mark(r["performance"], "components", key(r["component"]), j, Decimal(r[j]))
            for r in rows for j in JUDGES if r[j] and j not in absent]


def test_every_published_total_component_score_is_reproduced(tmp_path):
    runner = CliRunner()
    checked, absences = 0, []
    for (competition, program), rows in load_programs().items():
        absent = absent_judges(rows)
        absences += [(competition, program, j) for j in sorted(absent)]
        scheme_file, marks_file = tmp_path / "scheme.json", tmp_path / "marks.csv"
        scheme_file.write_text(json.dumps(program_scheme(f"{competition} {program}", rows)), encoding="utf-8")
        marks_file.write_text(write_marks_csv(program_marks(rows, absent)), encoding="utf-8")

        run = runner.invoke(main, ["results", "compute", "--scheme", str(scheme_file), "--marks", str(marks_file)])
        assert run.exit_code == 0, run.output

        computed = {row["entry"]: row for row in csv.DictReader(io.StringIO(run.output))}
        published = {r["performance"]: r["total_component_score"] for r in rows}
        assert computed.keys() == published.keys()
        for performance, total in published.items():
            assert computed[performance]["status"] == "ok"
            assert Decimal(computed[performance]["total"]) == Decimal(total), (competition, program, performance)
            checked += 1

    assert checked == 1726
    assert absences == [("ISU GP 2016 Progressive Skate America", "PAIRS SHORT PROGRAM", "J6")]


def test_the_judge_who_did_not_mark_would_spoil_the_totals_as_zeros(tmp_path):
    """Counting J6's 0.0 as marks changes published totals: the absence must be treated as missing."""
    rows = load_programs()["ISU GP 2016 Progressive Skate America", "PAIRS SHORT PROGRAM"]
    (tmp_path / "scheme.json").write_text(json.dumps(program_scheme("pairs", rows)), encoding="utf-8")
    (tmp_path / "marks.csv").write_text(write_marks_csv(program_marks(rows, set())), encoding="utf-8")
    run = CliRunner().invoke(main, ["results", "compute", "--scheme", str(tmp_path / "scheme.json"),
                                    "--marks", str(tmp_path / "marks.csv")])
    computed = {row["entry"]: Decimal(row["total"]) for row in csv.DictReader(io.StringIO(run.output))}
    published = {r["performance"]: Decimal(r["total_component_score"]) for r in rows}
    assert computed != published
