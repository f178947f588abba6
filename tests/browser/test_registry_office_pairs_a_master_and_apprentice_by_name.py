"""The registry office in a browser: a clerk finds a master and an apprentice by typing their
names (the person picker), registers the mentorship, then closes it with its outcome and the
apprentice's new skill level; every page on the way speaks Chinese."""
import pytest
from sqlmodel import select

from contest import clock
from contest.registry.models import Mentorship
from tests.browser.speaks_chinese import assert_chinese
from tests.builders import staff_page, worker

pytestmark = pytest.mark.browser


async def test_a_clerk_pairs_people_by_name_and_records_the_rise(browser, live_server, session, clean_db):
    master = await worker(session, "张建华", skill_level=1)
    apprentice = await worker(session, "李小龙", n=1, skill_level=4)
    page = await staff_page(browser, live_server, session, "registry_reviewer", "/admin/registry/")
    await assert_chinese(page)

    await page.fill("input[name=master]", "张建")
    await page.locator(f"input[name=master_id][value='{master.id}']").wait_for()
    await page.fill("input[name=apprentice]", "小龙")
    await page.locator(f"input[name=apprentice_id][value='{apprentice.id}']").check()
    today = clock.today()
    await page.fill("input[name=starts_on]", today.replace(year=today.year - 2).isoformat())
    await page.fill("input[name=ends_on]", today.isoformat())
    await page.fill("input[name=goals]", "掌握数控编程")
    await page.click("#mentorship button")
    await page.wait_for_url(f"**/admin/registry/people/{master.id}#mentorships")
    await assert_chinese(page)

    await page.fill("input[name=outcome]", "独立完成数控编程")
    await page.select_option("select[name=level] >> nth=-1", "3")
    await page.click("#mentorships form button")
    await page.wait_for_load_state("networkidle")
    assert "技能等级 四级/中级工 → 三级/高级工" in await page.inner_text("#mentorships")
    await page.click(f"#mentorships a[href='/admin/registry/people/{apprentice.id}']")
    assert "三级/高级工" in await page.inner_text("#skill-level")
    assert "名师带徒结业" in await page.inner_text("#history")
    await assert_chinese(page)
    await page.goto(f"{live_server}/admin/registry/people?q=李")
    await assert_chinese(page)
    pair = (await session.exec(select(Mentorship))).one()
    assert (pair.level_before, pair.level_after) == (4, 3)
    await page.close()
