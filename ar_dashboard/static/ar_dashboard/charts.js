/* Shared chart helpers: fetch JSON from the API and draw it. Numbers are shown as the API
   sent them (decimal strings in the currency's minor units); nothing here sums or estimates. */
(function () {
  "use strict";
  const PALETTE = ["#1f6f43", "#3b7dd8", "#d39e00", "#e8590c", "#c92a2a", "#862e9c", "#495057", "#0b7285"];

  function money(value, currency) {
    if (value === null || value === undefined || value === "") return "—";
    const number = Number(value);
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency }).format(number);
    } catch (e) {
      return value + " " + currency;
    }
  }

  function stateBox(el, kind, text, link) {
    el.innerHTML = "";
    const box = document.createElement("div");
    box.className = "widget-state widget-state-" + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.className = "ms-1";
      a.textContent = "Open the data";
      box.appendChild(a);
    }
    el.appendChild(box);
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) {
      let detail = response.status + " " + response.statusText;
      try {
        const body = await response.json();
        detail = Object.entries(body).map(([k, v]) => k + ": " + v).join("; ") || detail;
      } catch (e) { /* not JSON: keep the status line */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function chart(el, option) {
    el.innerHTML = "";
    const existing = window.echarts.getInstanceByDom(el);
    if (existing) existing.dispose();
    const instance = window.echarts.init(el, null, { renderer: "svg" });
    instance.setOption(Object.assign({ color: PALETTE, animation: false, textStyle: { fontSize: 12 } }, option));
    return instance;
  }

  function agingBar(el, data) {
    const buckets = data.buckets || [];
    if (!buckets.length || buckets.every((b) => Number(b.amount) === 0)) {
      stateBox(el, "empty", "No open balance matches.");
      return null;
    }
    return chart(el, {
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: (v) => money(v, data.currency) },
      xAxis: { type: "category", data: buckets.map((b) => b.label) },
      yAxis: { type: "value", axisLabel: { formatter: (v) => Intl.NumberFormat(undefined, { notation: "compact" }).format(v) } },
      series: [{ type: "bar", name: "Open balance", data: buckets.map((b) => b.amount) }],
    });
  }

  function resizeAll(root) {
    (root || document).querySelectorAll("[_echarts_instance_]").forEach((el) => {
      const instance = window.echarts.getInstanceByDom(el);
      if (instance) instance.resize();
    });
  }

  window.ARCharts = { money, stateBox, fetchJson, chart, agingBar, resizeAll, PALETTE };
  window.addEventListener("resize", () => resizeAll());
})();
