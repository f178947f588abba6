"""Figures about results and panels: standardised scores, judge consistency, round advancement."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from contest.scoring.engine import (
    CONTEXT,
    ZERO,
    EntryResult,
    Mark,
    MarkBook,
    aggregate,
    convert,
    natural_key,
    share_count,
)
from contest.scoring.marks import plain
from contest.scoring.scheme import Criterion, Scheme, ScoringError, Stage

# Below this many ranked entries a mean and SD say too little about the field to standardise.
MIN_STANDARDISED = 8
# The rule, said wherever a standard score is shown (pages, exports, the command line).
STANDARD_RULE = (f"标准分 = 500 + 100 × (总分 − 平均分) ÷ 标准差，平均分和标准差按同一赛项全部有名次的选手计算"
                 f"（总体标准差，保留两位小数；不足 {MIN_STANDARDISED} 名不计算）")
_CENT = Decimal("0.01")


def standardise(results: Iterable[EntryResult]) -> dict[str, Decimal]:
    """标准分: 500 + 100 × (total − mean) / SD over the ranked entries (population SD), to 0.01.

    Empty when fewer than 8 entries are ranked; every entry gets 500.00 when all totals are equal.
    """
    totals = {r.entry: r.total for r in results if r.rank is not None}
    if len(totals) < MIN_STANDARDISED:
        return {}
    with localcontext(CONTEXT):
        mean = sum(totals.values()) / len(totals)
        sd = (sum((t - mean) ** 2 for t in totals.values()) / len(totals)).sqrt()
        return {entry: (500 + (100 * (t - mean) / sd if sd else ZERO)).quantize(_CENT, ROUND_HALF_UP)
                for entry, t in totals.items()}


def advance(results: Iterable[EntryResult], top_n: int | None = None,
            top_percent: Decimal | int | None = None) -> list[str]:
    """Entries that advance to the next round (晋级), in rank order; all entries tied at the cutoff advance.

    top_percent is a percentage of the ranked entries, counted half up like award shares.
    """
    if (top_n is None) == (top_percent is None):
        raise ScoringError("advance needs exactly one of top_n or top_percent")
    ranked = sorted((r for r in results if r.rank is not None), key=lambda r: (r.rank, r.entry))
    if top_n is not None:
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise ScoringError(f"top_n: must be a whole number of at least 1, not {top_n!r}")
        cutoff = top_n
    else:
        if isinstance(top_percent, bool) or not isinstance(top_percent, int | Decimal) or not 0 < top_percent <= 100:
            raise ScoringError(f"top_percent: must be a number above 0 and at most 100, not {top_percent!r}")
        with localcontext(CONTEXT):
            cutoff = share_count(Decimal(top_percent) / 100, len(ranked))
    return [r.entry for r in ranked if r.rank <= cutoff]


# --------------------------------------------------------- judge consistency


@dataclass(frozen=True)
class JudgeFigures:
    """How one judge marked within a stage.

    mean_deviation: mean over the judge's marks of (mark − mean of the other judges' marks on the
    same entry and criterion), in criterion value units (levels scaled to max, deductions turned
    into points kept), so positive means more generous than the rest of the panel; to 0.001.
    agreement: share of the judge's marks within one step (or 10% of the mark range when the
    criterion has no step) of the panel median, the judge included; to 0.0001.
    Only marks on entry/criterion pairs with at least two marks are compared; a judge with none
    such is not listed.
    """

    judge: str
    compared: int
    mean_deviation: Decimal
    agreement: Decimal


@dataclass(frozen=True)
class Flag:
    """kind "spread": marks further apart than the criterion's `spread` allows (without one, marks on
    a level scale more than level_gap apart); "outlier": a mark far from the median. `text` says
    it in Chinese; `blocks` when the stage may not be signed off while it stands."""

    kind: str
    stage: str
    entry: str
    criterion: str
    judges: tuple[str, ...]
    detail: str
    text: str = ""
    blocks: bool = False


@dataclass(frozen=True)
class Consistency:
    judges: dict[str, dict[str, JudgeFigures]]  # stage key → judge → figures
    flags: tuple[Flag, ...]


def judge_consistency(scheme: Scheme, marks: Iterable[Mark] | MarkBook, outlier_share: Decimal = Decimal("0.2"),
                      level_gap: int = 1) -> Consistency:
    """Per stage and judge: deviation from the rest of the panel and agreement; plus flags.

    Measurements and adjustments are left out (one value, no panel). Flags: on criteria whose
    scheme sets a `spread`, highest and lowest mark further apart than it; on other criteria marked
    on a scale of levels, any two judges more than level_gap levels apart ("spread"); on criteria
    not on a scale, any mark further than outlier_share × (max − min) from the panel median ("outlier",
    panels of three or more; on a 0–3 scale 20% would flag every one-level difference).
    """
    book = marks if isinstance(marks, MarkBook) else MarkBook.of(scheme, marks)
    deviations: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    agreeing: dict[tuple[str, str], list[bool]] = defaultdict(list)
    flags: list[Flag] = []
    with localcontext(CONTEXT):
        for entry in sorted(book.entries, key=natural_key):
            for (stage, crit), panel in zip(book.criteria, book.entries[entry], strict=True):
                if not crit.judged or not panel or len(panel) < 2:
                    continue
                values = {j: convert(crit, m) for j, m in panel.items()}
                total = sum(values.values())
                median, _ = aggregate(sorted(panel.values()), "median", 0)
                tolerance = crit.step or crit.mark_limit / 10
                for judge, mark in panel.items():
                    deviations[stage.key, judge].append(values[judge] - (total - values[judge]) / (len(panel) - 1))
                    agreeing[stage.key, judge].append(abs(mark - median) <= tolerance)
                flags += _flags(stage, entry, crit, panel, median, outlier_share, level_gap)
        judges: dict[str, dict[str, JudgeFigures]] = {s.key: {} for s in scheme.stages}
        for (stage_key, judge) in sorted(deviations, key=lambda k: (k[0], natural_key(k[1]))):
            devs, agree = deviations[stage_key, judge], agreeing[stage_key, judge]
            judges[stage_key][judge] = JudgeFigures(
                judge, len(devs),
                (sum(devs) / len(devs)).quantize(Decimal("0.001"), ROUND_HALF_UP),
                (Decimal(sum(agree)) / len(agree)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return Consistency(judges, tuple(flags))


def spread_breaches(scheme: Scheme, marks: Iterable[Mark] | MarkBook, stage: str) -> list[Flag]:
    """The spreads that stop the stage's sign-off: marks further apart than the scheme allows, on a
    stage whose panel says spread_blocks_signoff."""
    return [f for f in judge_consistency(scheme, marks).flags if f.blocks and f.stage == stage]


def _flags(stage: Stage, entry: str, crit: Criterion, panel: dict[str, Decimal], median: Decimal,
           outlier_share: Decimal, level_gap: int) -> list[Flag]:
    flags = []
    low, high = min(panel.values()), max(panel.values())
    limit = crit.spread if crit.spread is not None else (level_gap if crit.scale else None)
    if limit is not None and high - low > limit:
        lows = tuple(sorted((j for j, m in panel.items() if m == low), key=natural_key))
        highs = tuple(sorted((j for j, m in panel.items() if m == high), key=natural_key))
        if crit.spread is None:
            detail = f"are more than {level_gap} level apart"
            said = f"相差超过 {level_gap} 个等级"
        else:
            detail = f"differ by {high - low}, more than the {crit.spread} the scheme allows"
            said = f"相差 {plain(high - low)}，超过评分标准允许的 {plain(crit.spread)}"
        flags.append(Flag("spread", stage.key, entry, crit.key, lows + highs,
                          f"entry {entry} criterion {crit.key}: {low} ({', '.join(lows)}) and {high} "
                          f"({', '.join(highs)}) {detail}",
                          f"{crit.name}：{'、'.join(lows)} 评 {plain(low)}，"
                          f"{'、'.join(highs)} 评 {plain(high)}，{said}",
                          crit.spread is not None and stage.spread_blocks_signoff))
    if not crit.scale and len(panel) >= 3:
        distance = outlier_share * (crit.max - crit.min)
        for judge in sorted(panel, key=natural_key):
            if abs(panel[judge] - median) > distance:
                flags.append(Flag("outlier", stage.key, entry, crit.key, (judge,),
                                  f"entry {entry} criterion {crit.key}: judge {judge} gave {panel[judge]}, "
                                  f"more than {distance} from the panel median {median}",
                                  f"{crit.name}：裁判 {judge} 评 {plain(panel[judge])}，"
                                  f"与中位数 {plain(median)} 相差超过 {plain(distance)}"))
    return flags
