"""A page a clerk reads speaks Chinese: the English words left in what a browser shows — text,
button labels, placeholders, tooltips and the title — outside code elements (code, kbd, pre, samp,
and anything marked translate="no", such as a code field's example), where codes, commands and
addresses belong. Any browser test can use it: `await assert_chinese(page)`."""
from __future__ import annotations

import re

# Letters-only words Chinese offices use as they are.
ALLOWED = {"PIN", "QR", "Excel", "XLSX", "CSV", "UTF", "GBK", "YAML", "JSON", "WPS", "PDF", "ID", "Ctrl"}
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{2,}(?![A-Za-z0-9_])")

# Everything the page shows a person, as text, leaving out code elements and what is not shown.
_SHOWN_TEXT = """() => {
  const skip = "code, kbd, pre, samp, [translate=no], script, style, template, noscript, svg, [hidden], "
      + "[aria-hidden=true]";
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || el.closest("textarea, option")) continue;
    out.push(node.textContent);
  }
  const labelled = "[placeholder], [title], [aria-label], input[type=submit], input[type=button], option";
  for (const el of document.querySelectorAll(labelled)) {
    if (el.closest(skip)) continue;
    for (const attr of ["placeholder", "title", "aria-label"]) {
      if (el.getAttribute(attr)) out.push(el.getAttribute(attr));
    }
    if (el.matches("input[type=submit], input[type=button]")) out.push(el.value);
    if (el.matches("option")) out.push(el.textContent);
  }
  return out.join("\\n");
}"""


async def english_words(page) -> list[str]:
    """The English words the page shows outside code elements (each once, in order)."""
    text = await page.evaluate(_SHOWN_TEXT)
    return list(dict.fromkeys(w for w in _WORD.findall(text) if w not in ALLOWED))


async def assert_chinese(page) -> None:
    words = await english_words(page)
    assert not words, f"{page.url} shows English outside code elements: {', '.join(words[:20])}"
