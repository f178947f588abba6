// The judge's tablet: score a stage entry by entry. Every change is kept on the device
// (localStorage) and sent through the ordered outbox (outbox.js) that survives reloads and lost Wi-Fi.
"use strict";
(() => {
  const DATA = JSON.parse(document.getElementById("stage-data").textContent);
  const PREFIX = `tablet:${DATA.judge.id}:${DATA.stage.id}:`;
  const CRITERIA = DATA.criteria;
  const LABELS = {not_started: "未开始", draft: "草稿", submitted: "已提交", reopened: "已退回", pending: "待同步"};
  const UNIT = 10000; // marks are compared in 1/10000 units, never as floats
  const DEBOUNCE_MS = 1000;
  const NUMBER = /^-?\d+(\.\d+)?$/;
  const OPINION_REQUIRED = DATA.stage.opinion === "required";
  const MAX_OPINION = 2000, MAX_NOTE = 300; // as the server keeps them
  const MEASURED = CRITERIA.filter((c) => c.confirm); // measured at the station: the contestant confirms

  const sheets = new Map(); // entry id -> the device's copy of the judge's sheet
  const device = localStorage.getItem("tablet:device") || `tablet-${Outbox.newKey().slice(0, 8)}`;
  localStorage.setItem("tablet:device", device);
  let current = null, timer = null;
  const outbox = new Outbox({
    storageKey: PREFIX + "outbox",
    request: (op) => ({url: `/api/judge/stages/${DATA.stage.id}/entries/${op.entry_id}`, method: "PUT",
      body: {marks: op.marks, notes: op.notes || {}, opinion: op.opinion || "", confirmation: op.confirmation || null,
        base_version: op.base_version,
        submit: op.submit, key: op.key, device}}),
    accepted, rejected, changed: () => render(), paused: () => timer !== null, // a pending debounce goes first
  });

  // --- storage --------------------------------------------------------------------------------------
  function keep(s) {
    try {
      localStorage.setItem(`${PREFIX}entry:${s.entry_id}`, JSON.stringify(s));
    } catch {
      outbox.failure = "本机存储已满";
    }
  }
  const pending = (id) => outbox.holds((op) => op.entry_id === id);
  /** The device's copy wins while it has unsent changes or is at least as new as the page's (a page
   * reopened offline from the device carries the sheets as they were when it was kept). */
  function merge(server) {
    const local = Outbox.load(`${PREFIX}entry:${server.entry_id}`, null);
    const where = {blind_code: server.blind_code, running_order: server.running_order};
    if (local && (pending(server.entry_id) || local.version >= server.version)) {
      return {notes: server.notes, opinion: server.opinion, ...local, ...where,
        reason: local.reason ?? server.reopen_reason};
    }
    return {entry_id: server.entry_id, ...where, state: server.state, version: server.version,
      marks: {...server.marks}, notes: {...server.notes}, opinion: server.opinion || "",
      confirmation: Object.keys(server.confirmation || {}).length ? server.confirmation : null,
      reason: server.reopen_reason, locked: server.state === "submitted",
      error: null, conflict: false, fieldErrors: {}};
  }

  // --- marks ----------------------------------------------------------------------------------------
  const units = (text) => Math.round(Number(text) * UNIT);
  const plain = (u) => String(u / UNIT);
  const criterion = (key) => CRITERIA.find((c) => c.key === key);
  const blank = (raw) => raw === undefined || raw === null || raw === "";
  /** What is wrong with one mark by the server's rules, or "". */
  function problem(c, raw, complete) {
    const judged = c.kind === "judgement" || c.kind === "deduction";
    if (blank(raw)) return complete && c.counts && judged ? "请打分" : "";
    if (!NUMBER.test(raw)) return `“${raw}”不是数字`;
    if (units(raw) < 0 && units(c.min) >= 0) return "不能为负数";
    if (units(raw) < units(c.min) || units(raw) > units(c.max)) return `超出范围 ${c.min}–${c.max}`;
    if ((raw.split(".")[1] || "").replace(/0+$/, "").length > 4) return "最多保留4位小数";
    if (c.step && units(raw) % units(c.step) !== 0) return `应为 ${c.step} 的整数倍`;
    return "";
  }
  /** What is wrong with the sheet's words (the opinion, the notes), by field, or nothing. */
  function wordProblems(s, complete) {
    const found = {}, opinion = (s.opinion || "").trim();
    if (opinion.length > MAX_OPINION) found.opinion = `评审意见不能超过${MAX_OPINION}字`;
    else if (complete && OPINION_REQUIRED && !opinion) found.opinion = "请填写评审意见";
    for (const [key, note] of Object.entries(s.notes || {})) {
      if (note.trim().length > MAX_NOTE) found[`note:${key}`] = `备注不能超过${MAX_NOTE}字`;
    }
    if (complete && measuredValues(s) && !confirmed(s)) found.confirmation = "请让选手确认测量结果（或记录异议）";
    return found;
  }

  // --- the contestant's confirmation of measured values ---------------------------------------------
  /** The measured values entered, as the contestant is shown them; null while there are none. */
  function measuredValues(s) {
    const values = Object.fromEntries(MEASURED.filter((c) => !blank(s.marks[c.key]))
      .map((c) => [c.key, s.marks[c.key]]));
    return Object.keys(values).length ? values : null;
  }
  /** The contestant confirmed (or disputed) exactly the values now on the sheet. */
  function confirmed(s) {
    const now = measuredValues(s), then = s.confirmation?.values;
    return Boolean(now && then) && Object.keys(now).length === Object.keys(then).length &&
      Object.entries(now).every(([k, v]) => !blank(then[k]) && units(then[k]) === units(v));
  }
  function confirm(agreed) {
    const s = sheets.get(current), box = document.getElementById("confirm-box");
    const bib = box.querySelector("[data-confirm=bib]").value.trim();
    const reason = box.querySelector("[data-confirm=reason]").value.trim();
    let problem = "";
    if (!bib) problem = "请选手输入本人参赛证号";
    else if (!agreed && !reason) problem = "请写明选手的异议理由";
    s.fieldErrors = {...s.fieldErrors, confirmation: problem};
    if (!problem) s.confirmation = {bib, values: measuredValues(s), agreed, reason: agreed ? "" : reason};
    if (!problem && !s.conflict) s.error = null;
    changed(s, false);
  }
  function unconfirm() {
    const s = sheets.get(current);
    s.confirmation = null;
    changed(s, false);
  }
  function problems(s, complete) {
    const marks = Object.fromEntries(CRITERIA.map((c) => [c.key, problem(c, s.marks[c.key], complete)]));
    return Object.fromEntries(Object.entries({...marks, ...wordProblems(s, complete)}).filter(([, p]) => p));
  }
  /** The marks a draft may carry: a typo stays on the device until it is corrected. */
  function validMarks(marks) {
    return Object.fromEntries(CRITERIA.filter((c) => !blank(marks[c.key]) && !problem(c, marks[c.key], false))
      .map((c) => [c.key, marks[c.key]]));
  }
  /** Plain sum of the counting marks, a deduction counting as max − deduction (for reference only). */
  function subtotal(marks) {
    let sum = 0;
    for (const [key, raw] of Object.entries(validMarks(marks))) {
      const c = criterion(key);
      if (c.counts) sum += c.kind === "deduction" ? units(c.max) - units(raw) : units(raw);
    }
    return plain(sum);
  }

  // --- the outbox -----------------------------------------------------------------------------------
  /** Queue a write. An unsent draft of the same entry at the tail is replaced; an op once tried never is. */
  function enqueue(s, submit) {
    const last = outbox.unsentTail(), marks = validMarks(s.marks);
    // the words and the contestant's confirmation travel with the marks
    const words = {notes: {...(s.notes || {})}, opinion: s.opinion || "", confirmation: s.confirmation || null};
    if (last && last.entry_id === s.entry_id && !last.submit) {
      Object.assign(last, {marks, ...words, submit});
      outbox.save();
    } else outbox.push({entry_id: s.entry_id, marks, ...words, submit, base_version: s.version});
  }
  function flush() {
    clearTimeout(timer);
    timer = null;
    outbox.flush();
  }
  function accepted(op, body, queued) {
    for (const later of queued) {
      if (later.entry_id === op.entry_id) later.base_version = body.version; // rebase on the new version
    }
    const s = sheets.get(op.entry_id);
    if (!s) return;
    Object.assign(s, {version: body.version, state: body.state, error: null, conflict: false});
    if (body.state === "submitted") Object.assign(s, {locked: true, reason: null});
    keep(s);
  }
  function rejected(op, status, body) {
    const s = sheets.get(op.entry_id);
    if (!s) return;
    Object.assign(s, {error: body.error || `请求被拒绝（${status}）`, conflict: status === 409});
    if (status === 400 && body.field) s.fieldErrors = {...s.fieldErrors, [body.field]: body.error};
    if (status === 400 && body.field === "confirmation") s.confirmation = null; // the contestant confirms again
    if (op.submit) s.locked = s.state === "submitted";
    keep(s);
  }

  // --- what the judge does --------------------------------------------------------------------------
  function select(id) {
    current = id;
    history.replaceState(null, "", `#entry-${id}`);
    renderSheet();
    render();
  }
  function setMark(key, value, typed = false) {
    const s = sheets.get(current);
    if (!s || readOnly(s)) return;
    value = String(value).trim();
    if (value === "") delete s.marks[key]; else s.marks[key] = value;
    s.fieldErrors = {...s.fieldErrors, [key]: problem(criterion(key), value, false)};
    if (!s.conflict) s.error = null;
    changed(s, typed);
  }
  /** A change kept on the device and sent as a draft once typing pauses. */
  function changed(s, typed) {
    keep(s);
    enqueue(s, false);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS); // drafts go out once typing pauses
    if (!typed) renderSheet(); // a tapped stepper or level; an input being typed in is left alone
    render();
  }
  /** The judge writes a note on a criterion (key) or the sheet's opinion (key null). */
  function setWords(key, value) {
    const s = sheets.get(current);
    if (!s || readOnly(s)) return;
    if (key === null) s.opinion = value;
    else if (value.trim()) s.notes = {...s.notes, [key]: value};
    else delete s.notes?.[key];
    s.fieldErrors = {...s.fieldErrors, ...Object.fromEntries(Object.keys(s.fieldErrors || {})
      .filter((f) => f === "opinion" || f.startsWith("note:")).map((f) => [f, ""])), ...wordProblems(s, false)};
    if (!s.conflict) s.error = null;
    changed(s, true);
  }
  function nudge(key, direction) {
    const c = criterion(key), raw = sheets.get(current).marks[key] || "";
    const step = units(c.step || "1"), now = NUMBER.test(raw) ? units(raw) : 0;
    const next = direction > 0 ? (Math.floor(now / step) + 1) * step : (Math.ceil(now / step) - 1) * step;
    setMark(key, plain(Math.min(Math.floor(units(c.max) / step) * step, Math.max(units(c.min), next))));
  }
  function saveDraft() {
    const s = sheets.get(current);
    s.fieldErrors = problems(s, false);
    if (!pending(s.entry_id)) enqueue(s, false);
    flush();
  }
  function askSubmit() {
    const s = sheets.get(current);
    s.fieldErrors = problems(s, true);
    const count = Object.keys(s.fieldErrors).length;
    if (count) {
      Object.assign(s, {error: `还有 ${count} 项需要补全或改正，见标红处`, conflict: false});
      render();
      return document.querySelector("#sheet .msg:not(:empty)")?.scrollIntoView({block: "center"});
    }
    const dialog = document.getElementById("confirm-submit");
    document.getElementById("confirm-code").textContent = s.blind_code;
    dialog.returnValue = "";
    dialog.onclose = () => dialog.returnValue === "ok" && submitSheet(s);
    dialog.showModal();
  }
  function submitSheet(s) {
    Object.assign(s, {locked: true, error: null, conflict: false}); // locked here, even offline
    keep(s);
    enqueue(s, true);
    flush();
    render();
  }
  /** Forget this entry's changes on the device and load the server's sheet. */
  function refresh() {
    outbox.drop((op) => op.entry_id === current);
    localStorage.removeItem(`${PREFIX}entry:${current}`);
    location.reload();
  }

  // --- rendering ------------------------------------------------------------------------------------
  const readOnly = (s) => DATA.signed_off || s.locked;
  const shown = (s) => (pending(s.entry_id) ? "pending" : s.state);
  const badge = (s) => el("span", {class: `badge badge-${shown(s)}`}, LABELS[shown(s)]);
  function renderList() {
    document.getElementById("entries").replaceChildren(...[...sheets.values()].map((s) => el("li", {},
      el("button", {type: "button", class: `entry${s.error ? " has-error" : ""}`, "data-entry": s.entry_id,
        "aria-current": s.entry_id === current ? "true" : false}, el("span", {class: "code"}, s.blind_code),
      el("span", {class: "order"}, s.running_order ? `第 ${s.running_order} 位` : ""), badge(s)))));
  }
  function levelsView(c, raw, ro) {
    if (!c.levels) return null;
    const pairs = Array.isArray(c.levels) ? c.levels.map((text, i) => [String(i), text]) : Object.entries(c.levels);
    return el("div", {class: "levels", role: "group", "aria-label": `${c.name} 等级`}, ...pairs.map(([value, text]) => {
      let words = typeof text === "object" ? Object.values(text).join(" ") : String(text);
      if (words.startsWith(value)) words = words.slice(value.length).trim(); // "2 良好" → 2, 良好
      return el("button", {type: "button", class: "level", "data-act": "level", "data-value": value, disabled: ro,
        "aria-pressed": String(!blank(raw) && units(raw) === units(value))}, el("b", {}, value), el("span", {}, words));
    }));
  }
  function criterionView(c, s, ro) {
    const raw = s.marks[c.key] ?? "", step = c.step || "1", deduction = c.kind === "deduction";
    const signed = units(c.min) < 0; // marks below zero: a range to show, and a keyboard with a minus sign
    const stepButton = (act, sign, word) => el("button", {type: "button", class: "step", "data-act": act,
      "aria-label": `${c.name} ${word} ${step}`, disabled: ro}, sign);
    return el("li", {class: `criterion kind-${c.kind}`, "data-key": c.key},
      el("div", {class: "crit-head"},
        el("span", {class: "crit-name"}, c.name, c.counts ? null : el("small", {}, "（不计入总分）")),
        // a step is shown only when the scheme sets one (without it any mark of up to four decimals counts;
        // the buttons then move by 1)
        el("span", {class: "crit-meta"}, `${signed ? `${c.min} 至 ${c.max} 分` : `${deduction ? "最多扣" : "满分"} ${c.max} 分`}${c.step ? ` · 步长 ${c.step}` : ""}`)),
      levelsView(c, raw, ro),
      el("div", {class: "stepper"}, stepButton("minus", "−", "减"),
        el("label", {}, el("span", {}, deduction ? "扣分" : "得分"), el("input", {type: "text", inputmode: signed ? "text" : "decimal",
          autocomplete: "off", value: raw, "data-key": c.key, disabled: ro, "aria-label": c.name})),
        stepButton("plus", "+", "加")),
      noteView(c, s, ro),
      el("p", {class: "msg", role: "alert", "data-msg": c.key}));
  }
  /** A note on the criterion: folded away until the judge opens it or writes one. */
  function noteView(c, s, ro) {
    const note = s.notes?.[c.key] || "";
    if (ro && !note) return null;
    return el("details", {class: "crit-note", open: Boolean(note)}, el("summary", {}, note ? "备注" : "写备注"),
      el("textarea", {"data-note": c.key, rows: 2, maxlength: MAX_NOTE, disabled: ro, "aria-label": `${c.name} 备注`,
        placeholder: "扣分或给分的理由（选填）"}, note),
      el("p", {class: "msg", role: "alert", "data-msg": `note:${c.key}`}));
  }
  function confirmView(s, ro) {
    if (!MEASURED.length) return null;
    const values = measuredValues(s), done = confirmed(s);
    const shown = el("ul", {class: "measured"}, ...MEASURED.map((c) => el("li", {}, c.name, "：",
      el("b", {}, blank(s.marks[c.key]) ? "未录入" : s.marks[c.key]))));
    let body;
    if (done) {
      body = el("p", {class: s.confirmation.agreed ? "confirmed" : "disputed"},
        s.confirmation.agreed ? "选手已确认无误" : `选手有异议：${s.confirmation.reason}`,
        ro ? null : el("button", {type: "button", class: "secondary", "data-act": "unconfirm"}, "重新确认"));
    } else if (ro) {
      body = null;
    } else if (!values) {
      body = el("p", {class: "muted"}, "录入测量结果后，请选手确认。");
    } else {
      body = el("div", {class: "confirm-form"},
        s.confirmation ? el("p", {class: "notice notice-error"}, "测量结果已修改，需选手重新确认") : null,
        el("label", {}, el("span", {}, "选手输入本人参赛证号"), el("input", {type: "text", inputmode: "numeric",
          autocomplete: "off", "data-confirm": "bib"})),
        el("label", {}, el("span", {}, "异议理由（有异议时填写）"), el("input", {type: "text", maxlength: 200,
          "data-confirm": "reason"})),
        el("div", {class: "confirm-actions"},
          el("button", {type: "button", "data-act": "confirm-ok"}, "确认无误"),
          el("button", {type: "button", class: "secondary", "data-act": "confirm-dispute"}, "有异议")));
    }
    return el("section", {class: "confirm-box", id: "confirm-box", "data-sig": confirmSignature(s)},
      el("h3", {}, "选手确认测量结果"), shown, body,
      el("p", {class: "msg", role: "alert", "data-msg": "confirmation"}));
  }
  /** What the confirmation box shows: rebuilt when it changes, not while the contestant types. */
  const confirmSignature = (s) => JSON.stringify([measuredValues(s), s.confirmation, readOnly(s)]);
  function opinionView(s, ro) {
    if (ro && !s.opinion) return null;
    return el("div", {class: `opinion-box${OPINION_REQUIRED ? " required" : ""}`},
      el("label", {}, el("span", {}, OPINION_REQUIRED ? "评审意见（必填）" : "评审意见（选填）"),
        el("textarea", {"data-opinion": "", rows: 4, maxlength: MAX_OPINION, disabled: ro,
          placeholder: "对该选手表现的总体评价"}, s.opinion || "")),
      el("p", {class: "msg", role: "alert", "data-msg": "opinion"}));
  }
  function renderSheet() {
    const box = document.getElementById("sheet"), s = sheets.get(current);
    if (!s) return;
    const ro = readOnly(s);
    Object.assign(box.dataset, {showing: s.entry_id, ro});
    box.replaceChildren(...[  // no measured value to confirm, no opinion to show: left out, never "null"
      el("header", {class: "sheet-head"}, el("h2", {}, "加密号 ", el("b", {}, s.blind_code)),
        el("span", {class: "order"}, s.running_order ? `出场顺序 ${s.running_order}` : ""),
        el("span", {id: "sheet-state"})),
      el("div", {id: "notices"}),
      el("ol", {class: "criteria"}, ...CRITERIA.map((c) => criterionView(c, s, ro))),
      confirmView(s, ro),
      opinionView(s, ro),
      el("footer", {class: "actions"}, el("p", {class: "subtotal"}, "小计（仅供参考）", el("b", {id: "subtotal"})),
        ro ? null : el("button", {type: "button", class: "secondary", "data-act": "save"}, "保存草稿"),
        ro ? null : el("button", {type: "button", "data-act": "submit"}, "提交")),
    ].filter(Boolean));
  }
  function renderNotices(s) {
    const notice = (kind, ...content) => el("p", {class: `notice notice-${kind}`}, ...content);
    const locked = pending(s.entry_id) ? "已在本机提交并锁定，联网后自动同步" : "已提交并锁定；如需修改，请联系裁判长退回";
    const items = [];
    if (s.locked && !DATA.signed_off) items.push(notice("locked", locked)); // signed off: the page's banner says it
    if (s.state === "reopened" && !s.locked && s.reason) {
      items.push(notice("reopened", el("span", {}, "裁判长已退回修改，原因：", el("b", {}, s.reason))));
    }
    const again = s.conflict ? el("button", {type: "button", class: "secondary", "data-act": "refresh"}, "刷新") : null;
    if (s.error) items.push(notice("error", el("span", {}, s.error), again));
    document.getElementById("notices").replaceChildren(...items);
  }
  /** Bring the open sheet up to date without rebuilding it while the judge types. */
  function renderOpenSheet() {
    const box = document.getElementById("sheet"), s = sheets.get(current);
    if (!s) return;
    if (box.dataset.showing !== String(s.entry_id) || box.dataset.ro !== String(readOnly(s))) renderSheet();
    const confirmBox = document.getElementById("confirm-box");
    if (confirmBox && confirmBox.dataset.sig !== confirmSignature(s)) {
      confirmBox.replaceWith(confirmView(s, readOnly(s)));
    }
    for (const msg of box.querySelectorAll("[data-msg]")) {
      msg.textContent = s.fieldErrors?.[msg.dataset.msg] || "";
    }
    for (const item of box.querySelectorAll(".criterion, .opinion-box, .confirm-box")) {
      item.classList.toggle("invalid", [...item.querySelectorAll("[data-msg]")].some((m) => m.textContent));
    }
    document.getElementById("subtotal").textContent = subtotal(s.marks);
    document.getElementById("sheet-state").replaceChildren(badge(s));
    renderNotices(s);
  }
  function renderStatus() {
    const n = outbox.length, bar = document.getElementById("sync"), kind = outbox.state;
    bar.className = `sync sync-${kind}`;
    bar.textContent = {ok: "已同步", busy: "同步中…", offline: `离线：${n}项修改保存在本机，联网后自动同步`,
      error: `同步失败：${outbox.failure}（${n}项修改保存在本机）`}[kind];
  }
  function render() {
    renderStatus();
    renderList();
    renderOpenSheet();
  }

  // --- start ----------------------------------------------------------------------------------------
  function onClick(event) {
    const entry = event.target.closest("[data-entry]");
    if (entry) return select(Number(entry.dataset.entry));
    const act = event.target.closest("[data-act]");
    const key = act?.closest("[data-key]")?.dataset.key;
    const actions = {minus: () => nudge(key, -1), plus: () => nudge(key, 1), save: saveDraft, submit: askSubmit,
      level: () => setMark(key, act.dataset.value), refresh, "confirm-ok": () => confirm(true),
      "confirm-dispute": () => confirm(false), unconfirm};
    if (act && !act.disabled) actions[act.dataset.act]?.();
  }
  for (const server of DATA.sheets) sheets.set(server.entry_id, merge(server));
  const wanted = Number((location.hash.match(/^#entry-(\d+)$/) || [])[1]);
  const first = [...sheets.values()].find((s) => s.state !== "submitted") || sheets.values().next().value;
  current = sheets.has(wanted) ? wanted : first?.entry_id ?? null;
  document.addEventListener("click", onClick);
  document.addEventListener("input", (event) => {
    if (event.target.matches("input[data-key]")) setMark(event.target.dataset.key, event.target.value, true);
    if (event.target.matches("textarea[data-note]")) setWords(event.target.dataset.note, event.target.value);
    if (event.target.matches("textarea[data-opinion]")) setWords(null, event.target.value);
  });
  renderSheet();
  flush();
})();
