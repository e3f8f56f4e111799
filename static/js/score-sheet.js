// The judge's score sheet saves itself through the review API (/api/v1/reviews/...).
//
// - Every edit is copied to localStorage BEFORE it is sent, and the copy is removed only once the
//   server has confirmed exactly that state; a reload re-applies unsent edits and sends them.
// - Saves are debounced (about 800 ms after typing, at once when a field loses focus) and carry
//   the version they are based on. Offline (navigator.onLine false, or a failed fetch) the edits
//   stay on this device and are retried on an interval and when the browser comes back online.
// - A save that loses to another tab or device gets a 409 with the server's sheet: the form says
//   so and lets the judge choose which version to keep; nothing is overwritten silently.
// - Tabs of the same sheet tell each other about new versions over a BroadcastChannel.
// - Submit sends an idempotency key chosen once per submit attempt and kept in localStorage, so a
//   retry after a network drop repeats the same submit instead of making a second one.
// Every message shown comes from the form's data-msg-* attributes (translated by the server).
(function () {
  "use strict";
  // An organiser unlocked this very sheet while it is open: show it as it now is.
  const section = document.getElementById("score-sheet");
  document.addEventListener("roadshow:sheet_unlocked", function (event) {
    const data = event.detail || {};
    if (section && String(data.round_id) === section.dataset.roundId
        && String(data.application_id) === section.dataset.applicationId) {
      window.location.reload();
    }
  });
  const form = document.getElementById("sheet-form");
  if (!form) {
    return;
  }
  const DEBOUNCE_MS = 800;
  const RETRY_MS = 5000;
  const url = form.dataset.sheetUrl;
  const storageKey = form.dataset.storageKey;
  const submitKeyName = storageKey + ":submit";
  const tabId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const state = document.getElementById("sheet-save-state");
  const conflictBox = document.getElementById("sheet-conflict");
  const submitButton = document.getElementById("sheet-submit");
  const liveTotal = document.getElementById("live-total");
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(storageKey) : null;

  let version = parseInt(form.dataset.version, 10) || 0;
  let timer = null;
  let inFlight = null;     // the promise of the save being sent
  let pending = false;     // edits made while a save was in flight
  let conflict = null;     // the server's sheet after a 409, until the judge chooses
  let locked = false;
  let submitting = false;
  let submitQueued = false;

  // -- the form's contents ----------------------------------------------------------------------

  function contents() {
    const scores = {};
    const comments = {};
    form.querySelectorAll("[data-criterion]").forEach(function (input) {
      scores[input.dataset.criterion] = input.value.trim();
    });
    form.querySelectorAll("[data-comment-for]").forEach(function (area) {
      comments[area.dataset.commentFor] = area.value;
    });
    return { scores: scores, comments: comments, overall_comment: form.elements.namedItem("overall_comment").value };
  }

  function fill(sheet) {
    form.querySelectorAll("[data-criterion]").forEach(function (input) {
      const value = (sheet.scores || {})[input.dataset.criterion];
      input.value = value === undefined || value === null ? "" : String(value);
    });
    form.querySelectorAll("[data-comment-for]").forEach(function (area) {
      area.value = (sheet.comments || {})[area.dataset.commentFor] || "";
    });
    form.elements.namedItem("overall_comment").value = sheet.overall_comment || "";
    showTotal();
  }

  function showTotal() {
    let total = 0;
    form.querySelectorAll("[data-criterion]").forEach(function (input) {
      const value = Number(input.value);
      if (input.value.trim() !== "" && Number.isFinite(value)) {
        total += value * Number(input.dataset.weight || 1);
      }
    });
    liveTotal.textContent = String(Math.round(total * 100) / 100);
  }

  // The first save turns "Not started" into "Draft" without a reload.
  function showDraft() {
    const badge = document.getElementById("sheet-status");
    if (badge && badge.dataset.draftLabel && badge.textContent.trim() !== badge.dataset.draftLabel) {
      badge.textContent = badge.dataset.draftLabel;
      badge.className = "badge sheet-status text-bg-warning";
    }
  }

  function say(message, kind) {
    state.textContent = message;
    state.classList.toggle("is-error", kind === "error");
    state.classList.toggle("is-offline", kind === "offline");
  }

  function fmt(message, values) {
    return message.replace(/\{(\w+)\}/g, function (_, name) { return values[name] !== undefined ? values[name] : ""; });
  }

  function markErrors(details) {
    form.querySelectorAll(".is-invalid").forEach(function (element) { element.classList.remove("is-invalid"); });
    Object.keys(details || {}).forEach(function (cid) {
      const input = form.querySelector('[data-criterion="' + cid + '"]');
      const comment = form.querySelector('[data-comment-for="' + cid + '"]');
      const code = details[cid];
      const target = code === "comment_required" || code === "comment_too_long" ? comment : input;
      if (target) {
        target.classList.add("is-invalid");
      }
      const feedback = form.querySelector(target === comment ? '[data-comment-error-for="' + cid + '"]'
        : '[data-error-for="' + cid + '"]');
      const text = form.querySelector('[data-error-code="' + code + '"]');
      if (feedback) {
        feedback.textContent = text ? text.textContent : String(code);
      }
    });
  }

  // -- the copy kept on this device ---------------------------------------------------------------

  function readLocal() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (error) { return null; }
  }

  function keepLocally() {
    const record = { tab: tabId, base: version, at: Date.now(), edits: contents() };
    try { localStorage.setItem(storageKey, JSON.stringify(record)); } catch (error) { /* full or disabled */ }
    return record;
  }

  function forgetLocal(sent) {
    const record = readLocal();
    // Only the copy of exactly what the server confirmed: a newer edit (this tab's or another's) stays.
    if (record && (!sent || JSON.stringify(record.edits) === JSON.stringify(sent))) {
      try { localStorage.removeItem(storageKey); } catch (error) { /* ignore */ }
    }
  }

  function rebaseLocal() {
    // Edits typed while the save was in flight are now based on the version it produced.
    const record = readLocal();
    if (record && record.tab === tabId) {
      record.base = version;
      try { localStorage.setItem(storageKey, JSON.stringify(record)); } catch (error) { /* ignore */ }
    }
  }

  function dirty() {
    const record = readLocal();
    return Boolean(record && JSON.stringify(record.edits) !== JSON.stringify(lastConfirmed));
  }

  let lastConfirmed = contents();

  // -- talking to the server ----------------------------------------------------------------------

  function request(method, path, body) {
    return fetch(path, {
      method: method, credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": form.dataset.csrf },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, body: data };
      });
    });
  }

  function serverSheet(answer) {
    return answer.body && answer.body.error && answer.body.error.details ? answer.body.error.details.sheet : null;
  }

  function onConflict(answer) {
    const sheet = serverSheet(answer);
    if (sheet && sheet.status && sheet.status !== "draft") {
      lock(answer.body.error.message);
      return;
    }
    if (!sheet) {
      say(answer.body.error ? answer.body.error.message : form.dataset.msgError, "error");
      return;
    }
    showConflict(sheet);
  }

  function showConflict(sheet) {
    conflict = sheet;
    conflictBox.querySelector("[data-conflict-message]").textContent = fmt(form.dataset.msgConflict, { version: sheet.version });
    conflictBox.classList.remove("d-none");
    say(fmt(form.dataset.msgConflict, { version: sheet.version }), "error");
  }

  function resolve(choice) {
    if (!conflict) {
      return;
    }
    const sheet = conflict;
    conflict = null;
    conflictBox.classList.add("d-none");
    version = sheet.version;
    if (choice === "theirs") {
      fill(sheet);
      lastConfirmed = contents();
      try { localStorage.removeItem(storageKey); } catch (error) { /* ignore */ }
      say(form.dataset.msgSaved);
    } else {
      fill(merged(sheet, contents(), lastConfirmed));
      lastConfirmed = { scores: sheet.scores || {}, comments: sheet.comments || {}, overall_comment: sheet.overall_comment || "" };
      keepLocally();  // my edits, now based on the server's version
      save();
    }
  }

  // The server's sheet with what this tab changed since its last confirmed save laid over it:
  // fields the judge did not touch here take the other tab's values.
  function merged(server, mine, base) {
    function pick(name, key) {
      const own = key === undefined ? mine[name] : (mine[name] || {})[key];
      const was = key === undefined ? base[name] : (base[name] || {})[key];
      const theirs = key === undefined ? server[name] : (server[name] || {})[key];
      return String(own || "") !== String(was || "") ? own : theirs;
    }
    const result = { scores: {}, comments: {}, overall_comment: pick("overall_comment") };
    ["scores", "comments"].forEach(function (name) {
      const keys = Object.keys(Object.assign({}, server[name] || {}, mine[name] || {}));
      keys.forEach(function (key) { result[name][key] = pick(name, key); });
    });
    return result;
  }

  function lock(message) {
    locked = true;
    form.querySelectorAll("input, textarea, button").forEach(function (element) { element.disabled = true; });
    say(message || form.dataset.msgLocked, "error");
  }

  function save() {
    clearTimeout(timer);
    if (conflict || locked || submitting) {
      return inFlight || Promise.resolve();
    }
    if (inFlight) {
      pending = true;
      return inFlight;
    }
    if (!navigator.onLine) {
      say(form.dataset.msgOffline, "offline");
      return Promise.resolve();
    }
    const sent = contents();
    say(form.dataset.msgSaving);
    inFlight = request("PUT", url, Object.assign({ version: version }, sent)).then(function (answer) {
      if (answer.status === 200) {
        version = answer.body.version;
        lastConfirmed = sent;
        markErrors({});
        forgetLocal(sent);
        rebaseLocal();
        if (channel) { channel.postMessage({ tab: tabId, version: version, sheet: answer.body }); }
        showDraft();
        say(form.dataset.msgSaved);
      } else if (answer.status === 409) {
        onConflict(answer);
      } else if (answer.status === 422) {
        markErrors(answer.body.error && answer.body.error.details);
        say(form.dataset.msgInvalid, "error");
      } else {
        say((answer.body.error && answer.body.error.message) || form.dataset.msgError, "error");
      }
    }).catch(function () {
      say(form.dataset.msgOffline, "offline");
    }).finally(function () {
      inFlight = null;
      if (pending) {
        pending = false;
        save();
      } else if (submitQueued) {
        submitQueued = false;
        submit(false);
      }
    });
    return inFlight;
  }

  function changed() {
    if (locked) {
      return;
    }
    keepLocally();
    showTotal();
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  }

  // -- submit and recuse ----------------------------------------------------------------------------

  function submitKey() {
    let key = null;
    try { key = localStorage.getItem(submitKeyName); } catch (error) { key = null; }
    if (!key) {
      key = window.crypto && crypto.randomUUID ? crypto.randomUUID()
        : Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      try { localStorage.setItem(submitKeyName, key); } catch (error) { /* ignore */ }
    }
    return key;
  }

  function forgetSubmitKey() {
    try { localStorage.removeItem(submitKeyName); } catch (error) { /* ignore */ }
  }

  function submit(ask) {
    if (locked || conflict) {
      return;
    }
    if (ask && !window.confirm(form.dataset.msgConfirmSubmit)) {
      return;
    }
    clearTimeout(timer);
    keepLocally();
    if (inFlight) {  // let the autosave finish first, so the submit is based on its version
      submitQueued = true;
      return;
    }
    const key = submitKey();
    if (!navigator.onLine) {
      say(form.dataset.msgSubmitOffline, "offline");
      submitQueued = true;
      return;
    }
    submitting = true;
    submitButton.disabled = true;
    say(form.dataset.msgSubmitting);
    const sent = contents();
    request("POST", url + "/submit", Object.assign({ version: version, idempotency_key: key }, sent)).then(function (answer) {
      submitting = false;
      submitButton.disabled = false;
      if (answer.status === 200) {
        forgetSubmitKey();
        forgetLocal(null);
        if (channel) { channel.postMessage({ tab: tabId, version: answer.body.version, sheet: answer.body }); }
        window.location.reload();
      } else if (answer.status === 409) {
        forgetSubmitKey();
        const sheet = serverSheet(answer);
        if (sheet && sheet.status === "submitted") {
          forgetLocal(null);
          window.location.reload();
        } else {
          onConflict(answer);
        }
      } else if (answer.status === 422) {
        forgetSubmitKey();  // the next attempt is a new submit
        markErrors(answer.body.error && answer.body.error.details);
        say(form.dataset.msgSubmitFailed, "error");
      } else {
        say((answer.body.error && answer.body.error.message) || form.dataset.msgError, "error");
      }
    }).catch(function () {
      submitting = false;
      submitButton.disabled = false;
      submitQueued = true;  // the same key is reused when the network is back
      say(form.dataset.msgSubmitOffline, "offline");
    });
  }

  const recuseForm = document.getElementById("recuse-form");
  if (recuseForm) {
    recuseForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const reason = recuseForm.elements.namedItem("reason");
      if (!reason.value.trim()) {
        reason.classList.add("is-invalid");
        return;
      }
      const button = recuseForm.querySelector("[data-confirm-recuse]");
      if (!window.confirm(button.dataset.confirmRecuse)) {
        return;
      }
      request("POST", url + "/recuse", { reason: reason.value }).then(function (answer) {
        if (answer.status === 200) {
          forgetLocal(null);
          window.location.reload();
        } else if (answer.status === 422) {
          reason.classList.add("is-invalid");
        } else {
          say((answer.body.error && answer.body.error.message) || form.dataset.msgError, "error");
        }
      }).catch(function () { say(form.dataset.msgOffline, "offline"); });
    });
  }

  // -- other tabs, the network, and what this device kept -------------------------------------------

  if (channel) {
    channel.addEventListener("message", function (event) {
      const message = event.data || {};
      if (message.tab === tabId || !message.sheet || message.version <= version) {
        return;
      }
      if (message.sheet.status && message.sheet.status !== "draft") {
        lock(fmt(form.dataset.msgOtherTab, { version: message.version }));
        return;
      }
      const mine = readLocal();
      if (!mine || mine.tab !== tabId || JSON.stringify(mine.edits) === JSON.stringify(lastConfirmed)) {
        // Nothing unsent here: take the other tab's version.
        version = message.version;
        fill(message.sheet);
        lastConfirmed = contents();
        say(fmt(form.dataset.msgOtherTab, { version: message.version }));
      } else {
        // Unsent edits here: the judge chooses (the next save would be a 409 anyway).
        showConflict(message.sheet);
      }
    });
  }

  function retry() {
    if (conflict || locked || inFlight || submitting) {
      return;
    }
    if (submitQueued && navigator.onLine) {
      submitQueued = false;
      submit(false);
    } else if (readLocal() && dirty()) {
      save();
    }
  }

  conflictBox.querySelectorAll("[data-conflict]").forEach(function (button) {
    button.addEventListener("click", function () { resolve(button.dataset.conflict); });
  });
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("focusout", function () { if (readLocal() && dirty()) { save(); } });
  form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
  submitButton.addEventListener("click", function () { submit(true); });
  window.addEventListener("online", retry);
  window.addEventListener("offline", function () { say(form.dataset.msgOffline, "offline"); });
  window.setInterval(retry, RETRY_MS);

  // What this device kept from an earlier visit: re-apply it if it was based on the server's
  // current version, else let the judge choose between it and the server's sheet.
  const kept = readLocal();
  if (kept && kept.edits) {
    if (kept.base === version) {
      fill(kept.edits);
      say(form.dataset.msgRestored);
      save();
    } else if (JSON.stringify(kept.edits) !== JSON.stringify(lastConfirmed)) {
      const server = Object.assign({ version: version }, lastConfirmed);
      fill(kept.edits);  // shown, but the kept copy stays as it was until the judge chooses
      showConflict(server);
    } else {
      forgetLocal(null);
    }
  }
  showTotal();
}());
