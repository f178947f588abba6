"""Judging's rules, by concern:

- `judges`: sign-in (event code + number + PIN, or a QR link), the stages a judge sits on, queues;
- `pledges`: the pledge a judge accepts before scoring, and the relations declared with it;
- `sheets`: a judge's score sheet read, saved or submitted (`write_sheet`), marks checked;
- `results`: each entry's result recomputed through the engine on every submission, in the same
  transaction; rounds computed afresh; marks exported, and the judges' opinions and notes beside them;
- `console`: the chief judge's progress, consistency, re-check draw, sheets sent back, sign-off,
  and the stage's printable judging record;
- `paper`: paper sheets typed twice by two scorers;
- `changes`: entries withdrawn, absent, disqualified or reinstated, and schemes edited or corrected,
  each recomputing the results it moves;

Other modules use judging through this package (`from contest.judging import service`); its
modules import each other in the order above."""
from contest.judging.service.changes import change_entry_status, entry_of_track, save_scheme
from contest.judging.service.console import (
    JudgingRecord,
    Progress,
    SheetMarks,
    consistency,
    count_sheets,
    draw_recheck,
    is_signed_off,
    judging_record,
    last_recheck,
    progress,
    recheck_draws,
    recheck_outcomes,
    recheck_pending,
    record_recheck,
    reopen_sheet,
    sample_size,
    sheet_for_chief,
    sheet_of_stage,
    sign_off,
    unsheeted_recheck,
    withdraw_signoff,
    withdraw_signoffs,
)
from contest.judging.service.judges import (
    Assignment,
    QueueItem,
    actor_of,
    assignment,
    assignments,
    judge_by_token,
    queue,
    seat,
    sign_in,
)
from contest.judging.service.paper import PaperOutcome, all_stages, enter_paper, paper_context, paper_mismatches
from contest.judging.service.pledges import (
    Relations,
    accept_pledge,
    current_pledge,
    pledge_digest,
    pledge_of,
    pledge_text,
    pledges,
    relations,
)
from contest.judging.service.results import (
    SheetRecord,
    anonymised,
    compute_round,
    export_marks,
    export_words,
    judge_aliases,
    recompute_entry,
    recompute_round,
    result_values,
    round_marks,
    sheet_records,
)
from contest.judging.service.sheets import (
    SheetContext,
    SheetInput,
    SheetView,
    WriteOutcome,
    check_marks,
    check_words,
    read_sheet,
    sheet_context,
    sheets_for_tablet,
    write_sheet,
)

__all__ = [
    "change_entry_status", "entry_of_track", "recompute_round", "sample_size", "save_scheme",
    "withdraw_signoff", "last_recheck", "recheck_outcomes", "recheck_pending", "record_recheck",
    "anonymised", "judge_aliases", "result_values",
    "SheetRecord", "export_words", "sheet_records", "Relations", "accept_pledge", "pledge_of",
    "current_pledge", "pledge_digest", "pledge_text", "pledges", "relations", "JudgingRecord", "judging_record",
    "Assignment", "PaperOutcome", "Progress", "QueueItem", "SheetContext", "SheetInput", "SheetMarks", "SheetView",
    "WriteOutcome", "actor_of", "all_stages", "assignment", "assignments", "check_marks", "check_words",
    "compute_round", "unsheeted_recheck",
    "consistency", "count_sheets", "draw_recheck", "enter_paper", "export_marks", "is_signed_off",
    "judge_by_token", "paper_context", "paper_mismatches", "progress", "queue", "read_sheet", "recheck_draws",
    "recompute_entry", "reopen_sheet", "round_marks", "seat", "sheet_context", "sheet_for_chief", "sheet_of_stage",
    "sheets_for_tablet", "sign_in", "sign_off", "withdraw_signoffs", "write_sheet",
]
