"""A certificate's QR code scales and links to the address the page was served at (unless
CONTEST_BASE_URL says otherwise), its verification page says in plain words whose it is, for what,
from when and whether it stands, and a certificate whose printed facts changed is superseded."""
import dataclasses
import re

from sqlmodel import select

from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate
from contest.ledger import LedgerEntry
from tests.builders import final_contest, sign_in_organiser
from tests.support import text_of


async def test_the_qr_code_scales_and_follows_the_host(client, contest, session, app):
    await final_contest(session, contest)
    await boards.issue_certificates(session, contest.event, contest.track)
    cert = (await session.exec(select(Certificate).order_by(Certificate.rank))).first()
    page = (await client.get(f"/certificates/{cert.code}", headers={"host": "192.168.1.20:8613"})).text
    svg = re.search(r"<svg[^>]*>", page).group(0)
    assert "viewBox" in svg and "width" not in svg and "height" not in svg, svg  # scales with its CSS size
    assert app.state.settings.base_url is None

    # The judges' access card links follow the host the same way, or CONTEST_BASE_URL when it is set
    # (judges join an event being prepared: a finalised one takes no new judges).
    await sign_in_organiser(client, session)
    await client.form("/admin/events", {"name": "2027年大赛", "slug": "next", "year": "2027"})
    added = await client.post("/admin/events/next/judges", data={"name": "评委新"},
                              headers={"x-csrftoken": await client.csrf(), "host": "192.168.1.20:8613"})
    assert re.search(r"http://192\.168\.1\.20:8613/judge/login/\S+<", added.text), text_of(added.text)
    settings = app.state.settings
    app.state.settings = dataclasses.replace(settings, base_url="https://jingsai.example.cn")
    try:
        added = await client.form("/admin/events/next/judges", {"name": "评委再"})
        assert "https://jingsai.example.cn/judge/login/" in added.text
    finally:
        app.state.settings = settings


async def test_the_verify_page_says_who_what_when_and_folds_the_proof(client, contest, session):
    await final_contest(session, contest)
    await boards.issue_certificates(session, contest.event, contest.track)
    cert = (await session.exec(select(Certificate).order_by(Certificate.rank))).first()
    html = (await client.get(f"/verify/{cert.code}")).text
    verdict = text_of(html.split('id="verdict"')[1].split("</p>")[0])
    assert "此证书真实有效" in verdict
    statement = text_of(html.split('id="statement"')[1].split("</p>")[0])
    assert cert.holder in statement and "烹饪大赛" in statement and "中式烹调师" in statement
    assert f"{cert.award} （第 1 名，总分 {cert.total} 分）" in statement
    proof = html.split('<details class="proof"')[1].split("</details>")[0]
    assert cert.digest in proof and "scheme.json" in proof and "contest results compute" in proof
    assert cert.digest not in html.split('<details class="proof"')[0]  # the proof is folded, not in the lead

    await boards.open_correction(session, contest.event, "证书原件遗失", "account:1 竞赛办")  # after final
    await boards.revoke_certificate(session, cert.code, "经查存在违规", "account:1 竞赛办")
    html = (await client.get(f"/verify/{cert.code}")).text
    assert "此证书已撤销，不再有效" in text_of(html) and "经查存在违规" in html


async def test_reissuing_after_a_title_rule_supersedes_the_old_certificates(client, contest, session):
    await final_contest(session, contest)
    first = await boards.issue_certificates(session, contest.event, contest.track)
    assert first and await boards.issue_certificates(session, contest.event, contest.track) == []  # nothing changed
    # after final a title rule comes only with a correction, whose notice reissues what it changes
    await boards.open_correction(session, contest.event, "称号规则漏设，补充", "account:1 竞赛办")
    await boards.add_title_rule(session, contest.event, 1, "推荐授予“咸宁市技术能手”称号", False, "account:1 竞赛办")
    await boards.issue_correction(session, contest.event, "account:1 竞赛办")
    again = [c for c in (await session.exec(select(Certificate).order_by(Certificate.id))).all()
             if c not in first]
    assert [c.rank for c in again] == [1] and again[0].titles == ["推荐授予“咸宁市技术能手”称号"]
    old = next(c for c in first if c.rank == 1)
    await session.refresh(old)
    assert old.superseded_by == again[0].code
    html = text_of((await client.get(f"/verify/{old.code}")).text)
    assert "此证书已作废，由新证书取代" in html and again[0].code in html
    assert "此证书真实有效" in text_of((await client.get(f"/verify/{again[0].code}")).text)
    assert "已作废" in (await client.get(f"/certificates/{old.code}")).text
    logged = (await session.exec(select(LedgerEntry).where(LedgerEntry.action == "certificate.supersede"))).all()
    assert [e.subject for e in logged] == [f"certificate:{old.code}"]


async def test_favicon_is_served_and_linked(client):
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"
    home = (await client.get("/")).text
    assert 'rel="icon"' in home and (await client.get("/static/favicon.svg")).status_code == 200
