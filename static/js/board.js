// A board's connection state (public board and big screen): "实时更新" while its live stream is
// open and the server's database reaches it (the stream's "state" events say), "连接中断…" when
// either drops. While the stream is down the live part comes by polling every 30 s (#board-live
// and #screen-live listen for "poll"); the stream itself is reconnected by the SSE extension.
// A server with all the streams it may keep answers 503 + Retry-After: the page then polls every
// Retry-After seconds, at once first, while the extension keeps trying the stream with a growing pause.
// Choosing a county or unit filters at once; a new county forgets the unit of the old one.
(function () {
  "use strict";
  const POLL_MS = 30000;
  const BUSY_SECONDS = 15; // when a 503 names no Retry-After
  const followed = new WeakSet();
  let open = false;
  let pollMs = POLL_MS;
  let timer = setInterval(poll, pollMs);
  function label(text) {
    const element = document.getElementById("live-state");
    if (element) element.textContent = text;
  }
  function poll() {
    const live = document.querySelector("#board-live, #screen-live");
    if (!open && live && live.hasAttribute("hx-get") && window.htmx) window.htmx.trigger(live, "poll");
  }
  function pollEvery(ms) {
    if (ms === pollMs) return;
    pollMs = ms;
    clearInterval(timer);
    timer = setInterval(poll, ms);
  }
  // The stream was answered with an error status (EventSource does not say which): ask once more
  // and read the status; a 200 would open a stream, which is closed at once.
  async function refused(url) {
    const controller = new AbortController();
    try {
      const response = await fetch(url, {headers: {Accept: "text/event-stream"}, cache: "no-store",
                                         signal: controller.signal});
      controller.abort();
      if (response.status !== 503) return label("连接中断，正在重连…");
      const seconds = parseInt(response.headers.get("Retry-After"), 10) || BUSY_SECONDS;
      if (open) return;
      label(`观看人数较多，每 ${seconds} 秒自动刷新`);
      poll();
      pollEvery(seconds * 1000);
    } catch (error) {
      label("连接中断，正在重连…");
    }
  }
  document.addEventListener("htmx:sseOpen", (event) => {
    open = true;
    pollEvery(POLL_MS);
    label("实时更新");
    const source = event.detail.source;
    if (source && !followed.has(source)) {
      followed.add(source);
      source.addEventListener("state", (message) => label(message.data));
    }
  });
  document.addEventListener("htmx:sseError", (event) => {
    open = false;
    const source = event.detail.source;
    if (source && source.readyState === EventSource.CLOSED) refused(source.url);
    else label("连接中断，正在重连…");
  });
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches("select[data-submit]")) return;
    if (select.name === "area" && select.form.elements.unit) select.form.elements.unit.value = "";
    select.form.submit();
  });
})();
