"""The scheme format in Chinese, for people: what its words and choices are called, and a bad
scheme's error (English, with the key path at fault) said again in Chinese with the place named
the way a clerk sees it — 第2个环节“实际操作”的第4个评分项“成品质量”的满分：应为大于0的数.

This is the one translation layer: the scheme builder, the expert (YAML) editor and the command
line show these words; the parser keeps its precise English for files and logs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contest.scoring.scheme import SchemeError

KINDS = {"judgement": "评价", "measurement": "测量", "deduction": "扣分", "adjustment": "加减分"}
AGGREGATES = {"mean": "平均", "trimmed_mean": "去掉最高最低后平均", "median": "中位数", "sum": "合计",
              "trimmed_sum": "去掉最高最低后合计", "max": "最高分", "min": "最低分"}
ROUNDING_MODES = {"half_up": "四舍五入", "half_even": "四舍六入五成双", "down": "直接舍去"}
STEPS = {"criterion": "评分项", "factored": "乘系数后", "stage": "环节小计", "weighted": "加权后", "total": "总分"}
EFFECTS = {"add": "加分", "subtract": "扣分"}
TARGETS = {"stage": "计入本环节", "total": "计入总分"}
OVER = {"criterion": "按评分项汇总", "judge_total": "按裁判总分汇总"}
TIES = {"exclude": "并列超出名额时整体顺延", "share": "并列者共享本等奖"}
OPINIONS = {"optional": "可不填", "required": "必须填写"}
CHOICES = {**KINDS, **AGGREGATES, **ROUNDING_MODES, **STEPS, **EFFECTS, **OVER, **TIES, **OPINIONS,
           "stage": "本环节", "total": "总分"}

# Every word of the format (scoring.WORDS), as the pages call it.
WORDS = {
    "scheme": "格式版本", "name": "名称", "stages": "环节", "rounding": "舍入", "round_at": "舍入步骤",
    "tie_break": "并列排序规则", "awards": "奖项", "floor": "下限", "ceiling": "上限", "places": "保留小数位数",
    "mode": "舍入方式", "key": "代码", "criteria": "评分项", "weight": "权重", "panel": "裁判组规则",
    "best_of": "取最好一次的尝试", "coefficient": "系数", "aggregate": "汇总方式", "trim": "去掉最高最低分的个数",
    "min_judges": "最少裁判人数", "over": "汇总对象", "spread": "允许的最大分差",
    "spread_blocks_signoff": "分差超限时不能签字确认", "opinion": "评审意见", "max": "满分", "kind": "类型",
    "min": "最低分",
    "factor": "倍数", "scale": "等级数", "counts": "计入总分", "step": "评分步长", "levels": "等级说明",
    "to": "计入位置", "effect": "加减方向", "criterion": "评分项", "attribute": "选手属性", "tiers": "奖项等级",
    "min_total": "最低总分", "share": "比例", "count": "名额", "cap": "比例上限", "ties": "并列处理",
    "confirm": "选手现场确认",
}
_LISTS = {"stages": "个环节", "criteria": "个评分项", "tiers": "个奖项等级", "tie_break": "条并列排序规则",
          "round_at": "个舍入步骤", "best_of": "次尝试"}
_SEGMENT = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


@dataclass(frozen=True)
class SchemeProblem:
    """A bad scheme, said for people: `path` is the engine's key path (e.g. stages[1].criteria[3].max,
    for a form to put the message beside its field), `where` the place in Chinese, `problem` what
    is wrong there."""

    path: str
    where: str
    problem: str

    @property
    def text(self) -> str:
        return f"{self.where}：{self.problem}" if self.where else self.problem


def explain(error: SchemeError, data: Any = None) -> SchemeProblem:
    """The error in Chinese; `data` is the scheme as given (its stage and criterion names name the place)."""
    message = str(error)
    for pattern, problem in _WHOLE:
        found = pattern.fullmatch(message)
        if found:
            return SchemeProblem("scheme" if message.startswith("scheme:") else "", "", problem(found))
    path, _, english = message.partition(": ")
    if not english or " " in path:
        return SchemeProblem("", "", f"评分标准有误：{message}")
    return SchemeProblem(path, where(path, data), _problem(english))


def where(path: str, data: Any = None) -> str:
    """stages[1].criteria[3].max → 第2个环节“实际操作”的第4个评分项“成品质量”的满分."""
    if path == "scheme":
        return "评分标准"
    parts, node = [], data
    for key, index in _SEGMENT.findall(path):
        node = node.get(key) if isinstance(node, dict) else None
        if index == "":
            parts.append(WORDS.get(key, key))
            continue
        i = int(index)
        node = node[i] if isinstance(node, list) and i < len(node) else None
        named = node.get("name") if isinstance(node, dict) else node if key in ("tie_break", "best_of") else None
        label = f"第{i + 1}{_LISTS.get(key, '项' + WORDS.get(key, key))}"
        parts.append(f"{label}“{named}”" if isinstance(named, str) and named.strip() else label)
    return "的".join(parts)


def choices(names: str) -> str:
    """"mean, median" → "平均、中位数": the options a choice offers, in Chinese where they have a name."""
    return "、".join(f"{CHOICES[n]}（{n}）" if n in CHOICES else n for n in names.split(", "))


def _problem(english: str) -> str:
    for pattern, problem in _PROBLEMS:
        found = pattern.fullmatch(english)
        if found:
            return problem(found)
    return english


def _kind(found: re.Match, group: int = 1) -> str:
    return KINDS.get(found.group(group), found.group(group))


def _allowed(found: re.Match) -> str:
    keys = found.group(1).split(", ")
    return "不是评分标准的设置项；这里可用：" + "、".join(f"{WORDS.get(k, k)}（{k}）" for k in keys)


_WHOLE = [(re.compile(p), f) for p, f in [
    (r"scheme is not valid JSON: line (\d+) column (\d+): .*",
     lambda m: f"评分标准不是有效的 JSON：第{m[1]}行第{m[2]}列附近有格式错误"),
    (r"scheme is not valid YAML: line (\d+) column (\d+): .*",
     lambda m: f"评分标准不是有效的 YAML：第{m[1]}行第{m[2]}列附近有格式错误（注意冒号后的空格和缩进）"),
    (r"scheme is not valid YAML: line (\d+): key '(.*)' appears twice",
     lambda m: f"评分标准第{m[1]}行：“{m[2]}”在同一处出现了两次"),
    (r"scheme is not valid YAML: .*", lambda m: "评分标准不是有效的 YAML，请检查冒号、缩进和引号"),
    (r"scheme is not valid: key '(.*)' appears twice in one object", lambda m: f"评分标准中“{m[1]}”在同一处出现了两次"),
    (r"scheme: format version must be 1", lambda m: "评分标准的格式版本（scheme）应为 1"),
]]

_PROBLEMS = [(re.compile(p), f) for p, f in [
    (r"must be a mapping", lambda m: "应为“名称: 值”形式的一组设置"),
    (r"unknown key \(allowed: (.*)\)", _allowed),
    (r"is required", lambda m: "不能缺少"),
    (r"must be a list", lambda m: "应为列表（每项一行，以“- ”开头）"),
    (r"must be a non-empty text", lambda m: "不能为空"),
    (r"must be a key without spaces.*", lambda m: "代码不能有空格、句点或逗号，也不能以 -、=、+ 或 @ 开头"),
    (r"must be one of (.*)", lambda m: f"应为以下之一：{choices(m[1])}"),
    (r"must be true or false", lambda m: "应为 true（是）或 false（否）"),
    (r"must be a number", lambda m: "应为数字"),
    (r"must be a positive number", lambda m: "应为大于0的数"),
    (r"must be a number of at least 0", lambda m: "应为不小于0的数"),
    (r"must be at most 1 \(a share of the ranked entries\)", lambda m: "不能超过1（即100%）"),
    (r"must be a whole number of at least (-?\d+)", lambda m: f"应为不小于{m[1]}的整数"),
    (r"duplicate '(.*)'", lambda m: f"“{m[1]}”重复了，每项应各不相同"),
    (r"needs at least one stage", lambda m: "至少需要一个环节"),
    (r"needs at least one attempt stage", lambda m: "至少需要一次尝试"),
    (r"needs at least one criterion that counts", lambda m: "至少需要一个计入总分的评分项"),
    (r"needs at least one tier", lambda m: "至少需要一个奖项等级"),
    (r"a best_of stage takes its value from its attempts, not criteria",
     lambda m: "取最好一次的环节由各次尝试得出，不能再设评分项"),
    (r"a best_of stage takes its attempts' values as they are", lambda m: "取最好一次的环节不能再乘系数"),
    (r"not used when the stage panel is over judge_total", lambda m: "环节按裁判总分汇总时，评分项不能另设此项"),
    (r"a counting measurement needs the stage panel over criterion",
     lambda m: "计入总分的测量项要求本环节按评分项汇总"),
    (r"not used by an? (\w+), which has one value", lambda m: f"{_kind(m)}项只有一个数值，不用此项设置"),
    (r"only adjustment criteria are .*", lambda m: "只有加减分项才设置计入位置和加减方向"),
    (r"only judgement criteria are marked on a scale", lambda m: "只有评价项可以按等级打分"),
    (r"only a measurement is confirmed by the contestant", lambda m: "只有测量项可以由选手现场确认"),
    (r"must be a list or a mapping of level descriptors", lambda m: "应为各等级说明的列表"),
    (r"marks of a (scale|deduction) cannot be negative",
     lambda m: ("按等级打分" if m[1] == "scale" else "扣分") + "项的分数不能为负数"),
    (r"must be below the highest mark (.*)", lambda m: f"应低于满分 {m[1]}"),
    (r"must be stage, total or the key of a criterion of this stage",
     lambda m: "应为本环节（stage）、总分（total）或本环节某个评分项的代码"),
    (r"'(.*)' must be a judgement criterion marked in points.*",
     lambda m: f"“{m[1]}”应为按分值（不是按等级）打分的评价项"),
    (r"a criterion cannot multiply itself", lambda m: "评分项不能以自身作系数"),
    (r"needs exactly one of criterion or attribute",
     lambda m: "应指定评分项（criterion）或选手属性（attribute），且只能指定一个"),
    (r"'(.*)' must be a measurement of this stage with counts: false",
     lambda m: f"“{m[1]}”应为本环节中不计入总分的测量项"),
    (r"'(.*)' must be the key of a stage with criteria before this one",
     lambda m: f"“{m[1]}”应为排在本环节之前、设有评分项的环节"),
    (r"'(.*)' is already an attempt of another stage", lambda m: f"“{m[1]}”已是另一个环节的一次尝试"),
    (r"an attempt is not weighted; weight the best_of stage", lambda m: "单次尝试不设权重，请给取最好一次的环节设权重"),
    (r"must be above the floor (.*)", lambda m: f"应高于下限 {m[1]}"),
    (r"'(.*)' is neither a stage key nor a criterion key", lambda m: f"“{m[1]}”既不是环节也不是评分项"),
    (r"'(.*)' is ambiguous; write one of (.*)", lambda m: f"“{m[1]}”不止一处，请写成 {m[2]} 之一"),
    (r"needs exactly one of share, count, min_total or cap",
     lambda m: "应设置比例、名额、最低总分或比例上限中的一项，且只能一项"),
    (r"only a cap tier says what a tie at its cut-off does", lambda m: "只有按比例上限设置的奖项才能设置并列处理"),
]]
