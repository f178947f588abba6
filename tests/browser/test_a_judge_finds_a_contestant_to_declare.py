"""A judge at the pledge on a tablet, with a hall of contestants to declare relations to: the list
narrows as they type a name's pinyin initials (or a name, or an admission number), a ticked
contestant stays in sight whatever is typed, and the declaration made through the narrowed list
recuses exactly that contestant. The choices are finger-sized."""
import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest.events.models import Entry, Recusal
from tests.builders import judge_on_a_tablet, make_contest

pytestmark = pytest.mark.browser


async def test_the_pledge_list_narrows_as_the_judge_types(browser, live_server, session, clean_db):
    contest = await make_contest(session, contestants=12, judges=3, pledged=False)
    entries = (await session.exec(select(Entry).order_by(Entry.bib))).all()
    context, page = await judge_on_a_tablet(browser, live_server, contest, "J02", lands="/judge/pledge")
    choices = page.locator("#pledge-entries label.check")
    await expect(choices).to_have_count(12)

    await page.fill("[data-filter='#pledge-entries']", "wjh")  # 王建华, twice among twelve (names repeat)
    await expect(choices.locator("visible=true")).to_have_count(2)
    await expect(choices.locator("visible=true").first).to_contain_text("王建华")
    ticked = choices.locator("visible=true").first.locator("input")
    chosen_id = int(await ticked.get_attribute("value"))
    await ticked.check()
    other = next(e for e in entries if e.id != chosen_id)
    await page.fill("[data-filter='#pledge-entries']", other.bib)
    visible = choices.locator("visible=true")
    await expect(visible).to_have_count(2)  # the one typed for, and the ticked one
    box = await visible.first.bounding_box()
    assert box and box["height"] >= 40  # a finger, not a mouse pointer

    await page.fill("input[name=relation]", "该选手是本人的徒弟")
    await page.check("input[name=agree]")
    await page.click("#pledge button:has-text('签署承诺书')")
    await page.wait_for_url(f"{live_server}/judge")
    judge = contest.judges[1]
    recused = (await session.exec(select(Recusal.entry_id).where(Recusal.judge_id == judge.id))).all()
    assert recused == [chosen_id]
    await context.close()
