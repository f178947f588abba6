"""An absent or recused judge means a smaller panel, never a zero; too few marks mean incomplete."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import by_entry, marks, one_stage

from contest.scoring import compute, read_marks_csv

D = Decimal
TWO = """
    - {key: a, name: A, max: 10, kind: judgement}
    - {key: b, name: B, max: 10, kind: judgement}
"""


def test_a_missing_mark_is_left_out_of_the_mean_not_counted_as_zero():
    [result] = compute(one_stage(TWO), marks({"E": {"a": [8, None, 6], "b": [5, 5, 5]}}))
    assert result.criteria["s"]["a"] == D(7)
    assert result.total == D(12)


def test_trimming_applies_to_the_marks_present():
    # Eight of nine judges marked: drop the highest and lowest of eight, average six (as the ISU does).
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement}", panel="{aggregate: trimmed_mean}")
    [result] = compute(s, marks({"E": {"a": [7, 8, 9, 7, 8, None, 6, 10, 8]}}))
    assert result.total == D("7.83")  # (7 + 8 + 9 + 7 + 8 + 8) / 6


def test_below_min_judges_the_entry_is_incomplete_and_unranked():
    s = one_stage(TWO, panel="{min_judges: 3}")
    results = by_entry(compute(s, marks({"OK": {"a": [8, 8, 8], "b": [5, 5, 5]},
                                         "SHORT": {"a": [9, 9], "b": [9, 9, 9]}})))
    short = results["SHORT"]
    assert (short.status, short.rank, short.total, short.award) == ("incomplete", None, None, None)
    assert short.problems == ("s.a: 2 marks, needs at least 3 judges",)
    assert "s" not in short.stage_totals
    assert results["OK"].rank == 1


def test_a_criterion_with_no_marks_at_all_makes_the_entry_incomplete():
    s = one_stage(TWO + "    - {key: t, name: 用时, max: 60, kind: measurement, counts: false}\n")
    [result] = compute(s, marks({"E": {"a": [8], "b": [7]}}))
    assert result.status == "incomplete"
    assert result.problems == ("s.t: no marks",)


def test_an_entry_with_a_status_but_no_marks_is_incomplete():
    results = by_entry(compute(one_stage(TWO), marks({"E1": {"a": [8], "b": [7]}}),
                               statuses={"E2": "checked_in", "E1": "checked_in"}))
    assert results["E2"].status == "incomplete"
    assert results["E1"].rank == 1


def test_withdrawn_and_disqualified_entries_are_unranked_and_say_so():
    table = {e: {"a": [9], "b": [9]} for e in ("E1", "E2", "E3")}
    results = compute(one_stage(TWO), marks(table), statuses={"E1": "withdrawn", "E2": "disqualified"})
    assert [(r.entry, r.status, r.rank) for r in results] == [
        ("E3", "ok", 1), ("E1", "withdrawn", None), ("E2", "disqualified", None)]


def test_an_empty_mark_cell_in_csv_is_no_mark():
    text = "entry,stage,criterion,judge,mark\nE,s,a,J1,8\nE,s,a,J2,\nE,s,a,J3,6\nE,s,b,J1,5\n"
    [result] = compute(one_stage(TWO), read_marks_csv(text))
    assert result.criteria["s"]["a"] == D(7)


@settings(deadline=None)  # timing belongs to the benchmark, not to slow shared test machines
@given(st.lists(st.decimals(min_value=0, max_value=10, places=1), min_size=1, max_size=9),
       st.lists(st.decimals(min_value=0, max_value=10, places=1), min_size=1, max_size=9), st.randoms())
def test_judge_order_never_matters(a_marks, b_marks, random):
    s = one_stage(TWO, panel="{aggregate: trimmed_mean}")
    given_marks = marks({"E": {"a": a_marks, "b": b_marks}})
    shuffled = list(given_marks)
    random.shuffle(shuffled)
    [first], [second] = compute(s, given_marks), compute(s, shuffled)
    assert (first.total, first.criteria) == (second.total, second.criteria)
    assert first.explanation == second.explanation
