"""The chief judge opens any submitted sheet from the progress grid and reads its marks, by
criterion name and as the judge typed them, with the entry's blind code only; nothing can be changed there."""
from sqlmodel import select

from contest.judging.models import Sheet
from tests.builders import make_contest, sign_in_judge, submit
from tests.support import text_of


async def test_the_grid_links_each_submitted_sheet_to_its_marks_read_only(client, session):
    contest = await make_contest(session, contestants=3, judges=3)
    entry, judge = contest.entries[1], contest.judges[2]
    await submit(session, contest, judge, contest.practical, entry,
                 {"prep": "7.50", "skill": "31", "quality": "28.5", "safety": "1"})
    sheet = (await session.exec(select(Sheet).where(Sheet.entry_id == entry.id, Sheet.judge_id == judge.id))).one()
    assert (await sign_in_judge(client, contest, "J01")).status_code == 200
    console = await client.get(f"/chief/stages/{contest.practical.id}")
    link = f"/chief/stages/{contest.practical.id}/sheets/{sheet.id}"
    assert link in console.text

    page = await client.get(link)
    assert page.status_code == 200
    text = text_of(page.text)
    assert entry.blind_code in text and judge.number in text and "已提交" in text
    assert entry.bib not in text  # blind codes only
    assert "7.5" in text and "28.5" in text and "7.5000" not in text
    assert "<form" not in page.text.split("<main", 1)[-1].split("</main>")[0]  # read-only: nothing to submit on it


async def test_only_the_chief_reads_sheets_and_only_of_the_stage(client, session):
    contest = await make_contest(session, contestants=2, judges=3)
    await submit(session, contest, contest.judges[1], contest.practical, contest.entries[0],
                 {"prep": "8", "skill": "30", "quality": "30", "safety": "1"})
    sheet = (await session.exec(select(Sheet))).one()
    assert (await sign_in_judge(client, contest, "J02")).status_code == 200
    assert (await client.get(f"/chief/stages/{contest.practical.id}/sheets/{sheet.id}")).status_code == 404
    assert (await sign_in_judge(client, contest, "J01")).status_code == 200
    assert (await client.get(f"/chief/stages/{contest.theory.id}/sheets/{sheet.id}")).status_code == 404
