"""The registry's expert review needs three experts: the office opens the third one's account on
the accounts page (no command line), the expert signs in and lands on the review page; a too-short
password and disabling the office's only organiser are refused on a page in Chinese."""
import pytest
from playwright.async_api import expect

from tests.browser.speaks_chinese import assert_chinese
from tests.builders import staff_page

pytestmark = pytest.mark.browser


async def test_the_office_opens_an_account_for_the_third_expert(browser, live_server, session, clean_db):
    page = await staff_page(browser, live_server, session)
    await page.click("nav >> text=账号")
    await expect(page.locator("h1")).to_contain_text("账号")
    await assert_chinese(page)

    form = page.locator("form[action='/admin/accounts']")
    await form.locator("input[name=username]").fill("expert3")
    await form.locator("input[name=display_name]").fill("第三位专家")
    await form.locator("select[name=role]").select_option(label="工匠评审")
    await form.locator("input[name=password]").fill("short77")
    await form.locator("input[name=password]").evaluate("input => input.removeAttribute('minlength')")
    await form.locator("button").click()
    await expect(page.locator("body")).to_contain_text("密码至少8位")
    await assert_chinese(page)

    await page.goto(f"{live_server}/admin/accounts")
    await form.locator("input[name=username]").fill("expert3")
    await form.locator("input[name=display_name]").fill("第三位专家")
    await form.locator("select[name=role]").select_option(label="工匠评审")
    await form.locator("input[name=password]").fill("tea-expert-2026")
    await form.locator("button").click()
    await expect(page.locator("#accounts")).to_contain_text("第三位专家")

    office = page.locator("#accounts tr", has_text="工会办公室小李")
    await office.locator("input[name=active]").uncheck()
    await office.locator("button", has_text="保存").click()
    await expect(page.locator("body")).to_contain_text("最后一个启用的组织方账号")

    expert = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await expert.goto(f"{live_server}/login")
    await expert.fill("input[name=username]", "expert3")
    await expert.fill("input[name=password]", "tea-expert-2026")
    await expert.click("button[type=submit]")
    await expert.wait_for_url(f"{live_server}/admin/registry/")
    await expert.close()
    await page.close()
