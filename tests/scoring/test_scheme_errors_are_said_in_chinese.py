"""Every way a scheme can be wrong is said again in Chinese, naming the place as a clerk sees it
(第2个环节“实际操作”的第1个评分项“刀工”的满分), with no English sentence left."""
from __future__ import annotations

import copy
import re

import pytest

from contest.scoring import SchemeError, load_scheme_text, parse_scheme
from contest.scoring.chinese import explain, where

GOOD = {
    "scheme": 1, "name": "电工评分标准",
    "stages": [
        {"key": "theory", "name": "理论知识", "weight": "0.3",
         "criteria": [{"key": "exam", "name": "理论考试", "max": 100, "kind": "measurement"}]},
        {"key": "practical", "name": "实际操作", "weight": "0.7",
         "panel": {"aggregate": "trimmed_mean", "trim": 1, "min_judges": 3},
         "criteria": [
             {"key": "wiring", "name": "接线", "max": 40, "kind": "judgement", "step": "0.5"},
             {"key": "time", "name": "用时", "max": 120, "kind": "measurement", "counts": False},
             {"key": "safety", "name": "安全", "max": 10, "kind": "adjustment", "to": "total", "effect": "subtract"},
         ]},
    ],
    "tie_break": ["practical", "-time"],
    "awards": {"tiers": [{"name": "一等奖", "share": "0.1"}, {"name": "二等奖", "cap": "0.2"}]},
}


def crit(d, i=0):
    return d["stages"][1]["criteria"][i]


MISTAKES = [
    lambda d: crit(d).update(max=0),
    lambda d: crit(d).update(max="ten"),
    lambda d: crit(d).update(maxx=1),
    lambda d: crit(d).pop("max"),
    lambda d: crit(d).update(kind="opinion"),
    lambda d: crit(d, 1).update(key="wiring"),
    lambda d: crit(d).update(key="a b"),
    lambda d: crit(d).update(name=" "),
    lambda d: crit(d).update(counts="yes"),
    lambda d: crit(d).update(scale=0),
    lambda d: crit(d, 1).update(scale=3),
    lambda d: crit(d).update(levels="优良中差"),
    lambda d: crit(d).update(min=40),
    lambda d: crit(d, 1).update(spread=1),
    lambda d: crit(d, 2).update(aggregate="mean"),
    lambda d: crit(d).update(effect="add"),
    lambda d: crit(d, 2).update(to="nowhere"),
    lambda d: crit(d, 2).update(to="time"),
    lambda d: crit(d).update(coefficient={"criterion": "wiring"}),
    lambda d: crit(d).update(coefficient={"criterion": "exam"}),
    lambda d: crit(d).update(coefficient={}),
    lambda d: crit(d).update(floor=5, ceiling=2),
    lambda d: crit(d, 1).update(kind="deduction", min=-1),
    lambda d: d["stages"][1].update(weight=0),
    lambda d: d["stages"][1].update(key="theory"),
    lambda d: d["stages"][1]["panel"].update(trim=-1),
    lambda d: d["stages"][1]["panel"].update(aggregate="best"),
    lambda d: (d["stages"][1]["panel"].update(over="judge_total"), crit(d).update(trim=1)),
    lambda d: d["stages"][1]["panel"].update(spread_blocks_signoff="true"),
    lambda d: d["stages"][1].update(criteria=[crit(d, 1)]),
    lambda d: d["stages"][1].update(criteria="接线"),
    lambda d: d["stages"][1].pop("criteria"),
    lambda d: d["stages"].append({"key": "best", "name": "最好", "best_of": ["practical"], "criteria": []}),
    lambda d: d["stages"].append({"key": "best", "name": "最好", "best_of": ["later"]}),
    lambda d: d["stages"].append({"key": "best", "name": "最好", "best_of": []}),
    lambda d: d["stages"].append({"key": "best", "name": "最好", "best_of": ["theory"],
                                  "coefficient": {"attribute": "x"}}),
    lambda d: d["stages"].extend([{"key": "b1", "name": "甲", "best_of": ["theory"]},
                                  {"key": "b2", "name": "乙", "best_of": ["theory"]}]),
    lambda d: (d["stages"][0].update(weight="0.3"),
               d["stages"].append({"key": "b", "name": "甲", "best_of": ["theory"]})),
    lambda d: d.update(stages=[]),
    lambda d: d.update(scheme=2),
    lambda d: d.update(tiebreak=[]),
    lambda d: d.update(tie_break=["nothing"]),
    lambda d: d.update(tie_break=["practical", "practical"]),
    lambda d: d.update(round_at=["never"]),
    lambda d: d.update(rounding={"places": 1.5}),
    lambda d: d.update(rounding={"mode": "up"}),
    lambda d: d.update(awards={"tiers": []}),
    lambda d: d.update(awards={"tiers": [{"name": "一等奖"}]}),
    lambda d: d.update(awards={"tiers": [{"name": "一等奖", "share": "1.5"}]}),
    lambda d: d.update(awards={"tiers": [{"name": "一等奖", "share": "0.1", "ties": "share"}]}),
    lambda d: d.update(awards={"tiers": [{"name": "一等奖", "count": 1}, {"name": "一等奖", "count": 1}]}),
    lambda d: d.update(stages="理论"),
    lambda d: d.update(name=""),
]


def broken(change) -> tuple[dict, SchemeError]:
    data = copy.deepcopy(GOOD)
    change(data)
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data)
    return data, caught.value


@pytest.mark.parametrize("change", MISTAKES)
def test_every_mistake_is_said_in_chinese(change):
    data, error = broken(change)
    problem = explain(error, data)
    english = re.sub(r"（[^）]*）|[A-Za-z_]+ ?\([^)]*\)|“[^”]*”|'[^']*'", "", problem.text)
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", english), (str(error), problem.text)
    assert re.search(r"[\u4e00-\u9fff]", problem.problem), str(error)
    assert problem.path == str(error).split(": ")[0]


def test_the_place_is_named_as_the_clerk_sees_it():
    data, error = broken(lambda d: crit(d).update(max=0))
    assert explain(error, data).text == "第2个环节“实际操作”的第1个评分项“接线”的满分：应为大于0的数"
    assert where("awards.tiers[1].cap", GOOD) == "奖项的第2个奖项等级“二等奖”的比例上限"
    assert where("tie_break[1]", GOOD) == "第2条并列排序规则“-time”"
    assert where("stages[5].name", GOOD) == "第6个环节的名称"  # a place that is not there is still named


@pytest.mark.parametrize(("text", "said"), [
    ("scheme: 1\nname: [x", "评分标准不是有效的 YAML"),
    ('{"scheme": 1, "name": }', "评分标准不是有效的 JSON：第1行"),
    ("scheme: 1\nname: a\nname: b\n", "评分标准第3行：“name”在同一处出现了两次"),
])
def test_a_text_that_is_not_a_scheme_is_said_in_chinese(text, said):
    with pytest.raises(SchemeError) as caught:
        load_scheme_text(text)
    assert explain(caught.value).text.startswith(said)
