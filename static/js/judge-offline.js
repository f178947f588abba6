// Registers the judges' service worker (judge-sw.js) and says on the page when this page is kept
// on the device, so that a reload without network still opens it. Service workers need a secure
// context: HTTPS, or the server's own machine (127.0.0.1); over plain http on the venue's network
// the tablet still scores offline, but a reload needs the network.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const label = document.getElementById("offline-ready");
  navigator.serviceWorker.register("/judge/sw.js", {scope: "/judge/", updateViaCache: "none"}).catch(() => {});
  navigator.serviceWorker.ready.then((registration) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      if (event.data === "kept" && label) label.hidden = false;
    };
    const page = location.pathname + location.search;
    registration.active.postMessage({keep: page, fresh: Boolean(navigator.serviceWorker.controller)}, [channel.port2]);
  });
  // Signing out takes this judge's pages off the device (unsent marks stay in the outbox).
  document.addEventListener("submit", (event) => {
    if (new URL(event.target.action, location.href).pathname === "/logout") {
      navigator.serviceWorker.controller?.postMessage("forget");
    }
  });
})();
