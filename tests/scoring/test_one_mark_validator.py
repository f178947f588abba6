"""One validator for every mark: the engine, judges' sheets, paper entry and registry reviews refuse
the same marks, and a person is told in Chinese which entry, criterion and judge."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import one_stage

from contest.scoring import Mark, MarkError, check_sheet, compute

D = Decimal
SCHEME = one_stage("""
    - {key: knife, name: 刀工, max: 10, kind: judgement, step: 0.5}
    - {key: goe, name: 执行分, max: 5, min: -5, kind: judgement}
    - {key: hygiene, name: 卫生, max: 5, kind: deduction}
    - {key: time, name: 用时, max: 120, kind: measurement}
    - {key: late, name: 超时扣分, max: 5, kind: adjustment, effect: subtract}
""")
CRITERIA = SCHEME.stages[0].criteria


def sheet(raw: dict, complete: bool = False) -> dict:
    return check_sheet(CRITERIA, raw, complete=complete, entry="K7Q2", judge="J03")


@pytest.mark.parametrize(("raw", "chinese", "field"), [
    ({"knife": "七"}, "选手 K7Q2、裁判 J03，刀工：“七”不是数字", "knife"),
    ({"knife": "11"}, "选手 K7Q2、裁判 J03，刀工：11 超出范围 0–10", "knife"),
    ({"knife": "-1"}, "选手 K7Q2、裁判 J03，刀工：-1 不能为负数（范围 0–10）", "knife"),
    ({"goe": "-5.5"}, "选手 K7Q2、裁判 J03，执行分：-5.5 超出范围 -5–5", "goe"),
    ({"knife": "7.3"}, "选手 K7Q2、裁判 J03，刀工：7.3 应为 0.5 的整数倍", "knife"),
    ({"goe": "1.23456"}, "选手 K7Q2、裁判 J03，执行分：1.23456 最多保留4位小数", "goe"),
    ({"smell": "3"}, "选手 K7Q2、裁判 J03：评分项 smell 不属于本环节", "smell"),
])
def test_a_bad_mark_on_a_sheet_is_named_in_chinese(raw, chinese, field):
    with pytest.raises(MarkError) as caught:
        sheet(raw)
    assert (caught.value.chinese, caught.value.criterion) == (chinese, field)


def test_good_marks_come_back_as_decimals_and_blanks_are_no_mark():
    assert sheet({"knife": " 8.5 ", "goe": "-2", "hygiene": "", "late": None, "time": "1.2345"}) == {
        "knife": D("8.5"), "goe": D(-2), "time": D("1.2345")}
    assert sheet({"goe": "1.50000"}) == {"goe": D("1.50000")}  # four places once the zeros go


def test_a_submitted_sheet_needs_every_judged_criterion_that_counts():
    with pytest.raises(MarkError) as caught:
        sheet({"knife": "8"}, complete=True)
    assert caught.value.chinese == "选手 K7Q2、裁判 J03：还有评分项未打分：执行分、卫生"
    assert sheet({"knife": "8", "goe": "0", "hygiene": "1"}, complete=True)  # no time, no penalty: fine


MARK_TEXT = st.one_of(st.decimals(min_value=-8, max_value=14, places=2).map(str),
                      st.decimals(min_value=-1, max_value=6, places=6).map(str), st.sampled_from(["x", "1e3", "NaN"]))


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(["knife", "goe", "hygiene", "time", "late"]), MARK_TEXT)
def test_the_engine_and_a_sheet_refuse_exactly_the_same_marks(key, text):
    try:
        value = sheet({key: text})[key]
    except MarkError as refused:
        by_sheet = refused.criterion
    else:
        by_sheet = None
    try:
        number = Decimal(text)
    except ArithmeticError:
        number = text  # not a number at all: the engine refuses anything but a Decimal
    try:
        compute(SCHEME, [Mark("K7Q2", "s", key, "J03", number)])
    except MarkError:
        by_engine = key
    else:
        by_engine = None
        assert value == Decimal(text)
    assert by_sheet == by_engine
