// Sync progress page: polls the sync's API every second until it finishes (no inline script: CSP).
(function () {
  const box = document.getElementById("sync");
  const text = (id, value) => { document.getElementById(id).textContent = value; };
  const listing = (counts) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ") || "—";
  function show(p) {
    text("sync-status", p.status_label);
    text("sync-step", p.step || "waiting for the worker");
    text("sync-elapsed", p.elapsed_seconds);
    text("sync-fetched", listing(p.fetched));
    text("sync-loaded", listing(p.loaded));
    text("sync-rejected-count", p.rejected_count);
    const body = document.getElementById("sync-rejected");
    body.replaceChildren(...p.rejected.map((r) => {
      const row = document.createElement("tr");
      for (const value of [r.object, r.id, r.reason]) {
        const cell = document.createElement("td"); cell.textContent = value ?? ""; row.append(cell);
      }
      return row;
    }));
    document.getElementById("sync-rejected-card").classList.toggle("d-none", !p.rejected.length);
    const error = document.getElementById("sync-error");
    error.textContent = p.error ? `The sync failed: ${p.error}` : "";
    error.classList.toggle("d-none", !p.error);
    document.getElementById("sync-done").classList.toggle("d-none", !p.finished);
    box.dataset.finished = p.finished ? "true" : "false";
  }
  async function poll() {
    try {
      const answer = await fetch(box.dataset.url, {headers: {Accept: "application/json"}});
      if (answer.ok) {
        const p = await answer.json();
        show(p);
        if (p.finished) return;
      }
    } catch (e) { /* a dropped poll: try again */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
