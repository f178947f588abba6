"""Write golden.json.gz: what the scoring engine gave for every scheme in seeds/ and the tests.

Run ONCE, with the engine whose results are to be kept (it was run at commit 98ae237, before
issue 15 extended the scheme format), from the repository root:

    python tests/scoring/golden/make_golden.py

schemes.json lists the schemes: every scheme the scoring tests parsed at that commit (collected
by wrapping parse_scheme during a run of tests/scoring, normalised by scheme_to_dict), the
product's default track and registry review schemes, the browser test's level-scale variant, the
benchmarks' schemes. For each, a seeded generator writes marks that the old engine accepts (and
the new one must accept alike): panels of 3, 5 or 7 judges on each criterion's grid, an absent
judge now and then, two entries with identical marks (a tie), an entry missing a criterion
(incomplete) and a withdrawn one. A measurement gets as many identical marks as its min_judges,
so that the marks stay valid under the rule that a measurement is one value.

test_old_schemes_give_byte_identical_results.py recomputes every case with the current engine
and requires the same bytes: results CSV and JSON, every plain-text score sheet, standard
scores and the judge-consistency figures.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[2]), str(HERE.parent)]

from scoring_helpers import every_output  # noqa: E402

import contest.scoring as engine  # noqa: E402
from contest.scoring import Mark, parse_scheme, write_marks_csv  # noqa: E402

ENTRIES = 14


def grid(crit, rng: random.Random) -> Decimal:
    """A mark a judge could give: on the criterion's step (0.5 when it has none), levels on a scale."""
    limit = Decimal(crit.scale) if crit.scale else crit.max
    step = crit.step or (Decimal(1) if crit.scale else Decimal("0.5"))
    steps = int(limit / step)
    return (step * rng.randint(steps // 3, steps)).normalize()


def case_marks(scheme, rng: random.Random) -> tuple[list[Mark], dict[str, str]]:
    marks: list[Mark] = []
    panel = [f"J{n}" for n in range(1, rng.choice((3, 5, 7)) + 1)]
    for n in range(1, ENTRIES + 1):
        entry = f"E{n:02d}"
        if entry == "E02":  # a copy of E01: a tie
            marks += [Mark("E02", m.stage, m.criterion, m.judge, m.value) for m in marks if m.entry == "E01"]
            continue
        for stage in scheme.stages:
            for crit in stage.criteria:
                if entry == "E13" and crit is stage.criteria[-1]:
                    continue  # incomplete
                if crit.kind == "measurement":
                    value = grid(crit, rng)
                    marks += [Mark(entry, stage.key, crit.key, j, value) for j in panel[:max(1, crit.min_judges)]]
                    continue
                for judge in panel:
                    if len(panel) > 3 and rng.random() < 0.04:
                        continue  # an absent judge
                    marks.append(Mark(entry, stage.key, crit.key, judge, grid(crit, rng)))
    return marks, {"E14": "withdrawn", "E12": "checked_in"}


def main() -> None:
    schemes = json.loads((HERE / "schemes.json").read_text(encoding="utf-8"))
    cases = []
    for data in schemes:
        scheme = parse_scheme(data)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        rng = random.Random(hashlib.sha256(text.encode()).hexdigest())
        marks, statuses = case_marks(scheme, rng)
        marks_csv = write_marks_csv(marks)
        cases.append({"scheme": data, "marks": marks_csv, "statuses": statuses,
                      **every_output(engine, data, marks_csv, statuses)})
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    body = json.dumps({"engine_commit": commit, "cases": cases}, ensure_ascii=False, indent=0)
    (HERE / "golden.json.gz").write_bytes(gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(cases)} cases from the engine at {commit}")


if __name__ == "__main__":
    main()
