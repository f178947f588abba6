// The big screen: pages through a long board every few seconds and highlights rows whose score
// changed since the last update. Rows come from the server over server-sent events (htmx).
(function () {
  "use strict";
  const PAGE_SECONDS = 8;
  let page = 0;
  let last = new Map();

  function rows() { return Array.from(document.querySelectorAll("#board-rows tr")); }
  function perPage() {
    const first = rows()[0];
    const height = first ? first.getBoundingClientRect().height || 40 : 40;
    const top = document.querySelector("#board-rows").getBoundingClientRect().top;
    return Math.max(1, Math.floor((window.innerHeight - top - 50) / height));
  }

  function showPage() {
    const all = rows(), size = perPage(), pages = Math.max(1, Math.ceil(all.length / size));
    page = page % pages;
    all.forEach((tr, i) => tr.classList.toggle("hidden-page", Math.floor(i / size) !== page));
    const indicator = document.getElementById("page-indicator");
    if (indicator) indicator.textContent = pages > 1 ? `第 ${page + 1} / ${pages} 页` : "";
  }

  function markChanges() {
    const now = new Map();
    rows().forEach((tr) => {
      const total = tr.querySelector(".total");
      if (!tr.id || !total) return;
      now.set(tr.id, total.textContent);
      if (last.size && last.get(tr.id) !== total.textContent) tr.classList.add("changed");
    });
    last = now;
  }

  document.addEventListener("htmx:afterSettle", () => { markChanges(); showPage(); });
  document.addEventListener("DOMContentLoaded", () => {
    markChanges();
    showPage();
    setInterval(() => { page += 1; showPage(); }, PAGE_SECONDS * 1000);
  });
})();
