// A public board's connection state: "实时更新" while its live stream is open, and a plain word when
// the stream drops; the board then comes by polling every 30 s (see #board-live) until it is back.
// Choosing a county or unit filters at once; a new county forgets the unit of the old one.
(function () {
  "use strict";
  window.liveBoardOpen = false;
  function show(open) {
    window.liveBoardOpen = open;
    const label = document.getElementById("live-state");
    if (label) label.textContent = open ? "实时更新" : "连接中断，每30秒刷新";
  }
  document.addEventListener("htmx:sseOpen", () => show(true));
  document.addEventListener("htmx:sseError", () => show(false));
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches("select[data-submit]")) return;
    if (select.name === "area" && select.form.elements.unit) select.form.elements.unit.value = "";
    select.form.submit();
  });
})();
