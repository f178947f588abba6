"""一等奖不超过参赛人数的10%: a cap tier takes whole groups of tied entries while they fit under
floor(cap × ranked), never more, unless the scheme says ties at the cut-off share."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import field, marks, one_stage

from contest.scoring import compute

CRITERION = "- {key: a, name: A, max: 100, kind: judgement}"
CAPS = """
    awards:
      tiers:
        - {name: 一等奖, cap: 0.10}
        - {name: 二等奖, cap: 0.20}
        - {name: 三等奖, cap: 0.30}
"""


def awards(totals: list[int], top: str = CAPS) -> list[tuple[int, str | None]]:
    return [(r.rank, r.award) for r in compute(one_stage(CRITERION, top=top), marks(field(totals)))]


def test_ten_twenty_thirty_percent_of_45_round_down():
    # The share tiers give 5, 9 and 14 (half up); caps allow 4, 9 and 13.
    given = Counter(award for _, award in awards(list(range(100, 55, -1))))
    assert given == {"一等奖": 4, "二等奖": 9, "三等奖": 13, None: 19}


def test_a_tie_that_would_pass_the_cap_goes_to_the_next_tier_whole():
    # 20 entries: first prize at most 2, second at most 4, third at most 6.
    totals = [99, 98, 98, 97, 96, 95, 94, 93, 93, 93, 93, 92, 91, 90, 89, 88, 87, 86, 85, 84]
    result = awards(totals)
    assert result[:3] == [(1, "一等奖"), (2, "二等奖"), (2, "二等奖")]  # the tie at 2–3 would make 3 first prizes
    assert [a for _, a in result].count("二等奖") == 4  # ranks 2, 2, 4, 5: counted from the first not awarded
    # Third prize from rank 6: 95, 94 and the four tied at 93 would be 6 — they fit exactly.
    assert result[5:11] == [(6, "三等奖"), (7, "三等奖"), (8, "三等奖"), (8, "三等奖"), (8, "三等奖"), (8, "三等奖")]
    assert result[11] == (12, None)


def test_unless_the_scheme_says_ties_share():
    top = """
        awards:
          tiers: [{name: 一等奖, cap: 0.10, ties: share}, {name: 二等奖, cap: 0.20}]
    """
    result = awards([99, 98, 98, 97, 96, 95, 94, 93, 93, 93, 93, 92, 91, 90, 89, 88, 87, 86, 85, 84], top)
    assert result[:4] == [(1, "一等奖"), (2, "一等奖"), (2, "一等奖"), (4, "二等奖")]


def test_caps_follow_the_eligibility_minimum_and_mix_with_counts():
    top = """
        awards:
          min_total: 60
          tiers: [{name: 金奖, count: 1}, {name: 银奖, cap: 0.4}]
    """
    assert awards([95, 90, 85, 82, 50], top) == [(1, "金奖"), (2, "银奖"), (3, "银奖"), (4, None), (5, None)]


@settings(deadline=None, max_examples=150)
@given(st.lists(st.integers(60, 100), min_size=1, max_size=60),
       st.lists(st.decimals(min_value=Decimal("0.05"), max_value=1, places=2), min_size=1, max_size=3))
def test_no_cap_is_ever_exceeded_and_tied_entries_get_the_same_award(totals, caps):
    tiers = "".join(f"\n            - {{name: T{i}, cap: {cap}}}" for i, cap in enumerate(caps))
    result = awards(totals, f"awards:\n          tiers:{tiers}")
    counts = Counter(award for _, award in result)
    for i, cap in enumerate(caps):
        assert counts[f"T{i}"] <= int(cap * len(totals))
    by_rank: dict[int, set] = {}
    for rank, award in result:
        by_rank.setdefault(rank, set()).add(award)
    assert all(len(found) == 1 for found in by_rank.values())
    order = [f"T{i}" for i in range(len(caps))] + [None]
    tiers_in_rank_order = [order.index(award) for _, award in result]
    assert tiers_in_rank_order == sorted(tiers_in_rank_order)  # a better rank never gets a lesser award
