"""The notice (公示) and a results board print on A4 as paper should look: no site navigation, no
filters or buttons, and every column on the page (nothing cut off at the right edge)."""
from datetime import timedelta

import pytest

from contest import clock
from contest.leaderboards import service as boards
from tests.browser.paper import A4_CONTENT_WIDTH, pdf_text, printed
from tests.builders import CONTACT, public_contest, signed_off_contest

pytestmark = pytest.mark.browser

async def test_notice_and_results_print_on_a4(browser, live_server, session, clean_db, tmp_path):
    contest = await public_contest(session)
    await signed_off_contest(session, contest)
    title = "推荐授予“咸宁市技术能手”称号"
    await boards.add_title_rule(session, contest.event, 3, title, True)
    today = clock.today()
    await boards.publish(session, contest.event, today, today + timedelta(days=6), CONTACT, "account:1 竞赛办")

    for name, url in (("notice", f"{live_server}/events/cook/notice"),
                      ("results", f"{live_server}/events/cook/tracks/{contest.track.slug}")):
        layout = await printed(browser, url, tmp_path / f"{name}.pdf")
        assert not layout["chrome"], f"{name}: prints the site's {layout['chrome']}"
        fits = not layout["cut"] and layout["scrollWidth"] <= A4_CONTENT_WIDTH
        assert fits, f"{name}: cut off at the right: {layout}"
        text = pdf_text(tmp_path / f"{name}.pdf")
        headers = ["名次", "总分", "奖项"] + (["姓名", "工作单位", "县(市、区)", "称号"] if name == "notice" else [])
        assert all(h in text for h in headers), f"{name}: {text[:600]}"
        assert "推荐授予" in text, f"{name}: the titles are missing: {text[:600]}"
        assert "组织方登录" not in text and "香城工匠 · 职工技能竞赛" not in text, f"{name} prints the navigation"
