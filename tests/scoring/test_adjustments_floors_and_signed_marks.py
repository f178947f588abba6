"""Adjustments add or take points off a stage, the total or every judge's mark; floors and ceilings
bound criterion, stage and total values; a criterion's `min` allows signed marks."""
from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_helpers import by_entry, marks, one_stage, scheme

from contest.scoring import Mark, MarkError, SchemeError, compute, explain_text, parse_scheme, scheme_to_dict

D = Decimal
PRACTICAL = """
    scheme: 1
    name: 中式烹调师
    stages:
      - key: theory
        name: 理论知识
        weight: 0.3
        criteria: [{key: exam, name: 理论考试, max: 100, kind: measurement}]
      - key: practical
        name: 实际操作
        weight: 0.7
        criteria:
          - {key: dish, name: 菜品, max: 100, kind: judgement}
          - {key: late, name: 超时扣分, max: 10, kind: adjustment, effect: subtract}
          - {key: safety, name: 安全文明生产违规扣分, max: 5, kind: adjustment, effect: subtract, to: total}
"""


def cook(entry: str, exam: int, dish: list[int], late: int | None = None, safety: int | None = None) -> list[Mark]:
    given = [Mark(entry, "theory", "exam", "T", D(exam)), *marks({entry: {"dish": dish}}, stage="practical")]
    if late is not None:
        given.append(Mark(entry, "practical", "late", "裁判长", D(late)))
    if safety is not None:
        given.append(Mark(entry, "practical", "safety", "裁判长", D(safety)))
    return given


def test_penalties_come_off_the_stage_before_its_weight_and_off_the_total_after():
    s = scheme(PRACTICAL)
    results = by_entry(compute(s, [*cook("A", 80, [90, 90]), *cook("B", 80, [90, 90], late=2),
                                   *cook("C", 80, [90, 90], safety=5)]))
    # 0.3 × 80 + 0.7 × 90 = 87; B: practical 90 − 2 = 88 → 24 + 61.6; C: 87 − 5 (安全文明生产违规扣5分)
    assert (results["A"].total, results["B"].total, results["C"].total) == (D("87.00"), D("85.60"), D("82.00"))
    assert results["B"].stage_totals["practical"] == D("88.00")
    assert results["C"].stage_totals["practical"] == D("90.00")
    assert all(r.status == "ok" for r in results.values())  # no penalty given is no penalty, not a missing mark
    assert results["A"].criteria["practical"]["late"] == 0


def test_a_penalty_is_explained_where_it_goes():
    [result] = compute(scheme(PRACTICAL), cook("C", 80, [90, 90], late=1, safety=5))
    text = explain_text(result)
    assert "计入本阶段 -1.00" in text and "计入总分 -5.00" in text and "总分加减分 -5.00" in text
    late, safety = result.explanation.stages[1].criteria[1:]
    assert (late.applied, late.to, safety.applied, safety.to) == (D("-1.00"), "stage", D("-5.00"), "total")


def test_signed_points_are_added_as_they_are():
    # Ski jumping: wind and gate compensation are points added or taken off, either sign.
    s = one_stage("""
        - {key: distance, name: 距离分, max: 200, min: -60, kind: measurement}
        - {key: wind, name: 风力补偿, max: 30, min: -30, kind: adjustment}
    """, top="round_at: []")
    results = by_entry(compute(s, [Mark("A", "s", "distance", "T", D("-3.9")), Mark("A", "s", "wind", "T", D("13.9")),
                                   Mark("B", "s", "distance", "T", D("73.5")), Mark("B", "s", "wind", "T", D("-4.7"))]))
    assert (results["A"].total, results["B"].total) == (D("10.0"), D("68.8"))


def test_a_total_below_the_floor_is_the_floor():
    s = one_stage("""
        - {key: d, name: 难度分, max: 10, kind: measurement}
        - {key: nd, name: 中性扣分, max: 10, kind: adjustment, effect: subtract}
    """, top="floor: 0")
    results = by_entry(compute(s, [Mark("A", "s", "d", "D", D("1.2")), Mark("A", "s", "nd", "R", D("3")),
                                   Mark("B", "s", "d", "D", D("5")), Mark("B", "s", "nd", "R", D("1"))]))
    assert (results["A"].total, results["B"].total) == (0, D("4.00"))
    assert [(r.step, r.before, r.after) for r in results["A"].explanation.rounding] == [
        ("floor", D("-1.80"), D("0")), ("total", D("0"), D("0.00"))]
    assert "不低于下限: -1.80 → 0" in explain_text(results["A"])


def test_floors_and_ceilings_on_criteria_and_stages():
    s = scheme("""
        scheme: 1
        name: bounds
        round_at: []
        stages:
          - key: s
            name: S
            ceiling: 15
            criteria:
              - {key: bonus, name: 加分, max: 20, kind: judgement, ceiling: 10}
              - {key: work, name: 作品, max: 10, kind: judgement, floor: 4}
    """)
    [result] = compute(s, marks({"E": {"bonus": [14], "work": [2]}}))
    assert result.criteria["s"] == {"bonus": 10, "work": 4}
    [result] = compute(s, marks({"E": {"bonus": [9], "work": [8]}}))
    assert result.total == 15  # 17 bounded by the stage's ceiling


def test_a_signed_scale_of_marks():
    # ISU grade of execution: −5 … +5, the panel's trimmed mean.
    s = one_stage("- {key: goe, name: 执行分, max: 5, min: -5, kind: judgement}", panel="{aggregate: trimmed_mean}")
    [result] = compute(s, marks({"E": {"goe": [-2, -1, -1, 0, 3]}}))
    assert result.total == D("-0.67")
    with pytest.raises(MarkError, match=r"mark -6 for entry E criterion goe judge J1 is outside -5\.\.5"):
        compute(s, marks({"E": {"goe": [-6]}}))


def test_a_referee_penalty_comes_off_every_judges_mark_but_not_below_zero():
    # FINA: a penalty of 2 points is deducted from each judge's award; an award cannot go below 0.
    s = one_stage("""
        - {key: execution, name: 完成, max: 10, kind: judgement, step: 0.5}
        - {key: penalty, name: 罚分, max: 10, kind: adjustment, to: execution, effect: subtract}
    """, panel="{aggregate: trimmed_sum, trim: 1}", top="round_at: []")
    given = [*marks({"E": {"execution": ["1.5", 6, 7, 7, 8]}}), Mark("E", "s", "penalty", "R", D(2))]
    [result] = compute(s, given)
    assert result.total == D(14)  # 0, 4, 5, 5, 6 → drop 0 and 6 → 4 + 5 + 5
    execution = result.explanation.stages[0].criteria[0]
    assert [(m.mark, m.counted, m.dropped) for m in execution.marks] == [
        (D("1.5"), 0, "lowest"), (6, 4, None), (7, 5, None), (7, 5, None), (8, 6, "highest")]


@pytest.mark.parametrize(("criterion", "message"), [
    ("{key: a, name: A, max: 10, min: -1, kind: deduction}", r"criteria\[0\]\.min: marks of a deduction cannot"),
    ("{key: a, name: A, max: 10, min: 10, kind: judgement}", r"criteria\[0\]\.min: must be below the highest mark 10"),
    ("{key: a, name: A, max: 10, kind: judgement, effect: subtract}", r"criteria\[0\]\.effect: only adjustment"),
    ("{key: a, name: A, max: 10, kind: adjustment, to: b}", r"criteria\[0\]\.to: must be stage, total or the key"),
    ("{key: a, name: A, max: 10, kind: adjustment, aggregate: sum}", r"criteria\[0\]\.aggregate: not used by an"),
    ("{key: a, name: A, max: 10, kind: judgement, floor: 5, ceiling: 5}", r"criteria\[0\]\.ceiling: must be above"),
    ("{key: a, name: A, max: 10, kind: measurement, spread: 1}", r"criteria\[0\]\.spread: not used by a measurement"),
])
def test_misused_words_are_refused_by_key_path(criterion, message):
    with pytest.raises(SchemeError, match=r"^stages\[0\]\." + message):
        one_stage(f"- {criterion}\n- {{key: z, name: Z, max: 10, kind: judgement}}")


def test_the_new_words_round_trip():
    s = scheme(PRACTICAL + "    floor: 0\n    ceiling: 100\n")
    assert parse_scheme(scheme_to_dict(s)) == s
    assert scheme_to_dict(s)["stages"][1]["criteria"][2] == {
        "key": "safety", "name": "安全文明生产违规扣分", "max": "5", "kind": "adjustment", "factor": "1",
        "counts": True, "to": "total", "effect": "subtract"}
