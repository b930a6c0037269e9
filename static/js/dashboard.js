/* The managers' dashboard (templates/insights_app/weekly.html), drawn by ECharts 5.
 *
 * No inline script: the page carries the figures as JSON (json_script) and this file draws
 * them. Every bar, point or cell goes to the list behind it, whose rows are exactly the ones
 * counted. Charts render as SVG so the printed page stays sharp.
 */
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  document.querySelectorAll("[data-submit-on-change]").forEach(function (field) {
    field.addEventListener("change", function () {
      field.form.submit();
    });
  });
  var printButton = document.querySelector("[data-print-page]");
  if (printButton) {
    printButton.addEventListener("click", function () {
      window.print();
    });
  }

  if (typeof window.echarts === "undefined") {
    return; // the tables beside each chart still show every figure
  }
  var charts = [];

  function draw(node, option, onClick) {
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    node.classList.add("drawn");
    chart.setOption(option);
    if (onClick) {
      chart.on("click", onClick);
      chart.getZr().setCursorStyle && chart.getZr().setCursorStyle("pointer");
    }
    charts.push(chart);
    return chart;
  }

  function go(url) {
    if (url) {
      window.location.href = url;
    }
  }

  var figures = data("dashboard-charts");
  if (figures) {
    var stages = document.querySelector('[data-chart="stages"]');
    if (stages) {
      draw(
        stages,
        {
          grid: { left: 110, right: 24, top: 8, bottom: 24 },
          tooltip: { trigger: "item" },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: figures.stages.labels },
          series: [{ type: "bar", data: figures.stages.values, itemStyle: { color: "#206bc4" } }],
        },
        function (event) {
          go(figures.stages.urls[event.dataIndex]);
        }
      );
    }
    var burnUp = document.querySelector('[data-chart="burn_up"]');
    if (burnUp) {
      draw(
        burnUp,
        {
          grid: { left: 48, right: 24, top: 32, bottom: 24 },
          tooltip: { trigger: "axis" },
          legend: { data: figures.burn_up.names, top: 0 },
          xAxis: { type: "category", data: figures.burn_up.labels },
          yAxis: { type: "value", minInterval: 1 },
          series: [
            { name: figures.burn_up.names[0], type: "line", data: figures.burn_up.planned, lineStyle: { type: "dashed" }, itemStyle: { color: "#868e96" } },
            { name: figures.burn_up.names[1], type: "line", data: figures.burn_up.actual, areaStyle: { opacity: 0.15 }, itemStyle: { color: "#2fb344" } },
          ],
        },
        function () {
          go(figures.burn_up.url);
        }
      );
    }
    var workload = document.querySelector('[data-chart="workload"]');
    if (workload && figures.workload.labels.length) {
      var colours = ["#206bc4", "#2fb344", "#d63939"];
      draw(
        workload,
        {
          grid: { left: 110, right: 24, top: 32, bottom: 24 },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { data: figures.workload.names, top: 0 },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: figures.workload.labels },
          series: figures.workload.series.map(function (values, index) {
            return {
              name: figures.workload.names[index],
              type: "bar",
              stack: "load",
              data: values,
              itemStyle: { color: colours[index] },
            };
          }),
        },
        function (event) {
          go(figures.workload.urls[event.seriesIndex][event.dataIndex]);
        }
      );
    } else if (workload) {
      workload.remove();
    }
  }

  function drawSparklines() {
    var kpis = data("kpi-charts");
    if (!kpis) {
      return;
    }
    document.querySelectorAll("[data-sparkline]").forEach(function (node) {
      if (node.classList.contains("drawn")) {
        return;
      }
      var values = kpis.series[node.dataset.sparkline] || [];
      var target = (kpis.targets || {})[node.dataset.sparkline];
      var line = { type: "line", data: values, connectNulls: true, symbolSize: 3, lineStyle: { width: 1.5 }, itemStyle: { color: "#206bc4" } };
      var yAxis = { type: "value", show: false, scale: true };
      if (target !== null && target !== undefined) {
        // The manual's promise as a dashed line; the axis stretches to keep it in view.
        line.markLine = {
          silent: true,
          animation: false,
          symbol: "none",
          label: { show: false },
          lineStyle: { type: "dashed", color: "#f76707", width: 1 },
          data: [{ yAxis: target, name: kpis.target_name }],
        };
        yAxis.min = function (extent) {
          return Math.min(extent.min, target);
        };
        yAxis.max = function (extent) {
          return Math.max(extent.max, target);
        };
      }
      draw(node, {
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        tooltip: {
          trigger: "axis",
          valueFormatter: function (value) {
            return value === null || value === undefined ? "—" : value.toFixed(1);
          },
        },
        xAxis: { type: "category", show: false, data: kpis.labels },
        yAxis: yAxis,
        series: [line],
      });
    });
  }
  drawSparklines();
  // The KPI section arrives after the page (htmx): draw its sparklines once it is in place.
  document.body.addEventListener("htmx:afterSettle", drawSparklines);

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
