"""`contest import contestants`: a good file imports every row; a file with bad rows lists every bad
row as `FILE 第N行 列名：问题`, exits non-zero and changes nothing, unless --skip-bad;
--dry-run writes nothing; unknown slugs and missing files fail in one line; --template writes
the template."""
import re

import openpyxl

from tests.builders import HEADER, xlsx
from tests.setup.cli_runner import (
    assert_ok,
    assert_one_line_failure,
    contestant,
    count_entries,
    make_track,
    run_cli,
    table_counts,
)

EVENT, TRACK = "welding-2027", "welder"
PROBLEM_LINE = re.compile(r"(?:.*/)?名单\.xlsx 第(?P<row>\d+)行 (?P<column>[^：]+)：(?P<problem>.+)")


def import_args(path, *extra: str) -> list[str]:
    return ["import", "contestants", str(path), "--event", EVENT, "--track", TRACK, *extra]


def bad_file_rows() -> tuple[list[list[str]], set[tuple[int, str]]]:
    """Six good rows and seven bad ones (one problem each); the (row, column) of every problem.
    Spreadsheet row numbers: the header is row 1, so the k-th data row (from 0) is row k + 2."""
    rows = [contestant(i) for i in range(6)]
    bad: list[tuple[list[str], str]] = []
    wrong_check = contestant(6)
    wrong_check[2] = wrong_check[2][:-1] + ("0" if wrong_check[2][-1] != "0" else "1")
    bad.append((wrong_check, "身份证号"))
    bad.append(([*contestant(7)[:0], "王伟2", *contestant(7)[1:]], "姓名"))
    bad.append((contestant(8)[:5] + ["火星", contestant(8)[6]], "县(市、区)"))
    bad.append((contestant(9)[:4] + ["", *contestant(9)[5:]], "工作单位"))
    bad.append((contestant(10)[:3] + ["12345", *contestant(10)[4:]], "手机号"))
    bad.append((contestant(11)[:6] + ["特级"], "职业技能等级"))
    bad.append((contestant(2), "身份证号"))  # the same person as the third good row
    expected = set()
    for row, column in bad:
        rows.append(row)
        expected.add((len(rows) + 1, column))
    return rows, expected


async def test_good_xlsx_imports_every_row(settings, pg_url, session, tmp_path):
    await make_track(session)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([contestant(i) for i in range(25)]))
    result = run_cli(settings, *import_args(path))
    assert_ok(result)
    assert "已导入选手 25 人" in result.stdout
    assert result.stderr == ""
    assert await count_entries(pg_url, EVENT, TRACK) == 25
    counts = await table_counts(pg_url)
    assert counts["person"] == 25 and counts["unit"] == len({row[4] for row in map(contestant, range(25))})


async def test_gbk_csv_imports_like_excel_saves_it(settings, pg_url, session, tmp_path):
    await make_track(session)
    path = tmp_path / "名单.csv"
    text = "\r\n".join(",".join(row) for row in [HEADER, *map(contestant, range(8))]) + "\r\n"
    path.write_bytes(text.encode("gbk"))
    assert_ok(run_cli(settings, *import_args(path)))
    assert await count_entries(pg_url, EVENT, TRACK) == 8


async def test_bad_rows_are_each_listed_and_nothing_is_imported(settings, pg_url, session, tmp_path):
    await make_track(session)
    rows, expected = bad_file_rows()
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(rows))
    before = await table_counts(pg_url)

    result = run_cli(settings, *import_args(path))

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    *problem_lines, summary = result.stderr.splitlines()
    matches = [PROBLEM_LINE.fullmatch(line) for line in problem_lines]
    assert all(matches), problem_lines
    found = [(int(m["row"]), m["column"]) for m in matches]
    assert set(found) == expected and len(found) == len(expected)
    assert found == sorted(found, key=lambda rc: rc[0])  # in the order of the sheet
    assert any("第4行" in m["problem"] for m in matches)  # the duplicate names the row it repeats
    assert "7" in summary and "名单.xlsx" in summary
    assert await table_counts(pg_url) == before


async def test_skip_bad_imports_the_good_rows(settings, pg_url, session, tmp_path):
    await make_track(session)
    rows, expected = bad_file_rows()
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(rows))

    result = run_cli(settings, *import_args(path, "--skip-bad"))

    assert_ok(result)
    assert f"已导入选手 {len(rows) - len(expected)} 人" in result.stdout
    assert {(int(m["row"]), m["column"]) for m in map(PROBLEM_LINE.fullmatch, result.stderr.splitlines())} == expected
    assert await count_entries(pg_url, EVENT, TRACK) == len(rows) - len(expected)


async def test_dry_run_imports_nothing(settings, pg_url, session, tmp_path):
    await make_track(session)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([contestant(i) for i in range(10)]))
    before = await table_counts(pg_url)

    result = run_cli(settings, *import_args(path, "--dry-run"))

    assert_ok(result)
    assert "仅检查" in result.stdout and "正确 10 行" in result.stdout
    assert await table_counts(pg_url) == before
    # and the real import afterwards still finds every row new
    assert_ok(run_cli(settings, *import_args(path)))
    assert await count_entries(pg_url, EVENT, TRACK) == 10


async def test_dry_run_of_a_bad_file_lists_the_bad_rows_and_imports_nothing(settings, pg_url, session, tmp_path):
    await make_track(session)
    rows, expected = bad_file_rows()
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(rows))
    before = await table_counts(pg_url)

    result = run_cli(settings, *import_args(path, "--dry-run"))

    assert "Traceback" not in result.stderr
    found = {(int(m["row"]), m["column"]) for m in map(PROBLEM_LINE.fullmatch, result.stderr.splitlines()) if m}
    assert found == expected
    assert await table_counts(pg_url) == before


async def test_unknown_event_or_track_is_named_in_one_line(settings, pg_url, session, tmp_path):
    await make_track(session)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([contestant(1)]))
    before = await table_counts(pg_url)
    assert_one_line_failure(run_cli(settings, "import", "contestants", str(path), "--event", "nope-2099",
                                    "--track", TRACK), "nope-2099")
    assert_one_line_failure(run_cli(settings, "import", "contestants", str(path), "--event", EVENT,
                                    "--track", "no-such-track"), "no-such-track")
    assert await table_counts(pg_url) == before


async def test_missing_or_unreadable_file_fails_in_one_line(settings, session, tmp_path):
    await make_track(session)
    assert_one_line_failure(run_cli(settings, *import_args(tmp_path / "没有这个文件.xlsx")), "没有这个文件.xlsx")
    notes = tmp_path / "名单.txt"
    notes.write_text("姓名\n王建华\n", encoding="utf-8")
    assert_one_line_failure(run_cli(settings, *import_args(notes)))
    broken = tmp_path / "名单.xlsx"
    broken.write_bytes(b"not a spreadsheet")
    assert_one_line_failure(run_cli(settings, *import_args(broken)))
    assert_one_line_failure(run_cli(settings, "import", "contestants", str(broken)), "--event")


def test_template_has_the_ten_columns(settings, tmp_path):
    out = tmp_path / "out.xlsx"
    assert_ok(run_cli(settings, "import", "contestants", "--template", str(out)))
    book = openpyxl.load_workbook(out)
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == ["姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级",
                      "一线职工", "农民工", "新就业形态"]


def test_template_into_a_missing_folder_fails_in_one_line(settings, tmp_path):
    out = tmp_path / "no-such-folder" / "out.xlsx"
    assert_one_line_failure(run_cli(settings, "import", "contestants", "--template", str(out)), "out.xlsx")
    assert not out.exists()
