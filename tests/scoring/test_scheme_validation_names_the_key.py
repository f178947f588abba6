"""A bad marking scheme is refused with a message that starts with the key path at fault."""
from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.scoring import SchemeError, ScoringError, load_scheme_text, parse_scheme, scheme_to_dict

GOOD = {
    "scheme": 1,
    "name": "2026年咸宁市职工烹饪技能大赛",
    "rounding": {"places": 2, "mode": "half_up"},
    "round_at": ["criterion", "factored", "stage", "weighted", "total"],
    "stages": [
        {"key": "theory", "name": "理论知识", "weight": "0.3",
         "criteria": [{"key": "exam", "name": "理论考试", "max": 100, "kind": "measurement"}]},
        {"key": "practical", "name": "实际操作", "weight": "0.7",
         "panel": {"aggregate": "trimmed_mean", "trim": 1, "min_judges": 3},
         "criteria": [
             {"key": "knife", "name": "刀工", "max": 40, "kind": "judgement", "step": "0.5"},
             {"key": "taste", "name": "口味", "max": 30, "kind": "judgement", "scale": 3,
              "levels": ["0 不合格", "1 一般", "2 良好", "3 优秀"]},
             {"key": "hygiene", "name": "卫生", "max": 10, "kind": "deduction", "aggregate": "median"},
             {"key": "time", "name": "用时", "max": 120, "kind": "measurement", "counts": False, "min_judges": 1},
         ]},
    ],
    "tie_break": ["practical", "-time"],
    "awards": {"tiers": [{"name": "一等奖", "share": "0.1"}, {"name": "二等奖", "count": 3},
                         {"name": "优胜奖", "min_total": "60"}], "min_total": 50},
}


def broken(change) -> dict:
    data = copy.deepcopy(GOOD)
    change(data)
    return data


def crit(data, stage=1, index=0) -> dict:
    return data["stages"][stage]["criteria"][index]


CASES = [
    (lambda d: crit(d).update(max=0), "stages[1].criteria[0].max: must be a positive number"),
    (lambda d: crit(d).update(max="ten"), "stages[1].criteria[0].max: must be a positive number"),
    (lambda d: crit(d).update(factor=-1), "stages[1].criteria[0].factor: must be a positive number"),
    (lambda d: d["stages"][0].update(weight=0), "stages[0].weight: must be a positive number"),
    (lambda d: crit(d).update(maxx=10), "stages[1].criteria[0].maxx: unknown key"),
    (lambda d: d.update(tiebreak=[]), "tiebreak: unknown key"),
    (lambda d: d["stages"][1]["panel"].update(agregate="mean"), "stages[1].panel.agregate: unknown key"),
    (lambda d: crit(d).pop("max"), "stages[1].criteria[0].max: is required"),
    (lambda d: crit(d).update(kind="opinion"), "stages[1].criteria[0].kind: must be one of"),
    (lambda d: crit(d, index=1).update(key="knife"), "stages[1].criteria[1].key: duplicate 'knife'"),
    (lambda d: d["stages"][1].update(key="theory"), "stages[1].key: duplicate 'theory'"),
    (lambda d: crit(d).update(key="kni fe"), "stages[1].criteria[0].key: must be a key"),
    (lambda d: d.update(scheme=2), "scheme: format version must be 1"),
    (lambda d: d.pop("scheme"), "scheme: is required"),
    (lambda d: d.update(stages=[]), "stages: needs at least one stage"),
    (lambda d: d.update(rounding={"mode": "up"}), "rounding.mode: must be one of half_up, half_even, down"),
    (lambda d: d.update(rounding={"mode": ["half_up"]}), "rounding.mode: must be one of"),
    (lambda d: d.update(rounding={"places": -1}), "rounding.places: must be a whole number of at least 0"),
    (lambda d: d.update(round_at=["criterion", "judge"]), "round_at[1]: must be one of"),
    (lambda d: d.update(round_at=["total", "total"]), "round_at[1]: duplicate 'total'"),
    (lambda d: d.update(tie_break=["practical", "-speed"]),
     "tie_break[1]: 'speed' is neither a stage key nor a criterion key"),
    (lambda d: d["stages"][1]["panel"].update(trim=-1), "stages[1].panel.trim: must be a whole number of at least 0"),
    (lambda d: crit(d).update(min_judges=0), "stages[1].criteria[0].min_judges: must be a whole number of at least 1"),
    (lambda d: crit(d, index=2).update(scale=3), "stages[1].criteria[2].scale: only judgement criteria"),
    (lambda d: crit(d).update(step=0), "stages[1].criteria[0].step: must be a positive number"),
    (lambda d: crit(d).update(counts="no"), "stages[1].criteria[0].counts: must be true or false"),
    (lambda d: crit(d).update(levels="good"), "stages[1].criteria[0].levels: must be a list or a mapping"),
    (lambda d: d["stages"][0]["criteria"][0].update(counts=False),
     "stages[0].criteria: needs at least one criterion that counts"),
    (lambda d: d["awards"]["tiers"][0].update(count=2),
     "awards.tiers[0]: needs exactly one of share, count, min_total or cap"),
    (lambda d: d["awards"]["tiers"][0].update(share="1.5"), "awards.tiers[0].share: must be at most 1"),
    (lambda d: d["awards"]["tiers"][1].update(name="一等奖"), "awards.tiers[1].name: duplicate '一等奖'"),
    (lambda d: d["stages"][1]["panel"].update(over="judge"),
     "stages[1].panel.over: must be one of criterion, judge_total"),
    (lambda d: d["stages"][1].update(criteria="knife"), "stages[1].criteria: must be a list"),
    (lambda d: d["stages"][1]["criteria"].__setitem__(0, 5), "stages[1].criteria[0]: must be a mapping"),
]


@pytest.mark.parametrize(("change", "message"), CASES)
def test_the_message_names_the_key_path(change, message):
    with pytest.raises(SchemeError) as caught:
        parse_scheme(broken(change))
    assert str(caught.value).startswith(message)


def test_scheme_errors_are_scoring_errors_and_value_errors():
    assert issubclass(SchemeError, ScoringError)
    assert issubclass(SchemeError, ValueError)


def test_a_judge_total_stage_refuses_criterion_panel_overrides():
    data = broken(lambda d: d["stages"][1]["panel"].update(over="judge_total"))
    with pytest.raises(SchemeError, match=r"^stages\[1\]\.criteria\[2\]\.aggregate: not used"):
        parse_scheme(data)


def test_an_ambiguous_criterion_key_needs_the_stage():
    data = broken(lambda d: d["stages"][0]["criteria"].append(
        {"key": "time", "name": "用时", "max": 60, "kind": "measurement", "counts": False}))
    with pytest.raises(SchemeError, match=r"'time' is ambiguous; write one of 'theory\.time', 'practical\.time'"):
        parse_scheme(data)
    data["tie_break"] = ["practical", "-practical.time"]
    tie_break = parse_scheme(data).tie_break[1]
    assert (tie_break.stage, tie_break.criterion, tie_break.lower_is_better) == ("practical", "time", True)


def test_a_bare_key_shared_by_a_stage_and_a_criterion_names_the_stage():
    data = broken(lambda d: crit(d, stage=0, index=0).update(key="theory"))
    data["tie_break"] = ["theory", "theory.theory"]
    stage, criterion = parse_scheme(data).tie_break
    assert (stage.stage, stage.criterion) == ("theory", None)
    assert (criterion.stage, criterion.criterion) == ("theory", "theory")


@pytest.mark.parametrize("number", ["0.7", '"0.7"'])
def test_numbers_may_be_given_as_text_or_as_numbers_and_keep_their_decimal_value(number):
    # A YAML/JSON number 0.7 decodes to a float; it is read through str(), giving 0.7, not 0.6999…
    text = ('{"scheme": 1, "name": "n", "stages": [{"key": "s", "name": "S", "weight": NUMBER, "criteria": '
            '[{"key": "a", "name": "A", "max": 10, "kind": "judgement", "step": NUMBER}]}]}').replace("NUMBER", number)
    for scheme in (load_scheme_text(text), load_scheme_text(yaml.safe_dump(json.loads(text)))):
        assert str(scheme.stages[0].weight) == str(scheme.stages[0].criteria[0].step) == "0.7"


def test_criteria_inherit_the_stage_panel_unless_they_override_it():
    practical = parse_scheme(GOOD).stages[1]
    knife, _, hygiene, time = practical.criteria
    assert (knife.aggregate, knife.trim, knife.min_judges) == ("trimmed_mean", 1, 3)
    assert hygiene.aggregate == "median"
    assert time.min_judges == 1


def test_defaults():
    scheme = load_scheme_text("""
scheme: 1
name: 最小
stages:
  - key: s
    name: 实操
    criteria:
      - {key: a, name: A, max: 10, kind: judgement}
""")
    stage, criterion = scheme.stages[0], scheme.stages[0].criteria[0]
    assert (scheme.rounding.places, scheme.rounding.mode) == (2, "half_up")
    assert scheme.round_at == ("criterion", "factored", "stage", "weighted", "total")
    assert (stage.weight, stage.aggregate, stage.trim, stage.min_judges, stage.over) == (1, "mean", 1, 1, "criterion")
    assert (criterion.factor, criterion.counts, criterion.scale, criterion.step) == (1, True, None, None)


def test_yaml_and_json_give_the_same_scheme_and_it_round_trips():
    from_json = load_scheme_text(json.dumps(GOOD, ensure_ascii=False))
    from_yaml = load_scheme_text(yaml.safe_dump(GOOD, allow_unicode=True))
    assert from_json == from_yaml == parse_scheme(GOOD)
    data = scheme_to_dict(from_yaml)
    assert parse_scheme(data) == from_yaml
    assert load_scheme_text(json.dumps(data)) == from_yaml
    assert load_scheme_text(yaml.safe_dump(data)) == from_yaml
    assert data["stages"][1]["criteria"][1]["levels"] == ["0 不合格", "1 一般", "2 良好", "3 优秀"]


def test_level_descriptors_are_kept_as_given():
    levels = {0: "未完成", 1: "基本完成", 2: "较好完成", 3: "完美完成"}
    scheme = parse_scheme(broken(lambda d: crit(d, index=1).update(levels=levels)))
    assert scheme.stages[1].criteria[1].levels == levels
    assert parse_scheme(scheme_to_dict(scheme)) == scheme


@pytest.mark.parametrize(("text", "message"), [
    ("scheme: 1\nname: a\nname: b\nstages: []\n", "scheme is not valid YAML: line 3: key 'name' appears twice"),
    ('{"scheme": 1, "name": "a", "name": "b"}', "key 'name' appears twice"),
    ("scheme: 1\nname: [unclosed\n", "scheme is not valid YAML: line 3 column 1"),
    ('{"scheme": 1,}', "scheme is not valid JSON: line 1 column 14"),
    ("- just\n- a list\n", "scheme: must be a mapping"),
])
def test_text_that_is_not_a_scheme_is_refused_precisely(text, message):
    with pytest.raises(SchemeError) as caught:
        load_scheme_text(text)
    assert message in str(caught.value)


def paths(value, prefix=()):
    """Every place in a decoded scheme where a value could be replaced."""
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from paths(child, (*prefix, key))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 200) | st.text(max_size=8)
    | st.decimals(allow_nan=True, allow_infinity=True).map(str),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


@settings(deadline=None)  # timing belongs to the benchmark, not to slow shared test machines
@given(st.sampled_from(list(paths(GOOD))[1:]), JSON_VALUES)
def test_any_replaced_value_gives_a_scheme_or_a_scheme_error(path, value):
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        parse_scheme(data)
    except SchemeError:
        pass
