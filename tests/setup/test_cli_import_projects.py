"""`contest import projects`: the project file (one row per team member) enters each project whole,
its members as people; a bad row is listed as `FILE 第N行 列名：问题` with every row of its project,
and nothing is imported; a contestants' event refuses it in one line; --template writes the template."""
import openpyxl
from sqlmodel import select

from contest.events.models import Entry, TeamMember
from tests.builders import PROJECT_HEADER, make_event, project_event, project_rows, xlsx
from tests.setup.cli_runner import assert_ok, assert_one_line_failure, run_cli


def import_args(path, *extra: str, event: str = "gongyou", track: str = "innovation") -> list[str]:
    return ["import", "projects", str(path), "--event", event, "--track", track, *extra]


async def test_a_project_file_imports_teams_or_lists_every_bad_row(settings, session, tmp_path):
    contest = await project_event(session)
    rows = project_rows()
    rows[1][4] = rows[1][4][:-1] + ("0" if rows[1][4][-1] != "0" else "1")  # a wrong check digit, row 3
    path = tmp_path / "项目.xlsx"
    path.write_bytes(xlsx(rows, PROJECT_HEADER))
    result = run_cli(settings, *import_args(path))
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert lines[:3] == ["项目.xlsx 第2行 项目名称：同一项目第3行有错误，整个项目未导入",
                         "项目.xlsx 第3行 身份证号：校验位错误，请核对是否输错",
                         "项目.xlsx 第4行 项目名称：同一项目第3行有错误，整个项目未导入"], result.stderr
    assert lines[-1].startswith("错误：项目.xlsx：有 3 行错误，未导入")
    assert (await session.exec(select(Entry))).all() == []

    path.write_bytes(xlsx(project_rows(), PROJECT_HEADER))
    result = run_cli(settings, *import_args(path))
    assert_ok(result)
    assert "已导入项目 3 项" in result.stdout
    entries = (await session.exec(select(Entry).where(Entry.track_id == contest.track.id))).all()
    members = (await session.exec(select(TeamMember))).all()
    assert len(entries) == 3 and len(members) == 7


async def test_a_contestants_event_refuses_a_project_file_in_one_line(settings, session, tmp_path):
    await make_event(session)
    path = tmp_path / "项目.xlsx"
    path.write_bytes(xlsx(project_rows(), PROJECT_HEADER))
    assert_one_line_failure(run_cli(settings, *import_args(path, event="cooking-2026", track="cook")),
                            "本活动不是项目赛")


def test_template_has_the_project_and_role_columns(settings, tmp_path):
    out = tmp_path / "项目模板.xlsx"
    assert_ok(run_cli(settings, "import", "projects", "--template", str(out)))
    header = [cell.value for cell in openpyxl.load_workbook(out).worksheets[0][1]]
    assert header[:4] == ["项目名称", "角色", "姓名", "性别"]
