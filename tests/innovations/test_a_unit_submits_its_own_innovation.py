"""A grass-roots union's own account submits an innovation result (issue 18: units take part online):
for its own workers only — a name from another unit is refused without saying who else has it —
under its own name whatever the form says; its account, and nobody else's unit, fetches the
attachment it sent; another unit's page is "not found"."""
from __future__ import annotations

import httpx
from sqlmodel import select

from contest.innovations.models import InnovationResult
from contest.people.models import Person, Unit
from tests.builders import unit_account, worker
from tests.support import Client, statements

PDF = b"%PDF-1.4\n% the improved fixture, described\n%%EOF\n"


async def chair(app, session, username: str, unit_id: int) -> Client:
    await unit_account(session, username, unit_id=unit_id)
    client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    assert (await client.login(username, "correct-horse")).status_code == 303
    return client


async def test_a_unit_submits_for_its_own_people_and_fetches_its_own_attachment(app, session):
    lead = await worker(session, "张建华")
    tea = Unit(name="赤壁青砖茶业有限公司")
    session.add(tea)
    await session.commit()
    session.add(Person(name="王茶香", unit_id=tea.id))
    await session.commit()
    machinery = await chair(app, session, "jixie", lead.unit_id)
    teahouse = await chair(app, session, "qingzhuan", tea.id)

    form = {"title": "数控刀具快换夹具", "kind": "invention", "year": "2026", "submitter": "worker",
            "unit_id": str(tea.id), "description": "换刀时间由十分钟缩短到两分钟"}
    stranger = await machinery.form(f"/unit/{lead.unit_id}/innovations", {**form, "authors": "王茶香"})
    assert stranger.status_code == 400 and "本单位没有登记“王茶香”" in stranger.text
    assert "赤壁青砖茶业" not in stranger.text
    sent = await machinery.form(f"/unit/{lead.unit_id}/innovations", {**form, "authors": "张建华"},
                                files={"files": ("说明.pdf", PDF, "application/pdf")})
    assert sent.status_code == 303, sent.text

    result = (await session.exec(select(InnovationResult))).one()
    assert result.unit_id == lead.unit_id  # its own name, not the unit the form named
    page = (await machinery.get(f"/unit/{lead.unit_id}/innovations")).text
    assert "数控刀具快换夹具" in page and "待评审" in page
    link = page.split('href="/innovations/files/')[1].split('"')[0]
    assert (await machinery.get(f"/innovations/files/{link}")).content == PDF
    assert (await teahouse.get(f"/innovations/files/{link}")).status_code == 404
    assert (await teahouse.get(f"/unit/{lead.unit_id}/innovations")).status_code == 404
    assert "数控刀具快换夹具" not in (await teahouse.get(f"/unit/{tea.id}/innovations")).text


async def test_the_units_page_reads_the_files_of_all_its_results_at_once(app, session):
    lead = await worker(session, "张建华")
    machinery = await chair(app, session, "jixie", lead.unit_id)
    form = {"kind": "invention", "year": "2026", "submitter": "worker", "authors": "张建华", "description": "改进说明"}
    for title, attachment in (("快换夹具", "夹具说明.pdf"), ("冷却液回收", None), ("刀具寿命监测", "监测说明.pdf")):
        files = {"files": (attachment, PDF, "application/pdf")} if attachment else None
        sent = await machinery.form(f"/unit/{lead.unit_id}/innovations", {**form, "title": title}, files=files)
        assert sent.status_code == 303, sent.text
    with statements(app) as sent:
        page = (await machinery.get(f"/unit/{lead.unit_id}/innovations")).text
    assert len([s for s in sent if "innovation_file" in s]) == 1  # not one per result
    starts = sorted((page.index(title), title) for title in ("快换夹具", "冷却液回收", "刀具寿命监测"))
    part = {title: page[at:end] for (at, title), (end, _) in zip(starts, [*starts[1:], (len(page), "")], strict=True)}
    assert "夹具说明.pdf" in part["快换夹具"] and "监测说明.pdf" in part["刀具寿命监测"]  # each file under its own
    assert ".pdf" not in part["冷却液回收"]
