"""Stage weights, scale and deduction conversions, judge totals, and rounding only where round_at says."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import marks, one_stage, scheme

from contest.scoring import Mark, compute

D = Decimal
STEPS = ("criterion", "factored", "stage", "weighted", "total")


def test_theory_thirty_percent_and_practical_seventy_percent():
    # 总成绩 = 理论知识成绩 × 30% + 实际操作成绩 × 70%
    s = scheme("""
        scheme: 1
        name: 中式烹调师
        stages:
          - {key: theory, name: 理论知识, weight: 0.3, criteria: [{key: exam, name: 理论, max: 100, kind: measurement}]}
          - key: practical
            name: 实际操作
            weight: 0.7
            criteria:
              - {key: cold, name: 冷菜, max: 40, kind: judgement}
              - {key: hot, name: 热菜, max: 60, kind: judgement}
    """)
    [result] = compute(s, [Mark("A", "theory", "exam", "T", D(85)),
                           Mark("A", "practical", "cold", "J1", D(35)), Mark("A", "practical", "cold", "J2", D(36)),
                           Mark("A", "practical", "hot", "J1", D(50)), Mark("A", "practical", "hot", "J2", D(53))])
    assert result.stage_totals == {"theory": D(85), "practical": D("87.00")}  # 35.5 + 51.5
    assert result.total == D("86.40")  # 25.5 + 60.9


def test_where_the_scheme_rounds_changes_the_total():
    criteria = """
        - {key: a, name: A, max: 10, kind: judgement, factor: 1.6}
        - {key: b, name: B, max: 10, kind: judgement, factor: 1.6}
    """
    table = {"E": {"a": [8, 8, 9], "b": [8, 8, 9]}}  # each mean 8.333…
    [early] = compute(one_stage(criteria, top="round_at: [criterion, factored]"), marks(table))
    [late] = compute(one_stage(criteria, top="round_at: [total]"), marks(table))
    [never] = compute(one_stage(criteria, top="round_at: []"), marks(table))
    assert early.total == D("26.66")  # 8.33 × 1.6 = 13.328 → 13.33, twice
    assert late.total == D("26.67")  # 26.666… → 26.67
    assert never.total == D(25) / 3 * D("1.6") * 2


def test_rounding_modes():
    def total(mode: str, value: str) -> Decimal:
        s = one_stage("- {key: a, name: A, max: 10, kind: judgement}", top=f"rounding: {{places: 2, mode: {mode}}}")
        return compute(s, [Mark("E", "s", "a", "J1", D(value))])[0].total

    assert total("half_up", "2.345") == D("2.35")
    assert total("half_even", "2.345") == D("2.34")
    assert total("half_even", "2.355") == D("2.36")
    assert total("down", "2.349") == D("2.34")


def test_places():
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement}", top="rounding: {places: 1}")
    assert compute(s, marks({"E": {"a": [7, 8, 8]}}))[0].total == D("7.7")


def test_a_zero_to_three_level_scale_is_converted_to_the_criterion_max():
    s = one_stage("- {key: a, name: 完成度, max: 10, kind: judgement, scale: 3, levels: [差, 中, 良, 优]}")
    [result] = compute(s, marks({"E": {"a": [2, 2, 3]}}))
    assert result.total == D("7.78")  # mean 7/3 of 3 levels × 10 = 7.777…


def test_deductions_are_taken_from_the_max_and_never_below_zero():
    s = one_stage("""
        - {key: safety, name: 安全文明, max: 10, kind: deduction}
        - {key: waste, name: 原料浪费, max: 5, kind: deduction, aggregate: sum}
    """)
    [result] = compute(s, marks({"E": {"safety": [2, 3], "waste": [3, 4]}}))
    assert result.criteria["s"] == {"safety": D("7.50"), "waste": D("0.00")}


def test_over_judge_total_aggregates_each_judges_sum():
    s = one_stage("""
        - {key: a, name: A, max: 10, kind: judgement, factor: 2}
        - {key: b, name: B, max: 10, kind: judgement}
    """, panel="{over: judge_total, aggregate: trimmed_mean}")
    # Judge totals: J1 2×9+9 = 27, J2 2×5+5 = 15, J3 2×7+8 = 22, J4 2×8+6 = 22; J5 missed b.
    table = {"E": {"a": [9, 5, 7, 8, 10], "b": [9, 5, 8, 6, None]}}
    [result] = compute(s, marks(table))
    assert result.total == D(22)  # drop 27 and 15, mean of 22 and 22
    assert result.criteria["s"] == {"a": D("7.80"), "b": D("7.00")}  # informational means
    totals = {j.judge: (j.total, j.dropped) for j in result.explanation.stages[0].judge_totals}
    assert totals == {"J1": (27, "highest"), "J2": (15, "lowest"), "J3": (22, None), "J4": (22, None),
                      "J5": (None, None)}


def test_results_do_not_depend_on_the_callers_decimal_context():
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement}", top="round_at: []")
    expected = D(4) / 3
    assert compute(s, marks({"E": {"a": [1, 1, 2]}}))[0].total == expected
    with localcontext() as ctx:
        ctx.prec = 4
        ctx.rounding = ROUND_DOWN
        assert compute(s, marks({"E": {"a": [1, 1, 2]}}))[0].total == expected


@settings(deadline=None)  # timing belongs to the benchmark, not to slow shared test machines
@given(st.sets(st.sampled_from(STEPS)), st.lists(st.integers(0, 40), min_size=1, max_size=7))
def test_rounding_follows_round_at(round_at, quarters):
    s = scheme(f"""
        scheme: 1
        name: r
        rounding: {{places: 1}}
        round_at: [{", ".join(round_at)}]
        stages:
          - key: s
            name: S
            weight: 0.37
            criteria: [{{key: a, name: A, max: 10, kind: judgement, factor: 1.3}}]
    """)
    [result] = compute(s, marks({"E": {"a": [D(q) / 4 for q in quarters]}}))
    ex = result.explanation
    steps = [*ex.stages[0].criteria[0].rounding, *ex.stages[0].rounding, *ex.rounding]
    assert [r.step for r in steps] == [step for step in STEPS if step in round_at]
    assert all(r.after == r.before.quantize(D("0.1"), ROUND_HALF_UP) for r in steps)
    criterion = ex.stages[0].criteria[0]
    assert criterion.value == (criterion.aggregated.quantize(D("0.1"), ROUND_HALF_UP) if "criterion" in round_at
                               else criterion.aggregated)


@settings(deadline=None)  # timing belongs to the benchmark, not to slow shared test machines
@given(st.lists(st.decimals(min_value=0, max_value=8, places=2), min_size=1, max_size=7),
       st.lists(st.decimals(min_value=0, max_value=8, places=2), min_size=1, max_size=7),
       st.lists(st.decimals(min_value=0, max_value=8, places=2), min_size=1, max_size=7),
       st.decimals(min_value=0, max_value=2, places=2))
def test_adding_a_constant_to_every_mark_shifts_the_total_by_it_times_factor_and_weight(a, b, c, shift):
    s = scheme("""
        scheme: 1
        name: shift
        round_at: []
        stages:
          - key: x
            name: X
            weight: 0.3
            panel: {aggregate: trimmed_mean}
            criteria:
              - {key: a, name: A, max: 10, kind: judgement, factor: 1.5}
              - {key: b, name: B, max: 10, kind: judgement, aggregate: median}
          - key: y
            name: Y
            weight: 0.7
            criteria: [{key: c, name: C, max: 10, kind: judgement, factor: 2}]
    """)

    def total(delta: Decimal) -> Decimal:
        table = [*marks({"E": {"a": [m + delta for m in a], "b": [m + delta for m in b]}}, stage="x"),
                 *marks({"E": {"c": [m + delta for m in c]}}, stage="y")]
        return compute(s, table)[0].total

    expected = shift * (D("1.5") * D("0.3") + 1 * D("0.3") + 2 * D("0.7"))
    assert abs(total(shift) - total(D(0)) - expected) < D("1e-20")  # exact up to 28-digit division
