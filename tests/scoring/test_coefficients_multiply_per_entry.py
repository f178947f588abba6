"""A coefficient chosen per entry (难度系数) multiplies a stage or a criterion: the value of a
measurement of the stage, or an attribute carried in the marks file."""
from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_helpers import by_entry, marks, one_stage, scheme

from contest.scoring import Mark, SchemeError, ScoringError, compute
from contest.scoring.files import compute_from_files

D = Decimal
DIVE = """
    scheme: 1
    name: 跳水
    round_at: []
    stages:
      - key: d1
        name: 第1跳
        coefficient: {criterion: dd}
        panel: {aggregate: trimmed_sum, trim: 1}
        criteria:
          - {key: execution, name: 动作完成, max: 10, kind: judgement, step: 0.5}
          - {key: dd, name: 难度系数, max: 5, kind: measurement, counts: false}
"""


def test_a_stage_coefficient_multiplies_the_stage_subtotal():
    given = [*marks({"A": {"execution": [7, "7.5", 8, 8, "8.5"]}}, stage="d1"), Mark("A", "d1", "dd", "R", D("3.4"))]
    [result] = compute(scheme(DIVE), given)
    assert result.total == D("79.90")  # 3.4 × (7.5 + 8 + 8)
    assert result.explanation.stages[0].coefficient == D("3.4")


def test_without_its_coefficient_an_entry_is_incomplete():
    [result] = compute(scheme(DIVE), marks({"A": {"execution": [7, 7, 7]}}, stage="d1"))
    assert (result.status, result.problems) == ("incomplete", ("d1.dd: no marks",))


def test_a_criterion_coefficient_multiplies_that_criterion_only():
    s = one_stage("""
        - {key: difficulty, name: 难度, max: 2, kind: measurement, counts: false}
        - {key: task, name: 实操任务, max: 50, kind: judgement, coefficient: {criterion: difficulty}}
        - {key: report, name: 报告, max: 10, kind: judgement}
    """)
    given = [Mark("A", "s", "difficulty", "R", D("1.2")), *marks({"A": {"task": [40, 42], "report": [8, 9]}})]
    [result] = compute(s, given)
    assert result.total == D("57.70")  # 41 × 1.2 + 8.5


def test_an_attribute_from_the_marks_file_is_the_coefficient(tmp_path):
    (tmp_path / "scheme.yaml").write_text("""
scheme: 1
name: 系数
stages:
  - key: s
    name: S
    coefficient: {attribute: handicap}
    criteria: [{key: a, name: A, max: 100, kind: judgement}]
""", encoding="utf-8")
    (tmp_path / "marks.csv").write_text(
        "entry,stage,criterion,judge,mark,handicap\nA,s,a,J1,80,1.1\nA,s,a,J2,90,\nB,s,a,J1,90,0.9\n", encoding="utf-8")
    out = compute_from_files(tmp_path / "scheme.yaml", tmp_path / "marks.csv", "csv")
    assert out == "rank,entry,total,s,award,status\n1,A,93.50,93.50,,ok\n2,B,81.00,81.00,,ok\n"


@pytest.mark.parametrize(("csv_text", "message"), [
    ("entry,stage,criterion,judge,mark\nA,s,a,J1,80\n",
     "marks.csv line 1: column 'handicap' is missing; the scheme takes a coefficient from it"),
    ("entry,stage,criterion,judge,mark,handicap\nA,s,a,J1,80,1.1\nA,s,a,J2,80,1.2\n",
     "marks.csv line 3: entry A has two values of handicap: 1.1 and 1.2"),
    ("entry,stage,criterion,judge,mark,handicap\nA,s,a,J1,80,大\n",
     "marks.csv line 2: handicap '大' of entry A is not a number"),
])
def test_a_bad_attribute_column_is_refused_with_its_line(tmp_path, csv_text, message):
    (tmp_path / "scheme.json").write_text(
        '{"scheme": 1, "name": "t", "stages": [{"key": "s", "name": "S", "coefficient": {"attribute": "handicap"}, '
        '"criteria": [{"key": "a", "name": "A", "max": 100, "kind": "judgement"}]}]}', encoding="utf-8")
    (tmp_path / "marks.csv").write_text(csv_text, encoding="utf-8")
    with pytest.raises(ScoringError) as caught:
        compute_from_files(tmp_path / "scheme.json", tmp_path / "marks.csv", "csv")
    assert str(caught.value) == message


def test_an_entry_without_its_attribute_is_incomplete():
    s = one_stage("- {key: a, name: A, max: 10, kind: judgement, coefficient: {attribute: dd}}")
    results = by_entry(compute(s, marks({"A": {"a": [8]}, "B": {"a": [8]}}), attributes={"A": {"dd": D(2)}}))
    assert (results["A"].total, results["B"].status, results["B"].problems) == (
        D("16.00"), "incomplete", ("s.a: no dd for this entry",))


@pytest.mark.parametrize(("coefficient", "message"), [
    ("{criterion: b}", r"coefficient\.criterion: 'b' must be a measurement of this stage with counts: false"),
    ("{criterion: z}", r"coefficient\.criterion: 'z' must be a measurement"),
    ("{criterion: a}", r"coefficient: a criterion cannot multiply itself"),
    ("{criterion: a, attribute: x}", r"coefficient: needs exactly one of criterion or attribute"),
    ("{weight: 2}", r"coefficient\.weight: unknown key"),
])
def test_a_coefficient_must_name_a_value_per_entry(coefficient, message):
    with pytest.raises(SchemeError, match=r"^stages\[0\]\.criteria\[0\]\." + message):
        one_stage(f"""
            - {{key: a, name: A, max: 10, kind: measurement, counts: false, coefficient: {coefficient}}}
            - {{key: b, name: B, max: 10, kind: judgement}}
        """)
