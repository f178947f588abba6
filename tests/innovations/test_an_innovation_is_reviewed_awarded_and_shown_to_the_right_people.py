"""Done when (issue 18, item 4): an innovation result submitted with an attachment through the
office's page, reviewed by three experts through the engine, awarded, found in the public gallery
and on the studio's page; its attachment is served to the organiser, the assigned experts and the
submitting account only — never to the public, an expert not assigned, or another unit's account."""
from __future__ import annotations

import hashlib
import re

import httpx
from sqlalchemy import text
from sqlmodel import select

from contest.auth import Account, create_account
from contest.innovations import service as svc
from contest.innovations.models import InnovationFile, InnovationResult
from contest.ledger import LedgerEntry
from contest.people.models import Unit
from contest.studios.models import Studio
from tests.builders import worker
from tests.support import Client

PDF = b"%PDF-1.4\n% a scanned description of the fixture\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def signed_in(app, session, username: str, role: str, name: str) -> Client:
    await create_account(session, username, name, role, "xianning-2026")
    client = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    assert (await client.login(username, "xianning-2026")).status_code == 303
    return client


async def _public_revision(session) -> int:
    """The counter as committed now (read on a connection of its own, outside the test's transaction)."""
    async with session.bind.connect() as connection:
        return (await connection.execute(text("select n from revision"))).scalar_one()


async def test_submitted_reviewed_awarded_shown_and_guarded(app, session, organiser, settings):
    lead = await worker(session, "张建华")
    member = await worker(session, "李卫东", n=1)
    studio = Studio(name="张建华劳模创新工作室", kind="model_worker", level="city", lead_id=lead.id,
                    host_unit_id=lead.unit_id)
    other_unit = Unit(name="赤壁市青砖茶厂")
    session.add_all([studio, other_unit])
    await session.commit()

    # a clerk enters what the unit sent: a team result of the studio, with a PDF and a photo
    bad = await organiser.form("/admin/innovations/", {"title": "数控刀具快换夹具", "kind": "invention", "year": "2026",
                                                       "submitter": "team", "authors": "张建华\n李卫东"},
                               files={"files": ("说明.pdf", b"MZ\x90\x00 an exe renamed", "application/pdf")})
    assert bad.status_code == 400 and "不是 PDF、JPG 或 PNG" in bad.text
    assert (await session.exec(select(InnovationResult))).first() is None
    answer = await organiser.form("/admin/innovations/", {
        "title": "数控刀具快换夹具", "kind": "invention", "year": "2026", "submitter": "team",
        "authors": "张建华\n李卫东", "studio_id": str(studio.id), "description": "换刀时间由8分钟缩短到1分钟"},
        files=[("files", ("说明.pdf", PDF, "application/octet-stream")), ("files", ("现场.png", PNG, "image/png"))])
    assert answer.status_code == 303, answer.text
    result = (await session.exec(select(InnovationResult))).one()
    pdf, photo = (await session.exec(select(InnovationFile).order_by(InnovationFile.id))).all()
    assert (pdf.media_type, photo.media_type) == ("application/pdf", "image/png")
    assert (settings.data_dir / "attachments" / hashlib.sha256(PDF).hexdigest()).read_bytes() == PDF

    # experts: one from the submitter's unit steps aside; three others review through the engine
    experts = [await signed_in(app, session, f"expert{i}", "registry_reviewer", f"专家{i}") for i in range(4)]
    ids = dict((await session.exec(select(Account.username, Account.id))).all())
    recused = await organiser.form(f"/admin/innovations/{result.id}/experts",
                                   {"account_id": str(ids["expert3"]), "unit_id": str(lead.unit_id)})
    assert recused.status_code == 409 and "须回避" in recused.text
    for i in range(3):
        assigned = await organiser.form(f"/admin/innovations/{result.id}/experts",
                                        {"account_id": str(ids[f"expert{i}"])})
        assert assigned.status_code == 303, assigned.text
    early = await organiser.form(f"/admin/innovations/{result.id}/finish-review")
    assert early.status_code == 409
    off_scale = await experts[0].form(f"/review/innovations/{result.id}",
                                      {"novelty": "31", "benefit": "30", "spread": "20", "opinion": "好"})
    assert off_scale.status_code == 400
    for client, marks in zip(experts, (("27", "36", "25"), ("25", "34", "24"), ("28.5", "38", "27")), strict=False):
        sent = await client.form(f"/review/innovations/{result.id}", {
            "novelty": marks[0], "benefit": marks[1], "spread": marks[2],
            "opinion": "构思巧妙，效益明显，可在同类车间推广"})
        assert sent.status_code == 303, sent.text
    not_assigned = await experts[3].form(f"/review/innovations/{result.id}",
                                         {"novelty": "30", "benefit": "40", "spread": "30", "opinion": "满分"})
    assert not_assigned.status_code == 404
    assert (await organiser.form(f"/admin/innovations/{result.id}/finish-review")).status_code == 303
    await session.refresh(result)
    assert result.review_total == "88.00"  # the engine drops each criterion's highest and lowest: 27 + 36 + 25

    # nothing is public before the award; then it is in the gallery, on the studio's page and the profile
    public = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    assert (await public.get(f"/innovations/{result.id}")).status_code == 404
    before = await public.get("/innovations")  # a public page, kept in memory: the award must move it on
    assert "数控刀具快换夹具" not in before.text and "set-cookie" not in before.headers
    # the award moves the public revision in the database, which every other worker and server hears of
    revision = await _public_revision(session)
    assert (await organiser.form(f"/admin/innovations/{result.id}/award", {"award": "first"})).status_code == 303
    assert (await organiser.form(f"/admin/innovations/files/{photo.id}/public", {"public": "1"})).status_code == 303
    assert (await organiser.form(f"/admin/innovations/files/{pdf.id}/public", {"public": "1"})).status_code == 400
    assert await _public_revision(session) > revision
    gallery = (await public.get("/innovations", headers={"If-None-Match": before.headers["etag"]})).text
    assert "数控刀具快换夹具" in gallery and "一等奖" in gallery and "张建华、李卫东" in gallery
    assert "咸宁机械制造有限公司" in gallery and "张建华劳模创新工作室" in gallery and "4212" not in gallery
    assert f'hx-get="/innovations/studios/{studio.id}"' in (await public.get(f"/studios/{studio.id}")).text
    fragment = (await public.get(f"/innovations/studios/{studio.id}")).text
    assert "数控刀具快换夹具" in fragment
    assert re.search(r"<td>2026</td><td class=\"num\">1</td><td class=\"num\">1</td>", fragment)
    assert "数控刀具快换夹具" in (await public.get(f"/innovations/people/{member.id}")).text
    assert (await public.get(f"/innovations/{result.id}/images/{photo.id}")).content == PNG
    assert (await public.get(f"/innovations/{result.id}/images/{pdf.id}")).status_code == 404

    # the attachment: organiser and the assigned experts get it; the public, an expert not assigned
    # and another unit's account do not, even with the address
    other_unit_account = await signed_in(app, session, "chibi", "scorer", "赤壁青砖茶厂工会")
    for allowed in (organiser, *experts[:3]):
        got = await allowed.get(f"/innovations/files/{pdf.id}")
        assert got.status_code == 200 and got.content == PDF
    for refused in (public, experts[3], other_unit_account):
        assert (await refused.get(f"/innovations/files/{pdf.id}")).status_code in (403, 404)
        assert PDF not in (await refused.get(f"/innovations/files/{pdf.id}")).content
    # a changed file on disk is refused, not served
    (settings.data_dir / "attachments" / pdf.sha256).write_bytes(PDF + b"x")
    tampered = await organiser.get(f"/innovations/files/{pdf.id}")
    assert tampered.status_code == 409 and "校验不符" in tampered.text
    (settings.data_dir / "attachments" / pdf.sha256).write_bytes(PDF)

    actions = set((await session.exec(select(LedgerEntry.action))).all())
    assert {"innovation.submit", "innovation.expert", "innovation.review", "innovation.finish_review",
            "innovation.award", "innovation.file_public"} <= actions
    for client in (public, other_unit_account, *experts):
        await client.aclose()
    assert await svc.studio_counts(session, studio.id) == [(2026, 1, 1)]
