/* Filtered dashboard: charts from the API for the filters in the URL, customer-name
   suggestions, auto-apply on change, and the pipeline status panel. */
(function () {
  "use strict";
  const C = window.ARCharts;

  function drawCharts(root) {
    root.querySelectorAll(".chart-box[data-endpoint]").forEach(async (el) => {
      C.stateBox(el, "loading", "Loading…");
      try {
        const data = await C.fetchJson(el.dataset.endpoint);
        C.agingBar(el, data);
      } catch (error) {
        C.stateBox(el, "error", "Could not load the chart (" + error.message + ").", el.dataset.endpoint);
      }
    });
  }

  let suggestTimer = null;
  function wireForm(root) {
    const form = root.querySelector("#filter-form");
    if (!form) return;
    // Only while the form is on the page: a swap blurs the old field, firing its "change".
    const submit = () => { if (form.isConnected) form.requestSubmit(); };
    form.querySelectorAll(".auto-submit").forEach((el) => el.addEventListener("change", submit));
    const name = form.querySelector(".customer-name");
    const list = form.querySelector("#customer-suggestions");
    name.addEventListener("input", () => {
      // Picking a suggestion applies it at once; typing asks the API for suggestions.
      if (Array.from(list.options).some((o) => o.value === name.value)) {
        submit();
        return;
      }
      clearTimeout(suggestTimer);
      suggestTimer = setTimeout(async () => {
        const text = name.value.trim();
        if (!text) return;
        try {
          const data = await C.fetchJson(name.dataset.suggestUrl + "&q=" + encodeURIComponent(text));
          list.innerHTML = "";
          data.results.forEach((c) => {
            const o = document.createElement("option");
            o.value = c.name;
            list.appendChild(o);
          });
        } catch (e) { list.innerHTML = ""; }
      }, 200);
    });
  }

  async function refreshPipeline() {
    const panel = document.querySelector(".pipeline-panel");
    if (!panel) return;
    const body = panel.querySelector(".pipeline-body");
    body.textContent = "Loading…";
    try {
      const data = await C.fetchJson(panel.dataset.statusUrl);
      body.innerHTML = "";
      const head = document.createElement("p");
      head.className = "mb-1";
      head.innerHTML = "<strong></strong> <span></span>";
      head.firstChild.textContent = data.status;
      head.lastChild.textContent = "· " + data.message + " (from " + data.source + ")";
      body.appendChild(head);
      const ul = document.createElement("ul");
      ul.className = "list-unstyled mb-0";
      (data.runs || []).slice(0, 5).forEach((run) => {
        const li = document.createElement("li");
        const when = run.startTime ? new Date(run.startTime * 1000).toLocaleString() : "not started";
        li.textContent = run.status + " · " + when + (run.error ? " · " + run.error.slice(0, 80) : "");
        ul.appendChild(li);
      });
      body.appendChild(ul);
    } catch (error) {
      C.stateBox(body, "error", "Pipeline status unavailable (" + error.message + ").");
    }
  }

  function init(root) { drawCharts(root); wireForm(root); }
  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    refreshPipeline();
    const button = document.querySelector(".pipeline-refresh");
    if (button) button.addEventListener("click", refreshPipeline);
  });
  // Empty fields stay out of the URL: a shared link names only the filters in use.
  document.body.addEventListener("htmx:configRequest", (event) => {
    const params = event.detail.parameters;
    Object.keys(params).forEach((name) => { if (params[name] === "") delete params[name]; });
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const results = document.getElementById("results");
    if (results) init(results);
  });
})();
