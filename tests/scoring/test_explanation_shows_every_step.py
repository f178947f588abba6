"""Each result explains itself: every mark by judge, what trimming dropped, every rounding step."""
from __future__ import annotations

import json
from decimal import Decimal

from scoring_helpers import marks, one_stage

from contest.scoring import compute, explain_text

D = Decimal
SCHEME = one_stage("""
    - {key: knife, name: 刀工, max: 10, kind: judgement, factor: 2}
    - {key: time, name: 用时, max: 60, kind: measurement, counts: false}
""", panel="{aggregate: trimmed_mean}", top="awards: {tiers: [{name: 一等奖, count: 1}]}")
TABLE = {"A01": {"knife": [8, "9.5", 7, "8.5", 8], "time": [42]}}


def test_the_explanation_is_data():
    [result] = compute(SCHEME, marks(TABLE))
    ex = result.explanation
    knife, time = ex.stages[0].criteria
    assert [(m.judge, m.mark, m.dropped) for m in knife.marks] == [
        ("J1", 8, None), ("J2", D("9.5"), "highest"), ("J3", 7, "lowest"), ("J4", D("8.5"), None), ("J5", 8, None)]
    assert (knife.aggregated, knife.value, knife.factored) == (D("24.5") / 3, D("8.17"), D("16.34"))
    assert [(r.step, r.before, r.after) for r in knife.rounding] == [
        ("criterion", D("24.5") / 3, D("8.17")), ("factored", D("16.34"), D("16.34"))]
    assert (time.counts, time.value, time.factored) == (False, D("42.00"), None)
    assert (ex.stages[0].total, ex.stages[0].weighted, ex.total) == (D("16.34"), D("16.34"), D("16.34"))
    assert [r.step for r in ex.stages[0].rounding] == ["stage", "weighted"]
    assert [r.step for r in ex.rounding] == ["total"]


def test_the_plain_text_sheet_reads_in_chinese():
    [result] = compute(SCHEME, marks(TABLE))
    text = explain_text(result)
    for expected in ("选手 A01", "名次 1", "总分 16.34", "奖项 一等奖", "评分项 刀工 (评分)",
                     "J2: 9.5 (去掉最高分)", "J3: 7 (去掉最低分)", "× 系数 2 = 16.34",
                     "去掉最高最低后平均 8.166… → 得分 8.17", "舍入 (评分项): 8.166… → 8.17", "不计入总分",
                     "阶段小计 16.34"):
        assert expected in text, expected


def test_a_figure_decimal_cut_shows_the_schemes_places_and_one_more():
    """A mean of 8⅓ prints as 8.333…, not with Decimal's 28 digits; exact figures print as they are."""
    scheme = one_stage("""
        - {key: a, name: 操作, max: 10, kind: judgement}
    """, top="rounding: {places: 1, mode: down}\nround_at: [total]")
    [result] = compute(scheme, marks({"A04": {"a": [8, 8, 9]}}))
    text = explain_text(result)
    assert "平均 8.33… → 得分 8.33…" in text and "舍入 (总分): 8.33… → 8.3" in text
    assert "333333" not in text
    [exact] = compute(scheme, marks({"A06": {"a": ["8.25", "8.5", "8.75"]}}))
    assert "平均 8.50 → 得分 8.50" in explain_text(exact) and "舍入 (总分): 8.50 → 8.5" in explain_text(exact)


def test_an_incomplete_entry_explains_what_is_missing():
    [result] = compute(SCHEME, marks({"A02": {"knife": [8]}}))
    assert result.explanation.problems == ("s.time: no marks",)
    assert "未完成: 用时：没有评分" in explain_text(result)


def test_json_output_carries_the_explanation(tmp_path):
    from contest.scoring import results_to_json

    [result] = compute(SCHEME, marks(TABLE))
    data = json.loads(results_to_json(SCHEME, [result]))
    row = data["results"][0]
    assert (data["scheme"], row["rank"], row["total"], row["stages"], row["award"]) == (
        "test", 1, "16.34", {"s": "16.34"}, "一等奖")
    knife = row["explanation"]["stages"][0]["criteria"][0]
    assert knife["marks"][1] == {"judge": "J2", "mark": "9.50", "dropped": "highest"}
    assert knife["rounding"][0] == {"step": "criterion", "before": "8.166666666666666666666666667", "after": "8.17"}


def test_a_dropped_deduction_says_which_end_and_no_english_remains():
    scheme = one_stage("""
        - {key: hygiene, name: 卫生, max: 5, kind: deduction}
    """, panel="{aggregate: trimmed_mean}")
    [result] = compute(scheme, marks({"A03": {"hygiene": [0, "0.5", 1]}}))
    text = explain_text(result)
    assert "J1: 0 (去掉最少扣分)" in text and "J3: 1 (去掉最多扣分)" in text
    assert "去掉最低分" not in text and "去掉最高分" not in text  # a deduction of 0 is the best mark, not the lowest
    assert "评分项 卫生 (扣分)" in text
    assert not any(word in text for word in ("ok", "deduction", "hygiene", "(s)"))


def test_a_recused_judge_is_noted_under_the_stage():
    [result] = compute(SCHEME, marks(TABLE))
    text = explain_text(result, recused={"s": ["J6"]})
    stage_line = next(i for i, line in enumerate(text.splitlines()) if line.startswith("【实际操作】"))
    assert text.splitlines()[stage_line + 1] == "  回避: 裁判 J6 与选手有利害关系，依规回避，未评分"
    assert "回避" not in explain_text(result)
