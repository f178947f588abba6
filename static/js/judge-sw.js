// The judges' service worker (served at /judge/sw.js, so it looks after every page under /judge/).
// It keeps the tablet's page — which carries the judge's sheets — with its scripts and styles on the
// device, so that a reload without network reopens the tablet; the outbox itself lives in
// localStorage (see tablet.js). Pages and files come from the network whenever it answers, so an
// updated page or script is picked up as soon as the tablet is online, and from the device when it
// does not answer or answers with a server error. Writes (the API) never pass through here.
"use strict";
const CACHE = "judge-v1";
const FILES = ["/static/css/site.css", "/static/css/tablet.css", "/static/js/outbox.js", "/static/js/tablet.js",
  "/static/js/judge-offline.js", "/static/vendor/htmx-2.0.11.min.js", "/static/favicon.svg", "/favicon.ico"];
const WAIT_MS = 5000; // flaky Wi-Fi: after this long the device's copy is shown instead

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("judge-") && n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

/** Pages and files this worker keeps: the judges' pages (not sign-in) and the static files. */
function kept(request) {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/judge/login") || url.pathname === "/judge/sw.js") return false;
  return url.pathname === "/judge" || url.pathname.startsWith("/judge/") || url.pathname.startsWith("/static/")
    || url.pathname === "/favicon.ico";
}

async function fromNetwork(request) {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), WAIT_MS));
  const response = await Promise.race([fetch(request), timeout]);
  if (response.ok && !response.redirected) { // a sign-in page after an expired session is not the tablet
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

/** The device's copy; a static file asked for under another content hash (?v=…) is the same file
 *  in an older version — better than none while the network is away. */
async function deviceCopy(request) {
  const exact = await caches.match(request);
  if (exact || !new URL(request.url).pathname.startsWith("/static/")) return exact;
  return caches.match(request, {ignoreSearch: true});
}

async function networkFirst(request) {
  let response;
  try {
    response = await fromNetwork(request);
  } catch (error) {
    const copy = await deviceCopy(request);
    if (copy) return copy;
    throw error;
  }
  if (response.status < 500) return response;
  // The server answers but cannot serve (a 503 while its database restarts): the device's copy keeps
  // the tablet open, and its outbox goes on retrying.
  return (await deviceCopy(request)) || response;
}

self.addEventListener("fetch", (event) => {
  if (kept(event.request)) event.respondWith(networkFirst(event.request));
});

// From the page: {keep: url, fresh} — make sure the page is on the device (fetched again unless the
// page itself just came through this worker), then answer "kept"; "forget" — a judge signed out.
self.addEventListener("message", (event) => {
  const reply = (word) => event.ports[0] && event.ports[0].postMessage(word);
  if (event.data === "forget") {
    event.waitUntil(caches.delete(CACHE).then(() => reply("forgotten")));
  } else if (event.data && event.data.keep) {
    event.waitUntil(caches.open(CACHE).then(async (cache) => {
      if (!event.data.fresh || !(await cache.match(event.data.keep))) await cache.add(event.data.keep);
      reply("kept");
    }).catch(() => reply("failed")));
  }
});
