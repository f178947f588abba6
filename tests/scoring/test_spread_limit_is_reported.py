"""WorldSkills: the judges' marks on a criterion may differ by at most one point. A `spread` limit
is reported in the explanation and the judge-consistency flags, and blocks the stage's sign-off
where its panel says spread_blocks_signoff."""
from __future__ import annotations

from decimal import Decimal

from scoring_helpers import marks, one_stage

from contest.scoring import compute, explain_text, judge_consistency, spread_breaches

D = Decimal
WORLDSKILLS = """
    - {key: finish, name: 表面处理, max: 3, kind: judgement, scale: 3, step: 1}
    - {key: fit, name: 装配精度, max: 3, kind: judgement, scale: 3, step: 1, spread: 2}
"""


def test_the_explanation_shows_each_spread_against_its_limit():
    s = one_stage(WORLDSKILLS, panel="{spread: 1}")
    [result] = compute(s, marks({"E": {"finish": [1, 3, 2], "fit": [1, 3, 2]}}))
    finish, fit = result.explanation.stages[0].criteria
    assert (finish.spread, finish.spread_limit, fit.spread, fit.spread_limit) == (2, 1, 2, 2)
    text = explain_text(result)
    assert "最高与最低相差 2，超过允许的 1" in text and "最高与最低相差 2，未超过允许的 2" in text
    assert result.status == "ok"  # reported, not a reason to withhold the result


def test_flags_and_blocking_follow_the_scheme():
    given = marks({"E1": {"finish": [1, 3, 2], "fit": [1, 3, 2]}, "E2": {"finish": [2, 3, 2], "fit": [0, 3, 3]}})
    report = one_stage(WORLDSKILLS, panel="{spread: 1}")
    flags = [(f.entry, f.criterion, f.judges, f.blocks) for f in judge_consistency(report, given).flags]
    assert flags == [("E1", "finish", ("J1", "J2"), False), ("E2", "fit", ("J1", "J2", "J3"), False)]
    assert spread_breaches(report, given, "s") == []
    blocking = one_stage(WORLDSKILLS, panel="{spread: 1, spread_blocks_signoff: true}")
    [first, second] = spread_breaches(blocking, given, "s")
    assert first.text == "表面处理：J1 评 1，J2 评 3，相差 2，超过评分标准允许的 1"
    assert second.detail == ("entry E2 criterion fit: 0 (J1) and 3 (J2, J3) differ by 3, "
                             "more than the 2 the scheme allows")


def test_without_a_spread_the_old_level_rule_stands():
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement, scale: 3}")
    [flag] = judge_consistency(s, marks({"E": {"a": [0, 2, 3]}})).flags
    assert flag.detail == "entry E criterion a: 0 (J1) and 3 (J3) are more than 1 level apart"
    assert compute(s, marks({"E": {"a": [0, 2, 3]}}))[0].explanation.stages[0].criteria[0].spread is None
