// Company settings: live preview of the aging buckets (no inline script: CSP).
(function () {
  const input = document.getElementById("id_aging_widths");
  const out = document.getElementById("aging-preview");
  let timer = null;
  async function preview() {
    const url = `${out.dataset.url}?widths=${encodeURIComponent(input.value)}`;
    const answer = await fetch(url, {headers: {Accept: "application/json"}});
    const body = await answer.json();
    out.textContent = answer.ok ? body.buckets.map((b) => b.label).join(" · ") : body.widths.join(" ");
    out.classList.toggle("text-danger", !answer.ok);
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(preview, 200); });
  preview();
})();
