// Every form marked data-confirm asks before it posts, in one shared <dialog> (base.html): the
// destructive changes of the admin pages and the chief judge's console all confirm the same way.
(function () {
  "use strict";
  const dialog = document.getElementById("confirm-change");
  if (!dialog) return;
  let pending = null;
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed) return;
    event.preventDefault();
    pending = {form: form, submitter: event.submitter};
    document.getElementById("confirm-change-text").textContent = form.dataset.confirm;
    dialog.showModal();
  });
  dialog.addEventListener("close", function () {
    const chosen = pending;
    pending = null;
    if (!chosen || dialog.returnValue !== "ok") return;
    chosen.form.dataset.confirmed = "1";  // submit for real this time (the server still checks everything)
    chosen.form.requestSubmit(chosen.submitter && chosen.submitter.form === chosen.form ? chosen.submitter : undefined);
  });
})();
