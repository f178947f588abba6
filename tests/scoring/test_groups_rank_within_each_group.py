"""A `group` column in the marks file: each group is ranked and awarded on its own, and the
results CSV and JSON say the group."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import marks, one_stage

from contest.scoring import Figures, ScoringError, compute, rank_figures
from contest.scoring.files import compute_from_files

SCHEME = """{"scheme": 1, "name": "分组", "stages": [{"key": "s", "name": "S", "criteria": [
    {"key": "a", "name": "A", "max": 100, "kind": "judgement"}]}],
    "awards": {"tiers": [{"name": "一等奖", "count": 1}]}}"""
MARKS = """entry,group,stage,criterion,judge,mark
A1,初赛第一组,s,a,J1,80
A2,初赛第一组,s,a,J1,90
B1,初赛第二组,s,a,J1,70
B2,初赛第二组,s,a,J1,75
B2,,s,a,J2,77
"""


def run(tmp_path, fmt: str, marks_text: str = MARKS) -> str:
    (tmp_path / "scheme.json").write_text(SCHEME, encoding="utf-8")
    (tmp_path / "marks.csv").write_text(marks_text, encoding="utf-8")
    return compute_from_files(tmp_path / "scheme.json", tmp_path / "marks.csv", fmt)


def test_each_group_is_ranked_and_awarded_on_its_own(tmp_path):
    assert run(tmp_path, "csv") == (
        "group,rank,entry,total,s,award,status\n"
        "初赛第一组,1,A2,90.00,90.00,一等奖,ok\n"
        "初赛第一组,2,A1,80.00,80.00,,ok\n"
        "初赛第二组,1,B2,76.00,76.00,一等奖,ok\n"
        "初赛第二组,2,B1,70.00,70.00,,ok\n")


def test_json_carries_the_group(tmp_path):
    rows = json.loads(run(tmp_path, "json"))["results"]
    assert [(r["group"], r["rank"], r["entry"]) for r in rows] == [
        ("初赛第一组", 1, "A2"), ("初赛第一组", 2, "A1"), ("初赛第二组", 1, "B2"), ("初赛第二组", 2, "B1")]


def test_an_entry_in_two_groups_is_refused_with_its_line(tmp_path):
    with pytest.raises(ScoringError, match="^marks.csv line 7: entry B2 is in group '初赛第二组' and in group '决赛'$"):
        run(tmp_path, "csv", MARKS + "B2,决赛,s,a,J3,70\n")


@settings(deadline=None, max_examples=60)
@given(st.dictionaries(st.sampled_from([f"E{n:02d}" for n in range(30)]),
                       st.tuples(st.sampled_from(["甲", "乙", "丙"]), st.integers(0, 10)), min_size=1))
def test_ranking_a_group_alone_gives_the_same_ranks(table):
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement}", top="awards: {tiers: [{name: 一等奖, cap: 0.5}]}")
    groups = {e: g for e, (g, _) in table.items()}
    results = compute(s, marks({e: {"a": [v]} for e, (_, v) in table.items()}), groups=groups)
    for group in set(groups.values()):
        alone = compute(s, marks({e: {"a": [v]} for e, (g, v) in table.items() if g == group}))
        assert {(r.entry, r.rank, r.award) for r in alone} == {
            (r.entry, r.rank, r.award) for r in results if r.group == group}
    figures = [Figures(r.entry, r.status, r.total, r.stage_totals, r.criteria, r.group) for r in results]
    assert {(f.entry, f.rank, f.award) for f in rank_figures(s, figures)} == {
        (r.entry, r.rank, r.award) for r in results}
    assert [r.group for r in results] == sorted(r.group for r in results)  # group by group


def test_without_a_group_column_nothing_changes(tmp_path):
    out = run(tmp_path, "csv", "entry,stage,criterion,judge,mark\nA,s,a,J1,80\n")
    assert out == "rank,entry,total,s,award,status\n1,A,80.00,80.00,一等奖,ok\n"
    assert Decimal("80") == Decimal(out.splitlines()[1].split(",")[2])
