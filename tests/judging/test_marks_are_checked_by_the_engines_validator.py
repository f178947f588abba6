"""Judges' sheets, the engine and registry reviews check marks with the scoring engine's one
validator: a refusal names the entry (by blind code), the criterion and the judge in Chinese and
writes nothing. A measurement two judges record differently is refused; a spread the scheme does
not allow blocks the chief judge's sign-off where the scheme says so."""
import copy

import pytest
from sqlmodel import select

from contest.errors import Conflict, InputError
from contest.events import service as events
from contest.events.models import Round
from contest.judging import service as judging
from contest.judging.models import Mark, Sheet
from contest.people.models import Person
from contest.registry import service as registry
from contest.registry.models import ReviewMark
from tests.builders import FULL, put_sheet, recheck, score_everything, submit
from tests.builders import sign_in_judge as sign_in


async def test_a_refused_mark_names_entry_criterion_and_judge(client, contest, session):
    await sign_in(client, contest, "J02")
    entry = contest.entries[0]
    for mark, problem in (("8.12345", "8.12345 最多保留4位小数"), ("-1", "-1 不能为负数（范围 0–10）")):
        refused = await put_sheet(client, contest, entry, {**FULL, "prep": mark}, 0, submit=True)
        assert refused.status_code == 400
        body = refused.json()
        assert (body["error"], body["field"]) == (f"选手 {entry.blind_code}、裁判 J02，准备与卫生：{problem}", "prep")
    assert (await session.exec(select(Sheet))).all() == []


async def with_scheme(session, contest, change) -> None:
    round_ = await session.get(Round, contest.practical.round_id)
    scheme = copy.deepcopy(round_.scheme)
    change(next(s for s in scheme["stages"] if s["key"] == "practical"))
    await events.set_scheme(session, round_, scheme)


async def test_two_judges_measuring_differently_is_refused_and_writes_nothing(client, contest, session):
    await with_scheme(session, contest, lambda practical: practical["criteria"].append(
        {"key": "time", "name": "用时", "max": 120, "kind": "measurement", "counts": False}))
    entry = contest.entries[0]
    await submit(session, contest, contest.judges[1], contest.practical, entry, {**FULL, "time": "95"})
    await sign_in(client, contest, "J03")
    refused = await put_sheet(client, contest, entry, {**FULL, "time": "97"}, 0, submit=True)
    assert refused.status_code == 409
    assert refused.json()["error"] == (f"选手 {entry.blind_code}，用时：裁判 J02 记录为 95，裁判 J03 记录为 97；"
                                       "测量项只能有一个数值，请核对")
    sheets = (await session.exec(select(Sheet).where(Sheet.judge_id == contest.judges[2].id))).all()
    assert sheets == []
    agreed = await put_sheet(client, contest, entry, {**FULL, "time": "95"}, 0, submit=True)
    assert agreed.status_code == 200  # the same time twice is one time
    assert len((await session.exec(select(Mark).where(Mark.criterion == "time"))).all()) == 2


@pytest.mark.parametrize("blocks", [True, False])
async def test_a_spread_beyond_the_scheme_blocks_sign_off_where_it_says_so(client, contest, session, blocks):
    await with_scheme(session, contest, lambda practical: practical["panel"].update(
        spread="1", spread_blocks_signoff=blocks))
    await score_everything(session, contest)  # skill marks 30, 31, 32 on the same entry: 2 apart
    chief = contest.judges[0]
    a = await judging.assignment(session, chief, contest.practical.id)
    await sign_in(client, contest, "J01")
    console = await client.get(f"/chief/stages/{contest.practical.id}/")
    assert "操作技能：" in console.text and "超过评分标准允许的 1" in console.text
    if blocks:
        assert "须退回修改后才能签字确认" in console.text and "<button disabled>签字确认本环节" in console.text
        with pytest.raises(Conflict, match="处评分相差超过评分标准允许的范围"):
            await judging.sign_off(session, chief, a)
    else:
        assert "须退回修改后才能签字确认" not in console.text
        await recheck(session, contest, contest.practical)  # sign-off waits for the re-check too
        assert (await judging.sign_off(session, chief, a)).stage_id == contest.practical.id


async def test_a_review_mark_off_the_step_names_candidate_competency_and_expert(session):
    person = Person(name="李秀英")
    session.add(person)
    await session.commit()
    candidate = await registry.nominate(session, person.id, "city", "contest", "竞赛办")
    candidate.state = "eligible"
    session.add(candidate)
    await session.commit()
    marks = {"lead": "13.3", "practice": "18", "innovate": "15", "tackle": "17", "pass_on": "16"}
    with pytest.raises(InputError) as refused:
        await registry.record_review(session, candidate, "专家甲", marks, "技艺精湛，带徒成效显著")
    assert (refused.value.message, refused.value.field) == (
        "候选人 李秀英、评审专家 专家甲，引领：13.3 应为 0.5 的整数倍", "lead")
    assert (await session.exec(select(ReviewMark))).all() == []
