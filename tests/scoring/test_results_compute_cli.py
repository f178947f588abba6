"""`contest results compute --scheme FILE --marks FILE.csv [--format csv|json]`, end to end."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from contest.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEME = """\
scheme: 1
name: 2026年咸宁市职工烹饪技能大赛 中式烹调师
stages:
  - key: theory
    name: 理论知识
    weight: 0.3
    criteria:
      - {key: exam, name: 理论考试, max: 100, kind: measurement}
  - key: practical
    name: 实际操作
    weight: 0.7
    panel: {aggregate: trimmed_mean, min_judges: 3}
    criteria:
      - {key: knife, name: 刀工, max: 10, kind: judgement}
      - {key: time, name: 用时, max: 120, kind: measurement, counts: false, min_judges: 1}
tie_break: [practical, -time]
awards:
  tiers: [{name: 一等奖, count: 1}, {name: 二等奖, count: 1}]
"""
MARKS = """\
entry,stage,criterion,judge,mark
A001,theory,exam,T,80
A001,practical,knife,J1,9
A001,practical,knife,J2,8
A001,practical,knife,J3,7
A001,practical,knife,J4,10
A001,practical,time,T,100
A002,theory,exam,T,90
A002,practical,knife,J1,8
A002,practical,knife,J2,7
A002,practical,knife,J3,8
A002,practical,knife,J4,
A002,practical,time,T,90
A003,theory,exam,T,95
A003,practical,knife,J1,9
A003,practical,knife,J2,9
A003,practical,time,T,80
"""
# A002: J4 gave no mark, so 8, 7, 8 → drop 8 and 7 → 8.00; 0.3 × 90 + 0.7 × 8 = 32.60.
# A001: 9, 8, 7, 10 → drop 10 and 7 → 8.50; 0.3 × 80 + 0.7 × 8.5 = 29.95.
# A003: two knife marks where the panel needs three → incomplete, unranked, no total.
EXPECTED_CSV = """\
rank,entry,total,theory,practical,award,status
1,A002,32.60,90.00,8.00,一等奖,ok
2,A001,29.95,80.00,8.50,二等奖,ok
,A003,,95.00,,,incomplete
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "scheme.yaml").write_text(SCHEME, encoding="utf-8")
    (tmp_path / "marks.csv").write_text(MARKS, encoding="utf-8")
    return tmp_path / "scheme.yaml", tmp_path / "marks.csv"


def invoke(*args: str):
    return CliRunner().invoke(main, ["results", "compute", *args])


def test_csv_output(files):
    scheme, marks = files
    run = invoke("--scheme", str(scheme), "--marks", str(marks))
    assert run.exit_code == 0, run.output
    assert run.output == EXPECTED_CSV


def test_json_output(files):
    scheme, marks = files
    run = invoke("--scheme", str(scheme), "--marks", str(marks), "--format", "json")
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["scheme"] == "2026年咸宁市职工烹饪技能大赛 中式烹调师"
    first = data["results"][0]
    assert {k: first[k] for k in ("rank", "entry", "total", "stages", "award", "status")} == {
        "rank": 1, "entry": "A002", "total": "32.60", "stages": {"theory": "90.00", "practical": "8.00"},
        "award": "一等奖", "status": "ok"}
    assert first["explanation"]["stages"][1]["criteria"][0]["marks"][0] == {
        "judge": "J1", "mark": "8.00", "dropped": None}


def test_a_bad_mark_stops_with_its_line(files):
    scheme, marks = files
    marks.write_text(MARKS.replace("A002,practical,knife,J2,7", "A002,practical,knife,J2,11"), encoding="utf-8")
    run = invoke("--scheme", str(scheme), "--marks", str(marks))
    assert run.exit_code == 1
    assert run.output.strip().startswith("错误：marks.csv 第 10 行：")
    assert "A002" in run.output and "J2" in run.output and "11" in run.output


def test_a_bad_scheme_stops_with_its_key_path(files):
    scheme, marks = files
    scheme.write_text(SCHEME.replace("max: 10,", "max: 0,"), encoding="utf-8")
    run = invoke("--scheme", str(scheme), "--marks", str(marks))
    assert run.exit_code == 1
    assert run.output.strip().startswith("错误：scheme.yaml：第2个环节")
    assert run.output.strip().endswith("的第1个评分项“刀工”的满分：应为大于0的数")


def test_through_python_dash_m(files):
    scheme, marks = files
    done = subprocess.run([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme", str(scheme),
                           "--marks", str(marks)], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout == EXPECTED_CSV
