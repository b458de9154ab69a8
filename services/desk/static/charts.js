// Charts of the reports page and the situation map, drawn by ECharts (vendored at build
// time from npm into /static/vendor). The data is the page's own JSON in #chart-data.
"use strict";

function drawCharts() {
  const source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" } }, option));
    el.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  if (data.trend) {
    draw("chart-trend", {
      xAxis: { type: "category", data: data.trend.days },
      yAxis: { type: "value", name: "件" },
      series: [{ type: "line", name: "受理", data: data.trend.counts }],
    });
  }
  if (data.rates) {
    draw("chart-rates", {
      legend: { top: 0 },
      grid: { bottom: 90 },
      xAxis: { type: "category", data: data.rates.units, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", name: "%", max: 100 },
      series: [
        { type: "bar", name: "响应率", data: data.rates.response },
        { type: "bar", name: "解决率", data: data.rates.resolution },
        { type: "bar", name: "满意率", data: data.rates.satisfaction },
      ],
    });
  }
  for (const key of ["tier", "topic"]) {
    const part = data[key];
    if (!part) continue;
    // One labelled row per group: ECharts would otherwise drop labels that do not fit
    // (leaving bars without a name), so the chart grows with the groups it must name.
    const el = document.getElementById(`chart-${key}`);
    if (el) el.style.height = `${Math.max(280, 70 + 24 * part.groups.length)}px`;
    draw(`chart-${key}`, {
      legend: { top: 0 },
      grid: { left: 110 },
      yAxis: { type: "category", data: part.groups, axisLabel: { interval: 0 } },
      xAxis: { type: "value", name: "件" },
      series: [
        { type: "bar", stack: "all", name: "绿灯", data: part.green, color: "#2e7d32" },
        { type: "bar", stack: "all", name: "黄灯", data: part.yellow, color: "#f9a825" },
        { type: "bar", stack: "all", name: "红灯", data: part.red, color: "#c62828" },
      ],
    });
  }
}

document.addEventListener("DOMContentLoaded", drawCharts);
