// 网上练兵 on a phone: on a bus the network comes and goes, so say when an answer did not get
// through (it can be sent again); a quiz shows its time left as the server counts it and at the
// end asks the server again.
(function () {
  "use strict";
  document.addEventListener("htmx:sendError", () => {
    const box = document.createElement("p");
    box.className = "error-box";
    box.textContent = "网络不通，答案未提交，请稍后再点“确定”。";
    document.getElementById("messages").replaceChildren(box);
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) document.getElementById("messages").replaceChildren();
  });
  const clock = document.getElementById("quiz-clock");
  if (!clock) return;
  const end = performance.now() + Number(clock.dataset.remaining);
  const show = () => {
    const left = Math.max(0, Math.round((end - performance.now()) / 1000));
    clock.textContent = `剩余 ${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) location.reload(); else setTimeout(show, 1000);
  };
  show();
})();
