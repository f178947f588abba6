// One ordered outbox of idempotent writes, kept on the device (localStorage) so that a reload or a
// dropped network loses nothing: the judges' tablet and the theory test both save through it.
// Every op carries a key of its own; a retry repeats exactly the same request, key and all, and the
// server answers a repeated key as it answered the first.
"use strict";
window.Outbox = class Outbox {
  /**
   * storageKey: where the queue is kept; request(op) -> {url, method, body} for fetch;
   * accepted(op, body, later) after a 2xx (later: the ops still queued behind it);
   * rejected(op, status, body) after a 400, 404 or 409 (the op leaves the queue);
   * changed() after every step, to redraw; paused() -> true holds the periodic retry back.
   */
  constructor({storageKey, request, accepted, rejected, changed, paused = () => false,
    retryMs = 5000, timeoutMs = 15000}) {
    Object.assign(this, {storageKey, request, accepted, rejected, changed, timeoutMs});
    this.ops = Outbox.load(storageKey, []);
    this.sending = false;
    this.offline = !navigator.onLine;
    this.failure = "";
    addEventListener("online", () => { this.offline = false; this.flush(); });
    addEventListener("offline", () => { this.offline = true; this.changed(); });
    setInterval(() => this.ops.length && !paused() && this.flush(), retryMs);
  }

  static load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
  }

  static newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // Plain http at the venue is no secure context: no randomUUID there, but getRandomValues works.
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  get length() { return this.ops.length; }

  /** Is an op matching this still waiting to go out? */
  holds(match) { return this.ops.some(match); }

  /** The last op if nothing was sent of it yet: a page may still change it (then save()). */
  unsentTail() {
    const last = this.ops[this.ops.length - 1];
    return last && !last.sent ? last : null;
  }

  push(op) {
    this.ops.push({...op, key: Outbox.newKey(), sent: false});
    this.save();
  }

  /** Forget the ops matching this (the page gives their changes up). */
  drop(match) {
    this.ops.splice(0, this.ops.length, ...this.ops.filter((op) => !match(op)));
    this.save();
  }

  save() {
    try { localStorage.setItem(this.storageKey, JSON.stringify(this.ops)); } catch { this.failure = "本机存储已满"; }
  }

  /** "ok", "busy", "offline" or "error": what the page's sync bar says. */
  get state() {
    if (this.failure) return "error";
    if (this.ops.length && (this.offline || !navigator.onLine)) return "offline";
    return this.ops.length ? "busy" : "ok";
  }

  send(op) {
    const csrf = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    const {url, method, body} = this.request(op);
    return fetch(url, {
      method, credentials: "same-origin", signal: AbortSignal.timeout(this.timeoutMs),
      headers: {"content-type": "application/json", accept: "application/json",
        "x-csrftoken": csrf ? decodeURIComponent(csrf[1]) : ""},
      body: JSON.stringify(body),
    });
  }

  /** Send the queued writes strictly in order; stop at the first that cannot go through now. */
  async flush() {
    if (this.sending) return;
    this.sending = true;
    while (this.ops.length) {
      const op = this.ops[0];
      op.sent = true; // from now on a retry repeats exactly this request, key and all
      this.save();
      let response, body;
      try {
        response = await this.send(op);
        body = await response.json().catch(() => ({}));
      } catch {
        [this.offline, this.failure] = [true, ""];
        break;
      }
      this.offline = false;
      if (response.ok) this.accepted(op, body, this.ops.slice(1));
      else if ([400, 404, 409].includes(response.status)) this.rejected(op, response.status, body);
      else {
        // 502–504: the server or its database is restarting; the op stays and goes again by itself
        this.failure = response.status === 401 ? "登录已过期，请重新登录"
          : [502, 503, 504].includes(response.status) ? "服务器暂时不可用，稍后自动重试"
          : body.error || `服务器错误（${response.status}）`;
        break;
      }
      this.failure = "";
      this.ops.shift();
      this.save();
      this.changed();
    }
    this.sending = false;
    this.changed();
  }
};
