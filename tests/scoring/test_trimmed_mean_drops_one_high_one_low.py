"""去掉一个最高分、去掉一个最低分: the trimmed mean drops `trim` highest and lowest marks, and only those."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import marks, one_stage

from contest.scoring import compute

D = Decimal
TRIMMED = "{aggregate: trimmed_mean, trim: 1}"


def test_five_judges_drop_the_highest_and_the_lowest():
    # A common rule of Chinese skills contests: 5 judges, drop the highest and the lowest, average 3.
    scheme = one_stage("- {key: dish, name: 作品, max: 100, kind: judgement}", panel=TRIMMED)
    [result] = compute(scheme, marks({"A01": {"dish": [85, 90, 88, 92, 70]}}))
    assert result.total == D("87.67")  # (85 + 90 + 88) / 3 = 87.666…
    sheet = result.explanation.stages[0].criteria[0]
    assert [(m.judge, m.mark, m.dropped) for m in sheet.marks] == [
        ("J1", 85, None), ("J2", 90, None), ("J3", 88, None), ("J4", 92, "highest"), ("J5", 70, "lowest")]
    assert sheet.aggregated == D(263) / 3
    assert [(r.step, r.after) for r in sheet.rounding] == [("criterion", D("87.67")), ("factored", D("87.67"))]


def test_trim_two_of_seven():
    scheme = one_stage("- {key: dish, name: 作品, max: 10, kind: judgement}",
                       panel="{aggregate: trimmed_mean, trim: 2}")
    [result] = compute(scheme, marks({"A01": {"dish": [1, 9, 5, 6, 7, 10, 2]}}))
    assert result.total == D(6)  # drops 1, 2 and 9, 10
    dropped = {m.judge: m.dropped for m in result.explanation.stages[0].criteria[0].marks if m.dropped}
    assert dropped == {"J1": "lowest", "J7": "lowest", "J2": "highest", "J6": "highest"}


def test_with_too_few_marks_to_trim_the_plain_mean_is_used():
    scheme = one_stage("- {key: dish, name: 作品, max: 10, kind: judgement}", panel=TRIMMED)
    [result] = compute(scheme, marks({"A01": {"dish": [6, 9]}}))
    assert result.total == D("7.50")
    assert all(m.dropped is None for m in result.explanation.stages[0].criteria[0].marks)


def test_equal_extremes_drop_one_mark_each():
    scheme = one_stage("- {key: dish, name: 作品, max: 10, kind: judgement}", panel=TRIMMED)
    [result] = compute(scheme, marks({"A01": {"dish": [9, 9, 8, 7, 7]}}))
    assert result.total == D(8)  # drops one 9 and one 7, averages 9, 8, 7
    assert sum(m.dropped is not None for m in result.explanation.stages[0].criteria[0].marks) == 2


@settings(deadline=None)  # timing belongs to the benchmark, not to slow shared test machines
@given(st.lists(st.decimals(min_value=0, max_value=10, places=2), min_size=3, max_size=9),
       st.decimals(min_value=0, max_value=10, places=2), st.decimals(min_value=0, max_value=10, places=2))
def test_trimming_never_uses_a_dropped_mark(values, higher, lower):
    """Pushing the highest mark higher or the lowest lower never changes the panel mark."""
    scheme = one_stage("- {key: a, name: A, max: 10, kind: judgement}", panel=TRIMMED, top="round_at: []")
    ordered = sorted(values)
    pushed = [max(ordered[-1], higher), *ordered[1:-1], min(ordered[0], lower)]
    [before] = compute(scheme, marks({"E": {"a": ordered}}))
    [after] = compute(scheme, marks({"E": {"a": pushed}}))
    assert before.total == after.total == sum(ordered[1:-1]) / (len(ordered) - 2)
