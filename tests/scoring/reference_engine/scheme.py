"""Marking schemes (评分标准): the data that says how marks become results.

A scheme is read from YAML or JSON, validated with errors that name the key path
(`stages[1].criteria[0].max: must be a positive number`), and can be written back
with `scheme_to_dict` so that `parse_scheme(scheme_to_dict(s)) == s`.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import yaml

# The steps at which a scheme may round, in the order they happen.
STEPS = ("criterion", "factored", "stage", "weighted", "total")
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
AGGREGATES = ("mean", "trimmed_mean", "median", "sum")
KINDS = ("judgement", "measurement", "deduction")
OVER = ("criterion", "judge_total")

# Keys end up in CSV headers and tie_break references, so no separators or spaces.
_KEY = re.compile(r"[^\s.,\-][^\s.,]*")


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
class Criterion:
    """One 评分项. aggregate/trim/min_judges are resolved: the stage panel's unless overridden."""

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

    @property
    def mark_limit(self) -> Decimal:
        """Highest mark a judge may give: the scale when marking levels, else max."""
        return Decimal(self.scale) if self.scale else self.max


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


@dataclass(frozen=True)
class TieBreak:
    """A resolved tie_break item: a stage total (criterion None) or a criterion value."""

    text: str
    stage: str
    criterion: str | None
    lower_is_better: bool


@dataclass(frozen=True)
class AwardTier:
    """Exactly one of share, count or min_total is set."""

    name: str
    share: Decimal | None = None
    count: int | None = None
    min_total: Decimal | None = None


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
    top = _mapping(data, "", required={"scheme", "name", "stages"},
                   optional={"rounding", "round_at", "tie_break", "awards"})
    if _integer(top["scheme"], "scheme", minimum=1) != 1:
        raise SchemeError("scheme: format version must be 1")
    stages = _stages(top["stages"])
    return Scheme(
        name=_text(top["name"], "name"),
        stages=stages,
        rounding=_rounding(top.get("rounding", {})),
        round_at=_round_at(top.get("round_at", list(STEPS))),
        tie_break=_tie_break(top.get("tie_break", []), stages),
        awards=_awards(top["awards"], "awards") if "awards" in top else None,
    )


def _rounding(data: Any) -> Rounding:
    rounding = _mapping(data, "rounding", optional={"places", "mode"})
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
    return stages


def _stage(data: Any, path: str) -> Stage:
    stage = _mapping(data, path, required={"key", "name", "criteria"}, optional={"weight", "panel"})
    panel = _mapping(stage.get("panel", {}), f"{path}.panel",
                     optional={"aggregate", "trim", "min_judges", "over"})
    defaults = _panel(panel, f"{path}.panel", {"aggregate": "mean", "trim": 1, "min_judges": 1})
    over = _choice(panel.get("over", "criterion"), f"{path}.panel.over", OVER)
    items = _list(stage["criteria"], f"{path}.criteria")
    criteria = tuple(_criterion(item, f"{path}.criteria[{i}]", defaults, over) for i, item in enumerate(items))
    _no_duplicates([c.key for c in criteria], f"{path}.criteria", "key")
    if not any(c.counts for c in criteria):
        raise SchemeError(f"{path}.criteria: needs at least one criterion that counts")
    return Stage(key=_key(stage["key"], f"{path}.key"), name=_text(stage["name"], f"{path}.name"),
                 criteria=criteria, weight=_positive(stage.get("weight", 1), f"{path}.weight"), over=over,
                 **defaults)


def _panel(data: dict, path: str, defaults: dict) -> dict:
    """aggregate/trim/min_judges given in data, falling back to defaults."""
    return {
        "aggregate": _choice(data.get("aggregate", defaults["aggregate"]), f"{path}.aggregate", AGGREGATES),
        "trim": _integer(data.get("trim", defaults["trim"]), f"{path}.trim", minimum=0),
        "min_judges": _integer(data.get("min_judges", defaults["min_judges"]), f"{path}.min_judges", minimum=1),
    }


def _criterion(data: Any, path: str, defaults: dict, over: str) -> Criterion:
    crit = _mapping(data, path, required={"key", "name", "max", "kind"},
                    optional={"factor", "scale", "counts", "aggregate", "trim", "min_judges", "step", "levels"})
    kind = _choice(crit["kind"], f"{path}.kind", KINDS)
    counts = crit.get("counts", True)
    if not isinstance(counts, bool):
        raise SchemeError(f"{path}.counts: must be true or false")
    if over == "judge_total":
        # Each judge's total is aggregated instead, so per-criterion panel settings would be ignored.
        for name in ("aggregate", "trim", "min_judges"):
            if name in crit:
                raise SchemeError(f"{path}.{name}: not used when the stage panel is over judge_total")
        if kind == "measurement" and counts:
            raise SchemeError(f"{path}.kind: a counting measurement needs the stage panel over criterion")
    scale = None
    if "scale" in crit:
        scale = _integer(crit["scale"], f"{path}.scale", minimum=1)
        if kind != "judgement":
            raise SchemeError(f"{path}.scale: only judgement criteria are marked on a scale")
    levels = crit.get("levels")
    if levels is not None and not isinstance(levels, list | dict):
        raise SchemeError(f"{path}.levels: must be a list or a mapping of level descriptors")
    return Criterion(
        key=_key(crit["key"], f"{path}.key"),
        name=_text(crit["name"], f"{path}.name"),
        max=_positive(crit["max"], f"{path}.max"),
        kind=kind,
        factor=_positive(crit.get("factor", 1), f"{path}.factor"),
        scale=scale,
        counts=counts,
        step=_positive(crit["step"], f"{path}.step") if "step" in crit else None,
        levels=copy.deepcopy(levels),
        **_panel(crit, path, defaults),
    )


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
    awards = _mapping(data, path, required={"tiers"}, optional={"min_total"})
    items = _list(awards["tiers"], f"{path}.tiers")
    if not items:
        raise SchemeError(f"{path}.tiers: needs at least one tier")
    tiers = tuple(_tier(item, f"{path}.tiers[{i}]") for i, item in enumerate(items))
    _no_duplicates([t.name for t in tiers], f"{path}.tiers", "name")
    minimum = _number(awards["min_total"], f"{path}.min_total") if "min_total" in awards else None
    return Awards(tiers=tiers, min_total=minimum)


def _tier(data: Any, path: str) -> AwardTier:
    tier = _mapping(data, path, required={"name"}, optional={"share", "count", "min_total"})
    given = [k for k in ("share", "count", "min_total") if k in tier]
    if len(given) != 1:
        raise SchemeError(f"{path}: needs exactly one of share, count or min_total")
    name = _text(tier["name"], f"{path}.name")
    if "share" in tier:
        share = _positive(tier["share"], f"{path}.share")
        if share > 1:
            raise SchemeError(f"{path}.share: must be at most 1 (a share of the ranked entries)")
        return AwardTier(name=name, share=share)
    if "count" in tier:
        return AwardTier(name=name, count=_integer(tier["count"], f"{path}.count", minimum=1))
    return AwardTier(name=name, min_total=_number(tier["min_total"], f"{path}.min_total"))


# ------------------------------------------------------- small validators


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(data: Any, path: str, required: set[str] = frozenset(), optional: set[str] = frozenset()) -> dict:
    where = path or "scheme"
    if not isinstance(data, dict):
        raise SchemeError(f"{where}: must be a mapping")
    allowed = required | optional
    for key in data:
        if key not in allowed:
            raise SchemeError(f"{_at(path, str(key))}: unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required):
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
        raise SchemeError(f"{path}: must be a key without spaces, '.' or ',' and not starting with '-'")
    return value


def _choice(value: Any, path: str, options) -> str:
    if not isinstance(value, str) or value not in options:
        raise SchemeError(f"{path}: must be one of {', '.join(options)}")
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
        "stages": [_stage_to_dict(stage) for stage in scheme.stages],
    }
    if scheme.tie_break:
        data["tie_break"] = [t.text for t in scheme.tie_break]
    if scheme.awards:
        data["awards"] = _awards_to_dict(scheme.awards)
    return data


def _stage_to_dict(stage: Stage) -> dict:
    panel = {"aggregate": stage.aggregate, "trim": stage.trim, "min_judges": stage.min_judges, "over": stage.over}
    return {"key": stage.key, "name": stage.name, "weight": str(stage.weight), "panel": panel,
            "criteria": [_criterion_to_dict(c, stage) for c in stage.criteria]}


def _criterion_to_dict(crit: Criterion, stage: Stage) -> dict:
    data: dict[str, Any] = {"key": crit.key, "name": crit.name, "max": str(crit.max), "kind": crit.kind,
                            "factor": str(crit.factor), "counts": crit.counts}
    if crit.scale is not None:
        data["scale"] = crit.scale
    if crit.step is not None:
        data["step"] = str(crit.step)
    if crit.levels is not None:
        data["levels"] = copy.deepcopy(crit.levels)
    for name in ("aggregate", "trim", "min_judges"):  # only the overrides of the stage panel
        if getattr(crit, name) != getattr(stage, name):
            data[name] = getattr(crit, name)
    return data


def _awards_to_dict(awards: Awards) -> dict:
    tiers = []
    for tier in awards.tiers:
        if tier.share is not None:
            tiers.append({"name": tier.name, "share": str(tier.share)})
        elif tier.count is not None:
            tiers.append({"name": tier.name, "count": tier.count})
        else:
            tiers.append({"name": tier.name, "min_total": str(tier.min_total)})
    data: dict[str, Any] = {"tiers": tiers}
    if awards.min_total is not None:
        data["min_total"] = str(awards.min_total)
    return data
