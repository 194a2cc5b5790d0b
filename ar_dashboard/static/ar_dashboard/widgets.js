/* The widget grid: gridstack for drag/resize, the layout saved on the server (PUT) after every
   change, widgets drawn by ARWidgets from the API with loading, empty and error states. */
(function () {
  "use strict";
  const C = window.ARCharts;
  const host = document.getElementById("widget-grid");
  const status = document.getElementById("layout-status");
  const saveStatus = document.getElementById("save-status");
  const catalogue = Object.fromEntries(JSON.parse(document.getElementById("widget-catalogue").textContent).map((w) => [w.key, w]));
  const layout = JSON.parse(document.getElementById("widget-layout").textContent);
  const FULL_COLUMNS = 12;

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function element(key) {
    const w = catalogue[key];
    const item = document.createElement("div");
    item.className = "grid-stack-item";
    item.setAttribute("gs-id", key);
    item.dataset.widget = key;
    item.innerHTML = '<div class="grid-stack-item-content"><div class="widget-head"><h2></h2><div class="d-flex gap-1 align-items-center">' +
      (phone ? '<button type="button" class="btn btn-sm btn-outline-secondary widget-move" data-move="-1">&uarr;</button>' +
        '<button type="button" class="btn btn-sm btn-outline-secondary widget-move" data-move="1">&darr;</button>' : '') +
      '<a class="btn btn-sm btn-link p-0 small widget-data">Data</a>' +
      '<button type="button" class="btn-close widget-remove"></button></div></div><div class="widget-body"></div></div>';
    const title = item.querySelector("h2");
    title.textContent = w.title;
    if (!phone) {
      title.tabIndex = 0;
      title.setAttribute("aria-describedby", "widget-keys");
    }
    item.querySelector(".widget-remove").setAttribute("aria-label", "Remove widget: " + w.title);
    item.querySelectorAll(".widget-move").forEach((b) => {
      b.setAttribute("aria-label", (b.dataset.move === "-1" ? "Move up: " : "Move down: ") + w.title);
    });
    return item;
  }

  async function load(item) {
    const key = item.dataset.widget;
    const renderer = window.ARWidgets[key];
    const url = host.dataset.apiBase + renderer.url(host.dataset.apiQuery);
    const link = item.querySelector(".widget-data");
    link.href = url;
    link.setAttribute("aria-label", "Data behind " + catalogue[key].title);
    const body = item.querySelector(".widget-body");
    body.className = "widget-body";
    C.stateBox(body, "loading", "Loading…");
    let data;
    try {
      data = await C.fetchJson(url);
    } catch (error) {
      const why = error.status === 404 ? "not available on this server yet" : error.message;
      C.stateBox(body, "error", "Could not load (" + why + ").", url);
      return;
    }
    const target = document.createElement("div");
    target.className = "widget-chart";
    body.innerHTML = "";
    body.appendChild(target);
    try {
      if (renderer.render(target, data) === false) C.stateBox(body, "empty", "Nothing to show for this date.", url);
    } catch (error) {
      C.stateBox(body, "error", "Could not draw this answer (" + error.message + ").", url);
    }
  }

  // A phone shows the saved layout as one column in reading order (top to bottom, left to
  // right); its ↑/↓ buttons (keyboard-usable) swap a widget with its neighbour in that order by
  // swapping their places in the 12-column layout, which is saved as on a wide screen.
  const phone = window.matchMedia("(max-width: 767.98px)").matches;
  const PHONE_HEIGHT = { kpis: 5 };
  // gridstack writes its row heights into a <style> element: the CSP admits it by this nonce.
  const nonce = host.dataset.cspNonce;
  const grid = GridStack.init(phone
    ? { column: 1, cellHeight: 90, margin: 6, staticGrid: true, nonce }
    : { column: FULL_COLUMNS, cellHeight: 90, margin: 6, float: false, handle: ".widget-head h2", nonce },
  host);
  let desktop = layout.map((e) => ({ widget: e.widget, x: e.x, y: e.y, w: e.w, h: e.h }));
  if (phone) {
    host.classList.add("phone-grid");
    document.getElementById("arrange-hint").textContent = "reorder widgets with their ↑ and ↓ buttons; your layout is saved for you.";
  }

  function add(entry) {
    const item = element(entry.widget);
    host.appendChild(item);
    let opts = { w: entry.w, h: entry.h, id: entry.widget };
    if (phone) opts = { x: 0, w: 1, h: phoneHeight(entry), id: entry.widget, autoPosition: true };
    else if (entry.x !== undefined) { opts.x = entry.x; opts.y = entry.y; } else { opts.autoPosition = true; }
    grid.makeWidget(item, opts);
    load(item);
  }

  function phoneHeight(entry) { return Math.max(entry.h, PHONE_HEIGHT[entry.widget] || 3); }

  function readingOrder() {
    return desktop.slice().sort((a, b) => a.y - b.y || a.x - b.x);
  }

  function itemOf(key) { return host.querySelector('.grid-stack-item[gs-id="' + key + '"]'); }

  // Stack the widgets in reading order in the one-column grid; the first cannot go up, the
  // last cannot go down.
  function arrangePhone() {
    const order = readingOrder();
    let y = 0;
    grid.batchUpdate();
    order.forEach((entry, i) => {
      const item = itemOf(entry.widget);
      const h = phoneHeight(entry);
      grid.update(item, { x: 0, y, h });
      y += h;
      item.querySelector('[data-move="-1"]').disabled = i === 0;
      item.querySelector('[data-move="1"]').disabled = i === order.length - 1;
    });
    grid.batchUpdate(false);
    order.forEach((entry) => host.appendChild(itemOf(entry.widget)));  // DOM (tab) order too
  }

  function movePhone(key, delta) {
    const order = readingOrder();
    const i = order.findIndex((e) => e.widget === key);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= order.length) return;
    const a = order[i], b = order[j];
    const ax = a.x, ay = a.y;
    a.x = Math.min(b.x, FULL_COLUMNS - a.w); a.y = b.y;
    b.x = Math.min(ax, FULL_COLUMNS - b.w); b.y = ay;
    arrangePhone();
    save();
    const button = itemOf(key).querySelector('[data-move="' + delta + '"]');
    (button.disabled ? itemOf(key).querySelector(".widget-move:not([disabled])") : button).focus();
    status.textContent = catalogue[key].title + " moved to position " + (j + 1) + " of " + order.length + ".";
  }

  function currentLayout() {
    if (phone) return desktop;
    return grid.save(false).map((n) => ({ widget: n.id, x: n.x, y: n.y, w: n.w, h: n.h }));
  }

  let saving = Promise.resolve();
  function save() {
    const body = JSON.stringify({ layout: currentLayout() });
    saving = saving.then(() => fetch(host.dataset.layoutUrl, {
      method: "PUT", credentials: "same-origin", body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    }).then((r) => {
      saveStatus.textContent = r.ok ? "Layout saved." : "The layout could not be saved.";
      host.dataset.saved = r.ok ? "yes" : "error";
    }));
  }

  grid.batchUpdate();
  readingOrder().forEach(add);
  grid.batchUpdate(false);
  if (phone) arrangePhone();
  updateCatalogue();
  host.dataset.ready = "yes";

  if (!phone) grid.on("change", save);
  grid.on("resizestop", (event, el) => C.resizeAll(el));

  function updateCatalogue() {
    const shown = new Set(grid.getGridItems().map((el) => el.dataset.widget));
    document.querySelectorAll("[data-add-widget]").forEach((b) => {
      b.disabled = shown.has(b.dataset.addWidget);
    });
  }

  document.querySelectorAll("[data-add-widget]").forEach((button) =>
    button.addEventListener("click", () => {
      const w = catalogue[button.dataset.addWidget];
      if (phone) {
        // At the bottom of the wide layout, so last on the phone too.
        const bottom = Math.max(0, ...desktop.map((e) => e.y + e.h));
        const entry = { widget: w.key, x: 0, y: bottom, w: w.w, h: w.h };
        desktop.push(entry);
        add(entry);
        arrangePhone();
      } else {
        add({ widget: w.key, w: w.w, h: w.h });
      }
      updateCatalogue();
      save();
      status.textContent = w.title + " added.";
    }));

  host.addEventListener("click", (event) => {
    const mover = event.target.closest(".widget-move");
    if (mover) {
      movePhone(mover.closest(".grid-stack-item").dataset.widget, Number(mover.dataset.move));
      return;
    }
    const button = event.target.closest(".widget-remove");
    if (!button) return;
    const item = button.closest(".grid-stack-item");
    desktop = desktop.filter((e) => e.widget !== item.dataset.widget);
    grid.removeWidget(item);
    if (phone) arrangePhone();
    updateCatalogue();
    save();
    status.textContent = "Widget removed.";
  });

  // Keyboard: focus a widget's title, arrows move it one cell, Shift+arrows resize it.
  host.addEventListener("keydown", (event) => {
    const title = event.target.closest(".widget-head h2");
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (!title || !step || phone) return;
    event.preventDefault();
    const item = title.closest(".grid-stack-item");
    const n = item.gridstackNode;
    const change = event.shiftKey
      ? { w: Math.max(1, n.w + step[0]), h: Math.max(1, n.h + step[1]) }
      : { x: Math.max(0, n.x + step[0]), y: Math.max(0, n.y + step[1]) };
    grid.update(item, change);
    title.focus();
    status.textContent = catalogue[item.dataset.widget].title + ": column " + (item.gridstackNode.x + 1) +
      ", row " + (item.gridstackNode.y + 1) + ", " + item.gridstackNode.w + " wide, " + item.gridstackNode.h + " high.";
  });

  document.getElementById("reset-layout").addEventListener("click", async () => {
    await fetch(host.dataset.layoutUrl, { method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } });
    window.location.reload();
  });
})();
