// The application form saves itself: a debounced save after each change, a copy of every unsaved
// edit in localStorage (so nothing typed is lost on reload or while offline), and a resend when the
// network comes back. Saves carry the version they are based on; a save that lost a race with a
// co-member's gets a conflict answer and the form says so instead of overwriting.
(function () {
  "use strict";
  const form = document.getElementById("application-form");
  if (!form) {
    return;
  }
  const state = document.getElementById("save-state");
  const storageKey = form.dataset.storageKey;
  const versionField = form.querySelector('input[name="version"]');
  const DEBOUNCE_MS = 1200;
  let timer = null;
  let inFlight = false;
  let pending = false;
  let conflict = false;

  function say(message, kind) {
    state.textContent = message;
    state.classList.toggle("is-error", kind === "error");
    state.classList.toggle("is-offline", kind === "offline");
  }

  function fields() {
    const data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) { data.append(name, value); });
    return data;
  }

  function keepLocally() {
    try {
      localStorage.setItem(storageKey, JSON.stringify({
        version: versionField.value, savedAt: Date.now(), fields: Array.from(fields().entries()),
      }));
    } catch (error) { /* storage full or disabled: the server copy is all we have */ }
  }

  function forgetLocal() {
    try { localStorage.removeItem(storageKey); } catch (error) { /* ignore */ }
  }

  function restoreLocal() {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (error) { saved = null; }
    if (!saved || saved.version !== versionField.value) {
      return false;  // nothing kept, or kept for an older version: the server's copy wins
    }
    const values = {};
    saved.fields.forEach(function (pair) {
      if (pair[0] === "csrf_token" || pair[0] === "version") { return; }
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.from(form.elements).forEach(function (element) {
      if (!element.name || !(element.name in values) && element.type !== "checkbox") { return; }
      const wanted = values[element.name] || [];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = wanted.indexOf(element.value) !== -1;
      } else if (element.name in values) {
        element.value = wanted[0];
      }
    });
    return true;
  }

  function markErrors(details) {
    form.querySelectorAll(".is-invalid").forEach(function (element) { element.classList.remove("is-invalid"); });
    Object.keys(details || {}).forEach(function (name) {
      const element = form.elements.namedItem(name);
      if (element && element.classList) { element.classList.add("is-invalid"); }
    });
  }

  function save() {
    if (conflict) { return; }
    if (inFlight) { pending = true; return; }
    if (!navigator.onLine) { say(form.dataset.msgOffline, "offline"); return; }
    inFlight = true;
    say(form.dataset.msgSaving);
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: fields(), credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": form.elements.namedItem("csrf_token").value },
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 200) {
        versionField.value = String(answer.body.version);
        document.querySelectorAll("[data-version-field]").forEach(function (f) { f.value = versionField.value; });
        markErrors({});
        if (!pending) { forgetLocal(); }
        say(form.dataset.msgSaved);
      } else if (answer.status === 409) {
        conflict = true;
        say(answer.body.error.message, "error");
      } else if (answer.status === 422) {
        markErrors(answer.body.error.details);
        say(form.dataset.msgError, "error");
      } else {
        say(answer.body.error ? answer.body.error.message : form.dataset.msgOffline, "error");
      }
    }).catch(function () {
      say(form.dataset.msgOffline, "offline");
    }).finally(function () {
      inFlight = false;
      if (pending) { pending = false; save(); }
    });
  }

  function changed() {
    keepLocally();
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", function () { if (localStorage.getItem(storageKey)) { save(); } });
  form.addEventListener("submit", function () { forgetLocal(); });

  function typedBeforeThisScriptRan() {
    return Array.from(form.elements).some(function (element) {
      if (element.type === "checkbox" || element.type === "radio") {
        return element.checked !== element.defaultChecked;
      }
      if (element.tagName === "SELECT") {
        return Array.from(element.options).some(function (option) { return option.selected !== option.defaultSelected; });
      }
      return element.name && element.type !== "hidden" && element.value !== element.defaultValue;
    });
  }

  if (restoreLocal()) {
    say(form.dataset.msgRestored);
    save();
  } else if (typedBeforeThisScriptRan()) {
    changed();
  }
})();
