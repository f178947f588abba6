"""Judges' written words (issue 23): a note per criterion and an opinion per sheet travel with the
marks through the tablets' API, are ledgered with them and covered by the audit, reach the chief
judge and the appeal committee, go out as a file of their own, and never change a result."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import asyncpg
from sqlmodel import select

from contest import ledger
from contest.events.models import Round
from contest.judging import service as judging
from contest.judging.models import Sheet
from tests.builders import FULL, put_sheet, require_opinions, score_everything, sign_in_judge, submit
from tests.setup.cli_runner import run_cli
from tests.support import libpq

NOTE = "刀工不均，丝粗细不一"
OPINION = "火候掌握较好，调味偏咸；整体完成度中上。"


async def test_words_travel_with_the_marks_and_are_ledgered(client, contest, session):
    await sign_in_judge(client, contest)
    entry = contest.entries[0]
    draft = await put_sheet(client, contest, entry, {"prep": "8"}, 0, notes={"prep": NOTE}, opinion="草稿意见")
    assert draft.status_code == 200, draft.text
    read = (await client.get(f"/api/judge/stages/{contest.practical.id}/entries/{entry.id}")).json()
    assert read["notes"] == {"prep": NOTE} and read["opinion"] == "草稿意见"
    done = await put_sheet(client, contest, entry, FULL, 1, submit=True, notes={"prep": NOTE, "skill": "  "},
                           opinion=f"  {OPINION}\n")
    assert done.status_code == 200, done.text
    sheet = (await session.exec(select(Sheet).where(Sheet.id == done.json()["sheet_id"]))).one()
    await session.refresh(sheet)
    assert (sheet.opinion, sheet.notes, sheet.draft_words) == (OPINION, {"prep": NOTE}, {})  # trimmed, blank dropped
    entries = [e async for e in ledger.walk(session) if e.action == "sheet.submit"]
    assert entries[-1].payload["opinion"] == OPINION and entries[-1].payload["notes"] == {"prep": NOTE}

    # the chief judge reads them from the grid; a sheet sent back keeps them for its judge
    await sign_in_judge(client, contest, "J01")
    page = (await client.get(f"/chief/stages/{contest.practical.id}/sheets/{sheet.id}")).text
    assert NOTE in page and OPINION in page
    await judging.reopen_sheet(session, sheet.id, "刀工一项请复核", "J01", contest.event.id)
    await sign_in_judge(client, contest)
    read = (await client.get(f"/api/judge/stages/{contest.practical.id}/entries/{entry.id}")).json()
    assert read["state"] == "reopened" and read["notes"] == {"prep": NOTE} and read["opinion"] == OPINION


async def test_a_required_opinion_refuses_a_submission_without_one(client, contest, session):
    await require_opinions(session, contest)
    await sign_in_judge(client, contest)
    entry = contest.entries[0]
    bare = await put_sheet(client, contest, entry, FULL, 0, submit=True, opinion="   ")
    assert bare.status_code == 400 and bare.json()["field"] == "opinion" and "评审意见" in bare.json()["error"]
    assert (await session.exec(select(Sheet))).all() == []  # nothing written
    draft = await put_sheet(client, contest, entry, FULL, 0)  # a draft may wait for its opinion
    assert draft.status_code == 200
    long = await put_sheet(client, contest, entry, FULL, 1, submit=True, opinion="长" * 2001)
    assert long.status_code == 400 and "2000" in long.json()["error"]
    stray = await put_sheet(client, contest, entry, FULL, 1, submit=True, opinion=OPINION, notes={"nope": "x"})
    assert stray.status_code == 400 and "nope" in stray.json()["error"]
    done = await put_sheet(client, contest, entry, FULL, 1, submit=True, opinion=OPINION)
    assert done.status_code == 200, done.text


async def test_audit_catches_an_opinion_or_a_note_edited_in_sql(contest, session, settings, pg_url):
    await score_everything(session, contest)
    sheet = (await session.exec(select(Sheet).where(Sheet.stage_id == contest.practical.id)
                                .order_by(Sheet.id))).first()
    await judging.reopen_sheet(session, sheet.id, "补写意见", "J01", contest.event.id)
    judge = next(j for j in contest.judges if j.id == sheet.judge_id)
    entry = next(e for e in contest.entries if e.id == sheet.entry_id)
    await submit(session, contest, judge, contest.practical, entry, FULL, opinion=OPINION, notes={"prep": NOTE})
    ok = run_cli(settings, "audit", "verify", "--event", "cook")
    assert ok.returncode == 0, ok.stderr
    conn = await asyncpg.connect(libpq(pg_url))
    await conn.execute("update sheet set opinion = '表现优秀' where id = $1", sheet.id)
    broken = run_cli(settings, "audit", "verify")
    assert broken.returncode == 1 and f"sheet {sheet.id}" in broken.stderr and "opinion" in broken.stderr
    await conn.execute("update sheet set opinion = $2 where id = $1", sheet.id, OPINION)
    assert run_cli(settings, "audit", "verify").returncode == 0
    await conn.execute("""update sheet set notes = '{"prep": "无"}' where id = $1""", sheet.id)
    assert run_cli(settings, "audit", "verify").returncode == 1
    await conn.execute("update sheet set notes = $2 where id = $1", sheet.id, json.dumps({"prep": NOTE}))
    other = (await session.exec(select(Sheet.id).where(Sheet.id != sheet.id))).first()
    await conn.execute("update sheet set opinion = '从未提交过的意见' where id = $1", other)
    await conn.close()
    assert run_cli(settings, "audit", "verify").returncode == 1  # words on a sheet whose ledger entries record none


async def test_recomputing_from_the_marks_export_is_unchanged_by_words(contest, session, tmp_path):
    await score_everything(session, contest)
    round_ = await session.get(Round, contest.practical.round_id)
    before_marks = await judging.export_marks(session, round_)
    before = await judging.compute_round(session, round_)
    for sheet in (await session.exec(select(Sheet).where(Sheet.stage_id == contest.practical.id))).all():
        await judging.reopen_sheet(session, sheet.id, "补写意见", "J01", contest.event.id)
        judge = next(j for j in contest.judges if j.id == sheet.judge_id)
        entry = next(e for e in contest.entries if e.id == sheet.entry_id)
        marks = await judging.sheet_records(session, entry_id=entry.id)
        own = next(r for r in marks if r.sheet.id == sheet.id).marks
        await submit(session, contest, judge, contest.practical, entry, own, opinion=f"{entry.bib} 的意见",
                     notes={"skill": "=理由"})  # a note starting like a formula
    assert await judging.export_marks(session, round_) == before_marks
    assert await judging.compute_round(session, round_) == before
    scheme_path, marks_path = tmp_path / "scheme.json", tmp_path / "marks.csv"
    scheme_path.write_text(json.dumps(round_.scheme, ensure_ascii=False), encoding="utf-8")
    marks_path.write_text(before_marks, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "contest.cli", "results", "compute", "--scheme", str(scheme_path),
                           "--marks", str(marks_path)], cwd=Path(__file__).parents[2], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    offline = {row["entry"]: row["total"] for row in csv.DictReader(io.StringIO(done.stdout))}
    assert offline == {r.entry: str(r.total) for r in before}
    words = list(csv.reader(io.StringIO(await judging.export_words(session, round_))))
    assert words[0] == ["选手编号", "环节", "裁判", "评分项", "内容"]
    opinions = [row for row in words[1:] if row[3] == ""]
    assert sorted((row[0], row[2]) for row in opinions) == sorted((e.bib, j.number) for e in contest.entries
                                                                   for j in contest.judges)
    assert {row[3] for row in words[1:] if row[3]} == {"操作技能"}  # notes by the criterion's name
    assert {row[4] for row in words[1:] if row[3]} == {"'=理由"}  # shown as typed, never evaluated
    assert opinions[0][1:2] + opinions[0][3:] == ["practical", "", f"{opinions[0][0]} 的意见"]


async def test_the_appeal_committee_reads_the_marks_with_their_reasons(organiser, contest, session):
    from datetime import timedelta

    from contest import clock
    from contest.leaderboards import service as boards
    from tests.builders import sign_off

    await score_everything(session, contest)
    entry = contest.entries[0]
    sheet = (await session.exec(select(Sheet).where(Sheet.entry_id == entry.id, Sheet.stage_id == contest.practical.id,
                                                    Sheet.judge_id == contest.judges[1].id))).one()
    await judging.reopen_sheet(session, sheet.id, "补写意见", "J01", contest.event.id)
    await submit(session, contest, contest.judges[1], contest.practical, entry, FULL, opinion=OPINION,
                 notes={"skill": NOTE})
    await session.refresh(sheet)  # the sheet sent back, as this session last saw it, was written again in SQL
    await sign_off(session, contest)
    today = clock.today()
    await boards.publish(session, contest.event, today, today + timedelta(days=7), "", "account:1 竞赛办")
    await boards.lodge_appeal(session, contest.event, contest.track.slug, entry.bib, "王建华", "评委打分不公",
                              today + timedelta(days=3), "account:1 竞赛办")
    page = (await organiser.get(f"/admin/events/{contest.event.slug}/publication/")).text
    assert "评分记录与评审意见" in page and OPINION in page and NOTE in page and "J02" in page
    words = await organiser.get(f"/admin/events/{contest.event.slug}/tracks/{contest.track.slug}/opinions.csv")
    assert words.status_code == 200 and OPINION in words.content.decode("utf-8-sig")
    marks = await organiser.get(f"/admin/events/{contest.event.slug}/tracks/{contest.track.slug}/marks.csv")
    assert OPINION not in marks.content.decode("utf-8-sig") and NOTE not in marks.content.decode("utf-8-sig")
