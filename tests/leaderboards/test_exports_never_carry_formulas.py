"""Names typed by outsiders (a contestant, a unit, a title, the event itself) that start like a
spreadsheet formula come out of every XLSX and CSV export as text that no spreadsheet evaluates;
numbers stay numbers."""
import csv
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import openpyxl

from contest import clock
from contest.events import service as events
from contest.inert import formula_like
from contest.people.models import Area
from tests.builders import person, running_contest, sign_in_organiser, signed_off_contest

HOSTILE_NAMES = ["=cmd|'/C calc'!A", "@王芳", "-王芳+李", "+王芳", "\t=王芳", "\r=王芳"]
STORED_NAMES = [name.strip() for name in HOSTILE_NAMES]  # an import strips the tab and CR
HOSTILE_UNIT = "+cmd|' /C notepad'!A0 香城酒店"


def hostile_rows() -> list[list[str]]:
    rows = [person(i, unit=HOSTILE_UNIT if i % 2 else "咸安区香城大酒店") for i in range(len(HOSTILE_NAMES))]
    for row, name in zip(rows, HOSTILE_NAMES, strict=True):
        row[0] = name
    return rows


def assert_inert(xlsx: bytes, expected: list[str]) -> None:
    """No formula anywhere in the file; every formula-like text is a quote-prefixed text cell; the
    expected texts are all there exactly as typed, and ranks are numbers."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    texts, numbers = set(), []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.update(part for part in [cell.value, *cell.value.split(" · ")])
                elif isinstance(cell.value, int | float):
                    numbers.append(cell.value)
    assert set(expected) <= texts, set(expected) - texts
    assert numbers, "ranks and counts stay numbers"


async def published_hostile_contest(client, session):
    session.add(Area(code="421202", name="咸安区"))
    await session.commit()
    contest = await running_contest(session, events.EventInput(slug="cook", name="@烹饪大赛", year=clock.today().year,
                                                               visibility="named"), hostile_rows(), 3)
    await sign_in_organiser(client, session)
    await signed_off_contest(session, contest)
    await client.form("/admin/events/cook/publication/titles", {"up_to_rank": "2", "title": "=技术能手"})
    await client.form("/admin/events/cook/publication/notice", {"starts_on": str(clock.today()),
                                                                "ends_on": str(clock.today() + timedelta(days=6))})
    return contest


async def test_results_notice_report_and_marks_are_inert(client, session):
    """The public downloads and the organiser's own (every row, judges' own numbers) alike."""
    contest = await published_hostile_contest(client, session)
    for event in ("/events/cook", "/admin/events/cook"):
        results = await client.get(f"{event}/tracks/{contest.track.slug}/results.xlsx")
        assert results.status_code == 200
        assert_inert(results.content, [*STORED_NAMES, HOSTILE_UNIT, "@烹饪大赛", "=技术能手"])
        notice = await client.get(f"{event}/notice.xlsx")
        assert notice.status_code == 200
        assert_inert(notice.content, [*STORED_NAMES, HOSTILE_UNIT, "=技术能手"])
        marks = await client.get(f"{event}/tracks/{contest.track.slug}/marks.csv")
        assert marks.status_code == 200
        cells = [cell for row in csv.reader(io.StringIO(marks.content.decode("utf-8-sig"))) for cell in row]
        assert len(cells) > 20 and not any(formula_like(cell) for cell in cells)
    report = await client.get(f"/admin/registry/report.xlsx?year={clock.today().year}")
    assert report.status_code == 200
    assert_inert(report.content, ["=技术能手"])


def test_csv_cells_get_an_apostrophe_and_numbers_stay_numbers():
    from contest.inert import csv_text

    text = csv_text([["=1+1", "+7", "-3.5", "-3+2", "@A1", "\t=x", 12, "王芳", ""]])
    assert next(csv.reader(io.StringIO(text))) == ["'=1+1", "+7", "-3.5", "'-3+2", "'@A1", "'\t=x", "12", "王芳", ""]


def test_xlsx_cells_keep_their_text_and_numbers_stay_numbers():
    from contest.tables import append_row

    book = openpyxl.Workbook()
    append_row(book.active, ["\t=x", "\r@y", "=1+1", -3.5, 7, "-3.5", "王芳"])
    out = io.BytesIO()
    book.save(out)
    assert_inert(out.getvalue(), ["\t=x", "\n@y", "=1+1", "-3.5", "王芳"])  # XML reads a CR back as LF
    row = next(openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert row[3:5] == (-3.5, 7)


def test_the_offline_results_csv_is_inert_and_keeps_its_figures():
    """`contest results compute` writes names from the user's own files (groups, award names)."""
    from contest.scoring import Mark, compute, load_scheme_text, results_to_csv

    scheme = load_scheme_text("scheme: 1\nname: t\nstages: [{key: s, name: S, criteria: [{key: a, name: A, max: 10, "
                              "kind: judgement}]}]\nawards: {tiers: [{name: '=一等奖', count: 1}]}\n")
    results = compute(scheme, [Mark("E1", "s", "a", "J1", Decimal("8.5"))], groups={"E1": "@甲组"})
    rows = list(csv.reader(io.StringIO(results_to_csv(scheme, results))))
    assert rows[1] == ["'@甲组", "1", "E1", "8.50", "8.50", "'=一等奖", "ok"]
