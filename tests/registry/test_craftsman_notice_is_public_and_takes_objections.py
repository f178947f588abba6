"""The 香城工匠 notice (公示): opened only for a period still ahead and long enough, public from its
first day with only what may be shown, taking objections from anyone under a name and a mobile
number (kept masked and hashed, never shown publicly, never stored in full) while it runs."""
import re
from datetime import date, timedelta

import asyncpg
from sqlmodel import select

from contest.ledger import LedgerEntry
from contest.registry import service as registry
from contest.registry.models import Objection
from tests.builders import OFFICE, on_day, reviewed, under_notice, worker
from tests.support import libpq, text_of

TODAY = date(2026, 6, 15)
NUMBER = "13912345678"


async def test_a_notice_opens_only_for_a_period_ahead_and_once(organiser, session, monkeypatch):
    on_day(monkeypatch, TODAY)
    candidate = await reviewed(session)
    form = {"year": "2026", "seq": "1", "candidate_ids": str(candidate.id)}
    for starts, ends, message in (
            (TODAY - timedelta(days=9), TODAY - timedelta(days=2), "公示开始日期2026-06-06已经过去"),  # wholly past
            (TODAY - timedelta(days=1), TODAY + timedelta(days=6), "公示开始日期2026-06-14已经过去"),  # partly past
            (TODAY, TODAY + timedelta(days=3), "公示期不少于5天（2026-06-15至2026-06-18只有4天）"),
            (TODAY + timedelta(days=5), TODAY + timedelta(days=1), "公示期不少于5天")):
        refused = await organiser.form("/admin/registry/notice", {**form, "starts_on": str(starts),
                                                                 "ends_on": str(ends)})
        assert refused.status_code == 400 and message in text_of(refused.text), (starts, ends)
    await session.refresh(candidate)
    assert candidate.state == "reviewed" and candidate.batch_id is None
    old = await organiser.form("/admin/registry/notice", {**form, "year": "2024", "starts_on": str(TODAY),
                                                          "ends_on": str(TODAY + timedelta(days=6))})
    assert old.status_code == 400 and "批次年度应为2025–2027年" in text_of(old.text)

    opened = await organiser.form("/admin/registry/notice", {**form, "starts_on": str(TODAY),
                                                             "ends_on": str(TODAY + timedelta(days=4))})
    assert opened.status_code == 200
    other = await reviewed(session, await worker(session, "李秀英", n=1, gender="女"))
    again = await organiser.form("/admin/registry/notice", {**form, "candidate_ids": str(other.id),
                                                            "starts_on": str(TODAY + timedelta(days=1)),
                                                            "ends_on": str(TODAY + timedelta(days=9))})
    assert again.status_code == 409 and "2026年度第一批已于2026-06-15开始公示，不能再加入候选人" in again.text


async def test_the_notice_is_public_from_its_first_day_and_shows_no_private_number(client, session, monkeypatch):
    on_day(monkeypatch, TODAY)
    candidate = await reviewed(session)
    batch = await under_notice(session, [candidate], TODAY + timedelta(days=2))
    assert (await client.get(f"/registry/notices/{batch.id}")).status_code == 404
    assert batch.name not in (await client.get("/registry/notices")).text

    on_day(monkeypatch, TODAY + timedelta(days=2))
    page = await client.get(f"/registry/notices/{batch.id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "2026年度第一批“香城工匠”拟命名人选公示" in text and "公示中" in text
    assert "张建华" in text and "咸宁机械制造有限公司" in text and "数控车工" in text and "香城工匠" in text
    assert "*" not in text and not re.search(r"\d{11}", text)  # no ID number or phone, not even masked
    assert candidate.review_total not in text  # the experts' marks are the office's
    assert batch.name in (await client.get("/registry/notices")).text
    assert (await client.get("/registry/notices/999999")).status_code == 404


async def test_the_public_objects_under_name_and_number_kept_masked(client, session, pg_url, monkeypatch):
    on_day(monkeypatch, TODAY)
    candidate = await reviewed(session)
    batch = await under_notice(session, [candidate], TODAY)
    url = f"/registry/notices/{batch.id}/objections"
    good = {"candidate_id": str(candidate.id), "by_name": "李群众", "phone": NUMBER,
            "content": "该同志的创新成果系班组集体完成"}
    for missing, message in (("by_name", "请填写您的真实姓名"), ("phone", "请填写您的手机号"),
                             ("content", "请填写异议内容"), ("candidate_id", "请选择要提出异议的公示对象")):
        refused = await client.form(url, {**good, missing: ""})
        assert refused.status_code == 400 and message in refused.text, missing
        assert good["content"] in refused.text or missing == "content"  # what was typed comes back
    assert (await client.form(url, {**good, "phone": "1391234567"})).status_code == 400
    assert (await session.exec(select(Objection))).all() == []

    lodged = await client.form(url, good)
    assert lodged.status_code == 303
    twice = await client.form(url, good)  # a reload or a double tap: the same objection
    assert twice.headers["location"] == lodged.headers["location"]
    objection = (await session.exec(select(Objection))).one()
    assert (objection.contact_masked, objection.channel, objection.by_name) == ("139****5678", "public", "李群众")
    conn = await asyncpg.connect(libpq(pg_url))
    try:
        dump = await conn.fetchval("select string_agg(t::text, ' ') from objection t")
        ledgered = await conn.fetchval("select string_agg(t::text, ' ') from ledger_entry t")
    finally:
        await conn.close()
    assert NUMBER not in dump and NUMBER not in ledgered and "李群众" not in (await client.get(
        f"/registry/notices/{batch.id}")).text
    entry = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "registry.object"))).one()
    assert entry.subject == f"candidate:{candidate.id}" and entry.payload["receipt"] == objection.receipt

    receipt = await client.get(lodged.headers["location"])
    assert "异议已受理" in receipt.text and good["content"] in receipt.text and "李群众" not in receipt.text
    await registry.resolve_objection(session, objection.id, "dismissed", "经核实，成果为本人完成", OFFICE)
    receipt = await client.get(f"/registry/objections/{objection.receipt.lower()}")
    assert "异议不成立" in receipt.text and "经核实，成果为本人完成" in receipt.text
    assert (await client.get("/registry/objections/NOSUCHCODE")).status_code == 404

    on_day(monkeypatch, TODAY + timedelta(days=7))
    late = await client.form(url, {**good, "content": "补充一条意见"})
    assert late.status_code == 409 and "公示期（2026-06-15至2026-06-21）已结束" in text_of(late.text)
    assert "公示期已结束，不再受理异议" in text_of((await client.get(f"/registry/notices/{batch.id}")).text)


async def test_an_upheld_objection_means_not_named_and_the_rest_of_the_batch_is(session, monkeypatch):
    on_day(monkeypatch, TODAY)
    first, second = await reviewed(session), await reviewed(session, await worker(session, "李秀英", n=1))
    batch = await under_notice(session, [first, second], TODAY)
    objection = await registry.lodge_objection(session, first, b"key", name="李群众", phone=NUMBER,
                                               content="工作年限不实")
    on_day(monkeypatch, TODAY + timedelta(days=7))
    await registry.resolve_objection(session, objection.id, "upheld", "经核实，本岗位工作年限不足", OFFICE)
    assert await registry.name_batch(session, batch, OFFICE) == 1
    await session.refresh(first)
    await session.refresh(second)
    assert (first.state, second.state) == ("rejected", "named")
    assert first.reason == "异议成立：经核实，本岗位工作年限不足"
