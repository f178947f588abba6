// A public board's connection state: "实时更新" while its live stream is open, and a plain word when
// the stream drops; the rows then come by polling every 30 s (see #board-rows) until it is back.
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
})();
