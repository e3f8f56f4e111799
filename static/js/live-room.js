// The live room, for every view (audience, judge, presenter, console, projector): one connection to
// the /live namespace; the server sends the whole room as `state` on every (re)connect and deltas
// after that (of a long Q&A, `state` has the newest questions; older ones are asked for with
// `questions`, a page at a time, when the viewer wants them). Timers and the pitch video are drawn
// locally from the server's clock (offset measured with `ping`), so nothing is sent per second.
// Data is only ever written with textContent.
(function () {
  "use strict";
  const root = document.getElementById("live-room");
  if (!root || typeof io !== "function") {
    return;
  }
  const sessionId = Number(root.dataset.sessionId);
  const role = root.dataset.role;
  const S = JSON.parse(root.dataset.strings || "{}");
  const MAX_TEXT = 500;
  const DRIFT = 0.5;   // seconds of video drift tolerated before seeking

  function t(key, values) {
    let text = S[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("%(" + name + ")s", String(values[name]));
    });
    return text;
  }
  function $(id) { return document.getElementById(id); }
  function setText(element, value) {
    if (element && element.textContent !== String(value)) { element.textContent = String(value); }
  }
  function show(element, on) { if (element) { element.classList.toggle("d-none", !on); } }

  // -- the room, as last told by the server ---------------------------------------------------
  const room = {
    session: {}, slots: new Map(), currentId: null, questions: new Map(), myVotes: new Set(),
    myInterest: new Set(), scoring: null, leaderboard: null, viewers: 0,
    questionsBefore: null,   // the id before which older questions may be asked for, or null
  };
  const earlier = { loading: false, generation: 0 };   // the page of older questions being asked for
  // The running order is rendered by the page: slot id -> {applicationId, project}.
  const order = new Map();
  document.querySelectorAll("#running-order li[data-slot-id]").forEach(function (item) {
    order.set(Number(item.dataset.slotId), { applicationId: Number(item.dataset.applicationId),
      project: item.dataset.project, element: item });
  });

  // -- connection -----------------------------------------------------------------------------
  const socket = io(root.dataset.namespace || "/live", {
    transports: ["websocket"], auth: { session_id: sessionId }, reconnectionDelayMax: 10000,
  });

  function emit(event, data) {
    return new Promise(function (resolve) {
      socket.timeout(10000).emit(event, data, function (error, ack) {
        if (error) { resolve({ error: { code: "timeout", message: S.error } }); return; }
        resolve(ack || { error: { code: "empty", message: S.error } });
      });
    });
  }
  function errorText(ack) {
    return (ack && ack.error && ack.error.message) || S.error;
  }

  // -- the server's clock ---------------------------------------------------------------------
  let offset = 0;   // server epoch ms - local epoch ms
  function serverNow() { return Date.now() + offset; }
  function measureClock() {
    const samples = [];
    function once() {
      const t0 = Date.now();
      return emit("ping", { t: t0 }).then(function (ack) {
        const t1 = Date.now();
        if (ack && typeof ack.now === "number") {
          const rtt = t1 - t0;
          samples.push({ rtt: rtt, offset: ack.now - (t0 + rtt / 2) });
        }
      });
    }
    let chain = Promise.resolve();
    for (let i = 0; i < 5; i += 1) { chain = chain.then(once); }
    return chain.then(function () {
      if (!samples.length) { return; }
      const offsets = samples.map(function (s) { return s.offset; }).sort(function (a, b) { return a - b; });
      offset = offsets[Math.floor(offsets.length / 2)];
      syncVideo();
    });
  }

  // -- degraded banner ------------------------------------------------------------------------
  const banner = $("live-degraded");
  function degraded(on) {
    if (!banner) { return; }
    setText(banner, S.degraded);
    show(banner, on);
  }

  socket.on("connect", function () { degraded(false); measureClock(); });
  socket.on("disconnect", function () { degraded(true); });
  socket.on("connect_error", function (error) {
    degraded(true);
    if (error && error.message === "unauthenticated") { socket.disconnect(); }
  });
  socket.on("degraded", function (data) { degraded(Boolean(data && data.on)); });

  // -- state and deltas -----------------------------------------------------------------------
  socket.on("state", function (state) {
    degraded(false);
    if (typeof state.now === "number") {
      // A first estimate until the pings answer (no round-trip correction).
      if (offset === 0) { offset = state.now - Date.now(); }
    }
    room.session = state.session || {};
    room.slots = new Map();
    (state.slots || []).forEach(function (slot) { room.slots.set(slot.id, slot); });
    if (state.current) { room.slots.set(state.current.id, Object.assign({}, room.slots.get(state.current.id), state.current)); }
    room.currentId = state.current ? state.current.id : (room.session.current_slot_id || null);
    room.questions = new Map();
    (state.questions || []).forEach(function (q) { room.questions.set(q.id, q); });
    room.questionsBefore = typeof state.questions_before === "number" ? state.questions_before : null;
    earlier.generation += 1;   // a page asked for before this state is not merged into it
    earlier.loading = false;
    room.myVotes = new Set(state.my_votes || []);
    room.myInterest = new Set(state.my_interest || []);
    room.scoring = state.scoring || null;
    room.leaderboard = state.leaderboard || null;
    if (state.viewers !== undefined) { room.viewers = state.viewers; }
    renderAll();
  });
  socket.on("session", function (data) {
    Object.assign(room.session, data);
    if ("current_slot_id" in data) { room.currentId = data.current_slot_id; }
    renderAll();
  });
  socket.on("slot", function (slot) {
    room.slots.set(slot.id, Object.assign({}, room.slots.get(slot.id), slot));
    if (slot.scoring && slot.id === room.currentId) {
      room.scoring = Object.assign({ slot_id: slot.id }, slot.scoring);
    }
    renderAll();
  });
  socket.on("question", function (q) {
    room.questions.set(q.id, Object.assign({}, room.questions.get(q.id), q));
    renderQuestions();
  });
  socket.on("tally", function (data) {
    Object.keys((data && data.votes) || {}).forEach(function (id) {
      const q = room.questions.get(Number(id));
      if (q) { q.votes = data.votes[id]; }
    });
    if (data && typeof data.viewers === "number") { room.viewers = data.viewers; setText($("viewer-count"), data.viewers); }
    renderQuestions();
  });
  socket.on("scoring", function (data) { room.scoring = data; renderScoring(); });
  socket.on("leaderboard", function (data) {
    room.leaderboard = (data && data.rows) || null;
    if (data && data.visibility) { room.session.leaderboard = data.visibility; }
    renderLeaderboard();
    document.dispatchEvent(new CustomEvent("live:render", { detail: room }));
  });

  function current() { return room.currentId ? room.slots.get(room.currentId) || null : null; }
  function currentApplicationId() {
    const slot = current();
    if (!slot) { return null; }
    if (slot.application_id) { return slot.application_id; }
    const known = order.get(slot.id);
    return known ? known.applicationId : null;
  }

  function renderAll() {
    renderSession();
    renderSlot();
    renderStream();
    syncVideo();
    renderQuestions();
    renderScoring();
    renderLeaderboard();
    renderInterest();
    document.dispatchEvent(new CustomEvent("live:render", { detail: room }));
  }

  function renderSession() {
    const state = room.session.state;
    setText($("session-state"), state ? t("session-" + state) : "");
    setText($("viewer-count"), room.viewers || 0);
  }

  function renderSlot() {
    const slot = current();
    const known = slot ? order.get(slot.id) : null;
    setText($("current-project"), slot ? (slot.project || slot.project_name || (known && known.project) || "") : t("waiting"));
    setText($("current-phase"), slot && slot.phase ? t("phase-" + slot.phase) : "");
    order.forEach(function (entry, id) {
      const item = entry.element;
      const data = room.slots.get(id);
      item.classList.toggle("active", id === room.currentId);
      if (id === room.currentId) { item.setAttribute("aria-current", "step"); } else { item.removeAttribute("aria-current"); }
      setText(item.querySelector("[data-slot-phase]"), data && data.phase ? t("phase-" + data.phase) : "");
    });
    // The judge's panel of the current project.
    document.querySelectorAll("[data-slot-panel]").forEach(function (panel) {
      show(panel, Number(panel.dataset.slotPanel) === room.currentId);
    });
    show(document.querySelector("[data-slot-panel-empty]"), !document.querySelector('[data-slot-panel="' + room.currentId + '"]'));
  }

  // -- timer: drawn locally from started_at/seconds/remaining and the clock offset ---------------
  const timerElement = $("live-timer");
  function remainingSeconds(timer) {
    if (!timer) { return null; }
    if (timer.started_at === null || timer.started_at === undefined) {
      return timer.remaining === null || timer.remaining === undefined ? null : Number(timer.remaining);
    }
    return Number(timer.seconds) - (serverNow() - Number(timer.started_at)) / 1000;
  }
  function clockText(seconds) {
    const negative = seconds < 0;
    const whole = negative ? Math.floor(-seconds) : Math.ceil(seconds);
    const text = Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
    return negative ? "−" + text : text;
  }
  function drawTimer() {
    if (!timerElement) { return; }
    const slot = current();
    const timer = slot && slot.timer;
    const seconds = remainingSeconds(timer);
    const paused = Boolean(timer && (timer.started_at === null || timer.started_at === undefined) && seconds !== null);
    setText(timerElement, seconds === null ? "--:--" : clockText(seconds) + (paused ? " · " + S.paused : ""));
    timerElement.classList.toggle("live-timer-over", seconds !== null && seconds < 0);
    timerElement.classList.toggle("live-timer-low", seconds !== null && seconds >= 0 && seconds <= 30);
  }
  setInterval(drawTimer, 250);

  // -- the stream (HLS) or the meeting link ------------------------------------------------------
  const streamVideo = $("live-stream");
  let streamLoaded = null;
  let hls = null;
  function renderStream() {
    const url = room.session.stream_url !== undefined ? room.session.stream_url : root.dataset.streamUrl;
    const meeting = room.session.meeting_url !== undefined ? room.session.meeting_url : root.dataset.meetingUrl;
    const link = $("live-meeting-link");
    if (link && meeting) { link.href = meeting; }
    show($("live-meeting"), Boolean(meeting));
    if (!streamVideo) { return; }
    show(streamVideo, Boolean(url));
    if (!url || url === streamLoaded) { return; }
    streamLoaded = url;
    if (hls) { hls.destroy(); hls = null; }
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ lowLatencyMode: true });
      hls.loadSource(url);
      hls.attachMedia(streamVideo);
    } else if (streamVideo.canPlayType("application/vnd.apple.mpegurl")) {
      streamVideo.src = url;   // Safari on iOS plays HLS natively (no Media Source Extensions)
    }
  }

  // -- the pitch video, following the organiser within half a second -----------------------------
  const pitch = $("live-video");
  const drives = Boolean(pitch && pitch.dataset.drives === "true");
  const unmute = $("live-video-unmute");
  const videoBase = root.dataset.videoBase;
  function targetPosition(video) {
    const position = Number(video.position) || 0;
    if (!video.playing || !video.at) { return position; }
    return position + Math.max(0, serverNow() - Number(video.at)) / 1000;
  }
  function syncVideo() {
    if (!pitch) { return; }
    const slot = current();
    const video = slot && slot.video;
    const hasVideo = Boolean(video && video.material_id);
    show($("live-pitch"), hasVideo);
    if (!hasVideo) {
      if (!pitch.paused) { pitch.pause(); }
      return;
    }
    const src = videoBase + slot.id + "/video";
    if (pitch.dataset.src !== src) {
      pitch.dataset.src = src;
      pitch.src = src;
    }
    if (pitch.readyState < 1) {   // no metadata yet: sync once it has some
      pitch.addEventListener("loadedmetadata", syncVideo, { once: true });
      return;
    }
    const target = targetPosition(video);
    // The organiser's own player is left where their hand put it while paused: "everyone to my
    // position" sends that position to the room.
    if (Math.abs(pitch.currentTime - target) > DRIFT && !(drives && !video.playing)) {
      pitch.currentTime = target;
    }
    if (video.playing && pitch.paused) {
      const started = pitch.play();
      if (started && started.catch) {
        started.catch(function () {
          // Autoplay with sound refused: play muted and offer the sound.
          pitch.muted = true;
          show(unmute, true);
          pitch.play().catch(function () { show(unmute, true); });
        });
      }
    } else if (!video.playing && !pitch.paused) {
      pitch.pause();
    }
  }
  if (pitch) {
    setInterval(function () {
      const slot = current();
      if (slot && slot.video && slot.video.playing) { syncVideo(); }
    }, 1000);
    if (unmute) {
      unmute.addEventListener("click", function () {
        pitch.muted = false;
        show(unmute, false);
        syncVideo();
      });
    }
  }

  // -- questions --------------------------------------------------------------------------------
  function visible(filter, q) {
    switch (filter) {
      case "public": return q.status === "approved" && !q.judges_only;
      case "projector": return q.status === "approved" && !q.judges_only && !q.answered;
      case "approved": return q.status === "approved" && !q.judges_only;
      case "pending": return q.status === "pending" && !q.judges_only;
      case "judges": return q.judges_only && q.status !== "dismissed";
      default: return false;
    }
  }
  function sorter(by) {
    return function (a, b) {
      if (Boolean(b.pinned) !== Boolean(a.pinned)) { return b.pinned ? 1 : -1; }
      if (by === "votes" && (b.votes || 0) !== (a.votes || 0)) { return (b.votes || 0) - (a.votes || 0); }
      const at = Number(a.created_at) || 0, bt = Number(b.created_at) || 0;
      if (at !== bt) { return by === "votes" ? at - bt : bt - at; }
      return by === "votes" ? a.id - b.id : b.id - a.id;
    };
  }

  function button(label, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-sm " + className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function questionItem(list, q) {
    let item = list.querySelector('[data-question-id="' + q.id + '"]');
    if (!item) {
      item = document.createElement("li");
      item.className = "list-group-item live-question";
      item.dataset.questionId = q.id;
      const text = document.createElement("p");
      text.className = "mb-1 live-question-text";
      const meta = document.createElement("div");
      meta.className = "d-flex flex-wrap align-items-center gap-2 small";
      const author = document.createElement("span");
      author.className = "text-body-secondary me-auto live-question-author";
      const flags = document.createElement("span");
      flags.className = "live-question-flags";
      const count = document.createElement("span");
      count.className = "badge text-bg-light live-question-votes";
      meta.append(author, flags, count);
      item.append(text, meta);
      if (list.dataset.filter !== "projector" && role !== "organiser" && q.status === "approved") {
        const vote = button(S.upvote, "btn-outline-primary live-vote", function () { toggleVote(q.id, vote); });
        vote.setAttribute("aria-pressed", "false");
        meta.append(vote);
      }
      if (list.dataset.moderate === "true") { meta.append(moderationButtons(q.id)); }
      const error = document.createElement("p");
      error.className = "small text-danger mb-0 live-question-error";
      error.setAttribute("role", "status");
      item.append(error);
    }
    setText(item.querySelector(".live-question-text"), q.text || "");
    setText(item.querySelector(".live-question-author"), q.author ? (q.anonymous ? q.author + " (" + S.anonymous + ")" : q.author) : S.anonymous);
    const flags = [];
    if (q.pinned) { flags.push(S.pinned); }
    if (q.answered) { flags.push(S.answered); }
    if (q.status === "pending") { flags.push(S.pending); }
    setText(item.querySelector(".live-question-flags"), flags.join(" · "));
    setText(item.querySelector(".live-question-votes"), t("votes", { n: q.votes || 0 }));
    const vote = item.querySelector(".live-vote");
    if (vote) { vote.setAttribute("aria-pressed", room.myVotes.has(q.id) ? "true" : "false"); }
    const approve = item.querySelector('[data-action="approve"]');
    if (approve) { approve.hidden = q.status === "approved"; }
        const pin = item.querySelector('[data-action="pin"]');
    if (pin) { setText(pin, q.pinned ? S.unpin : S.pin); pin.dataset.next = q.pinned ? "unpin" : "pin"; }
    item.classList.toggle("live-question-pinned", Boolean(q.pinned));
    item.classList.toggle("live-question-answered", Boolean(q.answered));
    return item;
  }

  function renderQuestions() {
    document.querySelectorAll(".live-question-list").forEach(function (list) {
      const items = Array.from(room.questions.values()).filter(function (q) { return visible(list.dataset.filter, q); });
      items.sort(sorter(list.dataset.sort || "votes"));
      const keep = new Set(items.map(function (q) { return String(q.id); }));
      Array.from(list.children).forEach(function (child) {
        if (!keep.has(child.dataset.questionId)) { child.remove(); }
      });
      items.forEach(function (q, index) {
        const item = questionItem(list, q);
        if (list.children[index] !== item) { list.insertBefore(item, list.children[index] || null); }
      });
      show(document.querySelector('[data-empty-for="' + list.id + '"]'), items.length === 0);
    });
    renderEarlier();
  }

  // -- earlier questions: `state` has the newest; older ones a page at a time, on demand ---------
  function renderEarlier() {
    document.querySelectorAll("[data-earlier-for]").forEach(function (box) {
      const list = $(box.dataset.earlierFor);
      if (!list) { return; }
      // Where older questions go: below the newest ones when sorted by time, and above their
      // newer equals when sorted by votes (ties are oldest first).
      if ((list.dataset.sort || "votes") === "time") {
        if (list.nextElementSibling !== box) { list.after(box); }
      } else if (list.previousElementSibling !== box) {
        list.before(box);
      }
      show(box, room.questionsBefore !== null);
      // busy, not disabled: a disabled button would lose the keyboard's focus
      box.querySelector("button").setAttribute("aria-busy", earlier.loading ? "true" : "false");
    });
  }
  function loadEarlier(box) {
    if (earlier.loading || room.questionsBefore === null) { return; }
    const generation = earlier.generation;
    const feedback = box.querySelector("[data-feedback]");
    earlier.loading = true;
    renderEarlier();
    emit("questions", { before: room.questionsBefore }).then(function (ack) {
      if (generation !== earlier.generation) { return; }   // reconnected meanwhile: the new state stands
      earlier.loading = false;
      if (!ack.ok) { setText(feedback, errorText(ack)); renderEarlier(); return; }
      setText(feedback, "");
      (ack.questions || []).forEach(function (q) {
        // one already known is kept: the deltas since `state` keep it current
        if (!room.questions.has(q.id)) { room.questions.set(q.id, q); }
      });
      room.questionsBefore = typeof ack.before === "number" ? ack.before : null;
      renderQuestions();
    });
  }
  document.querySelectorAll("[data-earlier-for]").forEach(function (box) {
    box.querySelector("button").addEventListener("click", function () { loadEarlier(box); });
  });
  document.querySelectorAll("[data-sort-for]").forEach(function (select) {
    select.addEventListener("change", function () {
      const list = $(select.dataset.sortFor);
      if (list) { list.dataset.sort = select.value; renderQuestions(); }
    });
  });

  function itemError(id, message) {
    document.querySelectorAll('[data-question-id="' + id + '"] .live-question-error').forEach(function (element) {
      setText(element, message || "");
    });
  }

  function toggleVote(id, element) {
    const on = !room.myVotes.has(id);
    element.disabled = true;
    emit("vote", { question_id: id, on: on }).then(function (ack) {
      element.disabled = false;
      if (ack.error) { itemError(id, errorText(ack)); return; }
      itemError(id, "");
      if (on) { room.myVotes.add(id); } else { room.myVotes.delete(id); }
      const q = room.questions.get(id);
      if (q && typeof ack.votes === "number") { q.votes = ack.votes; }
      renderQuestions();
    });
  }

  function moderationButtons(id) {
    const box = document.createElement("span");
    box.className = "d-inline-flex flex-wrap gap-1 live-moderation";
    function act(action, extra) {
      return emit("moderate", Object.assign({ question_id: id, action: action }, extra || {})).then(function (ack) {
        itemError(id, ack.error ? errorText(ack) : "");
        return ack;
      });
    }
    const approve = button(S.approve, "btn-success", function () { act("approve"); });
    approve.dataset.action = "approve";
    const dismiss = button(S.dismiss, "btn-outline-danger", function () { act("dismiss"); });
    const pin = button(S.pin, "btn-outline-secondary", function () { act(pin.dataset.next || "pin"); });
    pin.dataset.action = "pin";
    const answer = button(S.answer, "btn-outline-secondary", function () { act("answer"); });
    const edit = button(S.edit, "btn-outline-secondary", function () {
      const item = box.closest("li");
      if (item.querySelector(".live-question-edit")) { return; }
      const q = room.questions.get(id) || {};
      const form = document.createElement("form");
      form.className = "live-question-edit d-flex gap-1 mt-1";
      const area = document.createElement("textarea");
      area.className = "form-control form-control-sm";
      area.maxLength = MAX_TEXT;
      area.value = q.text || "";
      area.setAttribute("aria-label", S.edit);
      const save = document.createElement("button");
      save.type = "submit";
      save.className = "btn btn-sm btn-primary";
      save.textContent = S.save;
      form.append(area, save);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        act("edit", { text: area.value.trim() }).then(function (ack) { if (!ack.error) { form.remove(); } });
      });
      item.append(form);
      area.focus();
    });
    box.append(approve, dismiss, edit, pin, answer);
    return box;
  }

  // -- asking -----------------------------------------------------------------------------------
  document.querySelectorAll("form.live-ask").forEach(function (form) {
    const area = form.querySelector("textarea");
    const counter = form.querySelector("[data-counter]");
    const feedback = form.querySelector("[data-feedback]");
    const anonymous = form.querySelector('input[name="anonymous"]');
    function count() { setText(counter, t("chars-left", { n: MAX_TEXT - area.value.length })); }
    area.addEventListener("input", count);
    count();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = area.value.trim();
      if (!text || text.length > MAX_TEXT) { area.focus(); return; }
      const submit = form.querySelector('[type="submit"]');
      submit.disabled = true;
      emit("ask", { text: text, anonymous: Boolean(anonymous && anonymous.checked),
        judges_only: form.dataset.judgesOnly === "true" }).then(function (ack) {
        submit.disabled = false;
        feedback.classList.toggle("text-danger", Boolean(ack.error));
        if (ack.error) { setText(feedback, errorText(ack)); return; }
        setText(feedback, S.sent);
        area.value = "";
        count();
      });
    });
  });

  // -- interest in the current project ------------------------------------------------------------
  const interest = $("interest-form");
  function renderInterest() {
    if (!interest) { return; }
    const applicationId = currentApplicationId();
    show(interest, Boolean(applicationId));
    if (interest.dataset.applicationId !== String(applicationId)) {   // another project on stage
      interest.dataset.applicationId = String(applicationId);
      setText(interest.querySelector("[data-feedback]"), "");
    }
    const marked = Boolean(applicationId) && room.myInterest.has(applicationId);
    $("interest-button").setAttribute("aria-pressed", marked ? "true" : "false");
    show($("interest-withdraw"), marked);
  }
  if (interest) {
    interest.addEventListener("submit", function (event) {
      event.preventDefault();
      const applicationId = currentApplicationId();
      const feedback = interest.querySelector("[data-feedback]");
      if (!applicationId) { return; }
      emit("interest", { application_id: applicationId, follow_up: $("interest-follow-up").checked,
        organisation: $("interest-organisation").value.trim() }).then(function (ack) {
        feedback.classList.toggle("text-danger", Boolean(ack.error));
        if (ack.error) { setText(feedback, errorText(ack)); return; }
        room.myInterest.add(applicationId);
        setText(feedback, S["interest-saved"]);
        renderInterest();
      });
    });
    $("interest-withdraw").addEventListener("click", function () {
      const applicationId = currentApplicationId();
      const feedback = interest.querySelector("[data-feedback]");
      if (!applicationId) { return; }
      emit("interest", { application_id: applicationId, on: false }).then(function (ack) {
        feedback.classList.toggle("text-danger", Boolean(ack.error));
        if (ack.error) { setText(feedback, errorText(ack)); return; }
        room.myInterest.delete(applicationId);
        setText(feedback, S["interest-withdrawn"]);
        renderInterest();
      });
    });
  }

  // -- scoring and the leaderboard ----------------------------------------------------------------
  function renderScoring() {
    const status = $("scoring-status");
    if (!status) { return; }
    const slot = current();
    const scoring = room.scoring && (!room.scoring.slot_id || room.scoring.slot_id === room.currentId)
      ? room.scoring : (slot && slot.scoring) || null;
    if (!slot || !scoring) {
      setText(status, "");
    } else {
      const open = slot.scoring ? slot.scoring.open : scoring.open;
      setText(status, (open ? S["scoring-open"] : S["scoring-closed"]) + " · "
        + t("scored-of", { scored: scoring.scored || 0, expected: scoring.expected || 0 }));
    }
    const announced = slot && slot.announced;
    show($("announced"), Boolean(announced));
    if (announced) { setText($("announced-value"), aggregateText(announced)); }
  }
  function aggregateText(announced) {
    if (typeof announced !== "object") { return String(announced); }
    const value = ["score", "total", "aggregate", "mean", "value"].map(function (key) { return announced[key]; })
      .find(function (v) { return v !== undefined && v !== null; });
    return value !== undefined ? String(value) : "";
  }
  function renderLeaderboard() {
    const section = $("leaderboard");
    if (!section) { return; }
    const rows = room.leaderboard;
    show(section, Array.isArray(rows) && rows.length > 0);
    const body = $("leaderboard-rows");
    body.replaceChildren();
    (rows || []).forEach(function (row, index) {
      const tr = document.createElement("tr");
      [row.rank !== undefined ? row.rank : index + 1,
        row.name || row.project_name || "",
        row.aggregate !== undefined && row.aggregate !== null ? row.aggregate : ""].forEach(function (value, column) {
        const cell = document.createElement("td");
        if (column === 2) { cell.className = "text-end"; }
        cell.textContent = String(value);
        tr.append(cell);
      });
      body.append(tr);
    });
  }

  // For the console (static/js/live-console.js).
  window.RoadshowLive = {
    socket: socket, emit: emit, errorText: errorText, room: room, order: order, serverNow: serverNow,
    current: current, pitch: pitch,
  };
})();
