// Dashboard charts, drawn with our own copy of Apache ECharts from the data block in the page.
// Every chart has a table beside it, so nothing is lost without this script.
(function () {
  "use strict";
  var dataEl = document.getElementById("chart-data");
  if (!dataEl || !window.echarts) return;
  var data = JSON.parse(dataEl.textContent);
  var font = getComputedStyle(document.body).fontFamily;
  var palette = ["#1d6f42", "#175cd3", "#e09a2b", "#b42318", "#6941c6"];
  var charts = [];

  function hasData(option) {
    return option.series.some(function (s) {
      return s.data.some(function (v) { return v !== null && v !== 0; });
    });
  }

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!hasData(option)) {
      el.classList.add("chart-empty");
      el.textContent = "本期暂无数据";
      return;
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    option.textStyle = { fontFamily: font };
    option.color = palette;
    option.aria = { enabled: true };
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  var narrow = window.matchMedia("(max-width: 760px)").matches;

  draw("chart-sections", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.sections.names, axisLabel: { interval: 0, rotate: narrow ? 30 : 0 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: "按时签收率", type: "bar", data: data.sections.ack, barMaxWidth: 28 },
      { name: "按时回应率", type: "bar", data: data.sections.response || [], barMaxWidth: 28 },
      { name: "按时办结率", type: "bar", data: data.sections.close, barMaxWidth: 28 },
    ],
  });

  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.trend.weeks, boundaryGap: false },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "新增", type: "line", data: data.trend.opened, smooth: true, symbolSize: 6 },
      { name: "办结", type: "line", data: data.trend.closed, smooth: true, symbolSize: 6 },
      { name: "按时办结", type: "line", data: data.trend.onTime, smooth: true, symbolSize: 6, lineStyle: { type: "dashed" } },
    ],
  });

  var cats = data.categories;
  draw("chart-categories", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: cats.names.slice().reverse() },
    series: [{ name: "预警数", type: "bar", data: cats.counts.slice().reverse(), barMaxWidth: 22, label: { show: true, position: "right" } }],
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
