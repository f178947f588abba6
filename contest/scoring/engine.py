"""Marks in, results out: aggregation, rounding, ranking, awards and explanations.

Per stage over criterion: aggregate each criterion's marks across the panel (after any
adjustment of every judge's mark) → scale or deduction conversion → floor/ceiling → round
"criterion" → × coefficient × factor → round "factored" → sum of the counting criteria →
× the stage's coefficient → + the stage's adjustments → floor/ceiling → round "stage" → × stage
weight → round "weighted"; the total is the sum of the weighted stage totals (a best_of stage's
attempts add nothing themselves) + the adjustments to the total → floor/ceiling → round "total".
Rounding happens only at the steps in `round_at`. Entries are ranked within their group.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_DOWN,
    ROUND_FLOOR,
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

from contest.scoring.marks import MarkError, conflict_error, mark_error, value_problem
from contest.scoring.scheme import ROUNDING_MODES, Awards, Coefficient, Criterion, Scheme, ScoringError, Stage

STATUSES = ("registered", "checked_in", "withdrawn", "absent", "disqualified")
OUT = ("withdrawn", "absent", "disqualified")  # given statuses that keep an entry out of the ranking
ZERO = Decimal(0)

# Results must not depend on whatever decimal context the caller happens to have active.
CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

# Explanation fields added with issue 15: left out of the JSON when they say nothing, so that a
# scheme that does not use them explains itself in exactly the bytes it always did.
def _optional(default=None):
    return field(default=default, metadata={"optional": True})


@dataclass(frozen=True, slots=True)
class Mark:
    entry: str
    stage: str
    criterion: str
    judge: str
    value: Decimal


class MarkBook:
    """Marks checked against a scheme and grouped entry → criterion (scheme order) → judge → mark,
    with each entry's group and attributes (coefficients taken from the marks file).

    Filled one mark at a time so that the CSV reader can feed rows straight in and name the
    line of a bad one: a Mark object per row would cost a second per 700,000 marks.
    """

    def __init__(self, scheme: Scheme):
        self.scheme = scheme
        self.criteria: list[tuple[Stage, Criterion]] = [(s, c) for s in scheme.stages for c in s.criteria]
        self.entries: dict[str, list[dict[str, Decimal] | None]] = {}
        self.groups: dict[str, str] = {}
        self.attributes: dict[str, dict[str, Decimal]] = {}
        self._index = {(s.key, c.key): i for i, (s, c) in enumerate(self.criteria)}
        self._labels = _labels(scheme)
        self._single = [not c.judged for _, c in self.criteria]  # one value per entry, whoever records it
        # Values already found valid per criterion: marks repeat a few values, checks are dearer.
        self._valid: list[set[Decimal]] = [set() for _ in self.criteria]

    @classmethod
    def of(cls, scheme: Scheme, marks: Iterable[Mark], groups: Mapping[str, str] | None = None,
           attributes: Mapping[str, Mapping[str, Decimal]] | None = None) -> MarkBook:
        book = cls(scheme)
        for m in marks:
            book.add(m.entry, m.stage, m.criterion, m.judge, m.value)
        for entry, group in (groups or {}).items():
            book.set_group(entry, group)
        for entry, values in (attributes or {}).items():
            for name, value in values.items():
                book.set_attribute(entry, name, value)
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
            raise MarkError(f"second mark for entry {entry} criterion {self._labels[index]} judge {judge}",
                            f"选手 {entry}、裁判 {judge}，{self.criteria[index][1].name}：同一裁判评了两次分",
                            criterion)
        elif self._single[index] and value != next(iter(marks.values())):
            raise conflict_error(self.criteria[index][1], self._labels[index], entry, marks, judge, value)
        else:
            marks[judge] = value

    def set_group(self, entry: str, group: str) -> None:
        """The ranking pool of an entry: one per entry."""
        known = self.groups.setdefault(entry, group)
        if known != group:
            raise ScoringError(f"entry {entry} is in group '{known}' and in group '{group}'")

    def set_attribute(self, entry: str, name: str, value: Decimal) -> None:
        """An entry's attribute, e.g. its degree of difficulty: one value per entry."""
        values = self.attributes.setdefault(entry, {})
        known = values.setdefault(name, value)
        if known != value:
            raise ScoringError(f"entry {entry} has two values of {name}: {known} and {value}")

    def _check(self, index: int, entry: str, judge: str, value: Decimal) -> None:
        crit = self.criteria[index][1]
        problem = value_problem(crit, value)
        if problem:
            raise mark_error(problem, crit, self._labels[index], entry, judge, value)
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
    """A rounding at `step`, or (step "floor"/"ceiling") a value a bound changed."""

    step: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class PanelMark:
    """One judge's mark; dropped is "highest" or "lowest" when trimming left it out; counted is
    the mark after an adjustment of every judge's mark (when there is one)."""

    judge: str
    mark: Decimal
    dropped: str | None = None
    counted: Decimal | None = _optional()


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
    coefficient: Decimal | None = _optional()  # the entry's multiplier
    applied: Decimal | None = _optional()  # an adjustment: the points added (negative: taken off)
    to: str | None = _optional()  # an adjustment: stage, total or the criterion whose marks it changed
    spread: Decimal | None = _optional()  # highest − lowest mark, where the scheme limits it
    spread_limit: Decimal | None = _optional()


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
    coefficient: Decimal | None = _optional()
    adjustments: Decimal | None = _optional()  # the stage's adjustments, summed
    best_of: tuple[str, ...] = _optional(())  # the attempts a best_of stage chose from …
    best: str | None = _optional()  # … and the one it took
    attempt: bool = _optional(False)  # an attempt: adds nothing to the total itself


@dataclass(frozen=True)
class Explanation:
    stages: tuple[StageExplanation, ...]
    total: Decimal | None
    rounding: tuple[RoundingStep, ...]
    problems: tuple[str, ...]
    adjustments: Decimal | None = _optional()  # the adjustments to the total, summed


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
    group: str | None = None
    _attributes: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def explanation(self) -> Explanation:
        """Rebuilt from the entry's marks on each use: most callers need only the figures."""
        with localcontext(CONTEXT):
            return _score_entry(self._scheme, _Rounder(self._scheme), self._marks, self._attributes,
                                explain=True).explanation


def compute(scheme: Scheme, marks: Iterable[Mark] | MarkBook, statuses: Mapping[str, str] | None = None,
            groups: Mapping[str, str] | None = None,
            attributes: Mapping[str, Mapping[str, Decimal]] | None = None) -> list[EntryResult]:
    """Score, rank and award every entry that has marks or a status; entries are ranked (and
    awarded) within their group, if they have one.

    Results come in output order: group by group, ranked entries by rank then entry id, then the
    rest by entry id.
    """
    book = marks if isinstance(marks, MarkBook) else MarkBook.of(scheme, marks, groups, attributes)
    if book.scheme is not scheme:
        raise ScoringError("the marks were collected against a different scheme")
    statuses = _checked_statuses(statuses or {})
    no_marks = [None] * len(book.criteria)
    with localcontext(CONTEXT):
        rnd = _Rounder(scheme)
        scores = {entry: _score_entry(scheme, rnd, book.entries.get(entry, no_marks), book.attributes.get(entry, {}),
                                      explain=False)
                  for entry in book.entries.keys() | statuses.keys()}
        states = {entry: _status(statuses.get(entry), scores[entry]) for entry in scores}
        pools = _pools(scores, book.groups)
        ranked = {g: [e for e in members if states[e] == "ok"] for g, members in pools.items()}
        ranks, awards = _standings(scheme, ranked, scores)
        ordered = [e for members in pools.values()
                   for e in sorted((e for e in members if e in ranks), key=lambda e: (ranks[e], e))
                   + sorted(e for e in members if e not in ranks)]
        return [
            EntryResult(entry=e, status=states[e], rank=ranks.get(e), total=scores[e].total,
                        stage_totals=scores[e].stage_totals, criteria=scores[e].values, award=awards.get(e),
                        problems=tuple(scores[e].problems), _scheme=scheme, _marks=book.entries.get(e, no_marks),
                        group=book.groups.get(e), _attributes=book.attributes.get(e, {}))
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
    group: str | None = None


@dataclass(frozen=True)
class Standing:
    entry: str
    rank: int | None
    award: str | None


def rank_figures(scheme: Scheme, figures: Iterable[Figures | EntryResult]) -> list[Standing]:
    """Ranks and awards from stored per-entry figures (status, total, stage totals, criterion
    values), exactly as `compute` would give them from the marks: an entry's figures do not depend
    on other entries, so a server can store them per entry and rank a whole track cheaply."""
    figures = [f for f in figures if f.status == "ok"]
    scores = {f.entry: _Score(f.total, f.stage_totals, f.criteria, [], None) for f in figures}
    with localcontext(CONTEXT):
        pools = _pools(scores, {f.entry: f.group for f in figures if f.group is not None})
        ranks, awards = _standings(scheme, pools, scores)
        return [Standing(e, ranks[e], awards[e]) for members in pools.values()
                for e in sorted(members, key=lambda e: (ranks[e], e))]


def _pools(scores: Mapping[str, _Score], groups: Mapping[str, str]) -> dict[str | None, list[str]]:
    """Entries by group (ungrouped first, then groups in natural order)."""
    pools: dict[str | None, list[str]] = {}
    for entry in scores:
        pools.setdefault(groups.get(entry), []).append(entry)
    return {g: pools[g] for g in sorted(pools, key=lambda g: (g is not None, natural_key(g or "")))}


def _standings(scheme: Scheme, pools: Mapping[str | None, list[str]],
               scores: Mapping[str, _Score]) -> tuple[dict[str, int], dict[str, str | None]]:
    """Ranks and awards of the ranked entries, pool by pool."""
    ranks: dict[str, int] = {}
    awards: dict[str, str | None] = {}
    for members in pools.values():
        pool_ranks = _ranks(scheme, {e: scores[e] for e in members})
        ranks |= pool_ranks
        awards |= _awards(scheme.awards, pool_ranks, scores)
    return ranks, awards


def _status(given: str | None, score: _Score) -> str:
    if given in OUT:
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

_MISSING = (1, ZERO)  # a tie_break value an entry does not have (an attempt not made) sorts last


def _ranks(scheme: Scheme, scores: dict[str, _Score]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by total, then the tie_break items in order."""
    def key(entry: str) -> tuple:
        score = scores[entry]
        items: list = [-score.total]
        for tb in scheme.tie_break:
            value = (score.stage_totals.get(tb.stage) if tb.criterion is None
                     else score.values.get(tb.stage, {}).get(tb.criterion))
            items += _MISSING if value is None else (0, value if tb.lower_is_better else -value)
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


def cap_count(cap: Decimal, ranked: int) -> int:
    """How many entries a cap allows: rounded down, so 一等奖不超过10% of 45 entries is 4."""
    return int((cap * ranked).to_integral_value(ROUND_FLOOR))


def _awards(awards: Awards | None, ranks: Mapping[str, int], scores: Mapping[str, _Score]) -> dict[str, str | None]:
    """The award of each ranked entry of one pool.

    share, count and min_total tiers end at a cumulative rank position; entries tied at it share
    the better rank, so they all get the better tier and the next tier (whose end is fixed) shrinks.
    A cap tier takes, from the first entry not yet awarded, whole groups of tied entries while
    they fit within its cap: a tie that would pass it goes to the next tier, unless the tier says
    `ties: share`. Below the awards' min_total nobody gets an award.
    """
    if awards is None:
        return dict.fromkeys(ranks)
    ordered = sorted(ranks, key=lambda e: (ranks[e], e))
    last = {ranks[e]: position for position, e in enumerate(ordered, start=1)}  # a rank's last position
    given: dict[str, str | None] = dict.fromkeys(ordered)
    cutoff = awarded = 0
    for tier in awards.tiers:
        if tier.cap is not None:
            cutoff = awarded + cap_count(tier.cap, len(ordered))
        elif tier.share is not None:
            cutoff += share_count(tier.share, len(ordered))
        elif tier.count is not None:
            cutoff += tier.count
        else:
            cutoff = max(cutoff, sum(1 for e in ordered if scores[e].total >= tier.min_total))
        whole_ties = tier.cap is not None and tier.ties == "exclude"  # a tie passing the cap stays out whole
        for position, entry in enumerate(ordered, start=1):
            if given[entry] is None and (last[ranks[entry]] if whole_ties else ranks[entry]) <= cutoff:
                given[entry] = tier.name
                awarded = max(awarded, position)
    if awards.min_total is not None:
        given = {e: None if scores[e].total < awards.min_total else award for e, award in given.items()}
    return given


# ----------------------------------------------------------------- scoring


class _Rounder:
    """Rounds a value at a step only if the scheme rounds there, logging it when asked."""

    def __init__(self, scheme: Scheme):
        self.steps = frozenset(scheme.round_at)
        self.quantum = Decimal(1).scaleb(-scheme.rounding.places)
        self.mode = ROUNDING_MODES[scheme.rounding.mode]
        self.attempts = scheme.attempts

    def __call__(self, step: str, value: Decimal, log: list | None = None) -> Decimal:
        if step not in self.steps:
            return value
        rounded = value.quantize(self.quantum, rounding=self.mode)
        if log is not None:
            log.append(RoundingStep(step, value, rounded))
        return rounded


def _bound(value: Decimal, floor: Decimal | None, ceiling: Decimal | None, log: list | None) -> Decimal:
    """The value kept within its floor and ceiling (logged when they change it)."""
    for step, limit, beyond in (("floor", floor, floor is not None and value < floor),
                                ("ceiling", ceiling, ceiling is not None and value > ceiling)):
        if beyond:
            if log is not None:
                log.append(RoundingStep(step, value, limit))
            value = limit
    return value


@dataclass
class _Score:
    total: Decimal | None
    stage_totals: dict[str, Decimal]
    values: dict[str, dict[str, Decimal]]
    problems: list[str]
    explanation: Explanation | None


@dataclass
class _StageScore:
    subtotal: Decimal | None  # before bounds and the "stage" rounding; None when incomplete
    values: dict[str, Decimal]
    problems: list[str]
    criteria: list[CriterionExplanation]
    judge_totals: list[JudgeTotal]
    adjust: list[Decimal] = field(default_factory=list)  # added to the stage
    to_total: list[Decimal] = field(default_factory=list)  # added to the total
    coefficient: Decimal | None = None
    best: str | None = None


def _score_entry(scheme: Scheme, rnd: _Rounder, marks: list, attributes: Mapping[str, Decimal],
                 explain: bool) -> _Score:
    stage_totals, values, problems, sheets, to_total = {}, {}, [], [], []
    total = ZERO
    start = 0
    for stage in scheme.stages:
        cells = marks[start:start + len(stage.criteria)]
        start += len(stage.criteria)
        attempt = stage.key in rnd.attempts
        if attempt and not any(cells):  # an attempt not made (or left out): no result, no problem
            values[stage.key] = {}
            if explain:
                sheets.append(StageExplanation(stage.key, stage.name, stage.over, stage.aggregate, stage.weight, (), (),
                                               None, None, (), attempt=True))
            continue
        if stage.best_of:
            part = _best_of_stage(stage, stage_totals)
        else:
            score_stage = _judge_total_stage if stage.over == "judge_total" else _criterion_stage
            part = score_stage(stage, cells, rnd, attributes, explain)
        values[stage.key] = part.values
        problems += part.problems
        to_total += part.to_total
        log = [] if explain else None
        stage_total = weighted = None
        if part.subtotal is not None:
            value = _bound(part.subtotal, stage.floor, stage.ceiling, log)
            stage_total = stage_totals[stage.key] = rnd("stage", value, log)
            if not attempt:
                weighted = rnd("weighted", stage_total * stage.weight, log)
                total += weighted
        if explain:
            sheets.append(StageExplanation(
                stage.key, stage.name, stage.over, stage.aggregate, stage.weight, tuple(part.criteria),
                tuple(part.judge_totals), stage_total, weighted, tuple(log), part.coefficient,
                sum(part.adjust) if part.adjust else None, stage.best_of, part.best, attempt))
    log = [] if explain else None
    if to_total:
        total += sum(to_total)
    total = None if problems else rnd("total", _bound(total, scheme.floor, scheme.ceiling, log), log)
    explanation = Explanation(tuple(sheets), total, tuple(log), tuple(problems),
                              sum(to_total) if to_total else None) if explain else None
    return _Score(total, stage_totals, values, problems, explanation)


def _criterion_stage(stage: Stage, cells: list, rnd: _Rounder, attributes: Mapping[str, Decimal],
                     explain: bool) -> _StageScore:
    """Aggregate each criterion across the panel, then sum the factored values."""
    part = _StageScore(ZERO, {}, [], [], [])
    shifts = _mark_shifts(stage, cells)
    rows = []
    for crit, marks in zip(stage.criteria, cells, strict=True):
        log = [] if explain else None
        used = _shifted(crit, marks, shifts[crit.key]) if crit.key in shifts and marks else marks
        problem = _shortfall(stage, crit, len(used) if used else 0)
        aggregated = value = None
        cut = 0
        if problem:
            part.problems.append(problem)
            part.subtotal = None
        elif used:
            if crit.judged:
                aggregated, cut = aggregate(sorted(used.values()), crit.aggregate, crit.trim)
            else:
                aggregated = next(iter(used.values()))  # one value, however many recorded it
            value = part.values[crit.key] = rnd("criterion", _bound(convert(crit, aggregated), crit.floor,
                                                                    crit.ceiling, log), log)
        else:  # an adjustment nobody gave
            value = part.values[crit.key] = ZERO
        rows.append((crit, marks, used, problem, aggregated, value, cut, log))
    # Factored values once every value is known: a coefficient may be a criterion of the stage.
    for crit, marks, used, problem, aggregated, value, cut, log in rows:
        factored = coefficient = applied = None
        if value is not None and crit.counts:
            coefficient = _coefficient(stage, crit, crit.coefficient, part, attributes)
            if crit.coefficient is None or coefficient is not None:
                factored = rnd("factored", (value * coefficient if crit.coefficient else value) * crit.factor, log)
                applied = _apply(crit, factored, part)
        if explain:
            part.criteria.append(_criterion_explanation(crit, marks, used, cut, aggregated, value, factored, log,
                                                        problem, coefficient, applied))
    return _finish_stage(stage, part, attributes)


def _apply(crit: Criterion, factored: Decimal, part: _StageScore) -> Decimal | None:
    """Add a counting criterion's factored value where it goes; an adjustment's signed points."""
    if crit.kind != "adjustment":
        if part.subtotal is not None:
            part.subtotal += factored
        return None
    points = -factored if crit.effect == "subtract" else factored
    if crit.to in ("stage", "total"):  # otherwise it has changed the marks of its criterion already
        (part.adjust if crit.to == "stage" else part.to_total).append(points)
    return points


def _finish_stage(stage: Stage, part: _StageScore, attributes: Mapping[str, Decimal]) -> _StageScore:
    """The stage's coefficient and adjustments on its subtotal."""
    if stage.coefficient is not None:
        part.coefficient = _coefficient(stage, None, stage.coefficient, part, attributes)
        if part.subtotal is not None and part.coefficient is not None:
            part.subtotal *= part.coefficient
    if part.subtotal is not None and part.adjust:
        part.subtotal += sum(part.adjust)
    return part


def _coefficient(stage: Stage, crit: Criterion | None, coefficient: Coefficient | None, part: _StageScore,
                 attributes: Mapping[str, Decimal]) -> Decimal | None:
    """An entry's multiplier: its criterion's value, or its attribute (a problem when missing)."""
    if coefficient is None:
        return None
    if coefficient.criterion:
        return part.values.get(coefficient.criterion)  # no value: that measurement's "no marks" says why
    value = attributes.get(coefficient.attribute)
    problem = f"{f'{stage.key}.{crit.key}' if crit else stage.key}: no {coefficient.attribute} for this entry"
    if value is None and problem not in part.problems:
        part.problems.append(problem)
        part.subtotal = None
    return value


def _mark_shifts(stage: Stage, cells: list) -> dict[str, Decimal]:
    """Adjustments of every judge's mark on a criterion (a referee's penalty off each award), by target."""
    shifts: dict[str, Decimal] = {}
    for crit, marks in zip(stage.criteria, cells, strict=True):
        if crit.kind == "adjustment" and crit.to not in ("stage", "total") and marks and crit.counts:
            points = next(iter(marks.values())) * crit.factor
            shifts[crit.to] = shifts.get(crit.to, ZERO) + (-points if crit.effect == "subtract" else points)
    return shifts


def _shifted(crit: Criterion, marks: dict[str, Decimal], shift: Decimal) -> dict[str, Decimal]:
    """Each judge's mark moved by the adjustment, staying within the criterion's range."""
    return {judge: min(max(mark + shift, crit.min), crit.mark_limit) for judge, mark in marks.items()}


def _best_of_stage(stage: Stage, stage_totals: Mapping[str, Decimal]) -> _StageScore:
    """The best of the attempts that have a result (the first of equal ones)."""
    part = _StageScore(None, {}, [], [], [])
    tried = [key for key in stage.best_of if key in stage_totals]
    if tried:
        part.best = max(tried, key=lambda key: stage_totals[key])
        part.subtotal = stage_totals[part.best]
    else:
        part.problems.append(f"{stage.key}: no attempt has a result")
    return part


def _judge_total_stage(stage: Stage, cells: list, rnd: _Rounder, attributes: Mapping[str, Decimal],
                       explain: bool) -> _StageScore:
    """Sum each judge's factored marks first, then aggregate those judge totals."""
    part = _StageScore(None, {}, [], [], [])
    shifts = _mark_shifts(stage, cells)
    used_cells = [_shifted(crit, marks, shifts[crit.key]) if crit.key in shifts and marks else marks
                  for crit, marks in zip(stage.criteria, cells, strict=True)]
    rows = []
    for crit, marks, used in zip(stage.criteria, cells, used_cells, strict=True):
        problem = None if used or crit.kind == "adjustment" else f"{stage.key}.{crit.key}: no marks"
        mean = value = None
        log = [] if explain else None
        if problem:
            part.problems.append(problem)
        elif used:
            # Informational (tie-break, explanation): the plain mean, converted like a panel value.
            mean = sum(used.values(), ZERO) / len(used)
            value = part.values[crit.key] = rnd("criterion", _bound(convert(crit, mean), crit.floor, crit.ceiling,
                                                                    log), log)
        else:
            value = part.values[crit.key] = ZERO
        rows.append((crit, marks, used, problem, mean, value, log))
    counting = [(crit, used or {}) for crit, used in zip(stage.criteria, used_cells, strict=True)
                if crit.counts and crit.kind != "adjustment"]
    judges = sorted({judge for _, marks in counting for judge in marks}, key=natural_key)
    totals: dict[str, Decimal] = {}
    logs: dict[str, list] = {}
    for judge in judges:
        # A judge who missed a counting criterion has no total: leaving the judge out keeps
        # the panel smaller rather than counting the missing mark as zero.
        if all(judge in marks for _, marks in counting):
            log = logs[judge] = [] if explain else None
            totals[judge] = sum(_judge_value(stage, crit, marks[judge], rnd, part, attributes, log)
                                for crit, marks in counting)
    needed = max(stage.min_judges, 2 * stage.trim + 1 if stage.aggregate == "trimmed_sum" else 1)
    if len(totals) < needed:
        part.problems.append(f"{stage.key}: {len(totals)} judges marked every counting criterion, "
                             f"needs at least {needed}")
    cut = 0
    if not part.problems:
        part.subtotal, cut = aggregate(sorted(totals.values()), stage.aggregate, stage.trim)
    for crit, marks, used, problem, mean, value, log in rows:
        applied = None
        if crit.kind == "adjustment" and crit.counts:
            applied = _apply(crit, rnd("factored", value * crit.factor, log), part)
        if explain:
            part.criteria.append(_criterion_explanation(crit, marks, used, 0, mean, value, None, log, problem,
                                                        None, applied, aggregate="mean"))
    if explain:
        dropped = {p.judge: p.dropped for p in _panel_marks(totals, cut)}
        part.judge_totals = [JudgeTotal(j, totals.get(j), dropped.get(j), tuple(logs.get(j) or ())) for j in judges]
    return _finish_stage(stage, part, attributes)


def _judge_value(stage: Stage, crit: Criterion, mark: Decimal, rnd: _Rounder, part: _StageScore,
                 attributes: Mapping[str, Decimal], log: list | None) -> Decimal:
    """One judge's factored value of a criterion, within a judge_total stage."""
    value = rnd("criterion", _bound(convert(crit, mark), crit.floor, crit.ceiling, log), log)
    if crit.coefficient is not None:
        value *= _coefficient(stage, crit, crit.coefficient, part, attributes) or ZERO
    return rnd("factored", value * crit.factor, log)


def _criterion_explanation(crit: Criterion, marks: dict | None, used: dict | None, cut: int,
                           aggregated: Decimal | None, value: Decimal | None, factored: Decimal | None,
                           log: list | None, problem: str | None, coefficient: Decimal | None,
                           applied: Decimal | None, aggregate: str | None = None) -> CriterionExplanation:
    spread = None
    if crit.spread is not None and marks and len(marks) > 1:
        spread = max(marks.values()) - min(marks.values())
    return CriterionExplanation(
        crit.key, crit.name, crit.kind, crit.counts, crit.factor, _panel_marks(marks or {}, cut, used),
        aggregate or crit.aggregate, aggregated, value, factored, tuple(log), problem, coefficient, applied,
        crit.to if crit.kind == "adjustment" else None, spread, crit.spread if spread is not None else None)


def _shortfall(stage: Stage, crit: Criterion, count: int) -> str | None:
    """Why a criterion leaves the entry incomplete, if it does. A panel's minimum applies to judged
    criteria only: a measurement is one value, an adjustment nobody gave adds nothing."""
    if count == 0:
        return None if crit.kind == "adjustment" else f"{stage.key}.{crit.key}: no marks"
    if not crit.judged:
        return None
    if crit.counts and count < crit.min_judges:
        marks = f"{count} mark" + ("s" if count > 1 else "")
        return f"{stage.key}.{crit.key}: {marks}, needs at least {crit.min_judges} judges"
    if crit.aggregate == "trimmed_sum" and count <= 2 * crit.trim:
        return (f"{stage.key}.{crit.key}: {count} marks, trimmed_sum needs at least {2 * crit.trim + 1} to drop "
                f"{crit.trim} highest and {crit.trim} lowest")
    return None


def aggregate(ordered: list[Decimal], how: str, trim: int) -> tuple[Decimal, int]:
    """Panel value of marks sorted ascending, and how many were dropped at each end.

    trimmed_mean drops `trim` highest and lowest only when at least 2*trim+1 marks are present
    (an absent judge shrinks the panel); otherwise it is the plain mean of what is there.
    trimmed_sum sums the marks left (callers make sure that 2*trim+1 are present).
    """
    if how == "sum":
        return sum(ordered, ZERO), 0
    if how == "max":
        return ordered[-1], 0
    if how == "min":
        return ordered[0], 0
    count = len(ordered)
    if how == "median":
        middle = count // 2
        return (ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2), 0
    cut = trim if how in ("trimmed_mean", "trimmed_sum") and count > 2 * trim else 0
    kept = ordered[cut:count - cut]
    if how == "trimmed_sum":
        return sum(kept, ZERO), cut
    return sum(kept, ZERO) / len(kept), cut


def convert(crit: Criterion, aggregated: Decimal) -> Decimal:
    """Panel mark → criterion value: scale levels to max, deductions to what is left of max."""
    if crit.scale:
        aggregated = aggregated * crit.max / crit.scale  # multiply first: one inexact step, not two
    if crit.kind == "deduction":
        return max(crit.max - aggregated, ZERO)
    return aggregated


def _panel_marks(marks: Mapping[str, Decimal], cut: int, used: Mapping[str, Decimal] | None = None
                 ) -> tuple[PanelMark, ...]:
    """The marks by judge, naming the ones trimming dropped (among equal marks, by judge order),
    with the mark counted where an adjustment changed it."""
    counted = used if used is not None and used is not marks else None
    order = counted or marks
    ordered = sorted(order.items(), key=lambda item: (item[1], natural_key(item[0])))
    dropped = {judge: "lowest" for judge, _ in ordered[:cut]}
    dropped |= {judge: "highest" for judge, _ in ordered[len(ordered) - cut:] if cut}
    return tuple(PanelMark(j, marks[j], dropped.get(j), counted[j] if counted else None)
                 for j in sorted(marks, key=natural_key))


@lru_cache(maxsize=4096)  # judge ids repeat on every criterion of every entry
def natural_key(text: str) -> tuple:
    """Sort key putting J2 before J10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


# ------------------------------------------------------------- plain text

_STATUS_TEXT = {"ok": "有效", "incomplete": "评分未完成", "withdrawn": "退赛", "absent": "缺考",
                "disqualified": "取消资格"}
_DROPPED_TEXT = {"highest": "去掉最高分", "lowest": "去掉最低分"}
# on a deduction the lowest mark is the smallest deduction, the contestant's best: never "最低分"
_DROPPED_DEDUCTION_TEXT = {"highest": "去掉最多扣分", "lowest": "去掉最少扣分"}
_KIND_TEXT = {"judgement": "评分", "deduction": "扣分", "measurement": "测量值", "adjustment": "加减分"}
_AGGREGATE_TEXT = {"mean": "平均", "trimmed_mean": "去掉最高最低后平均", "median": "中位数", "sum": "合计",
                   "trimmed_sum": "去掉最高最低后合计", "max": "最高分", "min": "最低分"}
_STEP_TEXT = {"criterion": "评分项", "factored": "乘系数后", "stage": "阶段小计", "weighted": "加权后", "total": "总分"}
_PANEL_WORDS_BEFORE_15 = ("mean", "trimmed_mean", "median", "sum")
_BOUND_TEXT = {"floor": "不低于下限", "ceiling": "不超过上限"}
_TO_TEXT = {"stage": "计入本阶段", "total": "计入总分"}


def explain_text(result: EntryResult, recused: Mapping[str, Sequence[str]] | None = None) -> str:
    """A plain-text score sheet (成绩明细) for one entry, in plain Chinese: every judge's mark, the
    marks dropped and why, every rounding step. `recused`: stage key -> the judges (as the marks
    name them) who stepped aside from this entry, noted under the stage so none simply vanishes."""
    ex = result.explanation
    recused = recused or {}
    places = result._scheme.rounding.places
    lines = [f"选手 {result.entry}    状态 {_STATUS_TEXT[result.status]}"
             + (f"    组别 {result.group}" if result.group is not None else ""),
             f"名次 {result.rank or '—'}    总分 {_num(result.total, places)}    奖项 {result.award or '—'}"]
    for stage in ex.stages:
        lines.append("")
        how = "取最好一次" if stage.best_of else (f"{_AGGREGATE_TEXT[stage.aggregate]}, "
                                                 f"{'按评分项汇总' if stage.over == 'criterion' else '按裁判总分汇总'}")
        lines.append(f"【{stage.name}】  权重 {stage.weight}  ({how})")
        if recused.get(stage.key):
            lines.append(f"  回避: 裁判 {'、'.join(recused[stage.key])} 与选手有利害关系，依规回避，未评分")
        if stage.attempt and stage.total is None:
            lines.append("  未做此次尝试")
        for crit in stage.criteria:
            lines += _criterion_lines(crit, places)
        for judge in stage.judge_totals:
            note = f" ({_DROPPED_TEXT[judge.dropped]})" if judge.dropped else ""
            shown = "缺项, 不计" if judge.total is None else _num(judge.total, places)
            lines.append(f"  裁判 {judge.judge} 总分 {shown}{note}")
        if stage.best_of:
            lines.append(f"  取最好一次: {'、'.join(stage.best_of)} 中的 {stage.best or '—'}")
        if stage.coefficient is not None:
            lines.append(f"  × 系数 {stage.coefficient}")
        if stage.adjustments is not None:
            lines.append(f"  加减分 {_signed(stage.adjustments, places)}")
        if stage.attempt:
            if stage.total is not None:
                lines.append(f"  阶段小计 {_num(stage.total, places)}    (一次尝试, 本身不计入总分)")
        else:
            lines.append(f"  阶段小计 {_num(stage.total, places)}    "
                         f"× 权重 {stage.weight} = {_num(stage.weighted, places)}")
        lines += _rounding_lines(stage.rounding, "  ", places)
    lines.append("")
    if ex.adjustments is not None:
        lines.append(f"总分加减分 {_signed(ex.adjustments, places)}")
    lines.append(f"总分 {_num(ex.total, places)}")
    lines += _rounding_lines(ex.rounding, "", places)
    names = {s.key: s.name for s in ex.stages} | {f"{s.key}.{c.key}": c.name for s in ex.stages for c in s.criteria}
    lines += [f"未完成: {_problem_text(problem, names)}" for problem in ex.problems]
    return "\n".join(lines) + "\n"


_PROBLEM_TEXT = (  # the engine's problems (English, for logs and files) as the score sheet says them
    (re.compile(r"no marks"), "没有评分"),
    (re.compile(r"(\d+) marks?, needs at least (\d+) judges"), r"只有 \1 位裁判评分，至少需要 \2 位"),
    (re.compile(r"(\d+) marks, trimmed_sum needs at least (\d+) to drop (\d+) highest and \d+ lowest"),
     r"只有 \1 个评分，至少需要 \2 个才能去掉 \3 个最高分和 \3 个最低分后合计"),
    (re.compile(r"no (.+) for this entry"), r"缺少本选手的 \1"),
    (re.compile(r"no attempt has a result"), "没有一次尝试有成绩"),
)


def _problem_text(problem: str, names: Mapping[str, str]) -> str:
    where, _, what = problem.partition(": ")
    for pattern, said in _PROBLEM_TEXT:
        if pattern.fullmatch(what):
            return f"{names.get(where, where)}：{pattern.sub(said, what)}"
    return problem


def _criterion_lines(crit: CriterionExplanation, places: int) -> list[str]:
    lines = [f"  评分项 {crit.name} ({_KIND_TEXT[crit.kind]}{'' if crit.counts else ', 不计入总分'})"]
    if crit.kind == "adjustment" and not crit.marks:
        return [*lines, "    无"]
    dropped = _DROPPED_DEDUCTION_TEXT if crit.kind == "deduction" else _DROPPED_TEXT
    marks = "  ".join(f"{m.judge}: {m.mark}" + (f" → {m.counted}" if m.counted is not None else "")
                      + (f" ({dropped[m.dropped]})" if m.dropped else "") for m in crit.marks)
    lines.append(f"    裁判评分 {marks or '—'}")
    if crit.spread is not None:
        verdict = "超过" if crit.spread > crit.spread_limit else "未超过"
        lines.append(f"    最高与最低相差 {crit.spread}，{verdict}允许的 {crit.spread_limit}")
    if crit.problem:
        lines.append(f"    未完成: {_problem_text(crit.problem, {crit.problem.partition(': ')[0]: crit.name})}")
        return lines
    trimmed = any(m.dropped for m in crit.marks)  # too few marks to trim: a plain mean
    how = _AGGREGATE_TEXT["mean" if crit.aggregate == "trimmed_mean" and not trimmed else crit.aggregate]
    if crit.kind == "adjustment" or crit.kind == "measurement" and crit.aggregate not in _PANEL_WORDS_BEFORE_15:
        how = "记录值"  # one value, not a panel's (a measurement keeps the words it was explained with)
    coefficient = f" × {crit.coefficient}" if crit.coefficient is not None else ""
    lines.append(f"    {how} {_num(crit.aggregated, places)} → 得分 {_num(crit.value, places)}"
                 + (f"   {coefficient} × 系数 {crit.factor} = {_num(crit.factored, places)}"
                    if crit.factored is not None else ""))
    if crit.applied is not None:
        where = _TO_TEXT.get(crit.to) or f"计入 {crit.to} 的每个裁判评分"
        lines.append(f"    {where} {_signed(crit.applied, places)}")
    return lines + _rounding_lines(crit.rounding, "    ", places)


def _rounding_lines(steps: tuple[RoundingStep, ...], indent: str, places: int) -> list[str]:
    return [f"{indent}  {_BOUND_TEXT[s.step]}: {_num(s.before, places)} → {_num(s.after, places)}"
            if s.step in _BOUND_TEXT
            else f"{indent}  舍入 ({_STEP_TEXT[s.step]}): {_num(s.before, places)} → {_num(s.after, places)}"
            for s in steps]


def _signed(value: Decimal, places: int) -> str:
    return ("+" if value >= 0 else "") + _num(value, places)


def _num(value: Decimal | None, places: int) -> str:
    """A figure as computed; one Decimal had to cut at its precision (a mean of 8⅓) shows one
    decimal more than the scheme rounds to and "…", so a rounding step still shows which way it went."""
    if value is None:
        return "—"
    if len(value.as_tuple().digits) < CONTEXT.prec:
        return format(value, "f")
    return format(value.quantize(Decimal(1).scaleb(-places - 1), rounding=ROUND_DOWN), "f") + "…"
