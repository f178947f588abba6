"""Marks in, results out: aggregation, rounding, ranking, awards and explanations.

Per stage over criterion: aggregate each criterion's marks across the panel → scale or
deduction conversion → round "criterion" → × factor → round "factored" → sum of the counting
criteria → round "stage" → × stage weight → round "weighted"; the total is the sum of the
weighted stage totals → round "total". Rounding happens only at the steps in `round_at`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import lru_cache

from reference_engine.scheme import ROUNDING_MODES, Awards, Criterion, Scheme, ScoringError, Stage

STATUSES = ("registered", "checked_in", "withdrawn", "disqualified")
ZERO = Decimal(0)

# Results must not depend on whatever decimal context the caller happens to have active.
CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


class MarkError(ScoringError):
    """A mark that does not fit the scheme: names entry, criterion and judge."""


@dataclass(frozen=True, slots=True)
class Mark:
    entry: str
    stage: str
    criterion: str
    judge: str
    value: Decimal


class MarkBook:
    """Marks checked against a scheme and grouped entry → criterion (scheme order) → judge → mark.

    Filled one mark at a time so that the CSV reader can feed rows straight in and name the
    line of a bad one: a Mark object per row would cost a second per 700,000 marks.
    """

    def __init__(self, scheme: Scheme):
        self.scheme = scheme
        self.criteria: list[tuple[Stage, Criterion]] = [(s, c) for s in scheme.stages for c in s.criteria]
        self.entries: dict[str, list[dict[str, Decimal] | None]] = {}
        self._index = {(s.key, c.key): i for i, (s, c) in enumerate(self.criteria)}
        self._labels = _labels(scheme)
        # Values already found valid per criterion: marks repeat a few values, checks are dearer.
        self._valid: list[set[Decimal]] = [set() for _ in self.criteria]

    @classmethod
    def of(cls, scheme: Scheme, marks: Iterable[Mark]) -> MarkBook:
        book = cls(scheme)
        for m in marks:
            book.add(m.entry, m.stage, m.criterion, m.judge, m.value)
        return book

    def add(self, entry: str, stage: str, criterion: str, judge: str, value: Decimal) -> None:
        index = self._index.get((stage, criterion))
        if index is None or not entry or not judge:
            raise MarkError(self._misplaced(entry, stage, criterion, judge))
        if type(value) is not Decimal or not value.is_finite() or value not in self._valid[index]:
            self._check(index, entry, judge, value)
        cells = self.entries.get(entry)
        if cells is None:
            cells = self.entries[entry] = [None] * len(self.criteria)
        marks = cells[index]
        if marks is None:
            cells[index] = {judge: value}
        elif judge in marks:
            raise MarkError(f"second mark for entry {entry} criterion {self._labels[index]} judge {judge}")
        else:
            marks[judge] = value

    def _check(self, index: int, entry: str, judge: str, value: Decimal) -> None:
        crit = self.criteria[index][1]
        where = f"for entry {entry} criterion {self._labels[index]} judge {judge}"
        if type(value) is not Decimal or not value.is_finite():
            raise MarkError(f"mark {value!r} {where} is not a Decimal number")
        if not 0 <= value <= crit.mark_limit:
            raise MarkError(f"mark {value} {where} is outside 0..{crit.mark_limit}")
        if crit.step is not None and value % crit.step:
            raise MarkError(f"mark {value} {where} is not a multiple of {crit.step}")
        self._valid[index].add(value)

    def _misplaced(self, entry: str, stage: str, criterion: str, judge: str) -> str:
        if not entry or not judge:
            return f"mark for criterion {criterion} has no {'entry' if not entry else 'judge'}"
        if all(s.key != stage for s in self.scheme.stages):
            return f"mark for entry {entry} judge {judge}: unknown stage '{stage}'"
        return f"mark for entry {entry} judge {judge}: unknown criterion '{criterion}' in stage '{stage}'"


def _labels(scheme: Scheme) -> list[str]:
    """How messages name each criterion: its key, or stage.key when the key repeats across stages."""
    keys = [c.key for s in scheme.stages for c in s.criteria]
    return [c.key if keys.count(c.key) == 1 else f"{s.key}.{c.key}" for s in scheme.stages for c in s.criteria]


# ------------------------------------------------------------ explanations


@dataclass(frozen=True)
class RoundingStep:
    step: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class PanelMark:
    """One judge's mark; dropped is "highest" or "lowest" when trimming left it out."""

    judge: str
    mark: Decimal
    dropped: str | None = None


@dataclass(frozen=True)
class JudgeTotal:
    """Over judge_total: a judge's sum of factored marks (None if the judge missed a criterion)."""

    judge: str
    total: Decimal | None
    dropped: str | None
    rounding: tuple[RoundingStep, ...]


@dataclass(frozen=True)
class CriterionExplanation:
    key: str
    name: str
    kind: str
    counts: bool
    factor: Decimal
    marks: tuple[PanelMark, ...]
    aggregate: str
    aggregated: Decimal | None
    value: Decimal | None
    factored: Decimal | None
    rounding: tuple[RoundingStep, ...]
    problem: str | None


@dataclass(frozen=True)
class StageExplanation:
    key: str
    name: str
    over: str
    aggregate: str
    weight: Decimal
    criteria: tuple[CriterionExplanation, ...]
    judge_totals: tuple[JudgeTotal, ...]
    total: Decimal | None
    weighted: Decimal | None
    rounding: tuple[RoundingStep, ...]


@dataclass(frozen=True)
class Explanation:
    stages: tuple[StageExplanation, ...]
    total: Decimal | None
    rounding: tuple[RoundingStep, ...]
    problems: tuple[str, ...]


# ----------------------------------------------------------------- results


@dataclass(frozen=True)
class EntryResult:
    entry: str
    status: str
    rank: int | None
    total: Decimal | None
    stage_totals: dict[str, Decimal]
    criteria: dict[str, dict[str, Decimal]]
    award: str | None
    problems: tuple[str, ...]
    _scheme: Scheme = field(repr=False, compare=False)
    _marks: list = field(repr=False, compare=False)

    @property
    def explanation(self) -> Explanation:
        """Rebuilt from the entry's marks on each use: most callers need only the figures."""
        with localcontext(CONTEXT):
            return _score_entry(self._scheme, _Rounder(self._scheme), self._marks, explain=True).explanation


def compute(scheme: Scheme, marks: Iterable[Mark] | MarkBook,
            statuses: Mapping[str, str] | None = None) -> list[EntryResult]:
    """Score, rank and award every entry that has marks or a status.

    Results come in output order: ranked entries by rank then entry id, then the rest by entry id.
    """
    book = marks if isinstance(marks, MarkBook) else MarkBook.of(scheme, marks)
    if book.scheme is not scheme:
        raise ScoringError("the marks were collected against a different scheme")
    statuses = _checked_statuses(statuses or {})
    no_marks = [None] * len(book.criteria)
    with localcontext(CONTEXT):
        rnd = _Rounder(scheme)
        scores = {entry: _score_entry(scheme, rnd, book.entries.get(entry, no_marks), explain=False)
                  for entry in book.entries.keys() | statuses.keys()}
        states = {entry: _status(statuses.get(entry), scores[entry]) for entry in scores}
        ranks = _ranks(scheme, {e: s for e, s in scores.items() if states[e] == "ok"})
        awards = _awarder(scheme.awards, [scores[e].total for e in ranks])
        ordered = sorted(ranks, key=lambda e: (ranks[e], e)) + sorted(e for e in scores if e not in ranks)
        return [
            EntryResult(entry=e, status=states[e], rank=ranks.get(e), total=scores[e].total,
                        stage_totals=scores[e].stage_totals, criteria=scores[e].values,
                        award=awards(ranks[e], scores[e].total) if e in ranks else None,
                        problems=tuple(scores[e].problems), _scheme=scheme, _marks=book.entries.get(e, no_marks))
            for e in ordered
        ]


@dataclass(frozen=True)
class Figures:
    """An entry's stored figures: what `rank_figures` needs of an EntryResult."""

    entry: str
    status: str
    total: Decimal | None
    stage_totals: dict[str, Decimal]
    criteria: dict[str, dict[str, Decimal]]


@dataclass(frozen=True)
class Standing:
    entry: str
    rank: int | None
    award: str | None


def rank_figures(scheme: Scheme, figures: Iterable[Figures | EntryResult]) -> list[Standing]:
    """Ranks and awards from stored per-entry figures (status, total, stage totals, criterion
    values), exactly as `compute` would give them from the marks: an entry's figures do not depend
    on other entries, so a server can store them per entry and rank a whole track cheaply."""
    scores = {f.entry: _Score(f.total, f.stage_totals, f.criteria, [], None) for f in figures if f.status == "ok"}
    with localcontext(CONTEXT):
        ranks = _ranks(scheme, scores)
        awards = _awarder(scheme.awards, [scores[e].total for e in ranks])
        return [Standing(e, ranks[e], awards(ranks[e], scores[e].total))
                for e in sorted(ranks, key=lambda e: (ranks[e], e))]


def _status(given: str | None, score: _Score) -> str:
    if given in ("withdrawn", "disqualified"):
        return given
    return "incomplete" if score.problems else "ok"


def _checked_statuses(statuses: Mapping[str, str]) -> dict[str, str]:
    for entry, status in statuses.items():
        if not isinstance(entry, str) or not entry:
            raise ScoringError(f"entry status given for an empty entry id: {entry!r}")
        if status not in STATUSES:
            raise ScoringError(f"status of entry {entry}: '{status}' is not one of {', '.join(STATUSES)}")
    return dict(statuses)


# ----------------------------------------------------------------- ranking


def _ranks(scheme: Scheme, scores: dict[str, _Score]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by total, then the tie_break items in order."""
    def key(entry: str) -> tuple[Decimal, ...]:
        score = scores[entry]
        items = [-score.total]
        for tb in scheme.tie_break:
            value = score.stage_totals[tb.stage] if tb.criterion is None else score.values[tb.stage][tb.criterion]
            items.append(value if tb.lower_is_better else -value)
        return tuple(items)

    keys = {entry: key(entry) for entry in scores}
    ranks: dict[str, int] = {}
    previous, rank = None, 0
    for position, entry in enumerate(sorted(scores, key=lambda e: (keys[e], e)), start=1):
        if keys[entry] != previous:
            previous, rank = keys[entry], position
        ranks[entry] = rank
    return ranks


def share_count(share: Decimal, ranked: int) -> int:
    """How many entries a share covers: half up, so 10% of 45 ranked entries (4.5) is 5.

    Chinese contest rules state prize quotas as shares of the entrants and do not round a
    half place away from the contestants; the same rule serves round advancement.
    """
    return int((share * ranked).to_integral_value(ROUND_HALF_UP))


def _awarder(awards: Awards | None, totals: list[Decimal]):
    """A function (rank, total) → award name, for the ranked entries whose totals are given."""
    if awards is None:
        return lambda rank, total: None
    # Each tier's cutoff is a cumulative rank position; ties at a cutoff share the better rank,
    # so they all get the better tier and the next tier (whose cutoff is fixed) shrinks.
    cutoffs: list[tuple[int, str]] = []
    cutoff = 0
    for tier in awards.tiers:
        if tier.share is not None:
            cutoff += share_count(tier.share, len(totals))
        elif tier.count is not None:
            cutoff += tier.count
        else:
            cutoff = max(cutoff, sum(1 for t in totals if t >= tier.min_total))
        cutoffs.append((cutoff, tier.name))

    def award(rank: int, total: Decimal) -> str | None:
        if awards.min_total is not None and total < awards.min_total:
            return None
        return next((name for limit, name in cutoffs if rank <= limit), None)

    return award


# ----------------------------------------------------------------- scoring


class _Rounder:
    """Rounds a value at a step only if the scheme rounds there, logging it when asked."""

    def __init__(self, scheme: Scheme):
        self.steps = frozenset(scheme.round_at)
        self.quantum = Decimal(1).scaleb(-scheme.rounding.places)
        self.mode = ROUNDING_MODES[scheme.rounding.mode]

    def __call__(self, step: str, value: Decimal, log: list | None = None) -> Decimal:
        if step not in self.steps:
            return value
        rounded = value.quantize(self.quantum, rounding=self.mode)
        if log is not None:
            log.append(RoundingStep(step, value, rounded))
        return rounded


@dataclass
class _Score:
    total: Decimal | None
    stage_totals: dict[str, Decimal]
    values: dict[str, dict[str, Decimal]]
    problems: list[str]
    explanation: Explanation | None


@dataclass
class _StageScore:
    subtotal: Decimal | None  # before the "stage" rounding; None when incomplete
    values: dict[str, Decimal]
    problems: list[str]
    criteria: list[CriterionExplanation]
    judge_totals: list[JudgeTotal]


def _score_entry(scheme: Scheme, rnd: _Rounder, marks: list, explain: bool) -> _Score:
    stage_totals, values, problems, sheets = {}, {}, [], []
    total = ZERO
    start = 0
    for stage in scheme.stages:
        cells = marks[start:start + len(stage.criteria)]
        start += len(stage.criteria)
        score_stage = _judge_total_stage if stage.over == "judge_total" else _criterion_stage
        part = score_stage(stage, cells, rnd, explain)
        values[stage.key] = part.values
        problems += part.problems
        log = [] if explain else None
        stage_total = weighted = None
        if part.subtotal is not None:
            stage_total = stage_totals[stage.key] = rnd("stage", part.subtotal, log)
            weighted = rnd("weighted", stage_total * stage.weight, log)
            total += weighted
        if explain:
            sheets.append(StageExplanation(stage.key, stage.name, stage.over, stage.aggregate, stage.weight,
                                           tuple(part.criteria), tuple(part.judge_totals), stage_total,
                                           weighted, tuple(log)))
    log = [] if explain else None
    total = None if problems else rnd("total", total, log)
    explanation = Explanation(tuple(sheets), total, tuple(log), tuple(problems)) if explain else None
    return _Score(total, stage_totals, values, problems, explanation)


def _criterion_stage(stage: Stage, cells: list, rnd: _Rounder, explain: bool) -> _StageScore:
    """Aggregate each criterion across the panel, then sum the factored values."""
    part = _StageScore(ZERO, {}, [], [], [])
    for crit, marks in zip(stage.criteria, cells, strict=True):
        log = [] if explain else None
        problem = _shortfall(stage, crit, len(marks) if marks else 0)
        aggregated = value = factored = None
        cut = 0
        if problem:
            part.problems.append(problem)
            part.subtotal = None
        else:
            aggregated, cut = aggregate(sorted(marks.values()), crit.aggregate, crit.trim)
            value = part.values[crit.key] = rnd("criterion", convert(crit, aggregated), log)
            if crit.counts:
                factored = rnd("factored", value * crit.factor, log)
                if part.subtotal is not None:
                    part.subtotal += factored
        if explain:
            part.criteria.append(CriterionExplanation(
                crit.key, crit.name, crit.kind, crit.counts, crit.factor, _panel_marks(marks or {}, cut),
                crit.aggregate, aggregated, value, factored, tuple(log), problem))
    return part


def _judge_total_stage(stage: Stage, cells: list, rnd: _Rounder, explain: bool) -> _StageScore:
    """Sum each judge's factored marks first, then aggregate those judge totals."""
    part = _StageScore(None, {}, [], [], [])
    for crit, marks in zip(stage.criteria, cells, strict=True):
        problem = None if marks else f"{stage.key}.{crit.key}: no marks"
        mean = value = None
        log = [] if explain else None
        if problem:
            part.problems.append(problem)
        else:
            # Informational (tie-break, explanation): the plain mean, converted like a panel value.
            mean = sum(marks.values(), ZERO) / len(marks)
            value = part.values[crit.key] = rnd("criterion", convert(crit, mean), log)
        if explain:
            part.criteria.append(CriterionExplanation(
                crit.key, crit.name, crit.kind, crit.counts, crit.factor, _panel_marks(marks or {}, 0),
                "mean", mean, value, None, tuple(log), problem))
    counting = [(crit, marks or {}) for crit, marks in zip(stage.criteria, cells, strict=True) if crit.counts]
    judges = sorted({judge for _, marks in counting for judge in marks}, key=natural_key)
    totals: dict[str, Decimal] = {}
    logs: dict[str, list] = {}
    for judge in judges:
        # A judge who missed a counting criterion has no total: leaving the judge out keeps
        # the panel smaller rather than counting the missing mark as zero.
        if all(judge in marks for _, marks in counting):
            log = logs[judge] = [] if explain else None
            totals[judge] = sum(rnd("factored", rnd("criterion", convert(crit, marks[judge]), log) * crit.factor, log)
                                for crit, marks in counting)
    if len(totals) < stage.min_judges:
        part.problems.append(f"{stage.key}: {len(totals)} judges marked every counting criterion, "
                             f"needs at least {stage.min_judges}")
    cut = 0
    if not part.problems:
        part.subtotal, cut = aggregate(sorted(totals.values()), stage.aggregate, stage.trim)
    if explain:
        dropped = {p.judge: p.dropped for p in _panel_marks(totals, cut)}
        part.judge_totals = [JudgeTotal(j, totals.get(j), dropped.get(j), tuple(logs.get(j) or ())) for j in judges]
    return part


def _shortfall(stage: Stage, crit: Criterion, count: int) -> str | None:
    """Why a criterion leaves the entry incomplete, if it does."""
    if count == 0:
        return f"{stage.key}.{crit.key}: no marks"
    if crit.counts and count < crit.min_judges:
        marks = f"{count} mark" + ("s" if count > 1 else "")
        return f"{stage.key}.{crit.key}: {marks}, needs at least {crit.min_judges} judges"
    return None


def aggregate(ordered: list[Decimal], how: str, trim: int) -> tuple[Decimal, int]:
    """Panel value of marks sorted ascending, and how many were dropped at each end.

    trimmed_mean drops `trim` highest and lowest only when at least 2*trim+1 marks are present
    (an absent judge shrinks the panel); otherwise it is the plain mean of what is there.
    """
    if how == "sum":
        return sum(ordered, ZERO), 0
    count = len(ordered)
    if how == "median":
        middle = count // 2
        return (ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2), 0
    cut = trim if how == "trimmed_mean" and count > 2 * trim else 0
    kept = ordered[cut:count - cut]
    return sum(kept, ZERO) / len(kept), cut


def convert(crit: Criterion, aggregated: Decimal) -> Decimal:
    """Panel mark → criterion value: scale levels to max, deductions to what is left of max."""
    if crit.scale:
        aggregated = aggregated * crit.max / crit.scale  # multiply first: one inexact step, not two
    if crit.kind == "deduction":
        return max(crit.max - aggregated, ZERO)
    return aggregated


def _panel_marks(marks: Mapping[str, Decimal], cut: int) -> tuple[PanelMark, ...]:
    """The marks by judge, naming the ones trimming dropped (among equal marks, by judge order)."""
    ordered = sorted(marks.items(), key=lambda item: (item[1], natural_key(item[0])))
    dropped = {judge: "lowest" for judge, _ in ordered[:cut]}
    dropped |= {judge: "highest" for judge, _ in ordered[len(ordered) - cut:] if cut}
    return tuple(PanelMark(j, marks[j], dropped.get(j)) for j in sorted(marks, key=natural_key))


@lru_cache(maxsize=4096)  # judge ids repeat on every criterion of every entry
def natural_key(text: str) -> tuple:
    """Sort key putting J2 before J10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


# ------------------------------------------------------------- plain text

_STATUS_TEXT = {"ok": "有效", "incomplete": "评分未完成", "withdrawn": "退赛", "disqualified": "取消资格"}
_DROPPED_TEXT = {"highest": "去掉最高分", "lowest": "去掉最低分"}
_AGGREGATE_TEXT = {"mean": "平均", "trimmed_mean": "去掉最高最低后平均", "median": "中位数", "sum": "合计"}
_STEP_TEXT = {"criterion": "评分项", "factored": "乘系数后", "stage": "阶段小计", "weighted": "加权后", "total": "总分"}


def explain_text(result: EntryResult) -> str:
    """A plain-text score sheet (成绩明细) for one entry."""
    ex = result.explanation
    lines = [f"选手 {result.entry}    状态 {_STATUS_TEXT[result.status]} ({result.status})",
             f"名次 {result.rank or '—'}    总分 {_num(result.total)}    奖项 {result.award or '—'}"]
    for stage in ex.stages:
        lines.append("")
        lines.append(f"【{stage.name}】 {stage.key}  权重 {stage.weight}  ({_AGGREGATE_TEXT[stage.aggregate]}, "
                     f"{'按评分项汇总' if stage.over == 'criterion' else '按裁判总分汇总'})")
        for crit in stage.criteria:
            lines.append(f"  评分项 {crit.name} ({crit.key}, {crit.kind}{'' if crit.counts else ', 不计入总分'})")
            marks = "  ".join(f"{m.judge}: {m.mark}" + (f" ({_DROPPED_TEXT[m.dropped]})" if m.dropped else "")
                              for m in crit.marks)
            lines.append(f"    裁判评分 {marks or '—'}")
            if crit.problem:
                lines.append(f"    未完成: {crit.problem}")
                continue
            trimmed = any(m.dropped for m in crit.marks)  # too few marks to trim: a plain mean
            how = _AGGREGATE_TEXT["mean" if crit.aggregate == "trimmed_mean" and not trimmed else crit.aggregate]
            lines.append(f"    {how} {_num(crit.aggregated)} → 得分 {_num(crit.value)}"
                         + (f"    × 系数 {crit.factor} = {_num(crit.factored)}" if crit.factored is not None else ""))
            lines += _rounding_lines(crit.rounding, "    ")
        for judge in stage.judge_totals:
            note = f" ({_DROPPED_TEXT[judge.dropped]})" if judge.dropped else ""
            shown = "缺项, 不计" if judge.total is None else _num(judge.total)
            lines.append(f"  裁判 {judge.judge} 总分 {shown}{note}")
        lines.append(f"  阶段小计 {_num(stage.total)}    × 权重 {stage.weight} = {_num(stage.weighted)}")
        lines += _rounding_lines(stage.rounding, "  ")
    lines.append("")
    lines.append(f"总分 {_num(ex.total)}")
    lines += _rounding_lines(ex.rounding, "")
    lines += [f"未完成: {problem}" for problem in ex.problems]
    return "\n".join(lines) + "\n"


def _rounding_lines(steps: tuple[RoundingStep, ...], indent: str) -> list[str]:
    return [f"{indent}  舍入 ({_STEP_TEXT[s.step]}): {_num(s.before)} → {_num(s.after)}" for s in steps]


def _num(value: Decimal | None) -> str:
    return "—" if value is None else format(value, "f")
