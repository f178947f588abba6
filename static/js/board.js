// A board's connection state (public board and big screen): "实时更新" while its live stream is
// open and the server's database reaches it (the stream's "state" events say), "连接中断…" when
// either drops. While the stream is down the live part comes by polling every 30 s (#board-live
// and #screen-live listen for "poll"); the stream itself is reconnected by the SSE extension.
// Choosing a county or unit filters at once; a new county forgets the unit of the old one.
(function () {
  "use strict";
  const POLL_MS = 30000;
  const followed = new WeakSet();
  let open = false;
  function label(text) {
    const element = document.getElementById("live-state");
    if (element) element.textContent = text;
  }
  document.addEventListener("htmx:sseOpen", (event) => {
    open = true;
    label("实时更新");
    const source = event.detail.source;
    if (source && !followed.has(source)) {
      followed.add(source);
      source.addEventListener("state", (message) => label(message.data));
    }
  });
  document.addEventListener("htmx:sseError", () => {
    open = false;
    label("连接中断，正在重连…");
  });
  setInterval(() => {
    const live = document.querySelector("#board-live, #screen-live");
    if (!open && live && live.hasAttribute("hx-get") && window.htmx) window.htmx.trigger(live, "poll");
  }, POLL_MS);
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches("select[data-submit]")) return;
    if (select.name === "area" && select.form.elements.unit) select.form.elements.unit.value = "";
    select.form.submit();
  });
})();
