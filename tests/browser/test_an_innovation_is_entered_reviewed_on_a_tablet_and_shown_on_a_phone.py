"""Innovation results in a browser (issue 18, item 4): a clerk enters a unit's result with a PDF
and a photo and assigns three experts; an expert on a tablet opens it from the menu, reads the
attachment and submits marks and an opinion (the other two review through the service); the clerk
finishes the review, awards it and shows the photo; a family on a phone finds it in the gallery
and on the studio's page — every page in Chinese, none too wide for the phone, no ID or phone."""
import io

import pytest
import segno
from sqlmodel import select

from contest.auth import Identity, create_account
from contest.innovations import service as svc
from contest.innovations.models import InnovationResult
from contest.studios.models import Studio
from tests.browser.phone import PHONE, Seen, check_phone_page
from tests.browser.speaks_chinese import assert_chinese
from tests.builders import staff_page, worker

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% the result's description\n%%EOF\n"


def photo() -> bytes:
    """A real PNG picture (a QR code will do) that a browser can draw."""
    out = io.BytesIO()
    segno.make("数控刀具快换夹具").save(out, kind="png", scale=8)
    return out.getvalue()


PNG = photo()
TABLET = {"viewport": {"width": 800, "height": 1280}, "locale": "zh-CN", "has_touch": True}


async def test_clerk_enters_expert_reviews_on_a_tablet_family_finds_it_on_a_phone(browser, live_server, session,
                                                                                  clean_db):
    lead = await worker(session, "张建华")
    await worker(session, "李卫东", n=1)
    studio = Studio(name="张建华劳模创新工作室", kind="model_worker", level="city", lead_id=lead.id,
                    host_unit_id=lead.unit_id)
    session.add(studio)
    await session.commit()
    experts = [await create_account(session, f"expert{i}", f"评审专家{i}", "registry_reviewer", "xianning-2026")
               for i in range(3)]

    clerk = await staff_page(browser, live_server, session, "organiser", "/admin/innovations/")
    await assert_chinese(clerk)
    await clerk.fill("input[name=title]", "数控刀具快换夹具")
    await clerk.select_option("select[name=kind]", "invention")
    await clerk.fill("input[name=year]", "2026")
    await clerk.select_option("select[name=submitter]", "team")
    await clerk.fill("textarea[name=authors]", "张建华\n李卫东")
    await clerk.select_option("select[name=studio_id]", str(studio.id))
    await clerk.fill("textarea[name=description]", "换刀时间由8分钟缩短到1分钟")
    await clerk.set_input_files("input[name=files]", [
        {"name": "说明.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    await clerk.click("#submit-form button[type=submit]")
    await clerk.wait_for_url("**/admin/innovations/*")
    assert "张建华（负责人）、李卫东" in await clerk.inner_text("#authors")
    for expert in experts:
        await clerk.select_option("select[name=account_id]", str(expert.id))
        await clerk.click("#experts form[action$='/experts'] button")
        await clerk.wait_for_load_state("networkidle")
    assert (await clerk.inner_text("#experts")).count("未评") == 3
    await assert_chinese(clerk)
    result = (await session.exec(select(InnovationResult))).one()

    tablet = await browser.new_page(**TABLET)
    await tablet.goto(f"{live_server}/login")
    await tablet.fill("input[name=username]", "expert0")
    await tablet.fill("input[name=password]", "xianning-2026")
    await tablet.click("button[type=submit]")
    await tablet.click("nav a[href='/review/innovations/']")
    await tablet.click(f"#assigned a[href='/review/innovations/{result.id}']")
    await assert_chinese(tablet)
    download = await tablet.request.get(f"{live_server}{await tablet.get_attribute('#files a >> nth=0', 'href')}")
    assert download.status == 200 and await download.body() == PDF
    await tablet.fill("input[name=novelty]", "27")
    await tablet.fill("input[name=benefit]", "41")  # over the maximum: the tablet says so before sending
    await tablet.fill("input[name=spread]", "25")
    await tablet.fill("textarea[name=opinion]", "构思巧妙，效益明显，可在同类车间推广")
    await tablet.click("#sheet button[type=submit]")
    assert await tablet.evaluate("document.querySelector('input[name=benefit]').validity.rangeOverflow")
    assert tablet.url.endswith(f"/review/innovations/{result.id}")
    await tablet.fill("input[name=benefit]", "36")
    await tablet.fill("input[name=spread]", "25")
    await tablet.fill("textarea[name=opinion]", "构思巧妙，效益明显，可在同类车间推广")
    await tablet.click("#sheet button[type=submit]")
    await tablet.wait_for_url("**/review/innovations/")
    assert "您已评分" in await tablet.inner_text("#assigned")
    for expert, marks in zip(experts[1:], ({"novelty": "25", "benefit": "34", "spread": "24"},
                                            {"novelty": "28.5", "benefit": "38", "spread": "27"}), strict=True):
        await svc.record_review(session, result, Identity("account", expert.id, expert.display_name, expert.role),
                                marks, "解决了生产中的实际难题")

    await clerk.reload()
    await clerk.click("#experts form[action$='/finish-review'] button")
    await clerk.wait_for_url("**#award")
    assert "评审得分 88.00" in await clerk.inner_text("#state")
    await clerk.select_option("select[name=award]", "first")
    await clerk.click("#award button")
    await clerk.wait_for_load_state("networkidle")
    await clerk.click("#files button")  # show the photo in the gallery
    await clerk.wait_for_load_state("networkidle")
    assert "已在展示中公开" in await clerk.inner_text("#files")

    phone = await browser.new_page(**PHONE)
    seen = Seen([])
    await phone.goto(f"{live_server}/innovations")
    await check_phone_page(phone, "gallery", seen)
    assert "数控刀具快换夹具" in await phone.inner_text("#gallery") and "一等奖" in await phone.inner_text("#gallery")
    await phone.wait_for_function("document.querySelector('#gallery img').complete")
    assert await phone.evaluate("document.querySelector('#gallery img').naturalWidth") > 0
    await phone.click("#gallery h2 a")
    await check_phone_page(phone, "result", seen)
    await phone.click(f"a[href='/studios/{studio.id}']")
    await phone.locator("#innovations a[href^='/innovations/']").wait_for()
    await check_phone_page(phone, "studio", seen)
    assert seen.problems == []
    answer = await phone.request.get(f"{live_server}/innovations/files/{(await svc.files(session, result.id))[0].id}")
    assert answer.status == 404
    for page in (clerk, tablet, phone):
        await page.close()
