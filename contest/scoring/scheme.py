"""Marking schemes (评分标准): the data that says how marks become results.

A scheme is read from YAML or JSON, validated with errors that name the key path
(`stages[1].criteria[0].max: must be a positive number`), and can be written back
with `scheme_to_dict` so that `parse_scheme(scheme_to_dict(s)) == s`.

Every key the format knows is listed once, in WORDS, with what it takes, its choices and its
default: the parser reads its allowed and required keys from there, and a scheme builder can
offer the same words without a copy of them.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import yaml

# The steps at which a scheme may round, in the order they happen.
STEPS = ("criterion", "factored", "stage", "weighted", "total")
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
AGGREGATES = ("mean", "trimmed_mean", "median", "sum", "trimmed_sum", "max", "min")
KINDS = ("judgement", "measurement", "deduction", "adjustment")
JUDGED = ("judgement", "deduction")  # marked by a panel: min_judges, trimming and spread apply
OVER = ("criterion", "judge_total")
EFFECTS = ("add", "subtract")
TIES = ("exclude", "share")
OPINIONS = ("optional", "required")  # a sheet's written opinion (评审意见): may be left blank, or may not


@dataclass(frozen=True)
class Word:
    """One key of the scheme format.

    takes: what the value is — whole (number), number, positive, share (0 < x <= 1), text, key,
    flag (true/false), choice (one of `choices`), list, mapping, levels, coefficient (a mapping
    naming a criterion or an entry attribute), target (stage, total or a criterion key).
    """

    key: str
    takes: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    note: str = ""


WORDS: dict[str, tuple[Word, ...]] = {
    "scheme": (
        Word("scheme", "whole", True, note="format version: 1"),
        Word("name", "text", True),
        Word("stages", "list", True, note="stage mappings, in order"),
        Word("rounding", "mapping", note="places and mode"),
        Word("round_at", "list", default=STEPS, choices=STEPS, note="the steps that round"),
        Word("tie_break", "list", note="stage or criterion keys; '-key' when lower is better"),
        Word("awards", "mapping"),
        Word("floor", "number", note="the total is never below it"),
        Word("ceiling", "number", note="the total is never above it"),
    ),
    "rounding": (
        Word("places", "whole", default=2),
        Word("mode", "choice", default="half_up", choices=tuple(ROUNDING_MODES)),
    ),
    "stage": (
        Word("key", "key", True),
        Word("name", "text", True),
        Word("criteria", "list", note="criterion mappings; a best_of stage has none"),
        Word("weight", "positive", default=1),
        Word("panel", "mapping", note="the defaults of its criteria's panels"),
        Word("best_of", "list", note="keys of attempt stages: the best attempt is this stage's value"),
        Word("coefficient", "coefficient", note="multiplies the stage subtotal, per entry"),
        Word("floor", "number"),
        Word("ceiling", "number"),
        Word("opinion", "choice", default="optional", choices=OPINIONS,
             note="each judge's written opinion on a sheet (评审意见): required or optional"),
    ),
    "panel": (
        Word("aggregate", "choice", default="mean", choices=AGGREGATES),
        Word("trim", "whole", default=1, note="marks dropped at each end by trimmed_mean and trimmed_sum"),
        Word("min_judges", "whole", default=1, note="judged criteria only"),
        Word("over", "choice", default="criterion", choices=OVER),
        Word("spread", "number", note="largest allowed difference between the panel's marks"),
        Word("spread_blocks_signoff", "flag", default=False),
    ),
    "criterion": (
        Word("key", "key", True),
        Word("name", "text", True),
        Word("max", "positive", True, note="highest value (highest mark unless marked on a scale)"),
        Word("kind", "choice", True, choices=KINDS),
        Word("min", "number", default=0, note="lowest mark; below 0 for signed marks"),
        Word("factor", "positive", default=1),
        Word("scale", "whole", note="judgement marked in levels 0..scale, converted to 0..max"),
        Word("counts", "flag", default=True),
        Word("aggregate", "choice", choices=AGGREGATES, note="overrides the panel's"),
        Word("trim", "whole", note="overrides the panel's"),
        Word("min_judges", "whole", note="overrides the panel's"),
        Word("step", "positive", note="marks are multiples of it"),
        Word("levels", "levels", note="descriptors of the scale's levels"),
        Word("floor", "number"),
        Word("ceiling", "number"),
        Word("coefficient", "coefficient", note="multiplies the criterion value, per entry"),
        Word("to", "target", default="stage", note="adjustments: the stage, the total or a criterion key"),
        Word("effect", "choice", default="add", choices=EFFECTS, note="adjustments: add or subtract"),
        Word("spread", "number", note="overrides the panel's"),
        Word("confirm", "flag", default=False,
             note="measurements: measured at the station, the contestant confirms the value on the tablet"),
    ),
    "coefficient": (
        Word("criterion", "key", note="a measurement of the same stage that does not count"),
        Word("attribute", "key", note="a column of the marks file"),
    ),
    "awards": (
        Word("tiers", "list", True, note="tier mappings, best first"),
        Word("min_total", "number", note="no award below it"),
    ),
    "tier": (
        Word("name", "text", True),
        Word("share", "share", note="of the ranked entries, half up; ties at the cut-off share the tier"),
        Word("count", "whole"),
        Word("min_total", "number"),
        Word("cap", "share", note="of the ranked entries, rounded down, never exceeded"),
        Word("ties", "choice", default="exclude", choices=TIES, note="cap: whether a tie at the cut-off shares"),
    ),
}
TIER_SIZES = ("share", "count", "min_total", "cap")

# Keys end up in CSV headers, exported marks and tie_break references, so no separators or spaces,
# and no first character that makes a spreadsheet read the cell as a formula.
_KEY = re.compile(r"[^\s.,\-=+@][^\s.,]*")


class ScoringError(ValueError):
    """Bad input to the scoring engine; the message is one precise line for a user.

    Defined here rather than in engine.py because the scheme module is imported by the engine.
    """


class SchemeError(ScoringError):
    """A marking scheme that cannot be used; the message starts with the key path."""


@dataclass(frozen=True)
class Rounding:
    places: int = 2
    mode: str = "half_up"


@dataclass(frozen=True)
class Coefficient:
    """A per-entry multiplier: the value of a criterion, or an attribute from the marks file."""

    criterion: str | None = None
    attribute: str | None = None


@dataclass(frozen=True)
class Criterion:
    """One 评分项. aggregate/trim/min_judges/spread are resolved: the stage panel's unless overridden."""

    key: str
    name: str
    max: Decimal
    kind: str
    factor: Decimal = Decimal(1)
    scale: int | None = None
    counts: bool = True
    aggregate: str = "mean"
    trim: int = 1
    min_judges: int = 1
    step: Decimal | None = None
    levels: Any = field(default=None, hash=False)
    min: Decimal = Decimal(0)
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    coefficient: Coefficient | None = None
    to: str = "stage"
    effect: str = "add"
    spread: Decimal | None = None
    confirm: bool = False  # measured at the station: the contestant confirms the value (选手确认)

    @property
    def mark_limit(self) -> Decimal:
        """Highest mark a judge may give: the scale when marking levels, else max."""
        return Decimal(self.scale) if self.scale else self.max

    @property
    def judged(self) -> bool:
        """Marked by a panel (as opposed to one objective value)."""
        return self.kind in JUDGED


@dataclass(frozen=True)
class Stage:
    """One 阶段 such as 理论知识 or 实际操作; aggregate/trim/min_judges/over are its panel defaults."""

    key: str
    name: str
    criteria: tuple[Criterion, ...]
    weight: Decimal = Decimal(1)
    aggregate: str = "mean"
    trim: int = 1
    min_judges: int = 1
    over: str = "criterion"
    best_of: tuple[str, ...] = ()
    coefficient: Coefficient | None = None
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    spread: Decimal | None = None
    spread_blocks_signoff: bool = False
    opinion: str = "optional"

    @property
    def opinion_required(self) -> bool:
        return self.opinion == "required"


@dataclass(frozen=True)
class TieBreak:
    """A resolved tie_break item: a stage total (criterion None) or a criterion value."""

    text: str
    stage: str
    criterion: str | None
    lower_is_better: bool


@dataclass(frozen=True)
class AwardTier:
    """Exactly one of share, count, min_total or cap is set."""

    name: str
    share: Decimal | None = None
    count: int | None = None
    min_total: Decimal | None = None
    cap: Decimal | None = None
    ties: str = "exclude"


@dataclass(frozen=True)
class Awards:
    tiers: tuple[AwardTier, ...]
    min_total: Decimal | None = None


@dataclass(frozen=True)
class Scheme:
    name: str
    stages: tuple[Stage, ...]
    rounding: Rounding = Rounding()
    round_at: tuple[str, ...] = STEPS
    tie_break: tuple[TieBreak, ...] = ()
    awards: Awards | None = None
    floor: Decimal | None = None
    ceiling: Decimal | None = None

    @property
    def attempts(self) -> frozenset[str]:
        """Keys of the stages a best_of stage chooses from: they add nothing to the total themselves."""
        return frozenset(key for stage in self.stages for key in stage.best_of)

    @property
    def attributes(self) -> tuple[str, ...]:
        """The entry attributes the scheme takes from the marks file, in order of first use."""
        found = [c.attribute for s in self.stages for c in (s.coefficient, *(k.coefficient for k in s.criteria))
                 if c is not None and c.attribute]
        return tuple(dict.fromkeys(found))


# ---------------------------------------------------------------- reading


def load_scheme_text(text: str) -> Scheme:
    """Parse a scheme written as JSON (text starting with `{`) or YAML."""
    try:
        if text.lstrip().startswith("{"):
            data = json.loads(text, object_pairs_hook=_json_object)
        else:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise SchemeError(f"scheme is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except yaml.YAMLError as exc:
        raise SchemeError(f"scheme is not valid YAML: {_yaml_problem(exc)}") from exc
    return parse_scheme(data)


def parse_scheme(data: Any) -> Scheme:
    """Validate a decoded scheme (dict from YAML/JSON) and build the Scheme."""
    top = _mapping(data, "", "scheme")
    if _integer(top["scheme"], "scheme", minimum=1) != 1:
        raise SchemeError("scheme: format version must be 1")
    stages = _stages(top["stages"])
    floor, ceiling = _bounds(top, "")
    return Scheme(
        name=_text(top["name"], "name"),
        stages=stages,
        rounding=_rounding(top.get("rounding", {})),
        round_at=_round_at(top.get("round_at", list(STEPS))),
        tie_break=_tie_break(top.get("tie_break", []), stages),
        awards=_awards(top["awards"], "awards") if "awards" in top else None,
        floor=floor,
        ceiling=ceiling,
    )


def _rounding(data: Any) -> Rounding:
    rounding = _mapping(data, "rounding", "rounding")
    places = _integer(rounding.get("places", 2), "rounding.places", minimum=0)
    mode = _choice(rounding.get("mode", "half_up"), "rounding.mode", ROUNDING_MODES)
    return Rounding(places=places, mode=mode)


def _round_at(data: Any) -> tuple[str, ...]:
    steps = [_choice(step, f"round_at[{i}]", STEPS) for i, step in enumerate(_list(data, "round_at"))]
    _no_duplicates(steps, "round_at")
    return tuple(s for s in STEPS if s in steps)


def _stages(data: Any) -> tuple[Stage, ...]:
    items = _list(data, "stages")
    if not items:
        raise SchemeError("stages: needs at least one stage")
    stages = tuple(_stage(item, f"stages[{i}]") for i, item in enumerate(items))
    _no_duplicates([s.key for s in stages], "stages", "key")
    _check_attempts(items, stages)
    return stages


def _stage(data: Any, path: str) -> Stage:
    stage = _mapping(data, path, "stage")
    key, name = _key(stage.get("key"), f"{path}.key"), _text(stage.get("name"), f"{path}.name")
    panel = _mapping(stage.get("panel", {}), f"{path}.panel", "panel")
    defaults = _panel(panel, f"{path}.panel", {"aggregate": "mean", "trim": 1, "min_judges": 1, "spread": None})
    over = _choice(panel.get("over", "criterion"), f"{path}.panel.over", OVER)
    blocks = _flag(panel.get("spread_blocks_signoff", False), f"{path}.panel.spread_blocks_signoff")
    floor, ceiling = _bounds(stage, path)
    common = {"key": key, "name": name, "weight": _positive(stage.get("weight", 1), f"{path}.weight"), "over": over,
              "floor": floor, "ceiling": ceiling, "spread_blocks_signoff": blocks,
              "opinion": _choice(stage.get("opinion", "optional"), f"{path}.opinion", OPINIONS), **defaults}
    if "best_of" in stage:
        if "criteria" in stage:
            raise SchemeError(f"{path}.criteria: a best_of stage takes its value from its attempts, not criteria")
        if "coefficient" in stage:
            raise SchemeError(f"{path}.coefficient: a best_of stage takes its attempts' values as they are")
        attempts = [_key(k, f"{path}.best_of[{i}]") for i, k in enumerate(_list(stage["best_of"], f"{path}.best_of"))]
        if not attempts:
            raise SchemeError(f"{path}.best_of: needs at least one attempt stage")
        _no_duplicates(attempts, f"{path}.best_of")
        return Stage(criteria=(), best_of=tuple(attempts), **common)
    if "criteria" not in stage:
        raise SchemeError(f"{path}.criteria: is required")
    items = _list(stage["criteria"], f"{path}.criteria")
    criteria = tuple(_criterion(item, f"{path}.criteria[{i}]", defaults, over) for i, item in enumerate(items))
    _no_duplicates([c.key for c in criteria], f"{path}.criteria", "key")
    if not any(c.counts for c in criteria):
        raise SchemeError(f"{path}.criteria: needs at least one criterion that counts")
    criteria = tuple(_with_references(crit, item, criteria, f"{path}.criteria[{i}]")
                     for i, (crit, item) in enumerate(zip(criteria, items, strict=True)))
    coefficient = stage.get("coefficient")
    if coefficient is not None:
        coefficient = _coefficient(coefficient, f"{path}.coefficient", criteria)
    return Stage(criteria=criteria, coefficient=coefficient, **common)


def _panel(data: dict, path: str, defaults: dict) -> dict:
    """aggregate/trim/min_judges/spread given in data, falling back to defaults."""
    spread = data.get("spread", defaults["spread"])
    return {
        "aggregate": _choice(data.get("aggregate", defaults["aggregate"]), f"{path}.aggregate", AGGREGATES),
        "trim": _integer(data.get("trim", defaults["trim"]), f"{path}.trim", minimum=0),
        "min_judges": _integer(data.get("min_judges", defaults["min_judges"]), f"{path}.min_judges", minimum=1),
        "spread": None if spread is None else _non_negative(spread, f"{path}.spread"),
    }


def _criterion(data: Any, path: str, defaults: dict, over: str) -> Criterion:
    crit = _mapping(data, path, "criterion")
    kind = _choice(crit["kind"], f"{path}.kind", KINDS)
    counts = _flag(crit.get("counts", True), f"{path}.counts")
    if over == "judge_total":
        # Each judge's total is aggregated instead, so per-criterion panel settings would be ignored.
        for name in ("aggregate", "trim", "min_judges"):
            if name in crit:
                raise SchemeError(f"{path}.{name}: not used when the stage panel is over judge_total")
        if kind == "measurement" and counts:
            raise SchemeError(f"{path}.kind: a counting measurement needs the stage panel over criterion")
    if kind not in JUDGED:  # one value, not a panel's marks
        for name in ("aggregate", "trim", "min_judges", "spread") if kind == "adjustment" else ("spread",):
            if name in crit:
                raise SchemeError(f"{path}.{name}: not used by {'an' if kind == 'adjustment' else 'a'} {kind}, "
                                  "which has one value")
    if kind != "adjustment":
        for name in ("to", "effect"):
            if name in crit:
                raise SchemeError(f"{path}.{name}: only adjustment criteria are added to a stage, the total "
                                  "or a criterion's marks")
    scale = None
    if "scale" in crit:
        scale = _integer(crit["scale"], f"{path}.scale", minimum=1)
        if kind != "judgement":
            raise SchemeError(f"{path}.scale: only judgement criteria are marked on a scale")
    levels = crit.get("levels")
    if levels is not None and not isinstance(levels, list | dict):
        raise SchemeError(f"{path}.levels: must be a list or a mapping of level descriptors")
    maximum = _positive(crit["max"], f"{path}.max")
    minimum = _number(crit.get("min", 0), f"{path}.min")
    if minimum < 0 and (kind == "deduction" or scale):
        raise SchemeError(f"{path}.min: marks of a {'scale' if scale else 'deduction'} cannot be negative")
    if minimum >= (scale or maximum):
        raise SchemeError(f"{path}.min: must be below the highest mark {scale or maximum}")
    floor, ceiling = _bounds(crit, path)
    panel = _panel(crit, path, defaults)
    if kind not in JUDGED:
        panel["spread"] = None
    confirm = _flag(crit.get("confirm", False), f"{path}.confirm")
    if confirm and kind != "measurement":
        raise SchemeError(f"{path}.confirm: only a measurement is confirmed by the contestant")
    return Criterion(
        key=_key(crit["key"], f"{path}.key"),
        name=_text(crit["name"], f"{path}.name"),
        max=maximum,
        kind=kind,
        factor=_positive(crit.get("factor", 1), f"{path}.factor"),
        scale=scale,
        counts=counts,
        step=_positive(crit["step"], f"{path}.step") if "step" in crit else None,
        levels=copy.deepcopy(levels),
        min=minimum,
        floor=floor,
        ceiling=ceiling,
        to=crit.get("to", "stage"),
        effect=_choice(crit.get("effect", "add"), f"{path}.effect", EFFECTS),
        confirm=confirm,
        **panel,
    )


def _with_references(crit: Criterion, item: dict, criteria: tuple[Criterion, ...], path: str) -> Criterion:
    """The criterion with its coefficient resolved; an adjustment's target checked. Both name
    criteria of the same stage, so they are read once the stage's criteria are."""
    if crit.kind == "adjustment" and crit.to not in ("stage", "total"):
        target = next((c for c in criteria if isinstance(crit.to, str) and c.key == crit.to), None)
        if target is None:
            raise SchemeError(f"{path}.to: must be stage, total or the key of a criterion of this stage")
        if target.kind != "judgement" or target.scale:
            raise SchemeError(f"{path}.to: '{crit.to}' must be a judgement criterion marked in points, whose "
                              "every mark the adjustment changes")
    if "coefficient" not in item:
        return crit
    coefficient = _coefficient(item["coefficient"], f"{path}.coefficient", criteria)
    if coefficient.criterion == crit.key:
        raise SchemeError(f"{path}.coefficient: a criterion cannot multiply itself")
    return replace(crit, coefficient=coefficient)


def _coefficient(data: Any, path: str, criteria: tuple[Criterion, ...]) -> Coefficient:
    given = _mapping(data, path, "coefficient")
    if len(given) != 1:
        raise SchemeError(f"{path}: needs exactly one of criterion or attribute")
    if "attribute" in given:
        return Coefficient(attribute=_key(given["attribute"], f"{path}.attribute"))
    key = _key(given["criterion"], f"{path}.criterion")
    source = next((c for c in criteria if c.key == key), None)
    if source is None or source.kind != "measurement" or source.counts:
        raise SchemeError(f"{path}.criterion: '{key}' must be a measurement of this stage with counts: false")
    return Coefficient(criterion=key)


def _check_attempts(items: list, stages: tuple[Stage, ...]) -> None:
    """best_of names other stages with criteria, each attempt of one best_of stage only, not weighted."""
    by_key = {s.key: s for s in stages}
    taken: set[str] = set()
    for i, stage in enumerate(stages):
        for j, key in enumerate(stage.best_of):
            attempt = by_key.get(key)
            if attempt is None or attempt.best_of or stages.index(attempt) > i:
                raise SchemeError(f"stages[{i}].best_of[{j}]: '{key}' must be the key of a stage with criteria "
                                  "before this one")
            if key in taken:
                raise SchemeError(f"stages[{i}].best_of[{j}]: '{key}' is already an attempt of another stage")
            taken.add(key)
    for i, (item, stage) in enumerate(zip(items, stages, strict=True)):
        if stage.key in taken and "weight" in item:
            raise SchemeError(f"stages[{i}].weight: an attempt is not weighted; weight the best_of stage")


def _bounds(data: dict, path: str) -> tuple[Decimal | None, Decimal | None]:
    floor = _number(data["floor"], _at(path, "floor")) if "floor" in data else None
    ceiling = _number(data["ceiling"], _at(path, "ceiling")) if "ceiling" in data else None
    if floor is not None and ceiling is not None and floor >= ceiling:
        raise SchemeError(f"{_at(path, 'ceiling')}: must be above the floor {floor}")
    return floor, ceiling


def _tie_break(data: Any, stages: tuple[Stage, ...]) -> tuple[TieBreak, ...]:
    items = [_text(item, f"tie_break[{i}]") for i, item in enumerate(_list(data, "tie_break"))]
    _no_duplicates(items, "tie_break")
    return tuple(_resolve_tie_break(text, f"tie_break[{i}]", stages) for i, text in enumerate(items))


def _resolve_tie_break(text: str, path: str, stages: tuple[Stage, ...]) -> TieBreak:
    lower = text.startswith("-")
    ref = text[1:] if lower else text
    if "." in ref:
        stage_key, _, crit_key = ref.partition(".")
        found = [(s.key, c.key) for s in stages if s.key == stage_key for c in s.criteria if c.key == crit_key]
    else:
        # A bare key names a stage if there is one (its criteria can still be named stage.key).
        found = [(s.key, None) for s in stages if s.key == ref]
        found = found or [(s.key, c.key) for s in stages for c in s.criteria if c.key == ref]
    if not found:
        raise SchemeError(f"{path}: '{ref}' is neither a stage key nor a criterion key")
    if len(found) > 1:
        options = ", ".join(f"'{s}.{c}'" for s, c in found)
        raise SchemeError(f"{path}: '{ref}' is ambiguous; write one of {options}")
    stage_key, crit_key = found[0]
    return TieBreak(text=text, stage=stage_key, criterion=crit_key, lower_is_better=lower)


def _awards(data: Any, path: str) -> Awards:
    awards = _mapping(data, path, "awards")
    items = _list(awards["tiers"], f"{path}.tiers")
    if not items:
        raise SchemeError(f"{path}.tiers: needs at least one tier")
    tiers = tuple(_tier(item, f"{path}.tiers[{i}]") for i, item in enumerate(items))
    _no_duplicates([t.name for t in tiers], f"{path}.tiers", "name")
    minimum = _number(awards["min_total"], f"{path}.min_total") if "min_total" in awards else None
    return Awards(tiers=tiers, min_total=minimum)


def _tier(data: Any, path: str) -> AwardTier:
    tier = _mapping(data, path, "tier")
    given = [k for k in TIER_SIZES if k in tier]
    if len(given) != 1:
        raise SchemeError(f"{path}: needs exactly one of share, count, min_total or cap")
    name = _text(tier["name"], f"{path}.name")
    if "ties" in tier and "cap" not in tier:
        raise SchemeError(f"{path}.ties: only a cap tier says what a tie at its cut-off does")
    if "share" in tier:
        return AwardTier(name=name, share=_share(tier["share"], f"{path}.share"))
    if "count" in tier:
        return AwardTier(name=name, count=_integer(tier["count"], f"{path}.count", minimum=1))
    if "cap" in tier:
        return AwardTier(name=name, cap=_share(tier["cap"], f"{path}.cap"),
                         ties=_choice(tier.get("ties", "exclude"), f"{path}.ties", TIES))
    return AwardTier(name=name, min_total=_number(tier["min_total"], f"{path}.min_total"))


# ------------------------------------------------------- small validators


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(data: Any, path: str, words: str) -> dict:
    where = path or "scheme"
    if not isinstance(data, dict):
        raise SchemeError(f"{where}: must be a mapping")
    allowed = {w.key for w in WORDS[words]}
    for key in data:
        if key not in allowed:
            raise SchemeError(f"{_at(path, str(key))}: unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(w.key for w in WORDS[words] if w.required):
        if key not in data:
            raise SchemeError(f"{_at(path, key)}: is required")
    return data


def _list(data: Any, path: str) -> list:
    if not isinstance(data, list):
        raise SchemeError(f"{path}: must be a list")
    return data


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SchemeError(f"{path}: must be a non-empty text")
    return value


def _key(value: Any, path: str) -> str:
    # YAML reads `key: 1` as a number; keys are text everywhere else, so accept and convert it.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise SchemeError(f"{path}: must be a key without spaces, '.' or ',' and not starting with -, =, + or @")
    return value


def _choice(value: Any, path: str, options) -> str:
    if not isinstance(value, str) or value not in options:
        raise SchemeError(f"{path}: must be one of {', '.join(options)}")
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise SchemeError(f"{path}: must be true or false")
    return value


def _number(value: Any, path: str) -> Decimal:
    """A number given as a YAML/JSON number or as text; floats go through str() so 0.1 stays 0.1."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise SchemeError(f"{path}: must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SchemeError(f"{path}: must be a number") from None
    if not number.is_finite():
        raise SchemeError(f"{path}: must be a number")
    return number


def _positive(value: Any, path: str) -> Decimal:
    try:
        number = _number(value, path)
    except SchemeError:
        number = None
    if number is None or number <= 0:
        raise SchemeError(f"{path}: must be a positive number")
    return number


def _non_negative(value: Any, path: str) -> Decimal:
    try:
        number = _number(value, path)
    except SchemeError:
        number = None
    if number is None or number < 0:
        raise SchemeError(f"{path}: must be a number of at least 0")
    return number


def _share(value: Any, path: str) -> Decimal:
    share = _positive(value, path)
    if share > 1:
        raise SchemeError(f"{path}: must be at most 1 (a share of the ranked entries)")
    return share


def _integer(value: Any, path: str, minimum: int) -> int:
    try:
        number = _number(value, path)
    except SchemeError:
        number = None
    if number is None or number != number.to_integral_value() or number < minimum:
        raise SchemeError(f"{path}: must be a whole number of at least {minimum}")
    return int(number)


def _no_duplicates(values: list, path: str, what: str | None = None) -> None:
    seen = set()
    for i, value in enumerate(values):
        if value in seen:
            where = f"{path}[{i}].{what}" if what else f"{path}[{i}]"
            raise SchemeError(f"{where}: duplicate '{value}'")
        seen.add(value)


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    data = {}
    for key, value in pairs:
        if key in data:
            raise SchemeError(f"scheme is not valid: key '{key}' appears twice in one object")
        data[key] = value
    return data


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                mark = key_node.start_mark
                raise SchemeError(f"scheme is not valid YAML: line {mark.line + 1}: key '{key}' appears twice")
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"line {mark.line + 1} column {mark.column + 1}: {problem}" if mark else problem


# ---------------------------------------------------------------- writing


def scheme_to_dict(scheme: Scheme) -> dict:
    """The scheme as plain data (numbers as text) that parse_scheme reads back to an equal Scheme."""
    data: dict[str, Any] = {
        "scheme": 1,
        "name": scheme.name,
        "rounding": {"places": scheme.rounding.places, "mode": scheme.rounding.mode},
        "round_at": list(scheme.round_at),
        "stages": [_stage_to_dict(stage, stage.key in scheme.attempts) for stage in scheme.stages],
    }
    if scheme.tie_break:
        data["tie_break"] = [t.text for t in scheme.tie_break]
    if scheme.awards:
        data["awards"] = _awards_to_dict(scheme.awards)
    return data | _bounds_to_dict(scheme)


def _stage_to_dict(stage: Stage, attempt: bool) -> dict:
    panel = {"aggregate": stage.aggregate, "trim": stage.trim, "min_judges": stage.min_judges, "over": stage.over}
    if stage.spread is not None:
        panel["spread"] = str(stage.spread)
    if stage.spread_blocks_signoff:
        panel["spread_blocks_signoff"] = True
    data: dict[str, Any] = {"key": stage.key, "name": stage.name}
    if not attempt:
        data["weight"] = str(stage.weight)
    data["panel"] = panel
    if stage.best_of:
        data["best_of"] = list(stage.best_of)
    else:
        data["criteria"] = [_criterion_to_dict(c, stage) for c in stage.criteria]
    if stage.coefficient:
        data["coefficient"] = _coefficient_to_dict(stage.coefficient)
    if stage.opinion_required:
        data["opinion"] = stage.opinion
    return data | _bounds_to_dict(stage)


def _criterion_to_dict(crit: Criterion, stage: Stage) -> dict:
    data: dict[str, Any] = {"key": crit.key, "name": crit.name, "max": str(crit.max), "kind": crit.kind,
                            "factor": str(crit.factor), "counts": crit.counts}
    if crit.scale is not None:
        data["scale"] = crit.scale
    if crit.step is not None:
        data["step"] = str(crit.step)
    if crit.levels is not None:
        data["levels"] = copy.deepcopy(crit.levels)
    if crit.kind != "adjustment":
        for name in ("aggregate", "trim", "min_judges"):  # only the overrides of the stage panel
            if getattr(crit, name) != getattr(stage, name):
                data[name] = getattr(crit, name)
    if crit.judged and crit.spread != stage.spread:
        data["spread"] = str(crit.spread)
    if crit.min:
        data["min"] = str(crit.min)
    if crit.coefficient:
        data["coefficient"] = _coefficient_to_dict(crit.coefficient)
    if crit.kind == "adjustment":
        data |= {"to": crit.to, "effect": crit.effect}
    if crit.confirm:
        data["confirm"] = True
    return data | _bounds_to_dict(crit)


def _coefficient_to_dict(coefficient: Coefficient) -> dict:
    return {"criterion": coefficient.criterion} if coefficient.criterion else {"attribute": coefficient.attribute}


def _bounds_to_dict(item: Scheme | Stage | Criterion) -> dict:
    return {name: str(getattr(item, name)) for name in ("floor", "ceiling") if getattr(item, name) is not None}


def _awards_to_dict(awards: Awards) -> dict:
    tiers = []
    for tier in awards.tiers:
        if tier.share is not None:
            tiers.append({"name": tier.name, "share": str(tier.share)})
        elif tier.count is not None:
            tiers.append({"name": tier.name, "count": tier.count})
        elif tier.cap is not None:
            tiers.append({"name": tier.name, "cap": str(tier.cap), "ties": tier.ties})
        else:
            tiers.append({"name": tier.name, "min_total": str(tier.min_total)})
    data: dict[str, Any] = {"tiers": tiers}
    if awards.min_total is not None:
        data["min_total"] = str(awards.min_total)
    return data
