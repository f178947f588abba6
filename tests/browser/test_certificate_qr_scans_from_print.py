"""A printed certificate's QR code scans: the certificate printed to PDF by the browser, rendered at
300 dpi (poppler's pdftoppm) and read by a real decoder (zbar), gives the certificate's verification
address on the port the server answers on, and that address says the certificate is valid."""
import shutil
import subprocess

import httpx
import pytest
from sqlmodel import select

from contest.leaderboards import service as boards
from contest.leaderboards.models import Certificate
from tests.builders import final_contest, make_contest

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install {package} (.ci/run does)")
    return path


async def test_printed_certificate_qr_decodes_to_its_verify_page(browser, live_server, session, clean_db, tmp_path):
    pdftoppm, zbarimg = tool("pdftoppm", "poppler-utils"), tool("zbarimg", "zbar-tools")
    contest = await make_contest(session)
    await final_contest(session, contest)
    await boards.issue_certificates(session, contest.event, contest.track)
    cert = (await session.exec(select(Certificate).order_by(Certificate.rank))).first()

    context = await browser.new_context(**DESK)
    try:
        page = await context.new_page()
        await page.goto(f"{live_server}/certificates/{cert.code}")
        await page.wait_for_load_state("networkidle")
        await page.emulate_media(media="print")
        qr = await page.locator(".certificate .qr svg").bounding_box()
        mm = [round(qr[side] * 25.4 / 96, 1) for side in ("width", "height")]
        print(f"\nQR printed at {mm[0]} × {mm[1]} mm (quiet zone included)")
        (tmp_path / "certificate.pdf").write_bytes(await page.pdf(prefer_css_page_size=True, print_background=True))
    finally:
        await context.close()

    subprocess.run([pdftoppm, "-r", "300", "-png", str(tmp_path / "certificate.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1, pages  # one A4 sheet
    scan = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(pages[0])],
                          capture_output=True, text=True, timeout=60)
    decoded = scan.stdout.strip()
    assert scan.returncode == 0 and decoded, f"no QR code read from {pages[0]}: {scan.stderr}"
    assert decoded == f"{live_server}/verify/{cert.code}", decoded  # the port this server answers on
    async with httpx.AsyncClient(timeout=10) as client:
        verified = await client.get(decoded)
    assert verified.status_code == 200 and "此证书真实有效" in verified.text
