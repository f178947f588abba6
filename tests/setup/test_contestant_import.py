"""Bulk import of contestants: every bad row is reported and nothing is written, unless the
organiser chooses to skip bad rows; units not yet known are created and listed."""
from datetime import date

from sqlmodel import func, select

from contest.events import service
from contest.events.models import Entry, Recusal
from contest.people.identity import make_id_number
from contest.people.models import Person, Unit
from tests.builders import HEADER, make_event, person, xlsx
from tests.support import ID_KEY


async def _count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_good_file_imports_every_row_and_creates_units(organiser, session):
    await make_event(session)
    rows = [person(i) for i in range(5)] + [person(9, unit="赤壁新开的茶厂")]
    response = await organiser.form("/admin/events/cooking-2026/tracks/cook/import",
                                    files={"file": ("名单.xlsx", xlsx(rows))})
    assert response.status_code == 200
    assert "已导入 6 名选手" in response.text
    assert "赤壁新开的茶厂" in response.text
    assert await _count(session, Entry) == 6
    people = (await session.exec(select(Person))).all()
    assert all(p.id_masked.startswith("4212") and "*" in p.id_masked for p in people)
    assert not any(make_id_number("421202", date(1985, 1, 1), 0, "女") in str(p.model_dump()) for p in people)


async def test_bad_rows_are_all_listed_and_nothing_is_written(organiser, session):
    await make_event(session)
    bad_id = person(2)
    bad_id[2] = bad_id[2][:-1] + ("0" if bad_id[2][-1] != "0" else "1")
    rows = [person(1), bad_id, ["", "男", person(3)[2], "", "某单位", "咸安区", ""], person(1)]
    response = await organiser.form("/admin/events/cooking-2026/tracks/cook/import",
                                    files={"file": ("名单.xlsx", xlsx(rows))})
    assert response.status_code == 200
    assert "未导入任何数据" in response.text
    for row, word in ((3, "校验"), (4, "姓名"), (5, "第2行")):
        assert f"<td>{row}</td>" in response.text and word in response.text
    assert await _count(session, Entry) == 0
    assert await _count(session, Person) == 0
    assert await _count(session, Unit) == 0


async def test_skip_bad_rows_imports_the_rest(organiser, session):
    await make_event(session)
    rows = [person(1), ["", "", "123", "", "", "火星", ""], person(2)]
    response = await organiser.form("/admin/events/cooking-2026/tracks/cook/import", {"skip_bad": "1"},
                                    files={"file": ("名单.xlsx", xlsx(rows))})
    assert "已导入 2 名选手" in response.text
    assert await _count(session, Entry) == 2


async def test_gbk_csv_imports_like_excel_saves_it(session):
    event, track = await make_event(session)
    csv_text = ",".join(HEADER) + "\n" + "\n".join(",".join(person(i)) for i in range(3)) + "\n"
    report = await service.import_contestants(session, track, "名单.csv", csv_text.encode("gbk"),
                                              id_key=ID_KEY.encode())
    assert report.imported == 3 and not report.problems


async def test_importing_the_same_person_twice_into_a_track_is_a_bad_row(session):
    event, track = await make_event(session)
    await service.import_contestants(session, track, "a.xlsx", xlsx([person(1)]), id_key=ID_KEY.encode())
    report = await service.import_contestants(session, track, "b.xlsx", xlsx([person(1), person(2)]),
                                              id_key=ID_KEY.encode())
    assert report.imported == 0 and [p.row for p in report.problems] == [2]
    assert "已报名" in report.problems[0].problem


async def test_dry_run_writes_nothing(session):
    event, track = await make_event(session)
    report = await service.import_contestants(session, track, "a.xlsx", xlsx([person(1)]), id_key=ID_KEY.encode(),
                                              dry_run=True)
    assert report.good == 1 and report.imported == 0
    assert await _count(session, Entry) == 0


async def test_judge_from_a_contestants_unit_is_recused_automatically(session):
    event, track = await make_event(session)
    await service.import_contestants(session, track, "a.xlsx", xlsx([person(1), person(2, unit="嘉鱼某公司")]),
                                     id_key=ID_KEY.encode())
    unit = (await session.exec(select(Unit).where(Unit.name == "咸安区香城大酒店"))).one()
    judge, pin = await service.add_judge(session, event, "张评委", unit.id)
    other, _ = await service.add_judge(session, event, "李评委", None)
    stage = (await service.list_stages(session, (await service.list_rounds(session, track))[0]))[-1]
    await service.create_panel(session, stage, "第一组", [judge.id, other.id], other.id)
    recusals = (await session.exec(select(Recusal))).all()
    assert len(recusals) == 1 and recusals[0].judge_id == judge.id
    assert "同一单位" in recusals[0].reason
