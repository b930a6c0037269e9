/* Gantt view of a case's WBS (templates/tasks_app/gantt.html), drawn by frappe-gantt 1.2.2.
 *
 * No inline script: the page names the data URL and the translated labels in data attributes
 * of #gantt, and this file attaches every listener itself.
 *
 * Two things frappe-gantt 1.2.2 does that this file works around:
 * - it writes a task's name into the SVG with innerHTML, so names are HTML-escaped first;
 * - it adds `custom_class` with classList.add(), which throws on a value holding spaces
 *   ("gantt-key gantt-overdue gantt-in_progress"), so the classes go on after each render.
 *
 * A delayed task keeps its bar (start to due date) and gets an extension drawn after it, to its
 * new expected date (`delayed_to`), with that date written at its end.
 */
(function () {
  "use strict";

  var host = document.getElementById("gantt");
  if (!host || typeof window.Gantt !== "function") {
    return;
  }
  var labels = host.dataset;
  var emptyNote = document.querySelector("[data-gantt-empty]");
  var errorNote = document.querySelector("[data-gantt-error]");
  var modeButtons = document.querySelectorAll("[data-view-mode]:not(#gantt)");
  var todayButton = document.querySelector("[data-gantt-today]");

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (character) {
      return ESCAPES[character];
    });
  }

  function toChartTask(item) {
    var classes = String(item.custom_class || "").split(/\s+/).filter(Boolean);
    return {
      id: String(item.id),
      name: escapeHtml((item.is_key ? "\u2605 " : "") + item.name),
      start: item.start,
      end: item.end,
      progress: Number(item.progress) || 0,
      dependencies: item.dependencies || "",
      // Kept for decorate() and the popup; frappe-gantt ignores unknown keys.
      gantt_classes: classes,
      plain_name: String(item.name),
      owner: String(item.owner || ""),
      is_key: Boolean(item.is_key),
      delayed_to: String(item.delayed_to || ""),
      is_overdue: classes.indexOf("gantt-overdue") !== -1,
    };
  }

  var SVG = "http://www.w3.org/2000/svg";
  var DAY = 24 * 60 * 60 * 1000;

  function svgElement(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    parent.appendChild(element);
    return element;
  }

  // From the bar's end (the due date) to the end of the new expected date, at the bar's own
  // scale (its width over its days), whatever the view mode.
  function drawDelay(bar) {
    var task = bar.task;
    if (!task.delayed_to) {
      return;
    }
    var days = (task._end - task._start) / DAY;
    var extra = (new Date(task.delayed_to + "T00:00:00") - task._end) / DAY + 1;
    if (!(days > 0) || !(extra > 0)) {
      return;
    }
    var x = bar.x + bar.width;
    var width = (bar.width / days) * extra;
    var group = svgElement(
      "g", { class: "bar-delay", "data-delayed-to": task.delayed_to }, bar.bar_group
    );
    var extension = svgElement(
      "rect",
      { class: "bar-extension", x: x, y: bar.y, width: width, height: bar.height, rx: 3, ry: 3 },
      group
    );
    svgElement("title", {}, extension).textContent =
      labels.labelDelayedTo + ": " + task.delayed_to;
    svgElement(
      "text", { class: "bar-delay-label", x: x + width + 4, y: bar.y + bar.height / 2 }, group
    ).textContent = "\u2192 " + task.delayed_to;
  }

  function decorate(chart) {
    (chart.bars || []).forEach(function (bar) {
      bar.task.gantt_classes.forEach(function (name) {
        bar.group.classList.add(name);
      });
      drawDelay(bar);
    });
  }

  // Today's line a third of the way in, so the days before it show too (frappe-gantt's own
  // "today" scroll puts it at the left edge). Without a line (today outside the chart), the
  // chart stays where frappe-gantt put it: at the first task.
  function showToday(chart) {
    var line = chart.$container && chart.$container.querySelector(".current-highlight");
    if (line) {
      var left = parseFloat(line.style.left) || 0;
      chart.$container.scrollLeft = Math.max(0, left - chart.$container.clientWidth / 3);
    }
  }

  function popup(context) {
    var task = context.task;
    var flags = [];
    if (task.is_key) {
      flags.push(labels.labelKey);
    }
    if (task.is_overdue) {
      flags.push(labels.labelOverdue);
    }
    context.get_title().textContent = task.plain_name + (flags.length ? " · " + flags.join(" · ") : "");
    context.get_subtitle().textContent = labels.labelOwner + ": " + (task.owner || "—");
    context.get_details().textContent =
      labels.labelDates + ": " + task.start + " – " + task.end + " · " +
      labels.labelProgress + ": " + task.progress + "%" +
      (task.delayed_to ? " · " + labels.labelDelayedTo + ": " + task.delayed_to : "");
  }

  function showMode(mode) {
    modeButtons.forEach(function (button) {
      var active = button.dataset.viewMode === mode;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", active ? "true" : "false");
    });
  }

  function draw(items) {
    if (!items.length) {
      host.hidden = true;
      if (emptyNote) {
        emptyNote.hidden = false;
      }
      return;
    }
    var mode = host.dataset.viewMode || "Week";
    var chart = new window.Gantt(host, items.map(toChartTask), {
      view_mode: mode,
      language: document.documentElement.lang || "en",
      readonly: true,
      today_button: false,
      view_mode_select: false,
      scroll_to: null,
      bar_height: 24,
      padding: 16,
      popup_on: "click",
      popup: popup,
      on_view_change: function () {
        decorate(this);
        showToday(this);
      },
    });
    host.dataset.rendered = String(items.length);
    showMode(mode);
    modeButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        chart.change_view_mode(button.dataset.viewMode);
        showMode(button.dataset.viewMode);
      });
    });
    if (todayButton) {
      todayButton.addEventListener("click", function () {
        showToday(chart);
      });
    }
  }

  fetch(host.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      host.hidden = true;
      if (errorNote) {
        errorNote.hidden = false;
      }
      if (window.console) {
        window.console.error("Gantt chart:", error);
      }
    });
})();
