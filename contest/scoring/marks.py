"""The one mark validator: what a mark must be to count, for the engine, judges' sheets, paper
entry and registry reviews alike.

A mark is a Decimal number within the criterion's range (min..max, or 0..scale for levels; below
zero only where the criterion's min allows it), on its step, with at most four decimal places (the
database keeps four). A sheet names known criteria and, once submitted, has every judged
criterion that counts. A measurement or an adjustment is one value per entry. Every refusal is a
MarkError naming entry, criterion and judge: its message in English for files and logs, `chinese`
for the judge or clerk in front of it, `criterion` for the form field at fault.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from contest.scoring.scheme import Criterion, ScoringError

MAX_DECIMALS = 4  # the marks column keeps four decimal places; a finer mark would not survive storing


class MarkError(ScoringError):
    """A mark that does not fit the scheme: names entry, criterion and judge."""

    def __init__(self, message: str, chinese: str | None = None, criterion: str | None = None) -> None:
        super().__init__(message)
        self.chinese = chinese or message
        self.criterion = criterion


def value_problem(crit: Criterion, value: object) -> str | None:
    """Why a value cannot be a mark on this criterion: number, decimals, range or step; None if it can."""
    if type(value) is not Decimal or not value.is_finite():
        return "number"
    if not crit.min <= value <= crit.mark_limit:
        return "range"
    if value.as_tuple().exponent < -MAX_DECIMALS and value.normalize().as_tuple().exponent < -MAX_DECIMALS:
        return "decimals"
    if crit.step is not None and value % crit.step:
        return "step"
    return None


def mark_error(problem: str, crit: Criterion, label: str, entry: str, judge: str, value: object,
               roles: tuple[str, str] = ("选手", "裁判")) -> MarkError:
    """The refusal of one mark, in both languages."""
    where = f"for entry {entry} criterion {label} judge {judge}"
    english = {
        "number": f"mark {value!r} {where} is not a Decimal number",
        "range": f"mark {value} {where} is outside {crit.min}..{crit.mark_limit}",
        "decimals": f"mark {value} {where} has more than {MAX_DECIMALS} decimal places",
        "step": f"mark {value} {where} is not a multiple of {crit.step}",
    }[problem]
    return MarkError(english, _chinese(entry, crit, judge, _CHINESE[problem](crit, value), roles), crit.key)


def plain(value: Decimal) -> str:
    """4.5000 → 4.5: numbers as a person writes them."""
    return format(value.normalize(), "f")


def _range(crit: Criterion, value: object) -> str:
    span = f"{plain(crit.min)}–{plain(crit.mark_limit)}"
    if isinstance(value, Decimal) and value < 0 <= crit.min:
        return f"{value} 不能为负数（范围 {span}）"
    return f"{value} 超出范围 {span}"


_CHINESE = {
    "number": lambda crit, value: f"“{value}”不是数字",
    "range": _range,
    "decimals": lambda crit, value: f"{value} 最多保留{MAX_DECIMALS}位小数",
    "step": lambda crit, value: f"{value} 应为 {plain(crit.step)} 的整数倍",
}


def _chinese(entry: str, crit: Criterion, judge: str, problem: str, roles: tuple[str, str] = ("选手", "裁判")) -> str:
    return f"{_who(entry, judge, roles)}，{crit.name}：{problem}"


def _who(entry: str, judge: str, roles: tuple[str, str]) -> str:
    return f"{roles[0]} {entry}、{roles[1]} {judge}"


def conflict_error(crit: Criterion, label: str, entry: str, marks: Mapping[str, Decimal], judge: str,
                   value: Decimal) -> MarkError:
    """A second, different value for a one-value criterion (a measurement or an adjustment)."""
    first, given = next(iter(marks.items()))
    return MarkError(
        f"{crit.kind} {label} of entry {entry} has two different marks: {given} (judge {first}) and {value} "
        f"(judge {judge})",
        f"选手 {entry}，{crit.name}：裁判 {first} 记录为 {plain(given)}，裁判 {judge} 记录为 {plain(value)}；"
        f"{'测量' if crit.kind == 'measurement' else '加减分'}项只能有一个数值，请核对",
        crit.key)


def parse_mark(text: object, crit: Criterion, entry: str, judge: str,
               roles: tuple[str, str] = ("选手", "裁判")) -> Decimal:
    """A mark typed by a person (form field, JSON or paper sheet) as a Decimal, or a MarkError."""
    try:
        number = Decimal(str(text).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise MarkError(f"mark '{text}' for entry {entry} criterion {crit.key} judge {judge} is not a number",
                        _chinese(entry, crit, judge, f"“{text}”不是数字", roles), crit.key)
    return number


def check_sheet(criteria: Sequence[Criterion], raw: Mapping[str, object], *, complete: bool, entry: str,
                judge: str, roles: tuple[str, str] = ("选手", "裁判")) -> dict[str, Decimal]:
    """One judge's marks on one entry: known criteria, each a valid mark, and when `complete`
    (a submission) every judged criterion that counts. Empty values are no mark. `roles` name the
    entry and the judge in Chinese (a registry review: 候选人, 评审专家)."""
    by_key = {c.key: c for c in criteria}
    marks: dict[str, Decimal] = {}
    for key, text in raw.items():
        crit = by_key.get(key)
        if crit is None:
            raise MarkError(f"entry {entry} judge {judge}: unknown criterion '{key}'",
                            f"{_who(entry, judge, roles)}：评分项 {key} 不属于本环节", key)
        if text is None or str(text).strip() == "":
            continue
        value = parse_mark(text, crit, entry, judge, roles)
        problem = value_problem(crit, value)
        if problem:
            raise mark_error(problem, crit, crit.key, entry, judge, value, roles)
        marks[key] = value
    if complete:
        missing = required_missing(criteria, marks)
        if missing:
            raise MarkError(f"entry {entry} judge {judge}: no mark for {', '.join(c.key for c in missing)}",
                            f"{_who(entry, judge, roles)}：还有评分项未打分：{'、'.join(c.name for c in missing)}",
                            "marks")
    return marks


def required_missing(criteria: Iterable[Criterion], marks: Mapping[str, object]) -> list[Criterion]:
    """The judged criteria that count and have no mark: a submitted sheet must have them. A
    measurement may come from someone else's sheet; an adjustment is only given when there is one."""
    return [c for c in criteria if c.judged and c.counts and c.key not in marks]
