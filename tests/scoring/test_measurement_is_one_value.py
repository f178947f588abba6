"""A measurement (and an adjustment) is one value per entry: two different ones are an error naming
both; the same value recorded twice is one value; a panel's min_judges does not apply to it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_helpers import marks, one_stage

from contest.scoring import Mark, MarkError, compute

D = Decimal


def test_two_different_measurements_are_an_error_that_names_them():
    s = one_stage("- {key: time, name: 用时, max: 120, kind: measurement}")
    with pytest.raises(MarkError) as caught:
        compute(s, [Mark("A01", "s", "time", "计时1", D(95)), Mark("A01", "s", "time", "计时2", D(97))])
    assert str(caught.value) == ("measurement time of entry A01 has two different marks: 95 (judge 计时1) and 97 "
                                 "(judge 计时2)")
    assert caught.value.chinese == ("选手 A01，用时：裁判 计时1 记录为 95，裁判 计时2 记录为 97；"
                                    "测量项只能有一个数值，请核对")


def test_the_same_measurement_recorded_twice_is_one_value():
    s = one_stage("- {key: time, name: 用时, max: 120, kind: measurement, aggregate: sum}")
    [result] = compute(s, marks({"A01": {"time": [95, 95]}}))
    assert result.total == D("95.00")


def test_two_different_adjustments_are_an_error_too():
    s = one_stage("""
        - {key: a, name: A, max: 10, kind: judgement}
        - {key: pen, name: 违规扣分, max: 5, kind: adjustment, effect: subtract}
    """)
    with pytest.raises(MarkError, match="adjustment pen of entry E has two different marks"):
        compute(s, marks({"E": {"a": [8], "pen": [1, 2]}}))


def test_min_judges_applies_to_judged_criteria_only():
    # The bug: a stage with min_judges 3 and a measured weight made every entry incomplete.
    s = one_stage("""
        - {key: taste, name: 口味, max: 10, kind: judgement}
        - {key: weight, name: 成品重量, max: 500, kind: measurement, factor: 0.01}
        - {key: waste, name: 浪费扣分, max: 5, kind: deduction}
    """, panel="{min_judges: 3}")
    [ok] = compute(s, marks({"E": {"taste": [8, 8, 9], "weight": [420], "waste": [1, 1, 2]}}))
    assert (ok.status, ok.total) == ("ok", D("16.20"))  # 8.33 + 4.20 + (5 − 1.33…) 3.67
    [short] = compute(s, marks({"E": {"taste": [8, 8, 9], "weight": [420], "waste": [1, 1]}}))
    assert short.problems == ("s.waste: 2 marks, needs at least 3 judges",)
