// The organisers' review progress board keeps itself current: every 15 seconds it asks the board's
// JSON endpoint for fresh counts and updates the cells, bars and flags in place (ticked checkboxes
// stay ticked). When judges or projects appear or disappear, the page reloads instead.
(function () {
  "use strict";
  const root = document.getElementById("progress-board");
  if (!root || !window.fetch) {
    return;
  }
  const INTERVAL_MS = 15000;
  const status = document.getElementById("progress-refreshed");
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { dateStyle: "short", timeStyle: "short" });

  function setText(element, value) {
    if (element && element.textContent !== String(value)) {
      element.textContent = String(value);
    }
  }

  function setBar(bar, value, max) {
    if (!bar) { return; }
    bar.max = Math.max(max, 1);
    bar.value = value;
    bar.textContent = value + "/" + max;
  }

  function setFlag(row, name, on) {
    const badge = row.querySelector('[data-flag="' + name + '"]');
    if (badge) { badge.classList.toggle("d-none", !on); }
  }

  function sameIds(selector, attribute, items, key) {
    const shown = Array.from(root.querySelectorAll(selector)).map(function (row) { return row.getAttribute(attribute); });
    const fresh = items.map(function (item) { return String(item[key]); });
    return shown.length === fresh.length && shown.every(function (id) { return fresh.indexOf(id) !== -1; });
  }

  function updateRow(row, item, fields) {
    fields.forEach(function (name) { setText(row.querySelector('[data-field="' + name + '"]'), item[name]); });
  }

  function apply(board) {
    if (!sameIds("tr[data-judge-id]", "data-judge-id", board.judges, "judge_id")
        || !sameIds("tr[data-project-id]", "data-project-id", board.projects, "application_id")) {
      window.location.reload();
      return;
    }
    setText(root.querySelector('[data-total="submitted"]'), board.totals.submitted);
    setText(root.querySelector('[data-total="expected"]'), board.totals.expected);
    setText(root.querySelector('[data-total="percent"]'), board.totals.percent);
    setBar(root.querySelector("[data-total-bar]"), board.totals.submitted, board.totals.expected);
    board.judges.forEach(function (judge) {
      const row = root.querySelector('tr[data-judge-id="' + judge.judge_id + '"]');
      updateRow(row, judge, ["assigned", "not_started", "draft", "submitted", "recused"]);
      setBar(row.querySelector('[data-bar="done"]'), judge.done, judge.expected);
      setText(row.querySelector('[data-field="last_activity"]'),
        judge.last_activity ? dateFormat.format(new Date(judge.last_activity)) : "—");
      setFlag(row, "late", judge.late);
      setFlag(row, "due_soon", judge.due_soon);
      setFlag(row, "conflicts", judge.conflicts > 0);
    });
    board.projects.forEach(function (project) {
      const row = root.querySelector('tr[data-project-id="' + project.application_id + '"]');
      updateRow(row, project, ["assigned", "submitted", "recused", "k", "missing"]);
      setBar(row.querySelector('[data-bar="submitted"]'), project.submitted, project.expected);
      setFlag(row, "missing", project.missing > 0);
      setFlag(row, "conflicted_judges", project.conflicted_judges.length > 0);
    });
    if (status) {
      status.dataset.refreshedAt = new Date().toISOString();
    }
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(apply)
      .catch(function () { /* offline or signed out: try again at the next tick */ });
  }

  window.setInterval(refresh, INTERVAL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
