"""From signed-off results to final: notice (公示) with dates, appeals decided by the arbitration
group, final results, certificates that anyone can verify, and exports that recompute exactly."""
import csv
import io
import os
import subprocess
import sys
from datetime import timedelta

from sqlmodel import select

from contest import clock
from contest.judging import service as judging
from contest.leaderboards.models import Certificate
from tests.builders import on_day, sign_in_organiser, signed_off_contest


async def test_notice_appeal_final_and_certificates(client, contest, session, monkeypatch):
    await sign_in_organiser(client, session)
    desk = "/admin/events/cook/publication"
    week = {"starts_on": str(clock.today()), "ends_on": str(clock.today() + timedelta(days=6))}
    early = await client.form(f"{desk}/notice", week)
    assert early.status_code == 409 and "审核中" in early.text
    await signed_off_contest(session, contest)
    await client.form(f"{desk}/titles", {"up_to_rank": "1", "title": "推荐授予“咸宁市技术能手”称号",
                                         "craftsman_candidate": "1"})
    start, end = clock.today(), clock.today() + timedelta(days=6)
    past = await client.form(f"{desk}/notice", {"starts_on": str(start - timedelta(days=7)), "ends_on": str(end)})
    assert past.status_code == 400 and "已经过去" in past.text
    short = await client.form(f"{desk}/notice", {"starts_on": str(start), "ends_on": str(start + timedelta(days=3))})
    assert short.status_code == 400 and "不少于 5 个工作日" in short.text
    assert f"最早可到 {clock.workday_end(start, 5)} 结束" in short.text
    assert (await client.form(f"{desk}/notice", {"starts_on": str(start), "ends_on": str(end),
                                                 "contact": "监督仲裁组 0715-8888888"})).status_code == 303
    board = (await client.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()
    assert board["state"] == "under_notice" and board["rows"][0]["name"]
    assert "咸宁市技术能手" in board["rows"][0]["titles"][0]
    notice = await client.get("/events/cook/notice")
    assert "公示期" in notice.text and str(end) in notice.text
    assert "*" not in notice.text  # not even masked ID numbers on a notice
    xlsx = await client.get("/events/cook/notice.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    bib = contest.entries[1].bib
    await client.form(f"{desk}/appeals", {"track": contest.track.slug, "bib": bib, "appellant": "李秀英",
                                          "content": "实操成品质量分偏低", "deadline": str(clock.today())})
    waiting = await client.form(f"{desk}/final")
    assert waiting.status_code == 409 and f"{end} 结束" in waiting.text  # the notice cannot be skipped
    on_day(monkeypatch, end + timedelta(days=1))
    blocked = await client.form(f"{desk}/final")
    assert blocked.status_code == 409 and "申诉" in blocked.text
    page = await client.get(f"{desk}/")
    appeal_id = page.text.split(f"{desk}/appeals/")[1].split('"')[0]
    await client.form(f"{desk}/appeals/{appeal_id}", {"outcome": "dismissed", "decision": "经复核，评分无误"})
    assert (await client.form(f"{desk}/final")).status_code == 303
    assert (await client.get(f"/api/events/cook/tracks/{contest.track.slug}/board")).json()["state"] == "final"

    assert (await client.form(f"{desk}/tracks/{contest.track.slug}/certificates")).status_code == 303
    certs = (await session.exec(select(Certificate).order_by(Certificate.rank))).all()
    assert certs and certs[0].award == "一等奖" and certs[0].rank == 1
    verify = await client.get(f"/verify/{certs[0].code}")
    assert "真实有效" in verify.text and certs[0].digest in verify.text
    printed = await client.get(f"/certificates/{certs[0].code}")
    assert "荣 誉 证 书" in printed.text and "<svg" in printed.text
    desk_page = (await client.get(f"{desk}/")).text  # after final the refusal is said once, not on every row
    assert 'id="revoke-refused"' in desk_page and desk_page.count("不能撤销证书") == 1
    assert "/revoke" not in desk_page
    refused = await client.form(f"{desk}/certificates/{certs[0].code}/revoke", {"reason": "经查存在违规"})
    assert refused.status_code == 409 and "发起更正" in refused.text  # after final: only within a correction
    await client.form(f"{desk}/corrections", {"reason": "证书原件遗失，作废后补发"})
    await client.form(f"{desk}/certificates/{certs[0].code}/revoke", {"reason": "证书原件遗失，作废"})
    assert "已撤销" in (await client.get(f"/verify/{certs[0].code}")).text


async def test_upheld_appeal_withdraws_sign_off_for_rescoring(client, contest, session):
    await sign_in_organiser(client, session)
    await signed_off_contest(session, contest)
    desk = "/admin/events/cook/publication"
    await client.form(f"{desk}/notice", {"starts_on": str(clock.today()),
                                         "ends_on": str(clock.today() + timedelta(days=6))})
    await client.form(f"{desk}/appeals", {"track": contest.track.slug, "bib": contest.entries[0].bib,
                                          "appellant": "王建华", "content": "计时有误", "deadline": str(clock.today())})
    page = await client.get(f"{desk}/")
    appeal_id = page.text.split(f"{desk}/appeals/")[1].split('"')[0]
    await client.form(f"{desk}/appeals/{appeal_id}", {"outcome": "upheld", "decision": "同意重新评分"})
    assert not await judging.is_signed_off(session, contest.practical.id)


async def test_exported_marks_recompute_the_published_results(client, contest, session, settings, tmp_path):
    await sign_in_organiser(client, session)
    await signed_off_contest(session, contest)
    await client.form("/admin/events/cook/publication/notice", {"starts_on": str(clock.today()),
                                                                "ends_on": str(clock.today() + timedelta(days=6))})
    base = f"/events/cook/tracks/{contest.track.slug}"
    (tmp_path / "scheme.json").write_bytes((await client.get(f"{base}/scheme.json")).content)
    marks = (await client.get(f"{base}/marks.csv")).text
    assert "J1" in marks and "J01" not in marks  # judges anonymised
    (tmp_path / "marks.csv").write_text(marks)
    out = subprocess.run([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme",
                          str(tmp_path / "scheme.json"), "--marks", str(tmp_path / "marks.csv")],
                         capture_output=True, text=True, check=True, env=os.environ).stdout
    computed = {row["entry"]: row for row in csv.DictReader(io.StringIO(out))}
    board = (await client.get(f"/api{base}/board")).json()
    bib_of = {e.blind_code: e.bib for e in contest.entries}
    for row in board["rows"]:
        mine = computed[bib_of[row["code"]]]
        assert (str(row["rank"]), row["total"], row["award"] or "") == (mine["rank"], mine["total"], mine["award"])
