"""After a contest's results are published, its first-prize winners appear as candidates with
their results linked; taking one through the pipeline and naming them moves the tracker by one
in the right year, tier, county and industry."""
from datetime import timedelta

from sqlmodel import select

from contest import clock
from contest.auth import create_account
from contest.events.models import Entry
from contest.people.models import Area, Industry, Person, Unit
from contest.registry import service as registry
from contest.registry.models import Candidate, CandidateStep, Objection
from tests.builders import on_day, signed_off_contest


async def publish(client, session, contest):
    await create_account(session, "clerk", "竞赛办", "organiser", "correct-horse")
    await client.login()
    await signed_off_contest(session, contest)
    await client.form("/admin/events/cook/publication/notice", {"starts_on": str(clock.today()),
                                                                "ends_on": str(clock.today() + timedelta(days=6))})


async def test_first_prize_to_named_craftsman(client, contest, session, monkeypatch):
    industry = Industry(name="餐饮服务")
    session.add(industry)
    await session.flush()
    await session.exec(Unit.__table__.update().values(industry_id=industry.id))
    await session.commit()
    await publish(client, session, contest)
    before = await registry.tracker(session)

    assert (await client.form("/admin/registry/sync")).status_code == 303
    candidates = (await session.exec(select(Candidate))).all()
    board = (await client.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()
    winners = [r for r in board["rows"] if r["award"] == "一等奖"]
    assert len(candidates) == len(winners) >= 1
    candidate = candidates[0]
    entry = await session.get(Entry, candidate.entry_id)
    assert candidate.road == "contest" and entry.person_id == candidate.person_id
    assert (await client.form("/admin/registry/sync")).status_code == 303  # a second sync adds nobody
    assert len((await session.exec(select(Candidate))).all()) == len(candidates)

    base = f"/admin/registry/candidates/{candidate.id}"
    empty = await client.form(f"{base}/eligibility", {"confirmed": "ineligible"})
    assert empty.status_code == 409 and "档案未填写完整（工种、本岗位工作年限）" in empty.text
    assert (await client.form(f"{base}/profile", {"trade": "中式烹调师", "years_in_post": "12"})).status_code == 303
    page = await client.get(base)
    assert "审查结论为：<strong id=\"outcome\">资格审查通过</strong>" in page.text
    assert (await client.form(f"{base}/eligibility", {"confirmed": "eligible"})).status_code == 303
    step = (await session.exec(select(CandidateStep).order_by(CandidateStep.id.desc()))).first()
    assert step.to_state == "eligible", step.note
    await session.refresh(candidate)
    for reviewer in ("专家甲", "专家乙", "专家丙"):
        marks = {"lead": "16", "practice": "18", "innovate": "15", "tackle": "17", "pass_on": "16"}
        await registry.record_review(session, candidate, reviewer, marks, "技艺精湛，带徒成效显著")
    assert (await client.form(f"{base}/finish-review")).status_code == 303
    today = clock.today()
    year = today.year
    notice = {"year": str(year), "seq": "2", "candidate_ids": str(candidate.id)}
    past = await client.form("/admin/registry/notice", {**notice, "starts_on": str(today - timedelta(days=10)),
                                                        "ends_on": str(today - timedelta(days=3))})
    assert past.status_code == 400 and "已经过去" in past.text
    opened = await client.form("/admin/registry/notice", {**notice, "starts_on": str(today),
                                                          "ends_on": str(today + timedelta(days=6))})
    assert opened.status_code == 200 and f"{year}年度第二批" in opened.text and "一线职工 1 人" in opened.text
    batch_id = (await session.exec(select(Candidate.batch_id).where(Candidate.id == candidate.id))).one()
    objections = f"/registry/notices/{batch_id}/objections"
    anonymous = await client.form(objections, {"candidate_id": str(candidate.id), "content": "匿名举报"})
    assert anonymous.status_code == 400 and "真实姓名" in anonymous.text and "匿名举报" in anonymous.text
    lodged = await client.form(objections, {"candidate_id": str(candidate.id), "by_name": "李群众",
                                            "phone": "13912345678", "content": "该同志获奖作品系他人代做"})
    assert lodged.status_code == 303 and lodged.headers["location"].startswith("/registry/objections/")
    early = await client.form(f"/admin/registry/batches/{batch_id}/name", {"confirm": "1"})
    assert early.status_code == 409 and "公示期满后" in early.text
    on_day(monkeypatch, today + timedelta(days=7))
    unanswered = await client.form(f"/admin/registry/batches/{batch_id}/name", {"confirm": "1"})
    assert unanswered.status_code == 409 and "还有1件异议未处理" in unanswered.text
    objection = (await session.exec(select(Objection))).one()
    assert (await client.form(f"/admin/registry/objections/{objection.id}", {
        "outcome": "dismissed", "resolution": "经核实，作品为本人现场完成，有监考记录"})).status_code == 303
    assert (await client.form(f"/admin/registry/batches/{batch_id}/name", {"confirm": "1"})).status_code == 303

    await session.refresh(candidate)
    assert candidate.state == "named" and candidate.named_year == year
    steps = [s.to_state for s in (await session.exec(select(CandidateStep).where(
        CandidateStep.candidate_id == candidate.id).order_by(CandidateStep.id))).all()]
    assert steps == ["candidate", "eligible", "reviewed", "under_notice", "named"]
    after = await registry.tracker(session)
    person = await session.get(Person, candidate.person_id)
    area = (await session.get(Area, person.area_id)).name
    assert after.total == before.total + 1
    assert after.by_year[year] == before.by_year.get(year, 0) + 1
    assert after.by_tier["city"] == before.by_tier.get("city", 0) + 1
    assert after.by_area[area] == before.by_area.get(area, 0) + 1
    assert after.by_industry["餐饮服务"] == before.by_industry.get("餐饮服务", 0) + 1
    profile = await client.get(f"/registry/people/{person.id}")
    assert profile.status_code == 200 and "一等奖" in profile.text and contest.event.name in profile.text


async def test_ineligible_candidate_is_stopped_with_the_reason_and_can_be_rechecked(client, contest, session):
    await publish(client, session, contest)
    await client.form("/admin/registry/sync")
    candidate = (await session.exec(select(Candidate))).first()
    base = f"/admin/registry/candidates/{candidate.id}"
    await client.form(f"{base}/profile", {"trade": "中式烹调师", "years_in_post": "3"})
    stale = await client.form(f"{base}/eligibility", {"confirmed": "eligible"})
    assert stale.status_code == 409 and "重新确认" in stale.text
    assert (await client.form(f"{base}/eligibility", {"confirmed": "ineligible"})).status_code == 303
    await session.refresh(candidate)
    assert candidate.state == "ineligible"
    step = (await session.exec(select(CandidateStep).where(CandidateStep.to_state == "ineligible"))).one()
    assert "本岗位工作年限3年，不足5年" in step.note
    late = await client.form(f"{base}/finish-review")
    assert late.status_code == 409 and "如认为审查有误，请填写理由进行复核" in late.text
    assert (await client.form(f"{base}/recheck", {"reason": ""})).status_code == 400
    assert (await client.form(f"{base}/recheck", {"reason": "单位补交了劳动合同，实际工作12年"})).status_code == 303
    await client.form(f"{base}/profile", {"trade": "中式烹调师", "years_in_post": "12"})
    assert (await client.form(f"{base}/eligibility", {"confirmed": "eligible"})).status_code == 303
    await session.refresh(candidate)
    steps = [s.to_state for s in (await session.exec(select(CandidateStep).where(
        CandidateStep.candidate_id == candidate.id).order_by(CandidateStep.id))).all()]
    assert steps == ["candidate", "ineligible", "candidate", "eligible"]
