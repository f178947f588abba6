"""Any scheme written in the format as it was before issue 15, with any marks that engine took,
gives the same bytes from the current engine as from the frozen copy of the old one
(reference_engine/): results CSV and JSON, standard scores, judge consistency, and every figure of
the score sheets in its place (issue 21 changed the sheets' words to plain Chinese).

The one difference on purpose is left out of the schemes drawn: a measurement that counts, in a
panel whose min_judges is above 1, made every entry incomplete (the bug issue 15 fixed).
"""
from __future__ import annotations

from decimal import Decimal

import reference_engine as old
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_helpers import every_output, sheet_figures

import contest.scoring as new

STEPS = ("criterion", "factored", "stage", "weighted", "total")
NUMBERS = ("0.3", "0.5", "0.7", "1", "1.5", "2")


@st.composite
def criteria(draw, stage: int, over: str, min_judges: int) -> list[dict]:
    items = []
    for n in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["judgement", "judgement", "deduction", "measurement"][:4 if n else 3]))
        item = {"key": f"c{stage}{n}", "name": f"评分项{n}", "kind": kind,
                "max": draw(st.sampled_from(["3", "5", "10", "20", "100"]))}
        counts = draw(st.booleans()) if n else True
        if kind == "measurement" and (over == "judge_total" or min_judges > 1):
            counts = False  # see the docstring
        if not counts:
            item["counts"] = False
        if kind == "judgement" and draw(st.booleans()):
            item["scale"] = draw(st.sampled_from([3, 5]))
        if draw(st.booleans()):
            item["step"] = draw(st.sampled_from(["0.25", "0.5", "1"]))
        if draw(st.booleans()):
            item["factor"] = draw(st.sampled_from(NUMBERS))
        if over == "criterion" and draw(st.integers(0, 3)) == 0:
            item["aggregate"] = draw(st.sampled_from(["mean", "trimmed_mean", "median", "sum"]))
            item["trim"] = draw(st.integers(0, 2))
        items.append(item)
    return items


@st.composite
def old_schemes(draw) -> dict:
    stages = []
    for i in range(draw(st.integers(1, 3))):
        over = draw(st.sampled_from(["criterion", "criterion", "judge_total"]))
        min_judges = draw(st.integers(1, 3))
        panel = {"aggregate": draw(st.sampled_from(["mean", "trimmed_mean", "median", "sum"])),
                 "trim": draw(st.integers(0, 2)), "min_judges": min_judges, "over": over}
        stages.append({"key": f"s{i}", "name": f"阶段{i}", "weight": draw(st.sampled_from(NUMBERS)), "panel": panel,
                       "criteria": draw(criteria(i, over, min_judges))})
    refs = [s["key"] for s in stages] + [f"{s['key']}.{c['key']}" for s in stages for c in s["criteria"]]
    scheme = {"scheme": 1, "name": "随机", "stages": stages,
              "rounding": {"places": draw(st.integers(0, 3)), "mode": draw(st.sampled_from(["half_up", "half_even",
                                                                                           "down"]))},
              "round_at": draw(st.lists(st.sampled_from(STEPS), unique=True)),
              "tie_break": [draw(st.sampled_from(["", "-"])) + ref
                            for ref in draw(st.lists(st.sampled_from(refs), unique=True, max_size=2))]}
    if draw(st.booleans()):
        tiers = []
        for n in range(draw(st.integers(1, 3))):
            how = draw(st.sampled_from(["share", "count", "min_total"]))
            size = {"share": draw(st.sampled_from(["0.1", "0.2", "0.3", "0.5"])), "count": draw(st.integers(1, 4)),
                    "min_total": draw(st.sampled_from(["5", "20", "60"]))}[how]
            tiers.append({"name": f"奖{n}", how: size})
        scheme["awards"] = {"tiers": tiers}
    return scheme


@st.composite
def cases(draw) -> tuple[dict, str, dict]:
    data = draw(old_schemes())
    scheme = new.parse_scheme(data)
    judges = [f"J{n}" for n in range(1, draw(st.integers(1, 7)) + 1)]
    marks = []
    for e in range(draw(st.integers(1, 10))):
        entry = f"E{e:02d}"
        for stage in scheme.stages:
            for crit in stage.criteria:
                if draw(st.integers(0, 19)) == 0:
                    continue  # no marks at all
                step = crit.step or (Decimal(1) if crit.scale else Decimal("0.5"))
                value = st.integers(0, int(crit.mark_limit / step)).map(lambda n, step=step: n * step)
                if crit.kind == "measurement":
                    marks.append(new.Mark(entry, stage.key, crit.key, "T", draw(value)))
                    continue
                present = [j for j in judges if draw(st.integers(0, 9))]  # now and then a judge is absent
                marks += [new.Mark(entry, stage.key, crit.key, j, draw(value)) for j in present]
    statuses = draw(st.dictionaries(st.sampled_from([f"E{e:02d}" for e in range(12)]),
                                    st.sampled_from(["registered", "checked_in", "withdrawn", "disqualified"]),
                                    max_size=3))
    return data, new.write_marks_csv(marks), statuses


@settings(deadline=None, max_examples=250, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_the_current_engine_gives_the_old_engines_bytes(case):
    data, marks_csv, statuses = case
    got, expected = every_output(new, data, marks_csv, statuses), every_output(old, data, marks_csv, statuses)
    places = data["rounding"]["places"]
    assert sheet_figures(got.pop("explain")) == sheet_figures(expected.pop("explain"), places)
    assert got == expected
