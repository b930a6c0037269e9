/* Asks before an irreversible step (templates/includes/confirm_dialog.html).
 *
 * A form that carries data-confirm (the question), data-confirm-detail (what will happen) and
 * data-confirm-yes (the button's label, the step's own name) is not posted at once: the dialog
 * shows first, and only its confirming button posts the form, with the button that was pressed
 * (its name and value go along, as with a plain click). Cancelling, Escape or a click beside the
 * dialog changes nothing. Without this script (or Tabler's) the form simply posts.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || !window.tabler || !window.tabler.Modal) {
    return;
  }
  var modal = window.tabler.Modal.getOrCreateInstance(dialog);
  var title = dialog.querySelector("[data-confirm-title]");
  var detail = dialog.querySelector("[data-confirm-detail]");
  var yes = dialog.querySelector("[data-confirm-yes]");
  var cancel = dialog.querySelector("[data-bs-dismiss]");
  var pending = null; // {form, submitter} while the dialog is open
  var confirmed = new WeakSet(); // forms whose next submit was confirmed

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) {
      return;
    }
    if (confirmed.has(form)) {
      confirmed.delete(form);
      return;
    }
    event.preventDefault();
    pending = { form: form, submitter: event.submitter || null };
    title.textContent = form.dataset.confirm;
    detail.textContent = form.dataset.confirmDetail || "";
    yes.textContent = form.dataset.confirmYes || "OK";
    yes.disabled = false;
    modal.show();
  });

  dialog.addEventListener("shown.bs.modal", function () {
    cancel.focus(); // the safe choice has the focus
  });

  dialog.addEventListener("hidden.bs.modal", function () {
    if (pending && pending.submitter) {
      pending.submitter.focus();
    }
    pending = null;
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      modal.hide(); // back to a page left through the dialog: it asks afresh
    }
  });

  yes.addEventListener("click", function () {
    if (!pending) {
      return;
    }
    var form = pending.form;
    var submitter = pending.submitter;
    pending = null;
    confirmed.add(form);
    yes.disabled = true; // one post, however often it is pressed
    if (submitter && submitter.form === form) {
      form.requestSubmit(submitter);
    } else {
      form.requestSubmit();
    }
  });
})();
