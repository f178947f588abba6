// The venue's big screen. Rows come from the server over server-sent events (htmx swaps the whole
// live part, header included). While the board runs, a long board is shown a screenful at a time,
// turning every few seconds (data-page-seconds), rows whose total changed flash, and a "latest
// changes" strip names them, so a change on a page nobody is looking at is still seen. While the
// ceremony has the board frozen, the pages stand still and each reveal shows the page of the row
// just revealed (at the top: rows are revealed from the bottom of the board up).
(function () {
  "use strict";
  const PAGE_SECONDS = Number(document.body.dataset.pageSeconds) || 10;
  const STRIP = 4; // changes named in the strip
  let page = 0;
  let last = null; // row id -> the total the screen showed, since the last update (null before the first)

  const rows = () => Array.from(document.querySelectorAll("#board-rows tr[id^='row-']"));
  const frozen = () => document.querySelector("#screen-board[data-frozen='1']") !== null;

  /** The rows split into pages that fit between the table's head and the foot, by each row's height. */
  function pages() {
    const all = rows();
    all.forEach((tr) => tr.classList.remove("hidden-page"));
    if (!all.length) return [[]];
    const top = document.getElementById("board-rows").getBoundingClientRect().top;
    const room = document.getElementById("screen-foot").getBoundingClientRect().top - top;
    const split = [[]];
    let used = 0;
    for (const tr of all) {
      const height = tr.getBoundingClientRect().height;
      if (used + height > room && split[split.length - 1].length) {
        split.push([]);
        used = 0;
      }
      split[split.length - 1].push(tr);
      used += height;
    }
    return split;
  }

  function show(wanted, split = pages()) {
    page = ((wanted % split.length) + split.length) % split.length;
    split.forEach((rowsOfPage, i) => rowsOfPage.forEach((tr) => tr.classList.toggle("hidden-page", i !== page)));
    const indicator = document.getElementById("page-indicator");
    if (indicator) indicator.textContent = split.length > 1 && !frozen() ? `第 ${page + 1} / ${split.length} 页` : "";
  }

  const total = (tr) => tr.querySelector(".total")?.textContent.trim() || "";
  const who = (tr) => tr.querySelector(".who .name, .who .code")?.textContent.trim() || tr.id.slice(4);

  function tell(tr) {
    const list = document.getElementById("changes-list");
    const rank = tr.querySelector(".rank")?.textContent.trim();
    const item = document.createElement("li");
    item.textContent = `${who(tr)} ${total(tr) ? `总分 ${total(tr)}` : "评分中"}${rank ? ` · 第 ${rank} 名` : ""}`;
    list.prepend(item);
    while (list.children.length > STRIP) list.lastElementChild.remove();
  }

  function update() {
    const before = last, split = pages();
    if (frozen()) {
      const revealed = before ? rows().filter((tr) => !before.has(tr.id)) : [];
      revealed.forEach((tr) => tr.classList.add("revealed"));
      show(revealed.length ? split.findIndex((rowsOfPage) => rowsOfPage.includes(revealed[0])) : 0, split);
    } else {
      const changed = before ? rows().filter((tr) => before.has(tr.id) && before.get(tr.id) !== total(tr)) : [];
      changed.forEach((tr) => { tr.classList.add("changed"); tell(tr); });
      show(page, split);
    }
    document.body.classList.toggle("frozen", frozen());
    last = new Map(rows().map((tr) => [tr.id, total(tr)]));
  }

  document.addEventListener("htmx:afterSettle", update);
  window.addEventListener("resize", () => show(page));
  document.addEventListener("DOMContentLoaded", () => {
    update();
    setInterval(() => { if (!frozen()) show(page + 1); }, PAGE_SECONDS * 1000);
  });
})();
