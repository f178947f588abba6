// A certificate is A4 landscape; on a phone it is zoomed to fit the screen (printing keeps A4).
(function () {
  "use strict";
  const certificate = document.querySelector(".certificate");
  function fit() {
    certificate.style.zoom = "";
    const scale = Math.min(1, (document.documentElement.clientWidth - 8) / certificate.offsetWidth);
    if (scale < 1) certificate.style.zoom = scale.toFixed(3);
  }
  window.addEventListener("resize", fit);
  fit();
})();
