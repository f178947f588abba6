"""Every scheme in seeds/ and the tests gives, byte for byte, what the engine gave before the
scheme format was extended (issue 15): results CSV and JSON, score sheets, standard scores and
judge-consistency figures (score sheets: every figure in its place, as issue 21 changed their words
to plain Chinese). The expected bytes were written by the engine at the commit recorded
in golden/golden.json.gz; golden/make_golden.py says how."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from scoring_helpers import every_output, sheet_figures

import contest.scoring as engine

GOLDEN = json.loads(gzip.decompress((Path(__file__).parent / "golden" / "golden.json.gz").read_bytes()))
CASES = GOLDEN["cases"]


def test_the_golden_cases_cover_seeds_and_tests():
    names = {case["scheme"]["name"] for case in CASES}
    assert {"中式烹调师评分标准", "香城工匠专家评审标准", "基准测试评分标准", "benchmark 10000 × 7 × 10"} <= names
    assert len(CASES) >= 200
    assert GOLDEN["engine_commit"] == "98ae23700317f53918b8f8be10e696dee49f1f79"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['scheme']['name'][:30]}" for i, c in enumerate(CASES)])
def test_results_are_byte_identical(case):
    got = every_output(engine, case["scheme"], case["marks"], case["statuses"])
    for part in ("csv", "json", "standard", "consistency"):
        assert got[part] == case[part], part
    places = engine.parse_scheme(case["scheme"]).rounding.places
    assert sheet_figures(got["explain"]) == sheet_figures(case["explain"], places)
