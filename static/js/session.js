// The signed-in page's personal channel: when the session is revoked elsewhere (logout on another
// device, password change, deactivation), the server says so and this page goes to the login form,
// which sends a browser that is still signed in (the one that changed the password) back here.
(function () {
  "use strict";
  const body = document.body;
  const channel = body.dataset.userChannel;
  if (!channel || typeof io !== "function") {
    return;
  }
  // This tab is leaving (it submitted a form such as logout): the revocation it caused is not news.
  let leaving = false;
  document.addEventListener("submit", function () { leaving = true; });
  window.addEventListener("pagehide", function () { leaving = true; });

  const socket = io(channel, { transports: ["websocket"], reconnectionDelayMax: 10000 });
  socket.on("session_revoked", function () {
    if (leaving) {
      return;
    }
    const next = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.loginUrl + "?next=" + encodeURIComponent(next));
  });
  // Personal notices for the page to act on, e.g. "sheet_unlocked" (an organiser unlocked a sheet).
  ["sheet_unlocked"].forEach(function (name) {
    socket.on(name, function (data) {
      document.dispatchEvent(new CustomEvent("roadshow:" + name, { detail: data }));
    });
  });
  socket.on("connect_error", function (error) {
    if (error && error.message === "unauthenticated") {
      socket.disconnect();
    }
  });
})();
