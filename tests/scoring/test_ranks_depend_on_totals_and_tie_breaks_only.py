"""An entry's rank is a function of its group, its total and its tie_break values only: the same
ranking follows from those figures alone, whatever the other marks, criteria and entry ids."""
from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import scheme

from contest.scoring import Figures, Mark, compute, rank_figures

SCHEME = scheme("""
    scheme: 1
    name: 名次
    stages:
      - key: theory
        name: 理论
        weight: 0.3
        criteria: [{key: exam, name: 理论考试, max: 100, kind: measurement}]
      - key: practical
        name: 实操
        weight: 0.7
        panel: {aggregate: trimmed_mean}
        criteria:
          - {key: dish, name: 菜品, max: 10, kind: judgement, step: 0.5}
          - {key: time, name: 用时, max: 120, kind: measurement, counts: false}
          - {key: late, name: 超时扣分, max: 3, kind: adjustment, effect: subtract, to: total}
    tie_break: [practical, -time]
    awards: {tiers: [{name: 一等奖, cap: 0.2}, {name: 二等奖, share: 0.3}]}
""")
ENTRY = st.tuples(st.sampled_from(["甲", "乙"]), st.integers(60, 100), st.lists(st.integers(10, 20), min_size=3,
                                                                                max_size=3),
                  st.integers(80, 120), st.integers(0, 2))


def competition_ranks(keys: dict[str, tuple]) -> dict[str, int]:
    """1, 2, 2, 4 over the sort keys, written afresh for the test."""
    ordered = sorted(keys.values())
    return {entry: ordered.index(key) + 1 for entry, key in keys.items()}


@settings(deadline=None, max_examples=80)
@given(st.dictionaries(st.sampled_from([f"E{n:02d}" for n in range(25)]), ENTRY, min_size=1), st.randoms())
def test_ranks_follow_from_group_total_and_tie_breaks(table, rnd: random.Random):
    marks, groups = [], {}
    for entry, (group, exam, dish, time, late) in table.items():
        groups[entry] = group
        marks += [Mark(entry, "theory", "exam", "T", Decimal(exam)),
                  Mark(entry, "practical", "time", "T", Decimal(time))]
        marks += [Mark(entry, "practical", "dish", f"J{j}", Decimal(d) / 2) for j, d in enumerate(dish, 1)]
        if late:
            marks.append(Mark(entry, "practical", "late", "R", Decimal(late)))
    results = compute(SCHEME, marks, groups=groups)
    for group in {"甲", "乙"}:
        keys = {r.entry: (-r.total, -r.stage_totals["practical"], r.criteria["practical"]["time"])
                for r in results if r.group == group}
        assert competition_ranks(keys) == {r.entry: r.rank for r in results if r.group == group}
    # The stored figures, with every value no tie_break reads scrambled and the entries renamed.
    figures = [Figures(f"X{r.entry}", r.status, r.total,
                       {"practical": r.stage_totals["practical"], "theory": Decimal(rnd.randint(0, 100))},
                       {"practical": {"time": r.criteria["practical"]["time"], "dish": Decimal(rnd.randint(0, 10)),
                                      "late": Decimal(rnd.randint(0, 3))}, "theory": {}}, r.group)
               for r in results]
    rnd.shuffle(figures)
    assert {s.entry: (s.rank, s.award) for s in rank_figures(SCHEME, figures)} == {
        f"X{r.entry}": (r.rank, r.award) for r in results}
