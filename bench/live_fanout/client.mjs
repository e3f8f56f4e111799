// The benchmark's client for bench/live_fanout: N socket.io viewers (npm `socket.io-client`, the
// websocket transport) and one organiser, in one Node process, against Roadshow's `/live` namespace
// or the Node reference room (the same events). Driven by run.py:
//
//   node bench/live_fanout/client.mjs CONFIG.json    (prints one JSON line of results on stdout)
//
// CONFIG: {url, session_id, organiser_token, viewer_tokens: [...], server_pids: [...],
//          rates: [1, 5, 10, 20], seconds_per_rate, asker_offset,
//          submits: [{path, token, body}], submit_interval_ms, storm: {rate, seconds} | null}
// Phases: (d) every viewer connects at once (time until each has its `state`; server RSS before and after);
// (a) questions at each rate, asked by viewers in turn, approved by the organiser as soon as the
// pending question reaches it; latency = a viewer receiving the approved question - the ask's
// client timestamp (carried in the text); (c) judges' submits, one every `submit_interval_ms`,
// one after the other (POST url+path, `Authorization: Bearer token`, JSON body); latency = from
// just before the k-th successful submit's request to a viewer's receipt of its k-th `leaderboard`
// event of the phase (each submit that succeeds publishes exactly one; a socket delivers in order;
// the rows of each viewer's k-th event are checked against the organiser's k-th, `mismatched`);
// (b) a vote storm: `rate` upvotes a second in total,
// each viewer upvoting questions of others; tally latency = from sending a vote to the first
// `tally` on that viewer's socket that counts it (count >= the count the vote's ack returned).
// Server CPU comes from /proc/<pid>/stat (utime + stime) of `server_pids`, read at each phase's
// start and end.
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const CLK_TCK = Number(config.clk_tck || 100);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => process.stderr.write(args.join(" ") + "\n");

function cpuSeconds() {
  let total = 0;
  for (const pid of config.server_pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
    } catch { /* gone */ }
  }
  return total;
}

function rssMb() {
  const out = {};
  for (const pid of config.server_pids) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      out[pid] = match ? Number(match[1]) / 1024 : null;
    } catch { out[pid] = null; }
  }
  return out;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null };
}

function connect(token, onState) {
  return io(`${config.url}/live`, {
    transports: ["websocket"], forceNew: true, reconnection: false, timeout: 60000,
    auth: { session_id: config.session_id, token },
  }).on("state", onState);
}

function emitAck(socket, event, data, timeoutMs = 30000) {
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, data, (err, reply) => resolve(err ? { error: { code: "timeout" } } : reply));
  });
}

// -- state shared by the phases --------------------------------------------------------------------
const viewers = [];          // {socket, index, tallies: [[t, votes]], pending: [{t0, qid, count}]}
const questionLatencies = new Map(); // phase key -> [ms]
let currentPhase = null;
const approved = new Map();  // question id -> asker index (-1 unknown)
const tallyLatencies = [];
let talliesReceived = 0;
let stormOn = false;
let boardOn = false;

function onBoard(viewer, data) {
  if (boardOn) viewer.boards.push([now(), data && data.rows]);
}

function onQuestion(viewer, q) {
  if (q.status !== "approved" || typeof q.text !== "string" || !q.text.startsWith("bench|")) return;
  const [, phase, , sentAt, asker] = q.text.split("|");
  if (!approved.has(q.id)) approved.set(q.id, Number(asker));
  const list = questionLatencies.get(phase);
  if (list) list.push(now() - Number(sentAt));
}

function onTally(viewer, data) {
  const t = now();
  talliesReceived += 1;
  if (!stormOn) return;
  const votes = data.votes || {};
  viewer.tallies.push([t, votes]);
  if (viewer.pending.length) {
    viewer.pending = viewer.pending.filter((p) => {
      if (p.count !== null && (votes[p.qid] ?? -1) >= p.count) { tallyLatencies.push(t - p.t0); return false; }
      return true;
    });
  }
}

async function phaseConnect() {
  const rssBefore = rssMb();   // the organiser is in: what the server holds before the crowd
  const n = config.viewer_tokens.length;
  const cpu0 = cpuSeconds();
  const start = now();
  const times = [];
  let failed = 0;
  await new Promise((resolve) => {
    setTimeout(resolve, config.connect_deadline_ms || 90000);   // give up waiting for the rest
    let done = 0;
    const finish = () => { done += 1; if (done === n) resolve(); };
    config.viewer_tokens.forEach((token, index) => {
      const viewer = { index, tallies: [], pending: [], connected: false };
      viewer.socket = connect(token, () => {
        if (!viewer.connected) { viewer.connected = true; times.push(now() - start); finish(); }
      });
      viewer.socket.on("connect_error", (err) => {
        if (viewer.connected || viewer.failed) return;
        viewer.failed = true; failed += 1; if (failed <= 3) log("connect_error", err.message); finish();
      });
      viewer.socket.on("disconnect", () => {
        if (viewer.connected || viewer.failed) return;
        viewer.failed = true; failed += 1; finish();
      });
      viewer.socket.on("question", (q) => onQuestion(viewer, q));
      viewer.socket.on("tally", (d) => onTally(viewer, d));
      viewer.socket.on("leaderboard", (d) => onBoard(viewer, d));
      viewers.push(viewer);
    });
  });
  const wall = now() - start;
  await sleep(1000);
  return { viewers: n, connected: times.length, failed, pending: n - times.length - failed, all_connected_ms: times.length === n ? wall : null,
    connect_ms: summary(times), server_cpu_s: cpuSeconds() - cpu0, rss_before_mb: rssBefore, rss_mb: rssMb() };
}

async function connectOrganiser() {
  const organiser = await new Promise((resolve, reject) => {
    const socket = connect(config.organiser_token, () => resolve(socket));
    socket.on("connect_error", (err) => reject(err));
  });
  organiser.boards = [];
  organiser.on("leaderboard", (d) => { if (boardOn) organiser.boards.push([now(), d && d.rows]); });
  organiser.on("question", (q) => {
    if (q.status === "pending" && typeof q.text === "string" && q.text.startsWith("bench|")) {
      organiser.emit("moderate", { question_id: q.id, action: "approve" }, (reply) => {
        if (!reply || !reply.ok) { moderateErrors += 1; if (moderateErrors <= 3) log("moderate", JSON.stringify(reply)); }
      });
    }
  });
  return organiser;
}
let moderateErrors = 0;

async function phaseQuestions(rate, seconds, state) {
  const key = `q${rate}`;
  questionLatencies.set(key, []);
  const count = Math.max(1, Math.round(rate * seconds));
  const askErrors = {};
  const connected = viewers.filter((v) => v.connected);
  const cpu0 = cpuSeconds();
  const start = now();
  const acks = [];
  for (let k = 0; k < count; k++) {
    const due = start + (k * 1000) / rate;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    const asker = connected[(state.nextAsker++) % connected.length];
    const text = `bench|${key}|${k}|${now().toFixed(3)}|${asker.index}`;
    acks.push(emitAck(asker.socket, "ask", { text, anonymous: false, judges_only: false }).then((reply) => {
      if (!reply || !reply.ok) {
        const code = (reply && reply.error && reply.error.code) || "none";
        askErrors[code] = (askErrors[code] || 0) + 1;
      }
    }));
  }
  const sendWall = now() - start;
  await Promise.all(acks);
  // drain: until every expected delivery arrived, or 5 s without progress
  const expected = count * connected.length;
  let last = -1;
  let stall = now();
  while (questionLatencies.get(key).length < expected && now() - stall < 5000) {
    await sleep(100);
    const got = questionLatencies.get(key).length;
    if (got !== last) { last = got; stall = now(); }
  }
  const wall = now() - start;
  const cpu = cpuSeconds() - cpu0;
  const latencies = questionLatencies.get(key);
  const asked = count - Object.values(askErrors).reduce((a, b) => a + b, 0);
  return { rate, questions: count, asked_ok: asked, ask_errors: askErrors, viewers: connected.length,
    send_seconds: sendWall / 1000, deliveries: latencies.length, expected,
    delivery_ratio: expected ? latencies.length / expected : null,
    deliveries_per_s: latencies.length / (sendWall / 1000), latency_ms: summary(latencies),
    server_cpu_s: cpu, server_cpu_per_delivery_us: latencies.length ? (cpu * 1e6) / latencies.length : null,
    wall_seconds: wall / 1000 };
}

async function phaseLeaderboard(jobs, intervalMs, organiser) {
  const connected = viewers.filter((v) => v.connected);
  for (const v of viewers) v.boards = [];
  organiser.boards = [];
  const submitErrors = {};
  const sentAt = [];      // t0 of each successful submit, in order
  const httpMs = [];
  boardOn = true;
  const cpu0 = cpuSeconds();
  const start = now();
  for (let k = 0; k < jobs.length; k++) {
    const wait = start + k * intervalMs - now();
    if (wait > 0) await sleep(wait);
    const job = jobs[k];
    const t0 = now();
    try {
      const response = await fetch(config.url + job.path, {
        method: "POST", body: JSON.stringify(job.body),
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${job.token}` },
      });
      const text = await response.text();
      httpMs.push(now() - t0);
      if (response.ok) sentAt.push(t0);
      else {
        submitErrors[response.status] = (submitErrors[response.status] || 0) + 1;
        const errors = Object.values(submitErrors).reduce((a, b) => a + b, 0);
        if (errors <= 3) log("submit", response.status, text.slice(0, 300));
      }
    } catch (err) {
      httpMs.push(now() - t0);
      submitErrors.network = (submitErrors.network || 0) + 1;
      log("submit failed:", err && err.message);
    }
  }
  const sendWall = now() - start;
  const expected = sentAt.length * connected.length;
  const got = () => connected.reduce((a, v) => a + Math.min(v.boards.length, sentAt.length), 0);
  let last = -1;
  let stall = now();
  while (got() < expected && now() - stall < 5000) {
    await sleep(100);
    const g = got();
    if (g !== last) { last = g; stall = now(); }
  }
  const wall = now() - start;
  const cpu = cpuSeconds() - cpu0;
  boardOn = false;
  const latencies = [];
  let mismatched = 0;
  let extra = 0;
  let complete = 0;
  const reference = organiser.boards.map(([, rows]) => JSON.stringify(rows));
  for (const v of connected) {
    const n = Math.min(v.boards.length, sentAt.length);
    extra += v.boards.length - n;
    if (n === sentAt.length) complete += 1;
    for (let k = 0; k < n; k++) {
      latencies.push(v.boards[k][0] - sentAt[k]);
      if (k < reference.length && JSON.stringify(v.boards[k][1]) !== reference[k]) mismatched += 1;
    }
  }
  return { submits: jobs.length, submits_ok: sentAt.length, submit_errors: submitErrors,
    viewers: connected.length, send_seconds: sendWall / 1000, deliveries: latencies.length, expected,
    delivery_ratio: expected ? latencies.length / expected : null, viewers_complete: complete,
    extra_events: extra, organiser_events: organiser.boards.length, mismatched,
    latency_ms: summary(latencies), http_ms: summary(httpMs), server_cpu_s: cpu, wall_seconds: wall / 1000,
    server_cpu_pct_of_core: (100 * cpu) / (wall / 1000),
    server_cpu_per_submit_ms: sentAt.length ? (cpu * 1000) / sentAt.length : null };
}

async function phaseStorm(rate, seconds) {
  const connected = viewers.filter((v) => v.connected);
  const questionIds = [...approved.keys()].sort((a, b) => a - b);
  const total = Math.round(rate * seconds);
  const perViewer = Math.ceil(total / connected.length);
  if (questionIds.length < perViewer + 1) return { skipped: `only ${questionIds.length} approved questions` };
  const voteErrors = {};
  let ok = 0;
  stormOn = true;
  talliesReceived = 0;
  const cpu0 = cpuSeconds();
  const start = now();
  const acks = [];
  const used = new Map(); // viewer index -> next question offset
  for (let j = 0; j < total; j++) {
    const due = start + (j * 1000) / rate;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    const viewer = connected[j % connected.length];
    let offset = used.get(viewer.index) ?? (viewer.index % questionIds.length);
    let qid = questionIds[offset % questionIds.length];
    if (approved.get(qid) === viewer.index) { offset += 1; qid = questionIds[offset % questionIds.length]; }
    used.set(viewer.index, offset + 1);
    const pending = { t0: now(), qid: String(qid), count: null };
    acks.push(emitAck(viewer.socket, "vote", { question_id: qid, on: true }).then((reply) => {
      if (!reply || !reply.ok || typeof reply.votes !== "number") {
        const code = (reply && reply.error && reply.error.code) || "none";
        voteErrors[code] = (voteErrors[code] || 0) + 1;
        return;
      }
      ok += 1;
      pending.count = reply.votes;
      const seen = viewer.tallies.find(([t, votes]) => t >= pending.t0 && (votes[pending.qid] ?? -1) >= pending.count);
      if (seen) tallyLatencies.push(seen[0] - pending.t0);
      else viewer.pending.push(pending);
    }));
  }
  const sendWall = now() - start;
  const cpuSend = cpuSeconds() - cpu0;   // over the storm itself, not the wait for late acks
  await Promise.all(acks);
  let waited = 0;
  while (viewers.some((v) => v.pending.length) && waited < 5000) { await sleep(100); waited += 100; }
  const wall = now() - start;
  const cpu = cpuSeconds() - cpu0;
  stormOn = false;
  const unseen = viewers.reduce((a, v) => a + v.pending.length, 0);
  return { rate, seconds, votes_sent: total, votes_ok: ok, vote_errors: voteErrors,
    send_seconds: sendWall / 1000, achieved_rate: total / (sendWall / 1000), tally_ms: summary(tallyLatencies),
    tallies_unseen: unseen, tallies_received: talliesReceived, wall_seconds: wall / 1000, server_cpu_s: cpu,
    server_cpu_pct_of_core: (100 * cpuSend) / (sendWall / 1000) };
}

async function main() {
  const result = { url: config.url };
  const organiser = await connectOrganiser();
  log(`connecting ${config.viewer_tokens.length} viewers`);
  result.connect = await phaseConnect();
  log(`connected ${result.connect.connected} in ${result.connect.all_connected_ms} ms`);
  const state = { nextAsker: config.asker_offset || 0 };
  result.questions = [];
  for (const rate of config.rates) {
    const r = await phaseQuestions(rate, config.seconds_per_rate, state);
    log(`questions ${rate}/s: p50 ${r.latency_ms.p50?.toFixed(1)} p99 ${r.latency_ms.p99?.toFixed(1)} ms, ratio ${r.delivery_ratio?.toFixed(4)}`);
    result.questions.push(r);
    await sleep(500);
  }
  result.moderate_errors = moderateErrors;
  if (config.submits && config.submits.length) {
    await sleep(500);
    const r = await phaseLeaderboard(config.submits, config.submit_interval_ms || 500, organiser);
    log(`leaderboard: ${r.submits_ok}/${r.submits} submits, p50 ${r.latency_ms.p50?.toFixed(1)} p99 ${r.latency_ms.p99?.toFixed(1)} ms,`
        + ` ratio ${r.delivery_ratio?.toFixed(4)}, HTTP p50 ${r.http_ms.p50?.toFixed(1)} ms`);
    result.leaderboard = r;
  }
  if (config.storm) {
    result.storm = await phaseStorm(config.storm.rate, config.storm.seconds);
    log(`storm: ${JSON.stringify(result.storm.tally_ms || result.storm)}`);
  }
  for (const v of viewers) v.socket.disconnect();
  organiser.disconnect();
  process.stdout.write(JSON.stringify(result) + "\n");
  setTimeout(() => process.exit(0), 200);
}

main().catch((err) => { log("client failed:", err && err.stack || err); process.exit(1); });
