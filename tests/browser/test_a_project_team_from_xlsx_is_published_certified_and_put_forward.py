"""The 工友杯 done-when: the office enters a three-member project team (and two more projects) from
an XLSX in the browser; once scored and published, the public board shows the project's title, its
members and its unit; each member's certificate carries a QR code that a real decoder (zbar) reads to
the member's verification page, which says it stands; and each member becomes a registry candidate
with the team's result linked."""
import shutil
import subprocess

import pytest
from playwright.async_api import expect
from sqlmodel import select

from contest.leaderboards.models import Certificate
from tests.browser.speaks_chinese import assert_chinese
from tests.builders import (
    PROJECT_HEADER,
    PROJECT_TITLES,
    PROJECT_UNITS,
    certified_project_contest,
    drawn_and_running,
    project_event,
    project_rows,
    staff_page,
    xlsx,
)

pytestmark = pytest.mark.browser


async def test_a_team_from_xlsx_is_on_the_board_certified_per_member_and_put_forward(
        browser, live_server, session, clean_db, tmp_path):
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg is missing: apt-get install zbar-tools (.ci/run does)")
    base = live_server
    contest = await project_event(session)
    team = [row[2] for row in project_rows()[:3]]  # the first project's lead and two members

    # The office uploads the project file on the track page.
    page = await staff_page(browser, base, session, "organiser", "/admin/events/gongyou/tracks/innovation")
    page.set_default_timeout(60_000)
    await expect(page.locator("#import")).to_contain_text("批量导入参赛项目")
    projects = tmp_path / "工友杯项目报名表.xlsx"
    projects.write_bytes(xlsx(project_rows(), PROJECT_HEADER))
    await page.set_input_files("#import input[type=file]", str(projects))
    await page.click("#import button[type=submit]")
    await expect(page.locator("#import-report")).to_contain_text("已导入 3 个项目")
    await assert_chinese(page)
    await page.goto(f"{base}/admin/events/gongyou/tracks/innovation")
    await expect(page.locator("main")).to_contain_text("报名 3 项")
    await expect(page.locator("td.team").first).to_contain_text(f"{team[0]}（负责人）")

    # Judged, signed off, published, final and certified (the judges' own screens are tested elsewhere).
    await certified_project_contest(session, await drawn_and_running(session, contest))

    # The public board: the project's title, its whole team and its unit.
    public = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await public.goto(f"{base}/events/gongyou/tracks/innovation")
    first = public.locator("table.board tbody tr").first
    await expect(first.locator(".name")).to_have_text(PROJECT_TITLES[0])
    await expect(first.locator(".team")).to_have_text("团队：" + "、".join(team))
    await expect(first.locator(".unit")).to_have_text(PROJECT_UNITS[0][0])
    await expect(public.locator("thead")).to_contain_text("项目名称 / 团队 / 单位")
    await assert_chinese(public)

    # Each member's certificate: its QR code decodes to the member's own verification page.
    await first.locator(".name").click()
    await expect(public.locator("#team")).to_contain_text(f"{team[0]}（负责人）")
    links = public.locator(".certificate-links a.button")
    await expect(links).to_have_count(3)
    certs = (await session.exec(select(Certificate).where(Certificate.project == PROJECT_TITLES[0])
                                .order_by(Certificate.team_member_id))).all()
    assert [c.holder for c in certs] == team
    for n, cert in enumerate(certs):
        await expect(links.nth(n)).to_contain_text(cert.holder)
    for n, cert in enumerate(certs):
        await public.goto(f"{base}/certificates/{cert.code}")
        await expect(public.locator(".certificate .holder")).to_contain_text(cert.holder)
        await expect(public.locator(".certificate")).to_contain_text(PROJECT_TITLES[0])
        shot = tmp_path / f"qr-{n}.png"
        await public.locator(".certificate .qr svg").screenshot(path=str(shot))
        scan = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(shot)],
                              capture_output=True, text=True, timeout=60)
        decoded = scan.stdout.strip()
        assert decoded == f"{base}/verify/{cert.code}", (decoded, scan.stderr)
        await public.goto(decoded)
        await expect(public.locator("#statement")).to_contain_text(
            f"{cert.holder} 作为“{PROJECT_TITLES[0]}”项目团队成员")
        await expect(public.locator("#verdict")).to_contain_text("此证书真实有效")

    # The registry office generates candidates: each member, the team's result linked.
    await page.goto(f"{base}/admin/registry/")
    await page.click("text=从已公示的竞赛成绩生成候选人")
    await page.wait_for_load_state()
    for name in team:
        await expect(page.locator("#candidates")).to_contain_text(name)
    await page.locator("#candidates a", has_text=team[1]).click()
    await expect(page.locator("#contest-result")).to_contain_text(f"团队项目“{PROJECT_TITLES[0]}”")
    await expect(page.locator("#contest-result")).to_contain_text("第1名")
    await assert_chinese(page)
