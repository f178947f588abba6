"""The scoring engine: marking schemes, aggregation, rounding, ranking, awards and analysis.

Pure Python and Decimal only; imports nothing else from `contest`.
"""
from contest.scoring.analysis import (
    MIN_STANDARDISED,
    STANDARD_RULE,
    Consistency,
    Flag,
    JudgeFigures,
    advance,
    judge_consistency,
    spread_breaches,
    standardise,
)
from contest.scoring.engine import (
    EntryResult,
    Explanation,
    Figures,
    Mark,
    MarkBook,
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
from contest.scoring.marks import MAX_DECIMALS, MarkError, check_sheet, required_missing
from contest.scoring.scheme import (
    WORDS,
    Scheme,
    SchemeError,
    ScoringError,
    Word,
    load_scheme_text,
    parse_scheme,
    scheme_to_dict,
)

__all__ = [
    "MAX_DECIMALS", "MIN_STANDARDISED", "STANDARD_RULE", "WORDS", "Consistency", "EntryResult", "Explanation",
    "Figures", "Flag", "JudgeFigures", "Mark",
    "MarkBook", "MarkError", "Scheme", "SchemeError", "ScoringError", "Standing", "Word", "advance", "check_sheet",
    "compute", "compute_from_files", "explain_text", "format_decimal", "judge_consistency", "load_scheme_file",
    "load_scheme_text", "parse_scheme", "rank_figures", "read_marks_csv", "required_missing", "results_to_csv",
    "results_to_json", "scheme_to_dict", "spread_breaches", "standardise", "write_marks_csv",
]
