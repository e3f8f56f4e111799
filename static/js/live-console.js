// The organiser's console: buttons with data-control send `control` {action, ...} over the room's
// connection (static/js/live-room.js); refusals are shown from the ack's message. The organiser's
// own player gives the position for "everyone to my position".
(function () {
  "use strict";
  const live = window.RoadshowLive;
  const root = document.getElementById("live-room");
  if (!live || !root) {
    return;
  }
  const errorBox = document.getElementById("console-error");

  function report(ack) {
    if (!errorBox) { return; }
    const failed = Boolean(ack && ack.error);
    errorBox.textContent = failed ? live.errorText(ack) : "";
    errorBox.classList.toggle("d-none", !failed);
  }

  function control(action, extra) {
    return live.emit("control", Object.assign({ action: action }, extra || {})).then(function (ack) {
      report(ack);
      return ack;
    });
  }

  function neighbour(step) {
    const ids = Array.from(live.order.keys());
    const index = ids.indexOf(live.room.currentId);
    const next = index === -1 ? (step > 0 ? 0 : -1) : index + step;
    return next >= 0 && next < ids.length ? ids[next] : null;
  }

  root.addEventListener("click", function (event) {
    const target = event.target.closest("[data-control]");
    if (!target || !root.contains(target)) { return; }
    const action = target.dataset.control;
    if (action === "previous_slot") {
      const slotId = neighbour(-1);
      if (slotId !== null) { control("goto_slot", { slot_id: slotId }); }
    } else if (action === "goto_slot") {
      control("goto_slot", { slot_id: Number(target.dataset.slotId) });
    } else if (action === "timer_start") {
      control("timer_start", { phase: target.dataset.phase });
    } else if (action === "timer_extend") {
      control("timer_extend", { seconds: Number(target.dataset.seconds || 60) });
    } else if (action === "video_choose") {
      const select = target.parentElement.querySelector("[data-video-select]");
      control("video_seek", { material_id: Number(select.value), position: 0 });
    } else if (action === "video_seek") {
      control("video_seek", { position: live.pitch ? live.pitch.currentTime : 0 });
    } else if (action === "video_play") {
      // Play from where the organiser's own player stands.
      const position = live.pitch ? live.pitch.currentTime : 0;
      control("video_seek", { position: position }).then(function (ack) {
        if (!ack.error) { control("video_play"); }
      });
    } else {
      control(action);
    }
  });

  const visibility = document.getElementById("leaderboard-visibility");
  if (visibility) {
    visibility.addEventListener("change", function () {
      control("leaderboard", { visibility: visibility.value });
    });
    document.addEventListener("live:render", function (event) {
      const value = event.detail.session && event.detail.session.leaderboard;
      if (value && document.activeElement !== visibility) { visibility.value = value; }
    });
  }

  // Buttons that make no sense in the current state are disabled (the server decides anyway).
  document.addEventListener("live:render", function (event) {
    const room = event.detail;
    const slot = room.currentId ? room.slots.get(room.currentId) : null;
    const timer = slot && slot.timer;
    const running = Boolean(timer && timer.started_at);
    const paused = Boolean(timer && !timer.started_at && timer.remaining !== null && timer.remaining !== undefined);
    const state = room.session.state;
    function set(selector, enabled) {
      root.querySelectorAll(selector).forEach(function (button) { button.disabled = !enabled; });
    }
    set('[data-control="start_session"]', state === "scheduled");
    set('[data-control="end_session"]', state === "live");
    set('[data-control="timer_start"]', Boolean(slot));
    set('[data-control="timer_pause"]', running);
    set('[data-control="timer_resume"]', paused);
    set('[data-control="timer_extend"]', running || paused);
    set('#video-controls [data-control]', Boolean(slot && slot.video && slot.video.material_id));
    root.querySelectorAll("[data-slot-videos]").forEach(function (box) {
      const here = Number(box.dataset.slotVideos) === room.currentId;
      box.classList.toggle("d-none", !here);
      box.classList.toggle("d-flex", here);
      const select = box.querySelector("[data-video-select]");
      if (here && select && slot && slot.video && slot.video.material_id && document.activeElement !== select) {
        select.value = String(slot.video.material_id);
      }
    });
    const scoring = slot && slot.scoring;
    set('[data-control="scoring_open"]', Boolean(slot && !(scoring && scoring.open)));
    set('[data-control="scoring_close"]', Boolean(scoring && scoring.open));
  });
})();
