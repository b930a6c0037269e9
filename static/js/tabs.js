/* Tabs that answer to the address (the case page, templates/requests_app/detail.html).
 *
 * A #hash opens the tab it names (#tab-tasks) or the tab holding the element it names
 * (#plan-v2, #review-form) and scrolls to that element; choosing a tab writes its hash into the
 * address, so a shared link or a reload opens the same tab. Tabler's Tab does the switching.
 */
(function () {
  "use strict";

  var nav = document.querySelector("[data-deep-tabs]");
  if (!nav || !window.tabler || !window.tabler.Tab) {
    return;
  }

  function triggerOf(pane) {
    return nav.querySelector('[data-bs-toggle="tab"][href="#' + pane.id + '"]');
  }

  function open(hash) {
    var id;
    try {
      id = decodeURIComponent(hash.slice(1));
    } catch (error) {
      return; // a malformed address: the tab of the stage stays open
    }
    var target = id && document.getElementById(id);
    var pane = target && target.closest(".tab-pane");
    var trigger = pane && triggerOf(pane);
    if (!trigger) {
      return;
    }
    window.tabler.Tab.getOrCreateInstance(trigger).show();
    if (target !== pane) {
      target.scrollIntoView({ block: "start" });
    }
  }

  nav.addEventListener("shown.bs.tab", function (event) {
    var hash = event.target.getAttribute("href");
    var current = document.getElementById(window.location.hash.slice(1));
    if (!current || !current.closest("#" + hash.slice(1))) {
      window.history.replaceState(null, "", hash);
    }
  });
  window.addEventListener("hashchange", function () {
    open(window.location.hash);
  });
  if (window.location.hash) {
    open(window.location.hash);
  }
})();
