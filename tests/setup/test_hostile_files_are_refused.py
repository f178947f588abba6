"""Hostile files at every import — contestants (page and command line), judges, a question bank,
craftsmen, studios, paper marks: formula cells, zip bombs, XML entity bombs, files too long or too
large, and encodings that are neither UTF-8 nor GBK. Each is refused with a message a clerk can act
on (a 400 or 413 on the web, exit 1 and what is wrong on the command line), before it is unpacked
or parsed, and nothing is written."""
import io
import os
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from sqlmodel import func, select

from contest import tables
from contest.events import importers as contestants
from contest.events import service as events
from contest.events.models import Entry, Judge
from contest.exams import importers as questions
from contest.exams.models import Question
from contest.people.models import Person
from contest.registry import importers as craftsmen
from contest.studios import importers as studios
from contest.studios.models import Studio
from tests.builders import make_contest, scorers

ROWS_OVER = tables.MAX_ROWS + 20


def workbook(columns, rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(list(columns))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(columns, sheet_xml: bytes) -> bytes:
    """A workbook whose first sheet's XML is replaced (the rest stays a valid XLSX)."""
    source = zipfile.ZipFile(io.BytesIO(workbook(columns, [])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return out.getvalue()


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def zip_bomb(columns) -> bytes:
    """About 60 MB of rows unzipped, some 250 KB zipped."""
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    return with_sheet(columns, SHEET_HEAD + row * 250_000 + SHEET_TAIL)


def entity_bomb(columns) -> bytes:
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
    return with_sheet(columns, b'<?xml version="1.0"?>' + laughs + SHEET_HEAD[38:] +
                      b'<row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>' + SHEET_TAIL)


def formula_cells(columns) -> bytes:
    """A formula in every cell of the data row (as a spreadsheet saves them, with no cached value)."""
    return workbook(columns, [["=1+1", '=HYPERLINK("http://x.cn","点我")', *["=A1"] * (len(columns) - 2)]])


def long_csv(columns) -> bytes:
    return ("\n".join([",".join(columns), *(f"行{n}," * len(columns) for n in range(ROWS_OVER))]) + "\n").encode()


HOSTILE = {  # file name, content for the import's columns, what the clerk is told
    "zip bomb": ("名单.xlsx", zip_bomb, "解压后超过"),
    "entity bomb": ("名单.xlsx", entity_bomb, "Excel"),
    "formula cells": ("名单.xlsx", formula_cells, None),
    "too many rows": ("名单.csv", long_csv, "超过 20000 行"),
    "not UTF-8 or GBK": ("名单.csv", lambda columns: b"\xff\xfe\xfa\x81\x30\x00\xfe" * 50, "编码"),
    "not a workbook": ("名单.xlsx", lambda columns: b"PK\x03\x04 truncated garbage" * 10, "无法打开"),
    "NUL bytes": ("名单.csv", lambda columns: ",".join(columns).encode() + b"\n\x00\x00,\x00\n", None),
}
IMPORTS = {  # where each import is uploaded, and its columns
    "contestants": ("/admin/events/cook/tracks/chef/import", contestants.CONTESTANTS.columns),
    "judges": ("/admin/events/cook/judges/import", contestants.JUDGES.columns),
    "questions": ("/admin/exams/banks/{bank}/import", questions.LAYOUT.columns),
    "craftsmen": ("/admin/registry/import", craftsmen.CRAFTSMEN.columns),
    "studios": ("/admin/studios/import", studios.STUDIOS.columns),
}


async def written(session) -> tuple[int, ...]:
    return tuple([(await session.exec(select(func.count()).select_from(model))).one()
                  for model in (Entry, Person, Studio, Judge, Question)])


async def registration_open(session):
    """The contest taken back to 报名中 (scoring has not begun): the lifecycle takes imports then."""
    contest = await make_contest(session)
    await events.set_event_status(session, contest.event, "registration")
    return contest


@pytest.mark.parametrize("kind", sorted(IMPORTS))
async def test_every_hostile_file_is_refused_and_writes_nothing(organiser, session, kind):
    await registration_open(session)
    url, columns = IMPORTS[kind]
    if "{bank}" in url:
        bank = await organiser.form("/admin/exams/banks", {"name": "中式烹调师"})
        url = url.format(bank=bank.headers["location"].rstrip("/").rsplit("/", 1)[1])
    before = await written(session)
    for case, (filename, make, told) in HOSTILE.items():
        response = await organiser.form(url, files={"file": (filename, make(columns))})
        assert response.status_code in (200, 400), (case, response.status_code, response.text[:300])
        if told:
            assert response.status_code == 400 and told in response.text, (case, response.text[:500])
        assert await written(session) == before, case


async def test_an_upload_over_the_limit_is_a_413(organiser, session):
    await make_contest(session)
    response = await organiser.form(IMPORTS["contestants"][0], files={"file": ("名单.csv", b"x" * 21_000_000)})
    assert response.status_code == 413 and "过大" in response.text


def test_the_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = zip_bomb(contestants.CONTESTANTS.columns)
    assert len(bomb) < 500_000  # 60 MB unzipped
    with pytest.raises(tables.ImportFileError, match="解压后超过"):
        tables.read_table("名单.xlsx", bomb, contestants.CONTESTANTS)


def cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "contest.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


async def test_the_command_line_imports_refuse_them_in_one_line(settings, session, tmp_path):
    contest = await registration_open(session)
    bomb = tmp_path / "名单.xlsx"
    bomb.write_bytes(zip_bomb(contestants.CONTESTANTS.columns))
    result = cli(settings, "import", "contestants", str(bomb), "--event", "cook", "--track", "chef")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1 and "解压后超过" in result.stderr
    await scorers(session, contest, "录分员甲")
    marks = tmp_path / "marks.csv"
    for content, told in ((b"entry,stage,criterion,judge,mark\n001,practical,prep,J02,=1+1\n", "不是数字"),
                          (b"entry,stage,criterion,judge,mark\n\xff\xfe\xfa\x81", "编码")):
        marks.write_bytes(content)
        result = cli(settings, "marks", "import", str(marks), "--event", "cook", "--scorer", "录分员甲", "--pass", "1")
        assert result.returncode == 1 and told in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert await written(session) == (len(contest.entries), len(contest.entries), 0, len(contest.judges), 0)
