"""The pages an organiser works through speak Chinese: no English word outside code elements on the
event, track, scheme builder, exports, certificates, publication and registry office pages (the
check is tests/browser/speaks_chinese.py, for any browser test)."""
import pytest

from contest.auth import create_account
from contest.leaderboards import service as boards
from tests.browser.speaks_chinese import assert_chinese, english_words
from tests.builders import final_contest, public_contest

pytestmark = pytest.mark.browser


async def test_the_check_finds_english_outside_code_and_only_there(browser):
    page = await browser.new_page()
    await page.set_content('<title>成绩</title><p>加密号 <code>A017</code> <kbd>Ctrl</kbd> 已提交</p>'
                           '<input placeholder="请输入"><button>提交</button>')
    assert await english_words(page) == []
    await page.set_content('<p>成绩 Loading…</p><input placeholder="search"><button title="Save">保存</button>'
                           '<select><option>Other</option></select>')
    assert await english_words(page) == ["Loading", "search", "Save", "Other"]
    await page.close()


async def test_the_organisers_pages_have_no_english(browser, live_server, session, clean_db):
    contest = await public_contest(session)
    await final_contest(session, contest)
    await boards.issue_certificates(session, contest.event, contest.track)
    await create_account(session, "office", "竞赛办小王", "organiser", "xianning-2026")
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await page.goto(f"{live_server}/login")
    await assert_chinese(page)
    await page.fill("input[name=username]", "office")
    await page.fill("input[name=password]", "xianning-2026")
    await page.click("button[type=submit]")
    await page.wait_for_load_state("networkidle")
    event, track = contest.event.slug, contest.track.slug
    for path in ("/admin", f"/admin/events/{event}", f"/admin/events/{event}/tracks/{track}",
                 f"/admin/events/{event}/tracks/{track}/rounds/1/scheme", f"/admin/events/{event}/publication",
                 f"/admin/events/{event}/tracks/{track}/certificates",
                 f"/admin/events/{event}/tracks/{track}/contestants",
                 f"/admin/events/{event}/tracks/{track}/contestants/0001", f"/admin/events/{event}/judges",
                 f"/admin/events/{event}/panels/1",
                 "/admin/registry/people", "/judge/login"):
        await page.goto(f"{live_server}{path}")
        await page.wait_for_load_state("networkidle")
        await assert_chinese(page)
    await page.close()
