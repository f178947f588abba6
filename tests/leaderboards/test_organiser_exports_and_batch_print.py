"""The organiser takes the results away from the event's admin page: the results workbook with
scores as numbers and columns wide enough to read, the marks with the judges' own numbers, the
notice with each stage's sub-score, and all certificates of a track in one printable document."""
import csv
import io

import openpyxl

from contest.leaderboards import service as boards
from tests.builders import final_contest, public_contest, sign_in_organiser
from tests.support import text_of


async def finished(session):
    contest = await public_contest(session)
    await final_contest(session, contest)
    await boards.issue_certificates(session, contest.event, contest.track)
    return contest


def workbook(response) -> openpyxl.worksheet.worksheet.Worksheet:
    assert response.status_code == 200, response.text
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


async def test_the_admin_page_offers_every_export_and_each_answers(client, session):
    contest = await finished(session)
    await sign_in_organiser(client, session)
    page = (await client.get(f"/admin/events/{contest.event.slug}")).text
    base = f"/admin/events/{contest.event.slug}"
    links = [f"{base}/tracks/chef/results.xlsx", f"{base}/tracks/chef/marks.csv", f"{base}/tracks/chef/certificates",
             f"{base}/notice.xlsx"]
    for link in links:
        assert f'href="{link}"' in page
        assert (await client.get(link)).status_code == 200, link


async def test_results_are_numbers_with_their_decimals_and_readable_columns(client, session):
    contest = await finished(session)
    await sign_in_organiser(client, session)
    sheet = workbook(await client.get(f"/admin/events/{contest.event.slug}/tracks/chef/results.xlsx"))
    header = [c.value for c in sheet[2]]
    total = header.index("总分") + 1
    practical = header.index("实际操作") + 1
    rows = list(sheet.iter_rows(min_row=3))
    assert len(rows) == len(contest.entries)
    for row in rows:
        assert isinstance(row[total - 1].value, int | float) and row[total - 1].number_format == "0.00"
        assert isinstance(row[practical - 1].value, int | float)
    assert sheet.column_dimensions["D"].width >= 30  # 单位: the long names of units fit
    assert sheet.cell(2, 1).font.bold


async def test_marks_csv_has_every_mark_with_the_judges_numbers(client, session):
    contest = await finished(session)
    await sign_in_organiser(client, session)
    answer = await client.get(f"/admin/events/{contest.event.slug}/tracks/chef/marks.csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {r["judge"] for r in rows} == {j.number for j in contest.judges}
    assert len(rows) == len(contest.entries) * (1 + 4 * len(contest.judges))  # theory + four practical criteria


async def test_the_notice_carries_each_stages_sub_score(client, session):
    contest = await finished(session)
    await sign_in_organiser(client, session)
    sheet = workbook(await client.get(f"/admin/events/{contest.event.slug}/notice.xlsx"))
    header_row = next(r for r in sheet.iter_rows() if r[0].value == "名次")
    header = [c.value for c in header_row]
    assert header[4:6] == ["理论知识", "实际操作"] and "总分" in header
    first = sheet[header_row[0].row + 1]
    assert all(isinstance(first[i].value, int | float) for i in (4, 5, header.index("总分")))


async def test_a_tracks_certificates_print_as_one_document_without_the_site_menu(client, session):
    contest = await finished(session)
    await sign_in_organiser(client, session)
    issued = await boards.track_certificates(session, contest.track)
    assert issued
    page = await client.get(f"/admin/events/{contest.event.slug}/tracks/chef/certificates")
    assert page.text.count('<div class="certificate') == len(issued)
    assert "<nav" not in page.text
    for cert in issued:
        assert cert.holder in text_of(page.text) and cert.code in page.text


async def test_only_organisers_take_exports(client, session):
    contest = await finished(session)
    answer = await client.get(f"/admin/events/{contest.event.slug}/tracks/chef/results.xlsx")
    assert answer.status_code in (302, 303, 401, 403)
