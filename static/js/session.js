// The signed-in page's personal channel: when the session is revoked elsewhere (logout on another
// device, password change, deactivation), the server says so and this page goes to the login form.
(function () {
  "use strict";
  const body = document.body;
  const channel = body.dataset.userChannel;
  if (!channel || typeof io !== "function") {
    return;
  }
  const socket = io(channel, { transports: ["websocket"], reconnectionDelayMax: 10000 });
  let revoked = false;
  socket.on("session_revoked", function () {
    revoked = true;
    window.location.assign(body.dataset.loginUrl);
  });
  socket.on("connect_error", function (error) {
    if (!revoked && error && error.message === "unauthenticated") {
      socket.disconnect();
    }
  });
})();
