"""Award tiers by share, count or minimum total; cumulative; ties at a cutoff get the better tier."""
from __future__ import annotations

from collections import Counter

from scoring_helpers import by_entry, field, marks, one_stage

from contest.scoring import compute

CRITERION = "- {key: a, name: A, max: 100, kind: judgement}"
PRIZES = """
    awards:
      tiers:
        - {name: 一等奖, share: 0.10}
        - {name: 二等奖, share: 0.20}
        - {name: 三等奖, share: 0.30}
"""


def test_ten_twenty_thirty_percent_of_45_entries_round_half_up():
    # 一等奖 10%, 二等奖 20%, 三等奖 30% of 45 ranked entries: 4.5 → 5, 9, 13.5 → 14.
    results = compute(one_stage(CRITERION, top=PRIZES), marks(field(list(range(100, 55, -1)))))
    assert Counter(r.award for r in results) == {"一等奖": 5, "二等奖": 9, "三等奖": 14, None: 17}
    assert [r.award for r in results[:6]] == ["一等奖"] * 5 + ["二等奖"]


def test_entries_tied_at_a_cutoff_all_get_the_better_tier_and_the_next_tier_shrinks():
    # 20 entries: first prize 2 (10%), second 4 more (cutoff 6), third 6 more (cutoff 12).
    totals = [99, 98, 98, 97, 96, 95, 94, 93, 93, 93, 93, 92, 91, 90, 89, 88, 87, 86, 85, 84]
    results = compute(one_stage(CRITERION, top=PRIZES), marks(field(totals)))
    awards = [(r.rank, r.award) for r in results]
    assert awards[:3] == [(1, "一等奖"), (2, "一等奖"), (2, "一等奖")]  # rank 2 ties at cutoff 2
    assert [a for _, a in awards].count("二等奖") == 3  # ranks 4-6: the tie took one place
    assert awards[7:12] == [(8, "三等奖")] * 4 + [(12, "三等奖")]
    assert awards[12] == (13, None)


def test_counts_and_minimum_totals_and_an_eligibility_minimum():
    top = """
        awards:
          min_total: 60
          tiers:
            - {name: 金奖, count: 1}
            - {name: 银奖, count: 2}
            - {name: 优秀奖, min_total: 80}
    """
    results = compute(one_stage(CRITERION, top=top), marks(field([95, 90, 85, 82, 80, 79, 50])))
    assert [r.award for r in results] == ["金奖", "银奖", "银奖", "优秀奖", "优秀奖", None, None]


def test_below_the_eligibility_minimum_no_award_whatever_the_rank():
    top = """
        awards:
          min_total: 60
          tiers: [{name: 一等奖, count: 3}]
    """
    results = compute(one_stage(CRITERION, top=top), marks(field([70, 59, 40])))
    assert [r.award for r in results] == ["一等奖", None, None]


def test_unranked_entries_get_no_award_and_do_not_count_for_shares():
    results = compute(one_stage(CRITERION, top=PRIZES), marks(field(list(range(100, 90, -1)))),
                      statuses={"E001": "disqualified", "E011": "registered"})
    by = by_entry(results)
    assert (by["E001"].status, by["E001"].rank, by["E001"].award) == ("disqualified", None, None)
    assert (by["E011"].status, by["E011"].award) == ("incomplete", None)
    # 9 ranked: 0.9 → 1 first prize, 1.8 → 2 more, 2.7 → 3 more.
    assert Counter(r.award for r in results) == {"一等奖": 1, "二等奖": 2, "三等奖": 3, None: 5}
    assert by["E002"].award == "一等奖"
