/* The copy button beside a one-time link (templates/requests_app/_new_link.html).
 *
 * No inline script: a button with data-copy-target="<selector of the field>" copies that
 * field's value to the clipboard and says so (its [data-copy-label] takes the text of
 * data-copied-label). Without the Clipboard API (an older browser, a page not served over
 * HTTPS) the link is selected instead, for Ctrl+C.
 */
(function () {
  "use strict";

  function copied(button) {
    var label = button.querySelector("[data-copy-label]");
    if (label) {
      label.textContent = button.dataset.copiedLabel;
    }
    button.classList.add("btn-success");
  }

  function selectOnly(field) {
    field.focus();
    field.select();
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.dataset.copyTarget);
      if (!field) {
        return;
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () {
            copied(button);
          },
          function () {
            selectOnly(field);
          }
        );
      } else {
        selectOnly(field);
      }
    });
  });
})();
