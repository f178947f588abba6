"""Benchmark `contest results compute` on a 1,000-row marks file (20 entries × 5 judges × 10
criteria; goal < 0.5 s, where starting the interpreter and importing the engine dominate) and on
10,000 entries × 7 judges × 10 criteria (700,000 marks; goal < 5 s).

Not a test (pytest does not collect it). Run from the repository root:

    python tests/benchmarks/bench_results_compute.py [--runs 5] [--small-runs 10]

It writes a seeded random scheme and marks CSV per case to a temporary folder, runs the command
as a subprocess several times and prints the wall times against the goals, with a bare
`python -c pass` beside them (the interpreter's own start on this machine).
"""
from __future__ import annotations

import argparse
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRIES, JUDGES, CRITERIA = 10_000, 7, 10
GOAL_SECONDS = 5.0
SMALL_ENTRIES, SMALL_JUDGES, SMALL_GOAL_SECONDS = 20, 5, 0.5  # × 10 criteria = 1,000 rows
ROOT = Path(__file__).resolve().parents[2]

SCHEME = """\
scheme: 1
name: benchmark 10000 × 7 × 10
rounding: {places: 2, mode: half_up}
round_at: [criterion, factored, stage, weighted, total]
stages:
  - key: practical
    name: 实际操作
    weight: 1
    panel: {aggregate: trimmed_mean, trim: 1, min_judges: 5}
    criteria:
""" + "".join(
    f"      - {{key: c{i}, name: 评分项{i}, max: 10, kind: judgement, step: 0.5, factor: {1 + i % 3}}}\n"
    for i in range(CRITERIA)
) + """\
tie_break: [c0, c1]
awards:
  tiers:
    - {name: 一等奖, share: 0.1}
    - {name: 二等奖, share: 0.2}
    - {name: 三等奖, share: 0.3}
"""


def write_inputs(folder: Path, entries: int = ENTRIES, judges: int = JUDGES,
                 seed: int = 20260101) -> tuple[Path, Path]:
    rng = random.Random(seed)
    scheme_path, marks_path = folder / "scheme.yaml", folder / "marks.csv"
    scheme_path.write_text(SCHEME, encoding="utf-8")
    with marks_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["entry", "stage", "criterion", "judge", "mark"])
        for e in range(entries):
            skill = rng.randint(8, 18)  # in half points: entries differ, judges scatter around
            for c in range(CRITERIA):
                for j in range(judges):
                    half_points = min(20, max(0, skill + rng.randint(-2, 2)))
                    writer.writerow([f"E{e:05d}", "practical", f"c{c}", f"J{j + 1}", str(half_points / 2)])
    return scheme_path, marks_path


def timed(command: list[str], runs: int) -> list[float]:
    times = []
    for run in range(1, runs + 1):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"run {run} failed: {done.stderr.strip()}")
    return times


def measure(folder: Path, entries: int, judges: int, runs: int, goal: float) -> None:
    scheme_path, marks_path = write_inputs(folder, entries, judges)
    rows = entries * judges * CRITERIA
    print(f"{entries:,} entries × {judges} judges × {CRITERIA} criteria = {rows:,} marks"
          f" ({marks_path.stat().st_size / 1e6:.2f} MB CSV)")
    times = timed([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme", str(scheme_path),
                   "--marks", str(marks_path)], runs)
    print("  runs: " + ", ".join(f"{t:.2f}" for t in times) + " s")
    best, median = min(times), statistics.median(times)
    verdict = "meets" if median < goal else "MISSES"
    print(f"  min {best:.2f} s, median {median:.2f} s — {verdict} the {goal:g} s goal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the 700,000-mark case")
    parser.add_argument("--small-runs", type=int, default=10, help="runs of the 1,000-row case")
    args = parser.parse_args()
    bare = statistics.median(timed([sys.executable, "-c", "pass"], args.small_runs))
    print(f"bare interpreter start (python -c pass): median {bare:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "small").mkdir()
        measure(Path(tmp) / "small", SMALL_ENTRIES, SMALL_JUDGES, args.small_runs, SMALL_GOAL_SECONDS)
        measure(Path(tmp), ENTRIES, JUDGES, args.runs, GOAL_SECONDS)


if __name__ == "__main__":
    main()
