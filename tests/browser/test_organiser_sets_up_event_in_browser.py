"""In a real browser: an organiser signs in, creates an event with a track and imports a
contestants file."""
import os
import re
import subprocess
import sys

import pytest

from tests.builders import person, xlsx
from tests.support import FIXTURES

pytestmark = pytest.mark.browser


def run_cli(live_env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "contest.cli", *args], env=os.environ | live_env, check=True,
                   capture_output=True)


async def test_organiser_creates_event_track_and_imports(browser, live_server, settings, clean_db, tmp_path):
    env = {"CONTEST_DATABASE_URL": settings.database_url, "CONTEST_DATA_DIR": str(settings.data_dir),
           "CONTEST_ID_HASH_KEY": settings.id_hash_key}
    run_cli(env, "user", "create", "office", "--role", "organiser", "--name", "竞赛办", "--password", "xianning-2026")
    run_cli(env, "seed", str(FIXTURES / "xianning-small.yaml"))  # areas and units the clerk picks from
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await page.goto(f"{live_server}/admin/")
    await page.fill("input[name=username]", "office")
    await page.fill("input[name=password]", "xianning-2026")
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/admin/?$"))

    form = page.locator("#create-event")
    await form.locator("input[name=name]").fill("2027年咸宁市职工焊工技能大赛")
    await form.locator("input[name=slug]").fill("welding-2027")
    await form.locator("input[name=year]").fill("2027")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/admin/events/welding-2027")

    track = page.locator("#create-track")
    await track.locator("input[name=name]").fill("焊工")
    await track.locator("input[name=slug]").fill("welder")
    await track.locator("button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/admin/events/welding-2027/tracks/welder")

    upload = tmp_path / "焊工名单.xlsx"
    upload.write_bytes(xlsx([person(i) for i in range(12)]))
    await page.set_input_files("#import input[type=file]", str(upload))
    await page.click("#import button[type=submit]")
    await page.wait_for_selector("#import-report")
    assert "已导入 12 名选手" in await page.inner_text("#import-report")
    await page.screenshot(path=str(tmp_path / "import-report.png"))

    await page.goto(f"{live_server}/admin/events/welding-2027/tracks/welder")
    assert await page.locator("#entries tbody tr").count() == 12
    await page.click("#draw button[type=submit]")
    await page.click("#confirm-change-ok")  # the shared confirmation dialog
    await page.wait_for_url("**/tracks/welder#draw")
    codes = await page.locator("#entries tbody tr td:nth-child(2)").all_inner_texts()
    assert len(set(codes)) == 12 and "—" not in codes
    await page.close()
