"""`contest marks import` checks the whole file first and lists every bad row with its row number
(a recused pair is called what it is), entering nothing; judge numbers are read as people write
them (J5 = J05 = 5), and an XLSX with the Chinese headers works like the CSV."""
import re

from sqlmodel import select

from contest.events.models import Recusal
from contest.judging.models import PaperEntry
from tests.builders import scorers, xlsx
from tests.setup.cli_runner import assert_ok, run_cli

GOOD = {"prep": "8", "skill": "30", "quality": "31", "safety": "0.5"}


def csv_text(rows: list[tuple[str, str, str, str, str]]) -> str:
    return "entry,stage,criterion,judge,mark\n" + "".join(",".join(row) + "\n" for row in rows)


def sheet(code: str, judge: str, marks: dict) -> list[tuple[str, str, str, str, str]]:
    return [(code, "practical", key, judge, value) for key, value in marks.items()]


def marks_import(settings, path, *extra: str):
    return run_cli(settings, "marks", "import", str(path), "--event", "cook", "--scorer", "录分员甲", "--pass", "1",
                   *extra)


async def test_every_bad_row_is_listed_with_its_row_and_nothing_is_entered(contest, settings, session, tmp_path):
    await scorers(session, contest, "录分员甲")
    first, second, third = (e.blind_code for e in contest.entries[:3])
    session.add(Recusal(judge_id=contest.judges[2].id, entry_id=contest.entries[2].id, reason="与选手同一单位"))
    await session.commit()
    rows = (sheet(first, "J2", GOOD)                                        # rows 2–5: good, J2 = J02
            + sheet(second, "5", {**GOOD, "skill": "三十"})                  # rows 6–9: row 7 not a number
            + sheet("X999", "J02", GOOD)[:1]                                 # row 10: no such blind code
            + sheet(third, "J03", GOOD)                                      # rows 11–14: J03 is recused
            + [(first, "practical", "prep", "", "8")]                        # row 15: no judge number
            + sheet(second, "J04", {**GOOD, "quality": "45"}))               # rows 16–19: row 18 above the max
    path = tmp_path / "第一遍.csv"
    path.write_text(csv_text(rows), encoding="utf-8")

    result = marks_import(settings, path)

    assert result.returncode == 1 and "Traceback" not in result.stderr
    *lines, summary = result.stderr.strip().splitlines()
    by_row = {int(re.match(r"第一遍\.csv 第(\d+)行 ", line)[1]): line for line in lines}
    assert sorted(by_row) == [7, 10, 11, 15, 18], result.stderr
    assert "三十" in by_row[7] and "不是数字" in by_row[7]
    assert "X999" in by_row[10]
    assert "回避" in by_row[11] and "同一单位" in by_row[11] and "不存在" not in by_row[11]
    assert "第12、13、14行" in by_row[11]  # the other rows of that sheet
    assert "裁判编号" in by_row[15]
    assert "成品质量" in by_row[18]
    assert "5 行错误" in summary and "未录入" in summary
    assert (await session.exec(select(PaperEntry))).all() == []


async def test_an_xlsx_with_chinese_headers_and_judge_numbers_as_written(contest, settings, session, tmp_path):
    await scorers(session, contest, "录分员甲")
    code = contest.entries[0].blind_code
    path = tmp_path / "第一遍.xlsx"
    path.write_bytes(xlsx([list(row) for row in sheet(code, "j3", GOOD)],
                          header=["加密号", "环节", "评分项", "裁判编号", "评分"]))

    result = marks_import(settings, path)

    assert_ok(result)
    assert f"等待另一名录分员录入：环节 实际操作 加密号 {code} 裁判 J03" in result.stdout
    entered = (await session.exec(select(PaperEntry))).one()
    assert entered.judge_id == contest.judges[2].id and entered.marks["safety"] == "0.5"
