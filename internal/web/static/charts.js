// Charts: every element with data-chart holds an ECharts option as JSON
// (built by the server); this draws it. Pages that chart include
// vendor/echarts.min.js and this file with defer. Tooltips render as rich
// text on the canvas: ECharts' HTML tooltips would need inline styles the
// CSP forbids. A chart also has a table beside it or behind it, so the
// numbers stay readable without JavaScript and to screen readers.
(function () {
  "use strict";
  if (!window.echarts) return;
  var charts = [];
  var palette = ["#c2185b", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#827717", "#5d4037"];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var option;
    try {
      option = JSON.parse(el.getAttribute("data-chart"));
    } catch (e) {
      return;
    }
    option.color = option.color || palette;
    option.textStyle = option.textStyle || { fontFamily: "system-ui, 'Noto Sans CJK SC', sans-serif" };
    option.tooltip = Object.assign({ trigger: "axis", renderMode: "richText" }, option.tooltip || {});
    option.animation = false;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    el.setAttribute("data-chart-ready", "1");
    charts.push(chart);
  });
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (c) { c.resize(); });
    }, 150);
  });
})();
