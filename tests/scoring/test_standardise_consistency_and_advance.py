"""标准分 (mean 500, SD 100), judge consistency figures and flags, and advancement by rank."""
from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_helpers import marks, one_stage

from contest.scoring import ScoringError, advance, compute, judge_consistency, standardise

D = Decimal
ONE = "- {key: a, name: A, max: 100, kind: judgement}"


def ranked(totals: list[int], statuses: dict | None = None):
    table = {f"E{n:02d}": {"a": [t]} for n, t in enumerate(totals, start=1)}
    return compute(one_stage(ONE), marks(table), statuses=statuses)


def test_standard_scores_have_mean_500_and_population_sd_100():
    scores = standardise(ranked([60, 65, 70, 75, 80, 85, 90, 95]))
    values = list(scores.values())
    assert len(values) == 8
    assert sum(values) / 8 == 500
    # totals are 77.5 ± 5·(1.5 … 3.5): SD = 5·√5.25, so 95 ↦ 500 + 100·17.5/(5·√5.25) = 652.75…
    assert scores["E08"] == D("652.75")
    assert scores["E01"] == D("347.25")
    variance = sum((v - 500) ** 2 for v in values) / 8
    assert abs(variance.sqrt() - 100) < D("0.01")


def test_standard_scores_need_eight_ranked_entries():
    assert standardise(ranked([60, 65, 70, 75, 80, 85, 90])) == {}
    assert standardise(ranked([60, 65, 70, 75, 80, 85, 90, 95], statuses={"E01": "withdrawn"})) == {}
    assert set(standardise(ranked([70] * 8)).values()) == {D("500.00")}


def test_advance_top_n_takes_everyone_tied_at_the_cutoff():
    results = ranked([90, 80, 80, 70, 60])
    assert advance(results, top_n=2) == ["E01", "E02", "E03"]
    assert advance(results, top_n=1) == ["E01"]


def test_advance_top_percent_counts_half_up():
    results = ranked([99, 98, 97, 96, 95, 94, 93])
    assert advance(results, top_percent=50) == ["E01", "E02", "E03", "E04"]  # 3.5 → 4
    assert advance(results, top_percent=D("10")) == ["E01"]  # 0.7 → 1


@pytest.mark.parametrize("kwargs", [{}, {"top_n": 2, "top_percent": 10}, {"top_n": 0}, {"top_percent": 120}])
def test_advance_needs_one_sensible_cutoff(kwargs):
    with pytest.raises(ScoringError):
        advance(ranked([90, 80]), **kwargs)


SCHEME = one_stage("""
    - {key: work, name: 作品, max: 10, kind: judgement, step: 0.5}
    - {key: level, name: 完成度, max: 10, kind: judgement, scale: 3, step: 1}
    - {key: time, name: 用时, max: 60, kind: measurement, counts: false}
""")


def test_a_generous_judge_shows_a_positive_deviation():
    table = {
        "E1": {"work": [6, 6, 8], "level": [2, 2, 2], "time": [30]},
        "E2": {"work": [7, 7, 9], "level": [1, 1, 1], "time": [40]},
    }
    figures = judge_consistency(SCHEME, marks(table)).judges["s"]
    assert set(figures) == {"J1", "J2", "J3"}
    # J3 is 2 above the others on work (2 marks) and level with them on level (2 marks): (2+2+0+0)/4
    assert figures["J3"].mean_deviation == D("1.000")
    assert figures["J1"].mean_deviation == D("-0.500")  # −1, −1, 0, 0
    assert figures["J1"].compared == 4
    # Agreement: within one step (0.5) of the panel median; J3 is 2 away on work.
    assert (figures["J1"].agreement, figures["J3"].agreement) == (D("1.0000"), D("0.5000"))


def test_levels_more_than_one_apart_and_far_marks_are_flagged():
    table = {"E1": {"work": [6, 6, "6.5", 9], "level": [0, 2, 3, 2], "time": [30]}}
    flags = judge_consistency(SCHEME, marks(table)).flags
    spread = [f for f in flags if f.kind == "spread"]
    outliers = [f for f in flags if f.kind == "outlier"]
    assert [(f.entry, f.criterion, f.judges) for f in spread] == [("E1", "level", ("J1", "J3"))]
    assert "0 (J1) and 3 (J3) are more than 1 level apart" in spread[0].detail
    # Panel median of work is 6.25; 20% of 10 is 2: J4's 9 is 2.75 away. Levels get spread flags only.
    assert [(f.criterion, f.judges) for f in outliers] == [("work", ("J4",))]
    assert "judge J4 gave 9, more than 2.0 from the panel median 6.25" in outliers[0].detail


def test_measurements_are_not_judged_for_consistency():
    # Two timekeepers recorded the one time (two different times would be refused as an error).
    table = {"E1": {"work": [6], "level": [2], "time": [30, 30]}}
    result = judge_consistency(SCHEME, marks(table))
    assert result.judges["s"] == {}
    assert result.flags == ()
