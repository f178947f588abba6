"""The scheme builder: a clerk sets a round's marking scheme in a form — stages in percent, criteria,
a panel rule from named presets, tie-breaks, award tiers — starting from a template per kind of
trade, sees a sample entry scored by the engine, and gets every mistake in Chinese beside its field.
The expert (YAML) editor gets the same Chinese errors."""
from decimal import Decimal

import pytest

from contest.events import scheme_form
from contest.events import service as events
from contest.scoring import parse_scheme
from tests.builders import make_event
from tests.support import form_values, text_of

PAGE = "/admin/events/cooking-2026/tracks/cook/rounds/1/scheme"


async def builder(client, path: str = PAGE, data: dict | None = None) -> dict:
    """The builder's fields as the page shows them (after posting `data` to `path`, if given)."""
    response = await (client.form(path, data) if data is not None else client.get(path))
    assert response.status_code == 200, response.text
    return form_values(response.text, "scheme-builder")


def error_beside(html: str, field: str) -> bool:
    """The page shows an error right after the field (before the next field)."""
    after = html.split(f'name="{field}"', 1)[1]
    following = after.find(' name="')
    return 0 <= after.find('class="field-error"') < (following if following >= 0 else len(after))


async def round_scheme(session, track) -> dict:
    round_ = (await events.list_rounds(session, track))[0]
    await session.refresh(round_)
    return round_.scheme


@pytest.mark.parametrize("template", list(scheme_form.templates()))
def test_every_template_is_a_valid_scheme_the_form_shows_whole(template):
    scheme = scheme_form.template(template, "电工")
    assert scheme["name"] == "电工评分标准"
    events.check_scheme(scheme)
    form = scheme_form.SchemeForm.from_scheme(scheme)
    assert form is not None
    assert parse_scheme(form.to_scheme()) == parse_scheme(scheme) or template_ties_differ_only(form, scheme)
    assert scheme_form.sample_result(parse_scheme(scheme)).status == "ok"


def template_ties_differ_only(form, scheme) -> bool:
    again = parse_scheme(form.to_scheme())
    return [(t.stage, t.criterion, t.lower_is_better) for t in again.tie_break] == [
        (t.stage, t.criterion, t.lower_is_better) for t in parse_scheme(scheme).tie_break]


async def test_a_new_trade_starts_from_a_template_and_is_saved_from_the_form(organiser, session):
    event, _ = await make_event(session)
    response = await organiser.form(f"/admin/events/{event.slug}/tracks",
                                    {"name": "维修电工", "slug": "electrician", "template": "electrician"})
    assert response.status_code == 303
    page = PAGE.replace("/cook/", "/electrician/")
    fields = await builder(organiser, page)
    assert fields["name"] == "维修电工评分标准"
    assert fields["stage-0-weight"] == "30" and fields["stage-1-rule"] == "trimmed_mean"
    fields |= {"stage-0-weight": "40", "stage-1-weight": "60", "stage-1-crit-0-name": "电路安装与接线"}
    response = await organiser.form(page, fields)
    assert response.status_code == 303 and response.headers["location"] == f"{page}?saved=1"
    assert "评分标准已保存" in (await organiser.get(response.headers["location"])).text
    track = await events.get_track(session, event, "electrician")
    saved = parse_scheme(await round_scheme(session, track))
    assert [(s.name, s.weight) for s in saved.stages] == [("理论知识", Decimal("0.4")), ("实际操作", Decimal("0.6"))]
    assert saved.stages[1].criteria[0].name == "电路安装与接线"
    stages = await events.list_stages(session, (await events.list_rounds(session, track))[0])
    assert [s.weight for s in stages] == [Decimal("0.4"), Decimal("0.6")]


async def test_a_required_opinion_and_a_confirmed_measurement_are_set_in_the_form(organiser, session):
    """Issue 23's two scheme words are the clerk's too: a stage whose judges must write an opinion,
    and a time measured at the station that the contestant confirms. A confirmation ticked on a
    criterion that is not a measurement is not written (the engine would refuse it)."""
    event, _ = await make_event(session)
    await organiser.form(f"/admin/events/{event.slug}/tracks",
                         {"name": "维修电工", "slug": "electrician", "template": "electrician"})
    page = PAGE.replace("/cook/", "/electrician/")
    fields = await builder(organiser, page)
    assert fields["stage-1-opinion"] == "optional" and "stage-1-crit-4-confirm" not in fields
    fields |= {"stage-1-opinion": "required", "stage-1-crit-4-confirm": "1", "stage-1-crit-0-confirm": "1"}
    response = await organiser.form(page, fields)
    assert response.status_code == 303, response.text
    saved = parse_scheme(await round_scheme(session, await events.get_track(session, event, "electrician")))
    practical = saved.stages[1]
    assert practical.opinion_required and saved.stages[0].opinion == "optional"
    assert [c.key for c in practical.criteria if c.confirm] == ["time"]
    again = await builder(organiser, page)
    assert again["stage-1-opinion"] == "required" and again["stage-1-crit-4-confirm"] == "1"
    assert "stage-1-crit-0-confirm" not in again


async def test_rows_are_added_and_removed_without_saving(organiser, session):
    _, track = await make_event(session, track_slug="cook")
    before = await round_scheme(session, track)
    fields = await builder(organiser)
    fields = await builder(organiser, f"{PAGE}/form", fields | {"op": "add-criterion:1"})
    assert fields["stage-1-crit-4-key"] == "c1" and fields["stage-1-crit-4-name"] == ""
    fields = await builder(organiser, f"{PAGE}/form", fields | {"op": "add-stage"})
    assert fields["stage-2-key"] == "stage1"
    fields = await builder(organiser, f"{PAGE}/form", fields | {"op": "remove-stage:2"})
    assert "stage-2-key" not in fields
    fields = await builder(organiser, f"{PAGE}/form", fields | {"op": "remove-criterion:1:0"})
    assert fields["stage-1-crit-0-key"] == "skill"
    fields = await builder(organiser, f"{PAGE}/form", fields | {"op": "add-tier"})
    assert fields["tier-3-size"] == "share"
    assert await round_scheme(session, track) == before
    response = await organiser.form(f"{PAGE}/form", fields | {"op": "jump"})
    assert response.status_code == 400 and "无法识别的操作" in response.text


@pytest.mark.parametrize(("change", "field", "said"), [
    ({"stage-1-weight": "80"}, None, "各环节权重合计应为100%，现为110%"),
    ({"stage-1-crit-2-max": "0"}, "stage-1-crit-2-max",
     "第2个环节“实际操作”的第3个评分项“成品质量”的满分：应为大于0的数"),
    ({"stage-1-crit-0-step": "半分"}, "stage-1-crit-0-step", "评分步长：应为大于0的数"),
    ({"stage-0-name": ""}, "stage-0-name", "第1个环节的名称：不能为空"),
    ({"name": ""}, "name", "名称：不能为空"),
    ({"tier-0-value": "120"}, "tier-0-value", "第1个奖项等级“一等奖”的比例：不能超过1（即100%）"),
    ({"stage-1-min_judges": "0"}, "stage-1-min_judges", "最少裁判人数：应为不小于1的整数"),
])
async def test_a_mistake_is_said_in_chinese_beside_its_field_and_nothing_is_saved(organiser, session, change, field,
                                                                                said):
    _, track = await make_event(session, track_slug="cook")
    before = await round_scheme(session, track)
    fields = await builder(organiser)
    response = await organiser.form(PAGE, fields | change)
    assert response.status_code == 400
    assert said in text_of(response.text)
    if field:
        assert error_beside(response.text, field)
    assert await round_scheme(session, track) == before
    preview = await organiser.form(f"{PAGE}/preview", fields | change)
    assert preview.status_code == 200 and "暂时无法计算" in preview.text


async def test_the_preview_scores_a_sample_entry_through_the_engine(organiser, session):
    await make_event(session, track_slug="cook")
    fields = await builder(organiser)
    preview = await organiser.form(f"{PAGE}/preview", fields)
    text = text_of(preview.text)
    expected = scheme_form.sample_result(parse_scheme(scheme_form.SchemeForm.from_scheme(
        events.default_scheme("中式烹调师")).to_scheme()))
    assert f"总分 {format(expected.total.normalize(), 'f')}" in text
    assert "去掉最高分" in text and "去掉最低分" in text and "× 权重 70%" in text
    assert 'id="tie-breaks" hx-swap-oob="true"' in preview.text  # the tie-break choices follow the rows


async def test_worldskills_preset_marks_on_a_three_point_scale(organiser, session):
    _, track = await make_event(session, track_slug="cook")
    fields = await builder(organiser)
    response = await organiser.form(PAGE, fields | {"stage-1-rule": "worldskills"})
    assert response.status_code == 303
    practical = parse_scheme(await round_scheme(session, track)).stages[1]
    assert practical.aggregate == "mean" and practical.spread == 1 and practical.spread_blocks_signoff
    assert [(c.kind, c.scale) for c in practical.criteria] == [
        ("judgement", 3), ("judgement", 3), ("judgement", 3), ("deduction", None)]
    assert (await builder(organiser))["stage-1-rule"] == "worldskills"


async def test_the_expert_editor_gets_the_same_chinese_errors(organiser, session):
    _, track = await make_event(session, track_slug="cook")
    before = await round_scheme(session, track)
    text = scheme_form.write_text(before).replace("kind: deduction", "kind: opinion")
    response = await organiser.form(PAGE, {"yaml": text})
    assert response.status_code == 400
    assert "第2个环节“实际操作”的第4个评分项“安全规范”的类型：应为以下之一：评价（judgement）" in text_of(response.text)
    response = await organiser.form(PAGE, {"yaml": "scheme: 1\nname: [x"})
    assert response.status_code == 400 and "不是有效的 YAML" in text_of(response.text)
    assert await round_scheme(session, track) == before
    response = await organiser.form(PAGE, {"yaml": text.replace("kind: opinion", "kind: deduction")
                                                       .replace("name: 安全规范", "name: 安全文明")})
    assert response.status_code == 303
    assert "安全文明" in str(await round_scheme(session, track))


async def test_a_scheme_the_form_cannot_show_is_left_to_the_expert_editor(organiser, session):
    _, track = await make_event(session, track_slug="cook")
    round_ = (await events.list_rounds(session, track))[0]
    scheme = {**round_.scheme, "floor": 0}
    await events.set_scheme(session, round_, scheme)
    page = await organiser.get(PAGE)
    assert "表单中没有的设置" in page.text and 'id="scheme-builder"' not in page.text
    assert "floor: 0" in page.text
