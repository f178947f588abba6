// What the pages once did with inline handlers, which the Content-Security-Policy forbids:
// print buttons, filters that apply on change, "tick all" boxes (data-check-all), lists that narrow as one types, "back" links (forms that ask before they post: confirm.js); and
// what htmx would evaluate from an attribute: a part that refreshes itself every few seconds
// (data-refresh-seconds, with hx-trigger="refresh"), paused while someone has a <details> of it open.
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-print], [data-back]");
    if (!target) return;
    event.preventDefault();
    if (target.hasAttribute("data-print")) window.print();
    else if (history.length > 1) history.back();
    else location.href = target.getAttribute("href") || "/";
  });
  document.addEventListener("change", (event) => {
    if (event.target.hasAttribute("data-submit-on-change")) event.target.form.requestSubmit();
    const all = event.target.dataset.checkAll;  // a "tick all" box: every box of that name in its form
    if (all) event.target.form.querySelectorAll(`input[name="${all}"]`).forEach((box) => { box.checked = event.target.checked; });
  });
  // A long list of choices narrowed as one types (data-filter names the list; each choice carries
  // its words in data-search): a ticked choice always stays in sight.
  document.addEventListener("input", (event) => {
    const list = event.target.dataset.filter && document.querySelector(event.target.dataset.filter);
    if (!list) return;
    const words = event.target.value.trim().toLowerCase();
    list.querySelectorAll("[data-search]").forEach((choice) => {
      const ticked = choice.querySelector("input:checked");
      choice.hidden = Boolean(words) && !ticked && !choice.dataset.search.toLowerCase().includes(words);
    });
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-refresh-seconds]").forEach((part) => {
      setInterval(() => {
        // not while a <details> of it or a confirmation is open: the form asked about must stay
        if (window.htmx && !part.querySelector("details[open]") && !document.querySelector("dialog[open]")) {
          window.htmx.trigger(part, "refresh");
        }
      }, Number(part.dataset.refreshSeconds) * 1000);
    });
  });
})();
