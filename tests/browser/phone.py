"""What every public page must be on a phone (390×844): nothing runs off the side of the screen
(wide tables scroll inside `.scroll-x`), no text too small to read, and no ID number or mobile
number — not even a masked one — anywhere in it. Browser tests of public pages share these."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}

# An 18-character ID number, also masked (4212**********123X); an 11-digit mobile, also masked
# (138****1234) or grouped (138 0000 1234). Not inside longer runs of letters and digits.
EDGE_BEFORE, EDGE_AFTER = r"(?<![0-9A-Za-z*_-])", r"(?![0-9A-Za-z*_-])"
ID_NUMBER = re.compile(EDGE_BEFORE + r"[1-9]\d[\d*]{15}[\dXx*]" + EDGE_AFTER)
MOBILE = re.compile(EDGE_BEFORE + r"1[3-9]\d[- ]?[\d*]{4}[- ]?\d{4}" + EDGE_AFTER)

# The outermost elements that stick out of the layout viewport, ignoring the insides of .scroll-x.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const sticking = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    if (el.parentElement && el.parentElement.closest(".scroll-x")) continue;
    const box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) sticking.add(el);
  }
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const outermost = [...sticking].filter((el) => !sticking.has(el.parentElement))
      .map((el) => `${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, innerWidth: window.innerWidth,
          offenders: outermost.slice(0, 8)};
}"""

# Visible text smaller than 12 CSS px is not readable on a phone.
TINY_TEXT = """() => {
  const tiny = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim(), el = walker.currentNode.parentElement;
    if (!text || !el || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const size = parseFloat(style.fontSize);
    if (size < 12) tiny.push(`${el.tagName.toLowerCase()}.${el.className} ${size}px: ${text.slice(0, 20)}`);
  }
  return tiny.slice(0, 8);
}"""



@dataclass
class Seen:
    """What the test found wrong, page by page; checked at the end so every page gets looked at."""
    problems: list[str]

    def add(self, where: str, what: str) -> None:
        if f"{where}: {what}" not in self.problems:  # the same page seen twice, the same fault
            self.problems.append(f"{where}: {what}")


async def check_phone_page(page, where: str, seen: Seen, private: Iterable[str] = ()) -> None:
    """Look at the open page as a phone shows it; `private` are numbers that must not be in it."""
    assert await page.evaluate("document.documentElement.lang") == "zh-CN", where
    layout = await page.evaluate(OVERFLOW)
    if layout["scrollWidth"] > min(layout["clientWidth"], PHONE["viewport"]["width"]):
        seen.add(where, f"runs off the side: scrollWidth {layout['scrollWidth']} px > viewport "
                        f"{layout['clientWidth']} px (innerWidth {layout['innerWidth']}); sticking out: "
                        f"{'; '.join(layout['offenders']) or '-'}")
    tiny = await page.evaluate(TINY_TEXT)
    if tiny:
        seen.add(where, f"text under 12 px: {tiny}")
    text, html = await page.evaluate("document.body.innerText"), await page.content()
    for label, pattern in (("ID number", ID_NUMBER), ("mobile number", MOBILE)):
        found = pattern.findall(text) + pattern.findall(html)
        if found:
            seen.add(where, f"shows a {label}: {sorted(set(found))}")
    leaked = [n for n in private if n in html]
    if leaked:
        seen.add(where, f"carries private numbers: {leaked}")
