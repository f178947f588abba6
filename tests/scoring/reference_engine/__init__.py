"""The scoring engine as it was before issue 15 extended the scheme format: contest/scoring/
scheme.py, engine.py, analysis.py and files.py of this project at commit
98ae23700317f53918b8f8be10e696dee49f1f79, copied unchanged but for their imports. Frozen: the
property tests compare the current engine with it on random old-format schemes and marks.
Do not edit (except to keep it importable).
"""
from reference_engine.analysis import judge_consistency, standardise
from reference_engine.engine import Mark, compute, explain_text
from reference_engine.files import read_marks_csv, results_to_csv, results_to_json, write_marks_csv
from reference_engine.scheme import SchemeError, ScoringError, parse_scheme

__all__ = ["Mark", "SchemeError", "ScoringError", "compute", "explain_text", "judge_consistency", "parse_scheme",
           "read_marks_csv", "results_to_csv", "results_to_json", "standardise", "write_marks_csv"]
