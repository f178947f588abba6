"""A project contest's teams are people: imported from the project file (every member checked by the
contestants' own validator, each project whole or not at all, a row-level report), recused over every
member's unit, shown on the board, feed, notice and exports with title, team and unit as the
visibility rule allows, certified member by member (each verifiable and proven by the audit), and put
forward to the registry member by member with the result linked and listed on their profiles."""
import io

import openpyxl
from sqlmodel import select

from contest import audit
from contest.events import service as events
from contest.events.models import Entry, Recusal, TeamMember
from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate
from contest.people.models import Person, Unit
from contest.registry import service as registry
from contest.registry.models import Candidate
from tests.builders import (
    OFFICE,
    PROJECT_HEADER,
    PROJECT_TITLES,
    PROJECT_UNITS,
    certified_project_contest,
    person,
    project_contest,
    project_rows,
    set_visibility,
    sign_in_organiser,
    xlsx,
)
from tests.support import ID_KEY, text_of


async def test_the_project_file_enters_each_team_as_people_of_their_units(session, client):
    contest = await project_contest(session)
    lead_team = contest.entries[0]
    assert lead_team.project_title == PROJECT_TITLES[0] and lead_team.person_id is None
    members = (await session.exec(select(TeamMember, Person, Unit).join(Person, Person.id == TeamMember.person_id)
                                  .join(Unit, Unit.id == TeamMember.unit_id)
                                  .where(TeamMember.entry_id == lead_team.id).order_by(TeamMember.seq))).all()
    assert [(m.is_lead, u.name) for m, _, u in members] == [
        (True, PROJECT_UNITS[0][0]), (False, PROJECT_UNITS[1][0]), (False, PROJECT_UNITS[0][0])]
    assert all("*" in p.id_masked and len(p.id_hash) == 64 for _, p, _ in members)  # masked and hashed only
    assert (await session.get(Unit, lead_team.unit_id)).name == PROJECT_UNITS[0][0]  # the lead's unit enters it

    # The organiser's track page speaks of projects and lists each team, lead first.
    await sign_in_organiser(client, session)
    page = text_of((await client.get("/admin/events/gongyou/tracks/innovation")).text)
    assert "报名 3 项" in page and "批量导入参赛项目" in page and "项目名称" in page
    assert f"{members[0][1].name}（负责人）" in page
    found = text_of((await client.get("/admin/events/gongyou/tracks/innovation/contestants",
                                      params={"q": members[1][1].name})).text)  # a member, not the lead
    assert "参赛项目 （1 项）" in found and PROJECT_TITLES[0] in found and f"团队：{members[0][1].name}" in found
    assert "申报单位" in found and "性别" not in found and "身份证号" not in found  # a team has no one gender or ID
    template = openpyxl.load_workbook(io.BytesIO((await client.get("/admin/projects-template.xlsx")).content))
    assert [c.value for c in template.worksheets[0][1]][:3] == ["项目名称", "角色", "姓名"]


async def test_a_bad_project_file_is_reported_row_by_row_and_changes_nothing(session, client):
    contest = await project_contest(session)
    await events.set_event_status(session, contest.event, "registration")  # 补报: before scoring starts
    rows = [[title, role, *person(20 + i, *PROJECT_UNITS[0])] for i, (title, role) in enumerate([
        ("光伏组件清洗智能化改造", "负责人"), ("光伏组件清洗智能化改造", "成员"), ("光伏组件清洗智能化改造", "成员"),
        (PROJECT_TITLES[2], "负责人"), (PROJECT_TITLES[2], "成员"),  # entered already, under this title
        ("电缆接头工艺优化", "成员"), ("电缆接头工艺优化", "成员"),  # a team without a lead
        ("公交车门故障预警系统", "负责人")])]
    rows[1][4] = "421202198501021"  # a bad ID number (spreadsheet row 3) in the first project
    rows[7][2:5] = project_rows()[0][2:5]  # someone already in a team of this track
    await sign_in_organiser(client, session)
    answer = await client.form("/admin/events/gongyou/tracks/innovation/import", {},
                               files={"file": ("p.xlsx", xlsx(rows, PROJECT_HEADER))})
    shown = text_of(answer.text)
    assert answer.status_code == 200 and "未导入任何数据" in shown, shown
    for expected in ("身份证号", "同一项目第3行有错误，整个项目未导入", "本赛项已有同名项目",
                     "须有且只有一位负责人（现有0位）", "此人已是本赛项另一项目的成员"):
        assert expected in shown, (expected, shown)
    count = len((await session.exec(select(Entry).where(Entry.track_id == contest.track.id))).all())
    assert count == 3

    # Skipping the bad rows imports no row of a project that has one, and the good projects whole.
    rows[1][2:5] = person(40)[:3]
    report = await events.import_projects(session, contest.track, "p.xlsx", xlsx(rows, PROJECT_HEADER),
                                          id_key=ID_KEY.encode(), skip_bad=True)
    assert report.imported == 1 and report.bad_rows == 5 and report.rows == 8, report
    entered = (await session.exec(select(Entry.project_title).where(Entry.track_id == contest.track.id))).all()
    assert "光伏组件清洗智能化改造" in entered and len(entered) == 4


async def test_a_judge_steps_aside_from_a_team_with_a_member_of_their_unit(session):
    contest = await project_contest(session)
    other_unit = (await session.exec(select(Unit).where(Unit.name == PROJECT_UNITS[1][0]))).one()
    judge, _ = await events.add_judge(session, contest.event, "评委庚", other_unit.id)
    await events.create_panel(session, contest.theory, "第二组", [judge.id], judge.id)
    recused = (await session.exec(select(Entry.project_title).join(Recusal, Recusal.entry_id == Entry.id)
                                  .where(Recusal.judge_id == judge.id).order_by(Entry.bib))).all()
    # the first team's lead is of the other unit, but its second member is; the second team's lead is
    assert recused == PROJECT_TITLES[:2]


async def test_a_published_team_is_on_the_board_certified_per_member_and_put_forward(session, client):
    contest = await project_contest(session)
    await certified_project_contest(session, contest)
    board = await boards.board(session, contest.track.id)
    winner = board.public.rows[0]
    team = (await events.teams(session, [board.rows[0].entry_id]))[board.rows[0].entry_id]
    assert winner.name == PROJECT_TITLES[0] and winner.team == tuple(m.name for m in team)
    assert winner.unit == PROJECT_UNITS[0][0]

    page = text_of((await client.get("/events/gongyou/tracks/innovation")).text)
    assert "项目名称 / 团队 / 单位" in page and f"团队：{'、'.join(winner.team)}" in page
    feed = (await client.get("/api/events/gongyou/tracks/innovation/board")).json()
    assert feed["rows"][0]["team"] == list(winner.team)
    other_unit = (await session.exec(select(Unit).where(Unit.name == PROJECT_UNITS[1][0]))).one()
    unit_page = text_of((await client.get(f"/units/{other_unit.id}")).text)  # a member's unit lists the team
    assert PROJECT_TITLES[0] in unit_page and "、".join(winner.team) in unit_page
    notice = text_of((await client.get("/events/gongyou/notice")).text)
    assert "、".join(winner.team) in notice
    sheet = openpyxl.load_workbook(io.BytesIO((await client.get(
        "/events/gongyou/tracks/innovation/results.xlsx")).content)).active
    header = [c.value for c in sheet[2]]
    assert header[2:5] == ["项目名称", "团队", "申报单位"]
    assert [c.value for c in sheet[3]][2:5] == [PROJECT_TITLES[0], "、".join(winner.team), PROJECT_UNITS[0][0]]

    # One certificate per member of each awarded team, each verifying in plain words.
    certs = (await session.exec(select(Certificate).where(Certificate.entry_id == board.rows[0].entry_id)
                                .order_by(Certificate.team_member_id))).all()
    assert [c.holder for c in certs] == [m.name for m in team] and {c.project for c in certs} == {PROJECT_TITLES[0]}
    for cert in certs:
        said = text_of((await client.get(f"/verify/{cert.code}")).text)
        assert f"{cert.holder} 作为“{PROJECT_TITLES[0]}”项目团队成员" in said, said
    contestant = text_of((await client.get(f"/events/gongyou/tracks/innovation/entries/{winner.code}")).text)
    assert contestant.count("查验证书") == 3 and f"{team[0].name}（负责人）" in contestant
    html = (await client.get(f"/events/gongyou/tracks/innovation/entries/{winner.code}")).text
    assert f'href="/units/{other_unit.id}"' in html and "成员所在单位" in contestant  # a member's own unit's page
    report = await audit.verify(session)
    assert not report.problems and report.certificates == len(
        (await session.exec(select(Certificate))).all()), report.problems
    # Issuing again changes nothing; a member's certificate differing from the notice is caught.
    assert await boards.issue_certificates(session, contest.event, contest.track, OFFICE) == []
    certs[1].holder = "冒名者"
    session.add(certs[1])
    await session.commit()
    assert any("冒名者" in p for p in (await audit.verify(session)).problems)

    # Every member of the winning team becomes a registry candidate, the result linked.
    assert await registry.sync_contest_candidates(session, OFFICE) == 3
    candidates = (await session.exec(select(Candidate).order_by(Candidate.id))).all()
    assert [(c.person_id, c.entry_id) for c in candidates] == [(m.person_id, board.rows[0].entry_id) for m in team]
    assert "团队成员" in candidates[1].documents[0]["name"]
    assert await registry.sync_contest_candidates(session, OFFICE) == 0  # once
    results = await registry.contest_results(session, team[2].person_id)
    assert [(r["project"], r["rank"], r["team"]) for r in results] == [(PROJECT_TITLES[0], 1, winner.team)]


async def test_a_blind_board_hides_the_team_with_the_name(session, client):
    contest = await project_contest(session)
    await set_visibility(session, contest, "blind")
    board = await boards.board(session, contest.track.id)
    assert board.rows[0].team and all(r.team == () and r.name is None for r in board.public.rows)
    feed = (await client.get("/api/events/gongyou/tracks/innovation/board")).json()
    assert all(not r["team"] and "team_unit_ids" not in r for r in feed["rows"])


async def test_a_project_entered_after_the_draw_is_counted_as_a_project(session, client):
    contest = await project_contest(session)
    await events.set_event_status(session, contest.event, "registration")  # 补报, before scoring
    late = [["快递分拣扫码防错工装", "负责人", *person(20, *PROJECT_UNITS[0])]]
    report = await events.import_projects(session, contest.track, "late.xlsx", xlsx(late, PROJECT_HEADER),
                                          id_key=ID_KEY.encode())
    assert report.imported == 1, report
    await sign_in_organiser(client, session)
    page = text_of((await client.get("/admin/events/gongyou/tracks/innovation")).text)
    assert "1 个项目待抽签" in page and "名选手" not in page
    board = text_of((await client.get("/events/gongyou/tracks/innovation")).text)
    assert "共 3 项" in board and "另有 1 项已报名、待抽签" in board and "名已报名" not in board
