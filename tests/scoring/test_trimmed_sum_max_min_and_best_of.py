"""Sum of the middle marks (trimmed_sum), the highest or lowest mark, and the best of several attempts."""
from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_helpers import by_entry, marks, one_stage, scheme

from contest.scoring import SchemeError, compute, explain_text

D = Decimal


@pytest.mark.parametrize(("trim", "given", "expected"), [
    (2, [8, "7.5", "7.5", 7, "6.5", "7.5", 7], D(22)),  # 7 judges: drop two at each end, sum three
    (1, [8, "7.5", "7.5", 7, "6.5"], D(22)),  # 5 judges: drop one at each end, sum three
])
def test_trimmed_sum_adds_the_middle_marks_with_no_rounding_before_the_factor(trim, given, expected):
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement, step: 0.5, factor: 3.4}",
                  panel=f"{{aggregate: trimmed_sum, trim: {trim}}}")
    [result] = compute(s, marks({"E": {"a": given}}))
    assert result.explanation.stages[0].criteria[0].aggregated == expected
    assert result.total == expected * D("3.4")


def test_trimmed_sum_without_enough_marks_to_trim_is_incomplete():
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement}", panel="{aggregate: trimmed_sum, trim: 2}")
    [result] = compute(s, marks({"E": {"a": [8, 8, 8, 8]}}))
    assert result.problems == ("s.a: 4 marks, trimmed_sum needs at least 5 to drop 2 highest and 2 lowest",)


def test_max_and_min_take_the_highest_and_the_lowest_mark():
    s = one_stage("""
        - {key: best, name: 最高, max: 10, kind: judgement, aggregate: max}
        - {key: worst, name: 最低, max: 10, kind: judgement, aggregate: min}
    """)
    [result] = compute(s, marks({"E": {"best": [3, 9, 5], "worst": [3, 9, 5]}}))
    assert result.criteria["s"] == {"best": D("9.00"), "worst": D("3.00")}


LIFTS = """
    scheme: 1
    name: 举重
    round_at: []
    stages:
      - {key: sn1, name: 抓举第1次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
      - {key: sn2, name: 抓举第2次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
      - {key: sn3, name: 抓举第3次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
      - {key: snatch, name: 抓举, best_of: [sn1, sn2, sn3]}
      - {key: cj1, name: 挺举第1次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
      - {key: cj2, name: 挺举第2次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
      - {key: cj3, name: 挺举第3次, criteria: [{key: kg, name: 重量, max: 300, kind: measurement}]}
      - {key: jerk, name: 挺举, best_of: [cj1, cj2, cj3]}
"""


def lifts(entry: str, **made: int) -> list:
    """Good lifts only: a missed or passed attempt has no mark."""
    return [m for key, kg in made.items() for m in marks({entry: {"kg": [kg]}}, stage=key)]


def test_the_best_attempt_of_each_lift_counts_and_the_attempts_add_nothing_themselves():
    results = by_entry(compute(scheme(LIFTS), [*lifts("A", sn1=88, sn2=92, sn3=94, cj1=109, cj2=114, cj3=116),
                                                *lifts("B", sn1=84, sn2=87, cj1=110, cj2=115)]))
    assert (results["A"].total, results["B"].total) == (D(210), D(202))
    assert results["B"].stage_totals == {"sn1": 84, "sn2": 87, "snatch": 87, "cj1": 110, "cj2": 115, "jerk": 115}
    assert [r.entry for r in compute(scheme(LIFTS), [*lifts("B", sn1=84, cj1=110), *lifts("A", sn2=90, cj3=120)])] == [
        "A", "B"]
    text = explain_text(results["B"])
    assert "取最好一次: sn1、sn2、sn3 中的 sn2" in text and "未做此次尝试" in text


def test_no_good_attempt_in_a_lift_leaves_no_total():
    [result] = compute(scheme(LIFTS), lifts("C", cj1=120))
    assert (result.status, result.total, result.problems) == ("incomplete", None, ("snatch: no attempt has a result",))


@pytest.mark.parametrize(("stages", "message"), [
    ("[{key: best, name: B, best_of: [a]}, "
     "{key: a, name: A, criteria: [{key: x, name: X, max: 9, kind: measurement}]}]",
     r"stages\[0\]\.best_of\[0\]: 'a' must be the key of a stage with criteria before this one"),
    ("[{key: a, name: A, weight: 2, criteria: [{key: x, name: X, max: 9, kind: measurement}]}, "
     "{key: best, name: B, best_of: [a]}]", r"stages\[0\]\.weight: an attempt is not weighted"),
    ("[{key: a, name: A, criteria: [{key: x, name: X, max: 9, kind: measurement}]}, "
     "{key: best, name: B, best_of: [a], criteria: []}]", r"stages\[1\]\.criteria: a best_of stage takes its value"),
    ("[{key: a, name: A, criteria: [{key: x, name: X, max: 9, kind: measurement}]}, {key: b, name: B, best_of: [a]}, "
     "{key: c, name: C, best_of: [a]}]", r"stages\[2\]\.best_of\[0\]: 'a' is already an attempt of another stage"),
])
def test_best_of_names_earlier_stages_each_once(stages, message):
    with pytest.raises(SchemeError, match="^" + message):
        scheme(f"scheme: 1\nname: n\nstages: {stages}\n")
