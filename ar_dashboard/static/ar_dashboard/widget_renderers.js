/* One renderer per catalogue widget: the URL it reads (with the page's filters) and how it
   draws that JSON. Shapes are the analytics API's (notes in README "Dashboards"). A renderer
   returns false when the answer holds nothing to show (the empty state). */
(function () {
  "use strict";
  const C = window.ARCharts;
  const num = (v) => (v === null || v === undefined ? null : Number(v));
  const show = (v, suffix) => (v === null || v === undefined ? "—" : v + (suffix || ""));
  const compact = (v) => Intl.NumberFormat(undefined, { notation: "compact" }).format(v);

  function kpiGrid(el, items) {
    el.innerHTML = "";
    const grid = document.createElement("div");
    grid.className = "widget-kpis";
    items.forEach(([label, value]) => {
      const cell = document.createElement("div");
      cell.className = "kpi";
      cell.innerHTML = '<div class="kpi-label"></div><div class="kpi-value"></div>';
      cell.firstChild.textContent = label;
      cell.lastChild.textContent = value;
      grid.appendChild(cell);
    });
    el.appendChild(grid);
  }

  function lineChart(el, categories, series, yName) {
    return C.chart(el, {
      grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: categories },
      yAxis: { type: "value", name: yName, nameGap: 8, axisLabel: { formatter: compact } },
      series: series.map(([name, data]) => ({ type: "line", name, data, connectNulls: false, symbolSize: 5 })),
    });
  }

  const months = (data) => (data.months || []);

  window.ARWidgets = {
    kpis: {
      url: (q) => "kpis/?" + q,
      render(el, d) {
        kpiGrid(el, [
          ["DSO (" + d.period_days + " d)", show(d.dso, " d")],
          ["Countback DSO", show(d.countback_dso, " d")],
          ["Best possible DSO", show(d.best_possible_dso, " d")],
          ["Avg days delinquent", show(d.average_days_delinquent, " d")],
          ["CEI", show(d.cei, " %")],
          ["Avg days to pay", show(d.avg_days_to_pay, " d")],
          ["Total AR", C.money(d.ar_total, d.currency)],
          ["Doubtful (120+)", C.money(d.doubtful, d.currency)],
        ]);
        return true;
      },
    },
    aging_pie: {
      url: (q) => "aging-distribution/?" + q,
      render(el, d) {
        const buckets = (d.buckets || []).filter((b) => Number(b.amount) > 0);
        if (!buckets.length) return false;
        C.chart(el, {
          tooltip: { trigger: "item", valueFormatter: (v) => C.money(v, d.currency) },
          legend: { bottom: 0, type: "scroll" },
          series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
            label: { formatter: "{b}" }, data: buckets.map((b) => ({ name: b.label, value: b.amount })) }],
        });
        return true;
      },
    },
    top_customers: {
      url: (q) => "customer-breakdown/?sort=-total_outstanding&page_size=10&" + q,
      render(el, d) {
        const rows = (d.customers || []).slice().reverse();
        if (!rows.length) return false;
        C.chart(el, {
          grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
          tooltip: { trigger: "axis", valueFormatter: (v) => C.money(v, d.currency) },
          xAxis: { type: "value", axisLabel: { formatter: compact } },
          yAxis: { type: "category", data: rows.map((r) => r.customer), axisLabel: { width: 110, overflow: "truncate" } },
          series: [{ type: "bar", name: "Balance", data: rows.map((r) => r.total_outstanding) }],
        });
        return true;
      },
    },
    dso_trend: {
      url: (q) => "trends/?months=12&" + q,
      render(el, d) {
        const m = months(d);
        if (!m.length) return false;
        lineChart(el, m.map((x) => x.month), [
          ["DSO", m.map((x) => num(x.dso))], ["Countback DSO", m.map((x) => num(x.countback_dso))]], "days");
        return true;
      },
    },
    cei_trend: {
      url: (q) => "trends/?months=12&" + q,
      render(el, d) {
        const m = months(d);
        if (!m.length) return false;
        lineChart(el, m.map((x) => x.month), [["CEI %", m.map((x) => num(x.cei))]], "%");
        return true;
      },
    },
    aging_trend: {
      url: (q) => "trends/?months=12&" + q,
      render(el, d) {
        const m = months(d);
        if (!m.length) return false;
        C.chart(el, {
          grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
          legend: { top: 0, type: "scroll" },
          tooltip: { trigger: "axis", valueFormatter: (v) => C.money(v, d.currency) },
          xAxis: { type: "category", data: m.map((x) => x.month) },
          yAxis: { type: "value", axisLabel: { formatter: compact } },
          series: (d.buckets || []).map((b) => ({ type: "bar", stack: "aging", name: b.label,
            data: m.map((x) => num((x.aging || {})[b.key])) })),
        });
        return true;
      },
    },
    payment_velocity: {
      url: (q) => "payment-velocity/?period_days=90&page_size=10&" + q,
      render(el, d) {
        const m = months(d);
        if (!m.length || !d.summary || !d.summary.invoices_paid) return false;
        lineChart(el, m.map((x) => x.month), [
          ["Avg days to pay", m.map((x) => num(x.avg_days_to_pay))],
          ["Avg days late", m.map((x) => num(x.avg_days_late))]], "days");
        return true;
      },
    },
    customer_health: {
      url: (q) => "customer-health/?sort=-score&page_size=8&" + q,
      render(el, d) {
        const rows = d.customers || [];
        if (!rows.length) return false;
        const table = document.createElement("table");
        table.className = "table table-sm mb-0";
        table.innerHTML = '<thead><tr><th scope="col">Customer</th><th scope="col" class="text-end">Score</th><th scope="col">Band</th><th scope="col" class="text-end">Balance</th></tr></thead><tbody></tbody>';
        const body = table.querySelector("tbody");
        const colours = { high: "text-bg-danger", medium: "text-bg-warning", low: "text-bg-success" };
        rows.forEach((r) => {
          const tr = document.createElement("tr");
          tr.innerHTML = '<td></td><td class="text-end"></td><td><span class="badge"></span></td><td class="text-end"></td>';
          tr.children[0].textContent = r.customer;
          tr.children[1].textContent = r.score;
          const badge = tr.children[2].firstChild;
          badge.className = "badge " + (colours[r.band] || "text-bg-secondary");
          badge.textContent = r.band;
          tr.children[3].textContent = C.money(r.balance, d.currency);
          body.appendChild(tr);
        });
        el.innerHTML = "";
        const scroll = document.createElement("div");
        scroll.className = "table-scroll h-100";
        scroll.appendChild(table);
        el.appendChild(scroll);
        return true;
      },
    },
    cash_forecast: {
      url: (q) => "cash-forecast/?" + q,
      render(el, d) {
        const weeks = d.weeks || [];
        if (!weeks.length || Number(d.open_invoices || 0) === 0) return false;
        C.chart(el, {
          grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
          title: { text: "Doubtful (120+): " + C.money((d.doubtful || {}).amount, d.currency), textStyle: { fontSize: 11, fontWeight: "normal" }, right: 0, top: 0 },
          tooltip: { trigger: "axis", valueFormatter: (v) => C.money(v, d.currency) },
          xAxis: { type: "category", data: weeks.map((w) => w.start.slice(5)) },
          yAxis: { type: "value", axisLabel: { formatter: compact } },
          series: [{ type: "bar", name: "Expected", data: weeks.map((w) => w.amount) }],
        });
        return true;
      },
    },
  };
})();
