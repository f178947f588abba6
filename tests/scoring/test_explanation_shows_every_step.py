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
    for expected in ("选手 A01", "名次 1", "总分 16.34", "奖项 一等奖", "评分项 刀工 (knife, judgement)",
                     "J2: 9.5 (去掉最高分)", "J3: 7 (去掉最低分)", "× 系数 2 = 16.34",
                     "舍入 (评分项): 8.166666666666666666666666667 → 8.17", "不计入总分", "阶段小计 16.34"):
        assert expected in text, expected


def test_an_incomplete_entry_explains_what_is_missing():
    [result] = compute(SCHEME, marks({"A02": {"knife": [8]}}))
    assert result.explanation.problems == ("s.time: no marks",)
    assert "未完成: s.time: no marks" in explain_text(result)


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
