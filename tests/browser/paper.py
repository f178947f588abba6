"""Pages printed on A4 in the browser: what of the site's chrome still shows in print media,
whether anything is cut off at the right edge, and the text of the PDF the browser prints."""
import shutil
import subprocess

import pytest

A4_CONTENT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)  # A4 portrait less the 12 mm margins, in CSS px

# In print media: what of the site's chrome shows, and which table cells end past the page's width.
PRINTED = """(width) => {
  const shown = (sel) => [...document.querySelectorAll(sel)].some((el) => el.getClientRects().length > 0);
  const cut = [...document.querySelectorAll("table th, table td")]
      .filter((c) => c.getClientRects().length && c.getBoundingClientRect().right > width + 1)
      .map((c) => c.textContent.trim().slice(0, 12));
  return {chrome: ["header.topbar", "footer.footer", ".filters", ".no-print", ".pager"].filter(shown),
          cut: cut.slice(0, 8), scrollWidth: document.documentElement.scrollWidth};
}"""


async def printed(browser, url: str, pdf_path, signed_in=None) -> dict:
    """Open `url` at the width of an A4 page's content (in a fresh context, or in `signed_in`'s),
    print it to `pdf_path` and say what showed in print media."""
    context = signed_in or await browser.new_context(viewport={"width": A4_CONTENT_WIDTH, "height": 1000},
                                                     locale="zh-CN")
    page = await context.new_page()
    try:
        await page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
        await page.goto(url)
        await page.wait_for_load_state("networkidle")
        await page.emulate_media(media="print")
        layout = await page.evaluate(PRINTED, A4_CONTENT_WIDTH)
        pdf_path.write_bytes(await page.pdf(prefer_css_page_size=True))
        return layout
    finally:
        await (page.close() if signed_in else context.close())


def pdf_text(pdf_path) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (.ci/run does)")
    return subprocess.run([pdftotext, "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
