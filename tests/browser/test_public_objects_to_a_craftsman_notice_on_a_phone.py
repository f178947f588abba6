"""A member of the public opens the 香城工匠 notice (公示) on a phone, reads who is proposed and why,
and lodges an objection under their name and mobile number: a mistyped number comes back with what
they wrote; the receipt code follows the objection up. The objection is in the office's queue with
the number masked; the office answers it, and the objector reads the answer by the receipt code.
Neither the objector's name nor their number is on any public page."""
from datetime import timedelta

import pytest
from playwright.async_api import expect

from contest import clock
from contest.auth import create_account
from contest.registry.models import Honour, Innovation
from tests.browser.phone import DESKTOP, PHONE, Seen, check_phone_page
from tests.builders import reviewed, under_notice, worker

pytestmark = pytest.mark.browser

OBJECTOR, PHONE_NUMBER = "李群众", "13912345678"
COMPLAINT = "该同志2024年的技术革新成果系班组集体完成，申报材料写成个人成果，请核实。"


async def proposed(session):
    """Three reviewed candidates under a notice that opened today, one with honours and patents."""
    people = [await worker(session, name, n=n, gender=gender, trade=trade)
              for n, (name, gender, trade) in enumerate([("张建华", "男", "数控车工"), ("王秀英", "女", "茶叶加工工"),
                                                         ("刘志强", "男", "电工")])]
    session.add_all([Honour(person_id=people[1].id, name="湖北省五一劳动奖章", level="provincial", year=2024),
                     Innovation(person_id=people[1].id, kind="utility", title="揉捻机进料装置", year=2023),
                     Innovation(person_id=people[1].id, kind="utility", title="杀青温控装置", year=2025)])
    await session.commit()
    candidates = [await reviewed(session, p) for p in people]
    return await under_notice(session, candidates, clock.today()), candidates


async def test_public_objects_on_a_phone_and_the_office_answers(browser, live_server, session, clean_db, tmp_path):
    batch, candidates = await proposed(session)
    await create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
    seen = Seen([])
    phone = await browser.new_context(**PHONE)
    page = await phone.new_page()
    try:
        await page.goto(f"{live_server}/registry")
        await page.get_by_role("link", name="拟命名人选公示").click()
        await page.get_by_role("link", name=f"{batch.name}“香城工匠”拟命名人选公示").click()
        await expect(page.locator("#notice-state")).to_have_text("公示中")
        cards = page.locator("#candidates > li")
        await expect(cards).to_have_count(3)
        wang = page.locator(f"#candidate-{candidates[1].id}")
        await expect(wang).to_contain_text("王秀英")
        await expect(wang).to_contain_text("咸宁机械制造有限公司")
        await expect(wang).to_contain_text("香城工匠")
        await expect(wang).to_contain_text("茶叶加工工")
        await expect(wang).to_contain_text("2024年获省级“湖北省五一劳动奖章”")
        await expect(wang).to_contain_text("实用新型2项")
        await page.screenshot(path=str(tmp_path / "notice.png"), full_page=True)
        await check_phone_page(page, "/registry/notices/N", seen)

        await wang.get_by_role("link", name="对此人提出异议").click()
        form = page.locator("#object form")
        await expect(form.locator("select[name=candidate_id]")).to_have_value(str(candidates[1].id))
        await form.locator("input[name=by_name]").fill(OBJECTOR)
        await form.locator("input[name=phone]").fill("1391234567")  # one digit short
        await form.locator("textarea[name=content]").fill(COMPLAINT)
        await form.get_by_role("button", name="提交异议").click()
        await expect(page.locator("#form-error")).to_contain_text("手机号应为11位数字")
        await expect(form.locator("textarea[name=content]")).to_have_value(COMPLAINT)  # nothing typed is lost
        await form.locator("input[name=phone]").fill(PHONE_NUMBER)
        await form.get_by_role("button", name="提交异议").click()
        await expect(page.locator("h1")).to_have_text("异议已受理")
        receipt = (await page.locator("#receipt-code").text_content()).strip()
        await expect(page.locator("#receipt")).to_contain_text(COMPLAINT)
        await expect(page.locator("#outcome")).to_contain_text("处理中")
        await page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)
        await check_phone_page(page, "/registry/objections/CODE", seen, [PHONE_NUMBER])
        assert OBJECTOR not in await page.content()

        await page.goto(f"{live_server}/registry/notices/{batch.id}")
        await expect(page.locator("#objection-count")).to_have_text("已收到异议 1 件，已处理 0 件。")
        html = await page.content()
        assert OBJECTOR not in html and PHONE_NUMBER not in html and "139****5678" not in html

        office = await (await browser.new_context(**DESKTOP)).new_page()
        await office.goto(f"{live_server}/login")
        await office.fill("input[name=username]", "clerk")
        await office.fill("input[name=password]", "correct-horse")
        await office.get_by_role("button", name="登录").click()
        await office.goto(f"{live_server}/admin/registry/")
        await expect(office.locator("#queue-link")).to_contain_text("待处理 1 件")
        await office.locator("#queue-link").click()
        item = office.locator("ul.objections > li").first
        await expect(item).to_contain_text("王秀英")
        await expect(item).to_contain_text(f"{OBJECTOR} · 139****5678")
        await expect(item).to_contain_text(receipt)
        await expect(item).to_contain_text(COMPLAINT)
        assert PHONE_NUMBER not in await office.content()  # the office sees the masked number only
        await item.get_by_label("异议不成立").check()
        await item.locator("textarea[name=resolution]").fill(
            "经向所在单位核实，该成果专利权人为王秀英本人，班组其他成员出具了说明。")
        await item.get_by_role("button", name="提交处理结论").click()
        await expect(office.locator("ul.objections > li").first).to_contain_text("处理意见：经向所在单位核实")
        await office.context.close()

        await page.goto(f"{live_server}/registry/objections/{receipt.lower()}")
        await expect(page.locator("h1")).to_have_text("异议已处理")
        await expect(page.locator("#outcome")).to_contain_text("异议不成立：经向所在单位核实")
        await check_phone_page(page, "/registry/objections/CODE", seen, [PHONE_NUMBER])
    finally:
        await phone.close()
    assert not seen.problems, "\n".join(seen.problems)


async def test_a_notice_not_yet_begun_is_not_public(browser, live_server, session, clean_db):
    batch = (await proposed_later(session))
    page = await (await browser.new_context(**PHONE)).new_page()
    try:
        response = await page.goto(f"{live_server}/registry/notices/{batch.id}")
        assert response.status == 404
        await page.goto(f"{live_server}/registry/notices")
        await expect(page.locator("#notices")).to_contain_text("目前没有公示")
    finally:
        await page.context.close()


async def proposed_later(session):
    candidate = await reviewed(session)
    return await under_notice(session, [candidate], clock.today() + timedelta(days=3))
