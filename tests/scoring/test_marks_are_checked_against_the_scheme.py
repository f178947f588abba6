"""Marks outside the scheme are errors naming entry, criterion and judge (and the CSV line)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_helpers import one_stage

from contest.scoring import Mark, MarkError, ScoringError, compute, read_marks_csv, write_marks_csv
from contest.scoring.files import compute_from_files

D = Decimal
SCHEME = one_stage("""
    - {key: knife, name: 刀工, max: 10, kind: judgement, step: 0.5}
    - {key: taste, name: 口味, max: 30, kind: judgement, scale: 3}
    - {key: hygiene, name: 卫生, max: 5, kind: deduction}
""")


@pytest.mark.parametrize(("mark", "message"), [
    (Mark("A003", "s", "knife", "J2", D(11)), "mark 11 for entry A003 criterion knife judge J2 is outside 0..10"),
    (Mark("A003", "s", "knife", "J2", D(-1)), "mark -1 for entry A003 criterion knife judge J2 is outside 0..10"),
    (Mark("A003", "s", "knife", "J2", D("7.3")),
     "mark 7.3 for entry A003 criterion knife judge J2 is not a multiple of 0.5"),
    (Mark("A003", "s", "taste", "J1", D(4)), "mark 4 for entry A003 criterion taste judge J1 is outside 0..3"),
    (Mark("A003", "s", "hygiene", "J1", D(6)), "mark 6 for entry A003 criterion hygiene judge J1 is outside 0..5"),
    (Mark("A003", "s", "smell", "J1", D(1)), "mark for entry A003 judge J1: unknown criterion 'smell' in stage 's'"),
    (Mark("A003", "x", "knife", "J1", D(1)), "mark for entry A003 judge J1: unknown stage 'x'"),
    (Mark("A003", "s", "knife", "J1", D("NaN")), "is not a Decimal number"),
    # The one float in these tests: proving that a float mark is refused.
    (Mark("A003", "s", "knife", "J1", float("7.5")),
     "mark 7.5 for entry A003 criterion knife judge J1 is not a Decimal"),
    (Mark("", "s", "knife", "J1", D(1)), "mark for criterion knife has no entry"),
])
def test_a_bad_mark_is_refused_by_name(mark, message):
    with pytest.raises(MarkError) as caught:
        compute(SCHEME, [mark])
    assert message in str(caught.value)


def test_a_second_mark_by_the_same_judge_is_refused():
    twice = [Mark("A003", "s", "knife", "J2", D(7)), Mark("A003", "s", "knife", "J2", D(8))]
    with pytest.raises(MarkError, match="second mark for entry A003 criterion knife judge J2"):
        compute(SCHEME, twice)


def test_a_status_outside_the_list_is_refused():
    with pytest.raises(ScoringError, match="status of entry A1: 'gone' is not one of registered"):
        compute(SCHEME, [], statuses={"A1": "gone"})


def run(tmp_path, csv_text: str) -> str:
    (tmp_path / "scheme.json").write_text('{"scheme": 1, "name": "t", "stages": [{"key": "s", "name": "S", '
                                          '"criteria": [{"key": "knife", "name": "刀工", "max": 10, '
                                          '"kind": "judgement"}]}]}', encoding="utf-8")
    (tmp_path / "marks.csv").write_text(csv_text, encoding="utf-8")
    return compute_from_files(tmp_path / "scheme.json", tmp_path / "marks.csv", "csv")


@pytest.mark.parametrize(("csv_text", "message"), [
    ("entry,stage,criterion,judge,mark\n" + "A001,s,knife,J1,5\n" * 1 + "\n" * 9 + "A003,s,knife,J2,11\n",
     "marks.csv line 12: mark 11 for entry A003 criterion knife judge J2 is outside 0..10"),
    ("entry,stage,criterion,judge,mark\nA001,s,knife,J1,五\n",
     "marks.csv line 2: mark '五' for entry A001 criterion knife judge J1 is not a number"),
    ("entry,stage,criterion,judge,mark\nA001,s,knife,J1,5\nA001,s,knife,J1,6\n",
     "marks.csv line 3: second mark for entry A001 criterion knife judge J1"),
    ("entry,stage,criterion,mark\nA001,s,knife,5\n",
     "marks.csv line 1: column 'judge' is missing; the header needs entry,stage,criterion,judge,mark"),
    ("entry,stage,criterion,judge,mark,judge\n", "marks.csv line 1: column 'judge' appears twice"),
    ("entry,stage,criterion,judge,mark\nA001,s,knife,J1\n", "marks.csv line 2: 4 cells where the header has 5"),
    ("", "marks.csv line 1: column 'entry' is missing"),
])
def test_a_bad_marks_csv_is_refused_with_its_line(tmp_path, csv_text, message):
    with pytest.raises(ScoringError) as caught:
        run(tmp_path, csv_text)
    assert str(caught.value).startswith(message)


def test_a_bom_extra_columns_any_column_order_and_spaces_are_accepted(tmp_path):
    text = "\ufeffjudge,mark,note,entry,stage,criterion\n J1 , 8 ,ok, A001 ,s,knife\nJ2,6,,A001,s,knife\n"
    assert run(tmp_path, text) == "rank,entry,total,s,award,status\n1,A001,7.00,7.00,,ok\n"


def test_marks_csv_reads_back_what_it_writes():
    written = [Mark("A001", "s", "knife", "J1", D("8.5")), Mark("A,002", "s", "taste", "裁判2", D("0.25"))]
    text = write_marks_csv(written)
    assert text.splitlines()[0] == "entry,stage,criterion,judge,mark"
    assert read_marks_csv(text) == written


def test_read_marks_csv_takes_a_path(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("entry,stage,criterion,judge,mark\nA,s,knife,J1,3\n", encoding="utf-8-sig")
    assert read_marks_csv(path) == [Mark("A", "s", "knife", "J1", D(3))]
