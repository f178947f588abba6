"""The men's snowboard halfpipe final of the Milano Cortina 2026 Olympic Winter Games: every run
score, best score and place as published, through `contest results compute` (best_of).

Real data nobody on this project wrote: see fixtures/halfpipe/README.md for source and attribution.
The rules (FIS): six judges; the highest and the lowest score are dropped and the other four
averaged; the best of the three runs is the rider's result. A run published as DNI (did not
improve) was not scored: it has no marks.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from contest.cli import main
from contest.scoring import Mark, write_marks_csv

FIXTURES = Path(__file__).parent / "fixtures" / "halfpipe"
SCHEME = """\
scheme: 1
name: 2026年冬奥会 单板滑雪 男子U型场地技巧 决赛
rounding: {places: 2, mode: half_up}
stages:
""" + "".join(f"""\
  - key: run{n}
    name: 第{n}轮
    panel: {{aggregate: trimmed_mean, trim: 1, min_judges: 6}}
    criteria: [{{key: overall, name: 整体印象, max: 100, kind: judgement}}]
""" for n in (1, 2, 3)) + """\
  - {key: best, name: 最好成绩, best_of: [run1, run2, run3]}
"""


def read(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((FIXTURES / name).read_text(encoding="utf-8"))))


def test_every_run_best_score_and_place_is_reproduced(tmp_path):
    runs = read("runs.csv")
    marks = [Mark(r["rider"], f"run{r['run']}", "overall", f"J{n}", Decimal(r[f"J{n}"]))
             for r in runs if r["score"] != "DNI" for n in range(1, 7)]
    (tmp_path / "scheme.yaml").write_text(SCHEME, encoding="utf-8")
    (tmp_path / "marks.csv").write_text(write_marks_csv(marks), encoding="utf-8")
    run = CliRunner().invoke(main, ["results", "compute", "--scheme", str(tmp_path / "scheme.yaml"),
                                    "--marks", str(tmp_path / "marks.csv")])
    assert run.exit_code == 0, run.output
    computed = {row["entry"]: row for row in csv.DictReader(io.StringIO(run.output))}

    for r in runs:
        assert computed[r["rider"]][f"run{r['run']}"] == ("" if r["score"] == "DNI" else r["score"]), r
    final = read("final.csv")
    assert {(name, row["rank"], row["best"], row["total"]) for name, row in computed.items()} == {
        (f["rider"], f["rank"], f["best"], f["best"]) for f in final}
    assert len(final) == 12 and sum(r["score"] == "DNI" for r in runs) == 12
