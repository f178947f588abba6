"""Ranking stored per-entry figures gives the same ranks and awards as computing from marks."""
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring import Figures, Mark, compute, parse_scheme, rank_figures

SCHEME = parse_scheme({
    "scheme": 1, "name": "t", "tie_break": ["practical", "-time"],
    "stages": [
        {"key": "theory", "name": "理论", "weight": "0.3",
         "criteria": [{"key": "written", "name": "笔试", "max": 100, "kind": "measurement"}]},
        {"key": "practical", "name": "实操", "weight": "0.7", "panel": {"aggregate": "trimmed_mean", "trim": 1},
         "criteria": [{"key": "dish", "name": "菜品", "max": 10, "kind": "judgement"},
                      {"key": "time", "name": "用时", "max": 120, "kind": "measurement", "counts": False}]}],
    "awards": {"tiers": [{"name": "一等奖", "share": "0.1"}, {"name": "二等奖", "share": "0.2"}]},
})

marks_st = st.lists(st.tuples(st.integers(0, 100), st.lists(st.integers(0, 20), min_size=5, max_size=5),
                              st.integers(30, 120)), min_size=1, max_size=25)


@given(marks_st)
@settings(max_examples=60, deadline=None)
def test_rank_figures_equals_compute(entries):
    marks = []
    for i, (written, dish, time) in enumerate(entries):
        e = f"E{i:02d}"
        marks.append(Mark(e, "theory", "written", "J1", Decimal(written)))
        marks += [Mark(e, "practical", "dish", f"J{j}", Decimal(d) / 2) for j, d in enumerate(dish, 1)]
        marks.append(Mark(e, "practical", "time", "J1", Decimal(time)))
    results = compute(SCHEME, marks)
    figures = [Figures(r.entry, r.status, r.total, r.stage_totals, r.criteria) for r in results]
    standings = {s.entry: (s.rank, s.award) for s in rank_figures(SCHEME, figures)}
    assert standings == {r.entry: (r.rank, r.award) for r in results if r.rank is not None}
