"""Marks from signed paper sheets count only when two scorers' independent passes agree: two
different accounts (not two display names), each assigned to the event by the organiser."""
import os
import subprocess
import sys

from sqlmodel import select

from contest.auth import create_account
from contest.judging.models import Mark, Sheet
from tests.builders import require_opinions, scorers


def marks_csv(contest, rows) -> str:
    lines = ["entry,stage,criterion,judge,mark"]
    for entry, judge, marks in rows:
        lines += [f"{entry.blind_code},practical,{k},{judge.number},{v}" for k, v in marks.items()]
    return "\n".join(lines) + "\n"


async def test_form_passes_agree_then_count(client, contest, session):
    await scorers(session, contest, "录分员甲", "录分员乙", name="王芳")  # namesakes: two accounts all the same
    entry, judge = contest.entries[0], contest.judges[1]
    fields = {"entry_id": str(entry.id), "judge_id": str(judge.id), "mark_prep": "8", "mark_skill": "30",
              "mark_quality": "31", "mark_safety": "0"}
    await client.login("录分员甲")
    first = await client.form(f"/scorer/stages/{contest.practical.id}", {**fields, "pass_no": "1"})
    assert first.status_code == 200 and "等待另一名录分员" in first.text
    same_scorer = await client.form(f"/scorer/stages/{contest.practical.id}", {**fields, "pass_no": "2"})
    assert same_scorer.status_code == 400 and "两名不同的录分员" in same_scorer.text
    await client.post("/logout", headers={"x-csrftoken": await client.csrf()})
    await client.login("录分员乙")
    differ = await client.form(f"/scorer/stages/{contest.practical.id}", {**fields, "mark_skill": "35", "pass_no": "2"})
    assert "不一致" in differ.text and "30 / 35" in differ.text
    assert (await session.exec(select(Mark))).all() == []
    agree = await client.form(f"/scorer/stages/{contest.practical.id}", {**fields, "pass_no": "2"})
    assert "已计入成绩" in agree.text
    sheet = (await session.exec(select(Sheet))).one()
    assert sheet.state == "submitted" and sheet.judge_id == judge.id
    assert len((await session.exec(select(Mark))).all()) == 4


async def test_cli_import_of_two_passes(contest, settings, session, tmp_path):
    env = os.environ | {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir)}
    rows = [(e, j, {"prep": "8", "skill": "30", "quality": "31", "safety": "0.5"})
            for e in contest.entries[:2] for j in contest.judges[1:3]]
    path = tmp_path / "pass.csv"
    path.write_text(marks_csv(contest, rows))

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "contest.cli", "marks", "import", str(path), "--event", "cook",
                               *extra], env=env, capture_output=True, text=True)

    await scorers(session, contest, "甲", "乙")
    one = run("--scorer", "甲", "--pass", "1")
    assert one.returncode == 0 and one.stdout.count("等待另一名录分员录入") == 4, one.stderr
    two = run("--scorer", "乙", "--pass", "2")
    assert two.returncode == 0 and two.stdout.count("已计入成绩") == 4, two.stderr
    assert len((await session.exec(select(Sheet))).all()) == 4
    path.write_text(marks_csv(contest, [(contest.entries[3], contest.judges[1], {"prep": "80"})]))
    bad = run("--scorer", "甲", "--pass", "1")
    *rows, summary = bad.stderr.strip().splitlines()
    assert bad.returncode == 1 and rows == [rows[0]] and rows[0].startswith("pass.csv 第2行 评分：")
    assert "错误" in summary and "未录入" in summary


async def test_a_scorer_types_only_the_events_assigned(client, contest, session):
    await create_account(session, "外来录分员", "外来录分员", "scorer", "correct-horse")
    await client.login("外来录分员")
    assert contest.event.name not in (await client.get("/scorer/")).text
    page = await client.get(f"/scorer/stages/{contest.practical.id}")
    assert page.status_code == 404
    entry, judge = contest.entries[0], contest.judges[1]
    typed = await client.form(f"/scorer/stages/{contest.practical.id}", {
        "entry_id": str(entry.id), "judge_id": str(judge.id), "mark_prep": "8", "mark_skill": "30",
        "mark_quality": "31", "mark_safety": "0", "pass_no": "1"})
    assert typed.status_code == 404
    assert (await session.exec(select(Sheet))).all() == []


async def test_cli_pass_needs_an_assigned_scorer_account(contest, settings, session, tmp_path):
    await create_account(session, "未分配", "未分配", "scorer", "correct-horse")
    path = tmp_path / "pass.csv"
    path.write_text(marks_csv(contest, [(contest.entries[0], contest.judges[1], {"prep": "8"})]))
    env = os.environ | {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir)}
    for scorer, problem in (("nobody", "没有启用的账号“nobody”"), ("未分配", "未分配 不是活动 cook 的录分员")):
        result = subprocess.run([sys.executable, "-m", "contest.cli", "marks", "import", str(path), "--event", "cook",
                                 "--scorer", scorer, "--pass", "1"], env=env, capture_output=True, text=True)
        assert result.returncode == 1 and problem in result.stderr, result.stderr


async def test_a_paper_sheets_opinion_is_typed_in_both_passes(client, contest, session):
    """Where the stage requires the judge's written opinion (issue 23), the paper sheet's is typed
    by both scorers like its marks: a pass without it is refused, passes whose words differ (spaces
    aside) are listed as not matching, and the agreed opinion is the sheet's."""
    await require_opinions(session, contest)
    await scorers(session, contest, "录分员甲", "录分员乙")
    entry, judge = contest.entries[0], contest.judges[1]
    fields = {"entry_id": str(entry.id), "judge_id": str(judge.id), "mark_prep": "8", "mark_skill": "30",
              "mark_quality": "31", "mark_safety": "0"}
    page = f"/scorer/stages/{contest.practical.id}"
    await client.login("录分员甲")
    assert "评审意见" in (await client.get(page)).text
    missing = await client.form(page, {**fields, "pass_no": "1"})
    assert missing.status_code == 400 and "须填写评审意见" in missing.text
    first = await client.form(page, {**fields, "pass_no": "1", "opinion": "刀工细致，调味 稍咸。"})
    assert "等待另一名录分员" in first.text
    await client.post("/logout", headers={"x-csrftoken": await client.csrf()})
    await client.login("录分员乙")
    differ = await client.form(page, {**fields, "pass_no": "2", "opinion": "刀工细致，调味稍淡。"})
    assert "评审意见：两遍录入的文字不一致" in differ.text
    assert (await session.exec(select(Sheet))).all() == []
    agree = await client.form(page, {**fields, "pass_no": "2", "opinion": "刀工细致，调味稍咸。"})
    assert "已计入成绩" in agree.text
    sheet = (await session.exec(select(Sheet))).one()
    assert (sheet.state, sheet.opinion) == ("submitted", "刀工细致，调味稍咸。")
