// The theory test on a venue tablet or PC: one question at a time, every answer kept on the device
// and saved through the ordered outbox (outbox.js), so a dropped network or a reload loses nothing.
// The clock is the server's: the page counts down from the time left it was told, and every save
// and a check every few seconds tell it again (an invigilator's extension shows up there).
"use strict";
(() => {
  const DATA = JSON.parse(document.getElementById("paper-data").textContent);
  const PREFIX = `exam:${DATA.sitting}:`;
  const KINDS = {single: "单选题", multiple: "多选题", truefalse: "判断题", fill: "填空题"};
  const DEBOUNCE_MS = 800, CHECK_MS = DATA.exam.status === "open" ? 10000 : 3000;
  const items = DATA.items;
  let seq = Math.max(Number(localStorage.getItem(PREFIX + "seq")) || 0, DATA.max_seq);
  let current = Number(localStorage.getItem(PREFIX + "current")) || 1;
  let deadline = DATA.remaining_ms === null ? null : performance.now() + DATA.remaining_ms;
  let timer = null, closed = "", errors = {};

  const outbox = new Outbox({
    storageKey: PREFIX + "outbox",
    request: (op) => op.type === "hand_in"
      ? {url: "/api/exam/hand-in", method: "POST", body: {key: op.key}}
      : {url: `/api/exam/answers/${op.position}`, method: "PUT", body: {response: op.response, seq: op.seq, key: op.key}},
    accepted, rejected, changed: () => render(), paused: () => timer !== null,
  });
  // The answers the server keeps, and over them the ones still waiting on the device to go out.
  const answers = {...DATA.answers}; // position -> answer
  for (const op of outbox.ops) if (op.type === "answer") answers[op.position] = op.response;

  function keep() {
    try {
      localStorage.setItem(PREFIX + "seq", String(seq));
      localStorage.setItem(PREFIX + "current", String(current));
    } catch {
      outbox.failure = "本机存储已满";
    }
  }

  // --- answering ------------------------------------------------------------------------------------
  const item = (position) => items.find((i) => i.position === position);
  const answered = (position) => Boolean(answers[position]);
  const locked = () => Boolean(closed) || outbox.holds((op) => op.type === "hand_in");

  function give(position, response, typed = false) {
    if (locked()) return;
    answers[position] = response;
    delete errors[position];
    seq += 1;
    const tail = outbox.unsentTail();
    if (tail && tail.type === "answer" && tail.position === position) {
      Object.assign(tail, {response, seq});
      outbox.save();
    } else outbox.push({type: "answer", position, response, seq});
    keep();
    clearTimeout(timer);
    timer = setTimeout(flush, typed ? DEBOUNCE_MS : 0);
    if (!typed) renderQuestion();
    render();
  }
  function flush() {
    clearTimeout(timer);
    timer = null;
    outbox.flush();
  }
  function choose(value) {
    const q = item(current), given = answers[current] || "";
    if (q.kind === "multiple") {
      const set = new Set(given);
      if (set.has(value)) set.delete(value); else set.add(value);
      give(current, [...set].sort().join(""));
    } else give(current, given === value ? "" : value);
  }
  function go(position) {
    if (!item(position)) return;
    current = position;
    keep();
    renderQuestion();
    render();
  }
  function askHandIn() {
    const left = items.filter((i) => !answered(i.position)).length;
    document.getElementById("confirm-unanswered").textContent = left ? `还有 ${left} 题未作答。` : "全部题目均已作答。";
    const dialog = document.getElementById("confirm-hand-in");
    dialog.returnValue = "";
    dialog.onclose = () => dialog.returnValue === "ok" && handIn();
    dialog.showModal();
  }
  function handIn() {
    if (outbox.holds((op) => op.type === "hand_in")) return;
    outbox.push({type: "hand_in"});
    flush();
    render();
  }

  // --- the server's answers ---------------------------------------------------------------------------
  function accepted(op, body) {
    if (op.type === "hand_in") {
      closed = "已交卷";
      setTimeout(leave); // once the outbox has let the op go
      return;
    }
    tick(body.remaining_ms);
  }
  function rejected(op, status, body) {
    const message = body.error || `未能保存（${status}）`;
    if (op.type === "hand_in" || /时间已到|已交卷|已结束|换机/.test(message)) closed = message;
    else errors[op.position] = message;
  }
  function tick(remaining) {
    if (typeof remaining === "number") deadline = performance.now() + remaining;
  }
  async function check() {
    try {
      const response = await fetch("/api/exam/status", {credentials: "same-origin", headers: {accept: "application/json"},
        signal: AbortSignal.timeout(8000)});
      const body = await response.json();
      if (!response.ok) return;
      if (body.exam_status === "open" && DATA.exam.status !== "open") return location.reload(); // the test began
      tick(body.remaining_ms);
      if (body.state !== "answering" && body.state !== "ready" && !outbox.length) leave();
    } catch { /* offline: the local clock goes on */ }
  }
  let leaving = false;
  function leave() { // once: a second navigation would abort the first
    if (!leaving) location.assign("/exam/done");
    leaving = true;
  }

  // --- rendering --------------------------------------------------------------------------------------
  function renderQuestion() {
    const q = item(current), box = document.getElementById("question");
    if (!q) return;
    const given = answers[q.position] || "", ro = locked();
    const choice = (value, text) => el("button", {type: "button", class: "option", "data-value": value,
      "aria-pressed": String(given.includes(value)), disabled: ro}, el("b", {}, value === "对" ? "√" : value === "错" ? "×" :
      String.fromCharCode(65 + q.options.findIndex((o) => o.value === value))), el("span", {}, text));
    let body;
    if (q.kind === "fill") {
      body = el("label", {class: "fill"}, el("span", {}, "答案"),
        el("input", {type: "text", id: "fill", value: given, autocomplete: "off", disabled: ro, maxlength: "200"}));
    } else if (q.kind === "truefalse") {
      body = el("div", {class: "options"}, choice("对", "正确"), choice("错", "错误"));
    } else {
      body = el("div", {class: "options"}, ...q.options.map((o) => choice(o.value, o.text)));
    }
    box.dataset.position = q.position;
    box.replaceChildren(...[
      el("header", {class: "sheet-head"}, el("h2", {}, `第 ${q.position} 题`),
        el("span", {class: "kind"}, `${KINDS[q.kind]} · ${q.points} 分`)),
      el("p", {class: "stem"}, q.stem),
      q.kind === "multiple" ? el("p", {class: "muted"}, "（多选：选出全部正确选项）") : null,
      body,
      el("p", {class: "msg", role: "alert", id: "answer-error"}),
      el("footer", {class: "actions"},
        el("button", {type: "button", class: "secondary", "data-go": q.position - 1, disabled: q.position === 1}, "上一题"),
        el("button", {type: "button", "data-go": q.position + 1, disabled: q.position === items.length}, "下一题")),
    ].filter(Boolean));
  }
  function renderNumbers() {
    document.getElementById("numbers").replaceChildren(...items.map((i) => el("li", {}, el("button", {type: "button",
      class: `number${answered(i.position) ? " answered" : ""}${errors[i.position] ? " has-error" : ""}`,
      "data-go": i.position, "aria-current": i.position === current ? "true" : false}, String(i.position)))));
    const done = items.filter((i) => answered(i.position)).length;
    document.getElementById("progress").textContent = `已答 ${done} / ${items.length} 题`;
  }
  function renderStatus() {
    const n = outbox.length, bar = document.getElementById("sync"), kind = outbox.state;
    bar.className = `sync sync-${kind}`;
    bar.textContent = {ok: "已保存", busy: "保存中…", offline: `离线：${n}项作答保存在本机，联网后自动提交`,
      error: `保存失败：${outbox.failure}（${n}项作答保存在本机）`}[kind];
    const notice = document.getElementById("closed");
    notice.hidden = !closed;
    notice.textContent = closed;
    document.getElementById("hand-in").disabled = locked();
    const error = document.getElementById("answer-error");
    if (error) error.textContent = errors[current] || "";
  }
  function renderClock() {
    const clock = document.getElementById("clock");
    if (deadline === null) return;
    const left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
    clock.textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
    clock.classList.toggle("low", left < 300);
    if (left === 0 && !closed) {
      closed = "考试时间到，已停止作答。";
      handIn();
      renderQuestion();
    }
  }
  function render() {
    renderStatus();
    if (items.length) renderNumbers();
  }

  // --- start ------------------------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const to = event.target.closest("[data-go]");
    if (to && !to.disabled) return go(Number(to.dataset.go));
    const option = event.target.closest(".option");
    if (option && !option.disabled) return choose(option.dataset.value);
    if (event.target.closest("#hand-in")) askHandIn();
  });
  document.addEventListener("input", (event) => {
    if (event.target.id === "fill") give(current, event.target.value.trim(), true);
  });
  if (DATA.exam.status === "open") {
    document.getElementById("paper").hidden = false;
    if (!item(current)) current = 1;
    renderQuestion();
  } else document.getElementById("waiting").hidden = false;
  render();
  renderClock();
  setInterval(renderClock, 1000);
  setInterval(check, CHECK_MS);
  flush();
})();
