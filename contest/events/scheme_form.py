"""The scheme builder: a marking scheme as a form a union clerk can fill in — stages with weights in
percent, criteria, the panel's rule chosen from named presets, tie-breaks from a list, award tiers —
and back; the starting templates per kind of trade (seeds/schemes/*.yaml); and the sample entry
the live preview scores through the engine.

The form holds no rules of its own: it writes the scheme as data, and the engine's validator (with
its errors said in Chinese by scoring.chinese) and the events service judge it. A scheme the form
cannot show exactly (floors, coefficients, attempts, levels…) is left to the expert (YAML) editor,
so that saving the form never drops a setting."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from contest import scoring
from contest.errors import InputError
from contest.forms import Form
from contest.scoring import chinese
from contest.scoring.scheme import AwardTier, Criterion, Stage, TieBreak

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "seeds" / "schemes"

# The panel rules a clerk chooses from: (label, the stage panel's settings).
PRESETS = {
    "trimmed_mean": ("去掉一个最高分和一个最低分取平均", {"aggregate": "trimmed_mean", "trim": 1}),
    "mean": ("平均", {"aggregate": "mean"}),
    "median": ("中位数", {"aggregate": "median"}),
    "sum": ("合计", {"aggregate": "sum"}),
    "worldskills": ("世界技能大赛评价分（0–3分，裁判分差不超过1分）",
                    {"aggregate": "mean", "spread": "1", "spread_blocks_signoff": True}),
}
WORLDSKILLS_SCALE = 3  # judgement marks 0–3, converted to the criterion's points
TIER_SIZES = {"share": "前百分之几", "count": "前几名", "cap": "不超过百分之几", "min_total": "总分不低于"}
PERCENT_SIZES = ("share", "cap")
ADJUSTMENT_TARGETS = {"stage": "计入本环节", "total": "计入总分"}
ADJUSTMENT_EFFECTS = {"subtract": "扣分", "add": "加分"}
_HUNDRED = Decimal(100)


@dataclass
class CriterionRow:
    key: str = ""
    name: str = ""
    kind: str = "judgement"
    max: str = ""
    step: str = ""
    factor: str = ""
    counts: bool = True
    effect: str = "subtract"  # adjustments only
    to: str = "stage"
    confirm: bool = False  # measurements only: the contestant confirms the value at the station


@dataclass
class StageRow:
    key: str = ""
    name: str = ""
    weight: str = ""  # percent
    rule: str = "trimmed_mean"
    min_judges: str = "3"
    criteria: list[CriterionRow] = field(default_factory=list)
    opinion: str = "optional"  # each judge's written opinion on a sheet: optional or required


@dataclass
class TierRow:
    name: str = ""
    size: str = "share"
    value: str = ""  # percent for share and cap


@dataclass
class SchemeForm:
    name: str = ""
    places: str = "2"
    stages: list[StageRow] = field(default_factory=list)
    tie_break: list[str] = field(default_factory=list)
    tiers: list[TierRow] = field(default_factory=list)
    min_total: str = ""

    # --- the scheme as data ----------------------------------------------------------------------

    def to_scheme(self) -> dict:
        """The scheme the form says, as the engine reads it (numbers as typed, so that it names a bad one)."""
        self._assign_keys()
        scheme: dict = {"scheme": 1, "name": self.name, "rounding": {"places": _number(self.places), "mode": "half_up"},
                        "stages": [_stage_data(s) for s in self.stages]}
        ties = [t for t in self.tie_break if t]
        if ties:
            scheme["tie_break"] = ties
        if self.tiers or self.min_total:
            scheme["awards"] = {"tiers": [_tier_data(t) for t in self.tiers]}
            if self.min_total:
                scheme["awards"]["min_total"] = _number(self.min_total)
        return scheme

    @classmethod
    def from_scheme(cls, data: dict) -> SchemeForm | None:
        """The form showing this scheme, or None when the form cannot show all of it."""
        try:
            parsed = scoring.parse_scheme(data)
        except scoring.ScoringError:
            return None
        form = cls(name=parsed.name, places=str(parsed.rounding.places),
                   stages=[_stage_row(s) for s in parsed.stages],
                   tie_break=[_tie_text(t) for t in parsed.tie_break],
                   tiers=[_tier_row(t) for t in parsed.awards.tiers] if parsed.awards else [],
                   min_total=_plain(parsed.awards.min_total) if parsed.awards else "")
        try:
            again = scoring.parse_scheme(form.to_scheme())
        except scoring.ScoringError:
            return None
        return form if _comparable(again) == _comparable(parsed) else None

    @classmethod
    def read(cls, form: Form) -> SchemeForm:
        """The builder's fields as posted (rows numbered from 0, as the page renders them)."""
        stages = []
        for i in _indexes(form, "stage-{}-key"):
            at = f"stage-{i}-"
            criteria = [CriterionRow(
                key=form.text(f"{at}crit-{j}-key"), name=form.text(f"{at}crit-{j}-name"),
                kind=form.text(f"{at}crit-{j}-kind", "judgement"), max=form.text(f"{at}crit-{j}-max"),
                step=form.text(f"{at}crit-{j}-step"), factor=form.text(f"{at}crit-{j}-factor"),
                counts=form.flag(f"{at}crit-{j}-counts"), effect=form.text(f"{at}crit-{j}-effect", "subtract"),
                to=form.text(f"{at}crit-{j}-to", "stage"), confirm=form.flag(f"{at}crit-{j}-confirm"))
                for j in _indexes(form, at + "crit-{}-key")]
            stages.append(StageRow(form.text(at + "key"), form.text(at + "name"), form.text(at + "weight"),
                                   form.text(at + "rule", "mean"), form.text(at + "min_judges"), criteria,
                                   form.text(at + "opinion", "optional")))
        tiers = [TierRow(form.text(f"tier-{k}-name"), form.text(f"tier-{k}-size", "share"),
                         form.text(f"tier-{k}-value")) for k in _indexes(form, "tier-{}-name")]
        ties = [form.text(f"tie-{k}") for k in _indexes(form, "tie-{}")]
        return cls(form.text("name"), form.text("places", "2"), stages, ties, tiers, form.text("min_total"))

    # --- changes of shape (the page's add and remove buttons) ------------------------------------

    def apply(self, op: str) -> None:
        """add-stage, remove-stage-I, add-criterion-I, remove-criterion-I-J, add-tier, remove-tier-K,
        add-tie, remove-tie-K. A new row gets its key now, so that it keeps it while it is edited."""
        verb, *at = op.split(":")
        i, j = (int(n) for n in (*at, 0, 0)[:2]) if all(n.isdigit() for n in at) else (-1, -1)
        if verb == "add-stage":
            self.stages.append(StageRow(weight="", criteria=[CriterionRow(max="100")]))
        elif verb == "remove-stage" and 0 <= i < len(self.stages):
            self.stages.pop(i)
        elif verb == "add-criterion" and 0 <= i < len(self.stages):
            self.stages[i].criteria.append(CriterionRow())
        elif verb == "remove-criterion" and 0 <= i < len(self.stages) and 0 <= j < len(self.stages[i].criteria):
            self.stages[i].criteria.pop(j)
        elif verb == "add-tier":
            self.tiers.append(TierRow())
        elif verb == "remove-tier" and 0 <= i < len(self.tiers):
            self.tiers.pop(i)
        elif verb == "add-tie":
            self.tie_break.append("")
        elif verb == "remove-tie" and 0 <= i < len(self.tie_break):
            self.tie_break.pop(i)
        else:
            raise InputError("无法识别的操作，请刷新页面后重试", "op")
        self._assign_keys()

    def _assign_keys(self) -> None:
        """Keys for rows that have none: stage1, stage2 … and c1, c2 … (unique, never reused while
        the row lives: marks and exports name criteria by these keys)."""
        taken = {s.key for s in self.stages}
        for stage in self.stages:
            if not stage.key:
                stage.key = _unused("stage", taken)
            names = {c.key for c in stage.criteria}
            for crit in stage.criteria:
                if not crit.key:
                    crit.key = _unused("c", names)

    # --- what the page shows beside the fields --------------------------------------------------

    def tie_options(self) -> list[tuple[str, str]]:
        """What ties may be broken by: a stage's score, a criterion's (higher first), or a criterion's
        value where lower is better (time taken)."""
        self._assign_keys()
        options = []
        for stage in self.stages:
            label = stage.name or "（未命名环节）"
            options.append((stage.key, f"{label}得分高者在前"))
            for crit in stage.criteria:
                name = crit.name or "（未命名评分项）"
                options += [(f"{stage.key}.{crit.key}", f"{label} · {name}得分高者在前"),
                            (f"-{stage.key}.{crit.key}", f"{label} · {name}数值小者在前（如用时）")]
        return options

    @property
    def weight_total(self) -> Decimal | None:
        try:
            return sum((Decimal(s.weight) for s in self.stages), Decimal(0))
        except InvalidOperation:
            return None


def _indexes(form: Form, pattern: str) -> list[int]:
    found, i = [], 0
    while form.has(pattern.format(i)):
        found.append(i)
        i += 1
    return found


def _unused(prefix: str, taken: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    taken.add(f"{prefix}{n}")
    return f"{prefix}{n}"


def _number(text: str) -> str | int:
    """A number typed in a field, as the scheme keeps it; text the engine will refuse as it is."""
    return int(text) if text.isdigit() else text


def _percent(text: str) -> str:
    """"30" (percent) → "0.3"; text that is not a number is passed on for the engine to refuse."""
    try:
        return _plain(Decimal(text.rstrip("%").strip()) / _HUNDRED)
    except InvalidOperation:
        return text


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _stage_data(row: StageRow) -> dict:
    label, panel = PRESETS.get(row.rule, PRESETS["mean"])
    panel = {**panel, "min_judges": _number(row.min_judges or "1")}
    data = {"key": row.key, "name": row.name, "weight": _percent(row.weight), "panel": panel,
            "criteria": [_criterion_data(c, row.rule == "worldskills") for c in row.criteria]}
    if row.opinion != "optional":
        data["opinion"] = row.opinion  # the engine names a value it does not know
    return data


def _criterion_data(row: CriterionRow, worldskills: bool) -> dict:
    data: dict = {"key": row.key, "name": row.name, "max": _number(row.max), "kind": row.kind}
    if row.kind == "judgement" and worldskills:
        data |= {"scale": WORLDSKILLS_SCALE, "step": 1}
    elif row.step and row.kind in ("judgement", "deduction"):
        data["step"] = _number(row.step)
    if row.factor and row.factor != "1":
        data["factor"] = _number(row.factor)
    if not row.counts:
        data["counts"] = False
    if row.kind == "adjustment":
        data |= {"to": row.to, "effect": row.effect}
    if row.confirm and row.kind == "measurement":
        data["confirm"] = True
    return data


def _tier_data(row: TierRow) -> dict:
    size = row.size if row.size in TIER_SIZES else "share"
    value = _percent(row.value) if size in PERCENT_SIZES else _number(row.value)
    return {"name": row.name, size: value}


def _stage_row(stage: Stage) -> StageRow:
    rule = next((key for key, (_, panel) in PRESETS.items() if _matches(stage, panel)), "")
    return StageRow(stage.key, stage.name, _plain(stage.weight * _HUNDRED), rule, str(stage.min_judges),
                    [_criterion_row(c) for c in stage.criteria], stage.opinion)


def _matches(stage: Stage, panel: dict) -> bool:
    return (stage.aggregate == panel["aggregate"] and stage.trim == panel.get("trim", 1)
            and stage.spread == (Decimal(panel["spread"]) if "spread" in panel else None)
            and stage.spread_blocks_signoff == panel.get("spread_blocks_signoff", False))


def _criterion_row(crit: Criterion) -> CriterionRow:
    # An adjustment of a criterion's every mark is left to the expert editor: the form has no such target.
    return CriterionRow(crit.key, crit.name, crit.kind, _plain(crit.max), "" if crit.scale else _plain(crit.step),
                        "" if crit.factor == 1 else _plain(crit.factor), crit.counts, crit.effect,
                        crit.to if crit.to in ADJUSTMENT_TARGETS else "stage", crit.confirm)


def _tie_text(tie: TieBreak) -> str:
    return ("-" if tie.lower_is_better else "") + tie.stage + (f".{tie.criterion}" if tie.criterion else "")


def _tier_row(tier: AwardTier) -> TierRow:
    size = next(s for s in TIER_SIZES if getattr(tier, s) is not None)
    value = getattr(tier, size)
    return TierRow(tier.name, size, _plain(value * _HUNDRED) if size in PERCENT_SIZES else _plain(Decimal(value)))


def _comparable(scheme: scoring.Scheme) -> scoring.Scheme:
    """The scheme with its tie-breaks as what they compare, not as they were written ("-time" and
    "-practical.time" are the same rule)."""
    return replace(scheme, tie_break=tuple(replace(t, text="") for t in scheme.tie_break))


# --- the expert editor ---------------------------------------------------------------------------------


def read_text(text: str) -> dict:
    """A scheme typed in the expert editor as YAML (or JSON). A text that is not valid YAML is refused
    here, in Chinese; what it says is judged by the engine when it is saved (events.service)."""
    if not text.strip():
        raise InputError("请填写评分标准", "yaml")
    try:
        scoring.load_scheme_text(text)
    except scoring.SchemeError as exc:
        if str(exc).startswith("scheme is not valid"):  # the text itself, not what it says
            raise InputError(chinese.explain(exc).text, "yaml") from None
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise InputError("评分标准应为“名称: 值”形式的一组设置（第一行如 scheme: 1）", "yaml")
    return data


def write_text(scheme: dict) -> str:
    return yaml.safe_dump(scheme, allow_unicode=True, sort_keys=False)


# --- templates ------------------------------------------------------------------------------------------


def templates() -> dict[str, str]:
    """The starting templates: file name → what it is for (its `template` line)."""
    return {path.stem: _load(path)[0] for path in sorted(TEMPLATES.glob("*.yaml"), key=_template_order)}


def template(key: str, track_name: str = "") -> dict:
    """A template's scheme, named after the track it starts."""
    path = TEMPLATES / f"{key}.yaml"
    if not re.fullmatch(r"[a-z0-9_-]+", key) or not path.is_file():
        raise InputError("请选择一个评分标准模板", "template")
    scheme = _load(path)[1]
    if track_name:
        scheme["name"] = f"{track_name}评分标准"
    return scheme


def _load(path: Path) -> tuple[str, dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data.pop("template", path.stem), data


def _template_order(path: Path) -> tuple[bool, str]:
    return path.stem == "blank", path.stem  # the blank one last


# --- the preview's sample entry -------------------------------------------------------------------------

SAMPLE_ENTRY = "示例选手"


def sample_result(scheme: scoring.Scheme) -> scoring.EntryResult:
    """One made-up entry scored through the engine: every judged criterion marked by a full panel a
    little apart (so that trimming shows), a measurement recorded once, no adjustment."""
    marks = []
    for stage in scheme.stages:
        for crit in stage.criteria:
            for judge, value in _sample_marks(crit).items():
                marks.append(scoring.Mark(SAMPLE_ENTRY, stage.key, crit.key, judge, value))
    return scoring.compute(scheme, marks)[0]


def _sample_marks(crit: Criterion) -> dict[str, Decimal]:
    if crit.kind == "adjustment":
        return {}
    limit, step = crit.mark_limit, crit.step or (Decimal(1) if crit.mark_limit >= 10 else Decimal("0.5"))
    if not crit.judged:
        return {"J1": _snap(crit, limit * Decimal("0.75"), step)}
    panel = max(crit.min_judges, 5 if crit.aggregate.startswith("trimmed") else 3)
    base = limit * (Decimal("0.1") if crit.kind == "deduction" else Decimal("0.8"))
    offsets = (0, 1, 0, 1, 0, 1, 0) if crit.spread is not None else (0, 1, -1, 2, -2, 3, -3)  # within a spread limit
    return {f"J{n + 1}": _snap(crit, base + step * offsets[n % len(offsets)], step) for n in range(panel)}


def _snap(crit: Criterion, value: Decimal, step: Decimal) -> Decimal:
    snapped = (value / step).to_integral_value() * step
    return min(max(snapped, crit.min), crit.mark_limit).normalize()


# --- engine paths → the builder's fields ----------------------------------------------------------------

_SEGMENTS = re.compile(r"(\w+)(?:\[(\d+)\])?")
_CRITERION_FIELDS = {"name", "kind", "max", "step", "factor", "counts", "effect", "to"}


def field_of(path: str | None) -> str:
    """The builder's field for an engine key path (stages[1].criteria[3].max → stage-1-crit-3-max);
    "" where the form has no field for it (the page then shows the message above the form)."""
    parts = _SEGMENTS.findall(path or "")
    if not parts:
        return ""
    (first, i), rest = parts[0], parts[1:]
    words = [word for word, _ in rest]
    if first == "stages" and i:
        if words[:1] == ["criteria"] and rest[0][1]:
            word = words[1] if len(words) > 1 and words[1] in _CRITERION_FIELDS else "name"
            return f"stage-{i}-crit-{rest[0][1]}-{word}"
        if words[:1] == ["panel"]:
            return f"stage-{i}-{'min_judges' if 'min_judges' in words else 'rule'}"
        return f"stage-{i}-{'weight' if words[:1] == ['weight'] else 'name'}"
    if first == "awards":
        if words[:1] == ["tiers"] and rest[0][1]:
            return f"tier-{rest[0][1]}-{'name' if words[1:2] == ['name'] else 'value'}"
        return "min_total" if words[:1] == ["min_total"] else ""
    if first == "tie_break" and i:
        return f"tie-{i}"
    return {"name": "name", "rounding": "places"}.get(first, "")
