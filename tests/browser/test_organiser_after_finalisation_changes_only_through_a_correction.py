"""In a real browser, the organiser on the day after finalisation: every state-changing control on the
event's admin pages (the event, its track, the publication desk, the round's scheme) is either
disabled with its reason shown — and posting it anyway is refused with those very words — or leads
to a ledgered correction.
Through one (the winner disqualified), the board, the notice and the certificates change together,
`contest audit verify` passes, and a family on a phone finds the corrected notice from the event's page."""
import re

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest.auth import create_account
from contest.judging import service as judging
from contest.leaderboards.models import Certificate
from contest.ledger import LedgerEntry
from tests.builders import certified_contest, recheck
from tests.support import audit_verify as verify
from tests.support import published_order

pytestmark = pytest.mark.browser

PAGES = ("/admin/events/cook", "/admin/events/cook/tracks/chef", "/admin/events/cook/publication/")
ALLOWED_AFTER_FINAL = {"correction.open", "certificates.issue", "board.freeze"}

# Posts every refused form of the page as it stands (disabled fields enabled, required ones filled):
# the server must refuse each with the reason the page shows.
POST_REFUSED = """async () => {
  const out = [];
  for (const form of document.querySelectorAll("form.change")) {
    const why = form.querySelector(".why");
    const fieldset = form.querySelector("fieldset");
    if (!fieldset || !fieldset.disabled) continue;
    fieldset.disabled = false;
    for (const input of form.querySelectorAll("input[required]:not([type=file]), textarea[required]")) {
      const listed = input.list && input.list.options.length ? input.list.options[0].value : null;  // a real bib
      const typed = input.type === "date" ? "2026-12-01" : input.type === "number" ? "1" : "测试";
      if (!input.value) input.value = listed || typed;
    }
    const select = form.querySelector("select[name=status]");
    const data = new FormData(form);
    for (const file of form.querySelectorAll("input[type=file]")) data.set(file.name, new File(["x"], "名单.csv"));
    if (select) data.set("status", [...select.options].map(o => o.value).find(v => v !== "registered") || "withdrawn");
    const response = await fetch(form.action, {method: "POST", body: data, headers: {"accept": "text/html"}});
    out.push({action: form.dataset.action, url: form.action, why: why ? why.textContent.trim() : "",
              status: response.status, text: await response.text()});
  }
  return out;
}"""


# Posts a certificate's revocation as its row's form would (the page says once why there is none).
REVOKE_ANYWAY = """async (code) => {
  const data = new FormData();
  data.set("_csrf_token", document.querySelector("input[name=_csrf_token]").value);
  data.set("reason", "测试");
  const response = await fetch(`/admin/events/cook/publication/certificates/${code}/revoke`,
                               {method: "POST", body: data, headers: {"accept": "text/html"}});
  return {status: response.status, text: await response.text()};
}"""


# Posts a form by its id as it stands, whatever its buttons say.
SUBMIT_ANYWAY = """async (id) => {
  const form = document.getElementById(id);
  const body = new FormData(form);
  const response = await fetch(form.action, {method: "POST", body: body, headers: {"accept": "text/html"}});
  return {status: response.status, text: await response.text()};
}"""


async def sign_in(browser, live_server, session):
    await create_account(session, "office", "竞赛办小李", "organiser", "xianning-2026")
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await page.goto(f"{live_server}/login?next=/admin/events/cook")
    await page.fill("input[name=username]", "office")
    await page.fill("input[name=password]", "xianning-2026")
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{live_server}/admin/events/cook")
    return page


async def confirm(page) -> None:
    await expect(page.locator("#confirm-change")).to_be_visible()
    await page.click("#confirm-change-ok")


async def test_after_finalisation_every_control_is_refused_or_a_correction(browser, live_server, contest, session,
                                                                          settings, pg_url, tmp_path):
    await certified_contest(session, contest)
    winner = (await published_order(pg_url))[0]
    page = await sign_in(browser, live_server, session)
    enabled_seen = set()
    for path in PAGES:
        await page.goto(f"{live_server}{path}")
        await page.screenshot(path=str(tmp_path / f"{path.strip('/').replace('/', '-')}.png"), full_page=True)
        controls = page.locator("form.change")
        count = await controls.count()
        assert count >= 3, path
        for i in range(count):
            form = controls.nth(i)
            action = await form.get_attribute("data-action")
            disabled = await form.locator("fieldset[disabled]").count()
            if disabled:
                why = (await form.locator(".why").first.text_content()).strip()
                assert why.endswith("。") and "不能" in why, (path, action, why)
            else:
                assert action in ALLOWED_AFTER_FINAL, (path, action)
                enabled_seen.add(action)
        for refused in await page.evaluate(POST_REFUSED):
            assert refused["status"] == 409, (path, refused["action"], refused["status"], refused["text"][-400:])
            reason = refused["why"].split("：", 1)[-1] if refused["action"] == "entry.status" else refused["why"]
            assert reason and reason in re.sub(r"\s+", "", refused["text"]).replace("&#34;", '"') or \
                reason in refused["text"], (path, refused["action"], reason)
    assert enabled_seen == ALLOWED_AFTER_FINAL
    # No certificate can be revoked now: said once above the list, not under each of its rows.
    refused_once = page.locator("#revoke-refused")
    await expect(refused_once).to_have_count(1)
    assert await page.locator("#certificates form[data-action='certificate.revoke']").count() == 0
    why = (await refused_once.text_content()).split("：", 1)[1].strip()
    code = (await page.locator("#certificates code").first.text_content()).strip()
    revoked = await page.evaluate(REVOKE_ANYWAY, code)
    assert revoked["status"] == 409 and why in revoked["text"], revoked

    # The scheme's page (builder and expert editor): saving is disabled with its reason, and posting
    # the form anyway is refused with those very words.
    await page.goto(f"{live_server}/admin/events/cook/tracks/chef/rounds/1/scheme")
    frozen = (await page.locator("#scheme-frozen").text_content()).strip()
    assert "不能更正评分标准" in frozen, frozen
    for button in ("#save-scheme", "#save-expert"):
        await expect(page.locator(button)).to_be_disabled()
    shaping = page.locator("#scheme-builder button[name=op]")  # 添加环节, 删除…: nothing to shape either
    assert await shaping.count() > 0
    for n in range(await shaping.count()):
        await expect(shaping.nth(n)).to_be_disabled()
    for form in ("scheme-builder", "expert-form"):
        refused = await page.evaluate(SUBMIT_ANYWAY, form)
        assert refused["status"] == 409 and frozen in refused["text"], (form, refused)
    before = (await session.exec(select(LedgerEntry.id))).all()

    # Issuing the certificates again changes nothing; the ceremony board freezes and thaws (ledgered).
    await page.goto(f"{live_server}/admin/events/cook/publication/")
    await page.locator("form[data-action='certificates.issue'] button").click()
    await confirm(page)
    await page.wait_for_url("**/publication/#track-chef")
    session.expunge_all()
    assert len((await session.exec(select(Certificate))).all()) == 4

    # The one way on: a correction, with its reason.
    await page.fill("#correction input[name=reason]", f"赛后查实选手{winner}使用违禁调料，取消其成绩")
    await page.locator("#correction button").click()
    await confirm(page)
    await page.wait_for_url("**/publication/#correction")
    await expect(page.locator("#correction")).to_contain_text("更正进行中")

    # On the track page the disqualification waits for the sign-off to be withdrawn: it says so.
    await page.goto(f"{live_server}/admin/events/cook/tracks/chef")
    await expect(page.locator("#entry-status")).to_contain_text("请裁判长先撤回签字确认")
    withdraw = page.locator(f"form[action$='/stages/{contest.practical.id}/signoff/withdraw']")
    await withdraw.locator("input[name=reason]").fill("取消选手成绩，须重新确认")
    await withdraw.locator("button").click()
    await confirm(page)
    await page.wait_for_url("**/tracks/chef#signoffs")
    await page.fill("#entry-status input[name=bib]", winner)
    await page.select_option("#entry-status select[name=status]", "disqualified")
    await page.fill("#entry-status input[name=reason]", "赛后查实使用违禁调料")
    await page.locator("#entry-status button").click()
    await confirm(page)
    await page.wait_for_url("**/tracks/chef#entries")
    await expect(page.locator("#entries")).to_contain_text("赛后查实使用违禁调料")

    # The chief judge re-checks and signs again; the desk shows what will change, then issues it.
    await recheck(session, contest, contest.practical)
    chief = contest.judges[0]
    await judging.sign_off(session, chief, await judging.assignment(session, chief, contest.practical.id))
    await page.goto(f"{live_server}/admin/events/cook/publication/")
    await expect(page.locator("#correction-changes")).to_contain_text(winner)
    await page.locator("form[data-action='correction.issue'] button").first.click()
    await confirm(page)
    await page.wait_for_url("**/publication/#notice")
    await expect(page.locator("#correction")).to_contain_text("现行公示为第 2 版")

    # Board, notice and certificates agree; the ledger has every step; the audit passes.
    board = await page.request.get(f"{live_server}/api/events/cook/tracks/chef/board")
    rows = [r for r in (await board.json())["rows"] if r["rank"]]
    notice = await page.request.get(f"{live_server}/events/cook/notice")
    for row in rows:
        assert row["name"] in await notice.text()
    session.expunge_all()
    current = {c.rank: c for c in (await session.exec(select(Certificate))).all()
               if c.revoked_at is None and c.superseded_by is None}
    awarded = {r["rank"]: r for r in rows if r["award"]}
    assert sorted(current) == sorted(awarded)
    for rank, cert in current.items():
        assert (cert.holder, cert.award, cert.total) == (awarded[rank]["name"], awarded[rank]["award"],
                                                         awarded[rank]["total"])
    ledgered = (await session.exec(select(LedgerEntry.action).where(LedgerEntry.id.not_in(before)))).all()
    for action in ("correction.open", "stage.signoff_withdrawn", "entry.status", "notice.version",
                   "certificate.revoke", "correction.issue"):
        assert action in ledgered, action
    audit = verify(settings)
    assert audit.returncode == 0, audit.stderr
    await page.close()

    # A family on a phone finds the correction from the event's page and reads it on the notice.
    phone = await browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                   has_touch=True)
    await phone.goto(f"{live_server}/events/cook")
    await expect(phone.locator("#notice-banner")).to_contain_text("公示已更正，现为第 2 版")
    await phone.click("#notice-banner a")
    await phone.wait_for_url("**/events/cook/notice")
    await expect(phone.locator("#corrections")).to_contain_text(f"赛后查实选手{winner}使用违禁调料")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
    await phone.close()
