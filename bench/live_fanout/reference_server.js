// The reference room for bench/live_fanout: a minimal live room on the Node socket.io server (npm
// `socket.io`), speaking the same events as Roadshow's `/live` namespace so the same client drives
// both. No database, no authorisation beyond telling the organiser apart, no rate limits: the floor.
//
//   PORT=8100 ORGANISER_TOKEN=... node bench/live_fanout/reference_server.js
//
// - connect on `/live` with `auth: {session_id, token}`: joins `live:<id>` and the organisers' or
//   the audience's room, and gets `state` (the questions so far) at once;
// - `ask` {text}: the question goes, pending, to the organisers (ack {ok, question_id});
// - `moderate` {question_id, action: "approve"}: the question goes, approved, to the whole room;
// - `vote` {question_id, on}: counts it (ack {ok, votes}) and broadcasts a `tally` {votes, viewers}:
//   with TALLY=each one broadcast per vote, else (default, the same contract as ours) at most
//   5 per second per room, coalesced;
// - `ping` {t}: ack {ok, t, now};
// - HTTP `POST /submit` {session_id, project, scores: {criterion: score}} with an `Authorization`
//   header (not checked): a judge's sheet. The project's aggregate becomes the mean of its sheets'
//   totals (the sum of the scores), and the whole room gets `leaderboard` {rows: [{rank, project,
//   name, aggregate}], visibility: "everyone"} at once; answers 200 {ok, sheets}. The `state` at
//   connect carries the rows too, as ours does.
// Prints "listening <port>" on stdout once it accepts connections.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 8100);
const organiserToken = process.env.ORGANISER_TOKEN || "";
const tallyEach = process.env.TALLY === "each";
const TALLY_INTERVAL_MS = 200;

const totals = new Map(); // project -> [sheet totals]

function leaderboardRows() {
  const rows = [...totals].map(([project, list]) => {
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    return { project, name: `Project ${project}`, aggregate: Math.round(100 * mean) / 100 };
  });
  rows.sort((a, b) => b.aggregate - a.aggregate || a.project - b.project);
  let rank = 0;
  return rows.map((row, index) => {
    if (index === 0 || row.aggregate !== rows[index - 1].aggregate) rank = index + 1;
    return { rank, ...row };
  });
}

function submit(req, res) {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { body = null; }
    if (!req.headers.authorization || !body || typeof body.scores !== "object" || body.project === undefined) {
      res.writeHead(422, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "invalid" } }));
      return;
    }
    const total = Object.values(body.scores).reduce((a, v) => a + Number(v), 0);
    const list = totals.get(body.project) || [];
    list.push(total);
    totals.set(body.project, list);
    live.to(roomOf(Number(body.session_id))).emit("leaderboard", { rows: leaderboardRows(), visibility: "everyone" });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ok: true, sheets: list.length }));
  });
}

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/submit") return submit(req, res);
  res.writeHead(req.url === "/healthz" ? 200 : 404, { "Content-Type": "text/plain" });
  res.end(req.url === "/healthz" ? "ok" : "not found");
});
const io = new Server(server, { transports: ["websocket"], serveClient: false, maxHttpBufferSize: 2048 });
const live = io.of("/live");

const questions = new Map(); // id -> question
let nextId = 1;
const dirty = new Map(); // room -> {question_id: votes} waiting for the next tally
const viewers = new Map(); // room -> count

function roomOf(sessionId) { return `live:${sessionId}`; }

function sendTally(room, votes) {
  live.to(room).emit("tally", { votes, viewers: viewers.get(room) || 0 });
}

if (!tallyEach) {
  setInterval(() => {
    for (const [room, votes] of dirty) sendTally(room, votes);
    dirty.clear();
  }, TALLY_INTERVAL_MS);
}

live.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (!auth.token || auth.session_id === undefined) return next(new Error("unauthenticated"));
  next();
});

live.on("connection", (socket) => {
  const auth = socket.handshake.auth;
  const sessionId = Number(auth.session_id);
  const room = roomOf(sessionId);
  const organiser = organiserToken !== "" && auth.token === organiserToken;
  socket.join(room);
  socket.join(organiser ? `${room}:organisers` : `${room}:audience`);
  viewers.set(room, (viewers.get(room) || 0) + 1);
  const visible = [...questions.values()].filter((q) => organiser || q.status === "approved");
  socket.emit("state", { session: { id: sessionId, state: "live" }, questions: visible, my_votes: [],
    role: organiser ? "organiser" : "viewer", leaderboard: leaderboardRows(), now: Date.now() });

  socket.on("disconnect", () => { viewers.set(room, (viewers.get(room) || 1) - 1); });

  socket.on("ping", (data, ack) => {
    if (typeof ack === "function") ack({ ok: true, t: data && data.t, now: Date.now() });
  });

  socket.on("ask", (data, ack) => {
    const text = data && typeof data.text === "string" ? data.text.trim() : "";
    if (!text || text.length > 500) {
      if (typeof ack === "function") ack({ error: { code: "invalid", message: "invalid" } });
      return;
    }
    const question = { id: nextId++, text, author: null, status: "pending", pinned: false, answered: false,
      votes: 0, judges_only: false, created_at: Date.now(), voters: new Set() };
    questions.set(question.id, question);
    live.to(`${room}:organisers`).emit("question", publicOf(question));
    if (typeof ack === "function") ack({ ok: true, question_id: question.id });
  });

  socket.on("moderate", (data, ack) => {
    const question = data && questions.get(data.question_id);
    if (!organiser || !question) {
      if (typeof ack === "function") ack({ error: { code: "forbidden", message: "forbidden" } });
      return;
    }
    if (data.action === "approve") question.status = "approved";
    else if (data.action === "dismiss") question.status = "dismissed";
    live.to(room).emit("question", publicOf(question));
    if (typeof ack === "function") ack({ ok: true, question_id: question.id });
  });

  socket.on("vote", (data, ack) => {
    const question = data && questions.get(data.question_id);
    if (!question || question.status !== "approved") {
      if (typeof ack === "function") ack({ error: { code: "not_votable", message: "not votable" } });
      return;
    }
    if (data.on === false) {
      if (question.voters.delete(socket.id)) question.votes -= 1;
    } else if (!question.voters.has(socket.id)) {
      question.voters.add(socket.id);
      question.votes += 1;
    }
    if (tallyEach) {
      sendTally(room, { [question.id]: question.votes });
    } else {
      const pending = dirty.get(room) || {};
      pending[question.id] = question.votes;
      dirty.set(room, pending);
    }
    if (typeof ack === "function") ack({ ok: true, question_id: question.id, votes: question.votes });
  });
});

function publicOf(question) {
  const { voters, ...rest } = question;
  return rest;
}

server.listen(port, "127.0.0.1", () => { process.stdout.write(`listening ${port}\n`); });
process.on("SIGTERM", () => { io.close(); server.close(); process.exit(0); });
