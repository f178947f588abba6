"""The scoring engine: marking schemes, aggregation, rounding, ranking, awards and analysis.

Pure Python and Decimal only; imports nothing else from `contest`.
"""
from contest.scoring.analysis import Consistency, Flag, JudgeFigures, advance, judge_consistency, standardise
from contest.scoring.engine import (
    EntryResult,
    Explanation,
    Figures,
    Mark,
    MarkBook,
    MarkError,
    Standing,
    compute,
    explain_text,
    rank_figures,
)
from contest.scoring.files import (
    compute_from_files,
    format_decimal,
    load_scheme_file,
    read_marks_csv,
    results_to_csv,
    results_to_json,
    write_marks_csv,
)
from contest.scoring.scheme import (
    Scheme,
    SchemeError,
    ScoringError,
    load_scheme_text,
    parse_scheme,
    scheme_to_dict,
)

__all__ = [
    "Consistency", "EntryResult", "Explanation", "Flag", "JudgeFigures", "Mark", "MarkBook", "MarkError",
    "Figures", "Standing", "rank_figures",
    "Scheme", "SchemeError", "ScoringError", "advance", "compute", "compute_from_files", "explain_text",
    "format_decimal", "judge_consistency", "load_scheme_file", "load_scheme_text", "parse_scheme",
    "read_marks_csv", "results_to_csv", "results_to_json", "scheme_to_dict", "standardise", "write_marks_csv",
]
