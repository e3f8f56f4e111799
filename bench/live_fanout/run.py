"""Live room fan-out: N socket.io viewers on Roadshow's ``/live`` namespace vs a Node socket.io room.

    .venv/bin/python bench/live_fanout/run.py [--viewers 100,500,1000] [--quick] [--redis URL]
                                              [--rates 1,5,10,20] [--seconds 5] [--submits 10] [--skip-node]
                                              [--skip-floor] [--dev-venv]

For each N in --viewers the same client (bench/live_fanout/client.mjs: Node, npm
``socket.io-client``, websocket transport, one process) runs against

* **ours**: the app served as in production (tests/live.py ``deployment()``: ``flask db upgrade``,
  gunicorn with one gevent worker, SQLite) from an environment holding requirements.txt alone
  (``bench/.venv-serve``, made on first use and again when requirements.txt changes; --dev-venv
  serves from the project's .venv, whose test tools, e.g. the Socket.IO client's requests and
  aiohttp, the worker would import too), with a scored live session prepared in its database
  through the app's services (``prepare``): an open contest whose live-roadshow round has the tests'
  rubric (tests/review_builders.RUBRIC), a few projects entered, 20 judges declared and assigned to
  every project, each with an API token, scoring opened (rubric frozen); a LiveSession of that
  round (scored, state live, one slot per project, the first current, leaderboard visible to
  everyone), an organiser and max(N) viewers, each its own user with an API token (viewers
  connect with ``auth: {session_id, token}``; one user each, so the per-person limits of 3
  questions and 30 upvotes a minute are never reached by benchmark traffic); with --redis URL,
  once more with ``REDIS_URL`` set (the message queue on the path of every broadcast). Being
  scored with a visible leaderboard, every viewer's ``state`` at connect carries the ranking;
* **floor** (connect phase only): bench/live_fanout/floor_app.py, a bare Flask-SocketIO app served
  the same way (the project's gunicorn.conf.py, the same environment): what the Python stack itself
  costs per connection and before any, so that the server RSS of ours splits into the stack's share
  and the app's;
* **node**: bench/live_fanout/reference_server.js, a minimal room on the npm ``socket.io`` server
  with the same events and no database, checks or limits (tallies coalesced at 5/s like ours;
  ``POST /submit`` stands for a judge's submit and broadcasts the ``leaderboard``).

For large N, RLIMIT_NOFILE is raised (soft, up to the hard limit) for this process and its
children, and ``WORKER_CONNECTIONS`` (gunicorn.conf.py, default 2,000) is set to max(N) + 500 in
the environment tests/live.py ``deployment()`` passes to gunicorn.

The server runs pinned to core 0 (gunicorn master and worker, all threads, via ``taskset -a -p``;
the Node server started under ``taskset -c 0``), the client pinned to core 1. Phases, per N:

(d) every viewer connects at once: time until all have their ``state``, and server RSS after;
(a) questions at each rate of --rates for --seconds each, asked by viewers in turn; the organiser's
    socket approves each as soon as the pending question reaches it (the app has no auto-approval),
    so the figure is ask → approve → the whole audience: p50/p99 latency from the ask's client
    timestamp (carried in the text) to each viewer's receipt, delivery ratio, deliveries/s, server
    CPU (utime + stime from /proc/<pid>/stat) per delivery;
(c) --submits (default 10, --quick 6) judges' submits, one every 0.5 s, one after the other, each
    a new (judge, project) sheet POSTed to /api/v1/reviews/rounds/<r>/sheets/<a>/submit with the
    judge's Bearer token (Node: POST /submit); each successful submit publishes one ``leaderboard``
    {rows, visibility} to the room, so a viewer's k-th ``leaderboard`` of the phase answers the k-th
    successful submit (checked against the organiser's k-th rows: "misattributed"). Latency: from
    just before the submit's request to each viewer's receipt, p50/p99/max; delivery ratio; server
    CPU over the phase (% of a core, and per submit); the submit's HTTP latency p50/p99;
(b) at the largest N only, last: a vote storm, 500 upvotes/s in total for 10 s (--quick: 5 s),
    viewers upvoting others' questions: tally p99 (sending a vote → the first ``tally`` on the
    voter's socket that counts it) and server CPU as % of one core.

Prints our figures, Node's, and the ratios ours/Node. Targets (issue 6) at N=1,000: questions at
10/s with p99 <= 100 ms; vote storm <= 50% of one core with tally p99 <= 300 ms; 1,000 connects in
<= 1.5 s with RSS <= 150 MB; with Redis on, within 10%. Printed, never asserted.
The state a viewer receives at connect holds the questions approved and the sheets submitted by
earlier N's (ascending order).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from tests.live import SCRUBBED_ENV, VENV_BIN, _free_port, _wait_healthy, deployment  # noqa: E402

HERE = Path(__file__).resolve().parent
SERVE_VENV = PROJECT_ROOT / "bench" / ".venv-serve"
SERVER_CORE, CLIENT_CORE = "0", "1"
JUDGES = 20                  # judges with a token; each submits one sheet per project
SUBMIT_INTERVAL_MS = 500     # phase (c): one judge's submit every 0.5 s, one after the other


def sheet_scores(j: int, criteria: list) -> tuple[dict, dict]:
    """The ``j``-th submit's scores and comments for the RUBRIC criteria (10 points each; the first on
    a 0.5 step and needing a comment): varied, so the leaderboard moves."""
    values = [(j * 3 + 5) % 21 / 2, (j * 7 + 3) % 11, (j * 5 + 8) % 11]
    scores = {str(cid): f"{value:g}" for cid, value in zip(criteria, values)}
    return scores, {str(criteria[0]): "Benchmark sheet."}


def submit_jobs(data: dict, first: int, count: int) -> list[dict]:
    """Submits ``first`` .. ``first + count - 1`` of ours: each a (judge, project) pair not used before,
    the projects taken in turn, POSTed straight to the submit endpoint (no draft first: a submit
    creates the sheet) with a Bearer token and a fresh idempotency key."""
    projects, judges = data["projects"], data["judge_tokens"]
    jobs = []
    for j in range(first, first + count):
        project, judge = projects[j % len(projects)], judges[(j // len(projects)) % len(judges)]
        scores, comments = sheet_scores(j, data["criteria"])
        jobs.append({"path": f"/api/v1/reviews/rounds/{data['round_id']}/sheets/{project}/submit", "token": judge,
                     "body": {"scores": scores, "comments": comments, "overall_comment": "",
                              "idempotency_key": f"fanout-bench-{j:06d}"}})
    return jobs


def node_jobs(count: int, projects: int = 3) -> list[dict]:
    """The same submits for the Node room: POST /submit {session_id, project, scores}."""
    return [{"path": "/submit", "token": f"judge-{j}",
             "body": {"session_id": 1, "project": j % projects + 1,
                      "scores": sheet_scores(j, ["1", "2", "3"])[0]}} for j in range(count)]


def prepare(env: dict, viewers: int, judges: int = JUDGES, projects: int = 3) -> dict:
    """In the served installation's database: an open contest whose live-roadshow round is scored
    on the tests' rubric (tests/review_builders.RUBRIC), ``projects`` projects entered in it, ``judges``
    judges (declared, each assigned to every project, each with an API token), scoring opened (the
    rubric frozen); a scored live session of that round (state live, one slot per project, the first
    one current, leaderboard visible to everyone), an organiser and ``viewers`` users, each with an
    API token. Built through the services the app itself uses (rubrics, review_rounds, conflicts,
    assignments, live_sessions) so the data is what an organiser's clicks would leave."""
    saved = dict(os.environ)
    for key in SCRUBBED_ENV:
        os.environ.pop(key, None)
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "INSTANCE_DIR", "SECRET_KEY")})
    try:
        from roadshow import create_app
        from roadshow.extensions import db
        from roadshow.models import (
            Application, ApplicationStatus, Contest, ContestStatus, Role, Round, RoundKind, User, utcnow,
        )
        from roadshow.models.live import LeaderboardVisibility, SessionState, SlotPhase
        from roadshow.services import (
            api_tokens, assignments, conflicts, contests, live_sessions, review_rounds, rubrics,
        )
        from tests.review_builders import RUBRIC

        app = create_app()
        with app.test_request_context():
            organiser = User(email="organiser@fanout.example", display_name="Organiser", password_hash=None)
            contest = Contest(slug="fanout", name_zh="基准", name_en="Fan-out", status=ContestStatus.OPEN)
            db.session.add_all([organiser, contest])
            db.session.flush()
            contests.grant_role(contest, organiser, Role.ORGANIZER)
            _, organiser_token = api_tokens.create(organiser, "bench")
            round_ = Round(contest=contest, position=1, kind=RoundKind.LIVE_ROADSHOW, name_zh="路演",
                           name_en="Roadshow", judges_per_project=min(judges, review_rounds.MAX_K))
            db.session.add(round_)
            db.session.flush()
            for zh, en, top, weight, step, comment in RUBRIC:
                rubrics.add_criterion(round_, by=organiser, name_zh=zh, name_en=en, max_points=top, weight=weight,
                                      step=step, comment_required=comment)
            applications = [Application(contest=contest, status=ApplicationStatus.SCREENED_IN,
                                        project_name=f"Project {i + 1}", leader_institution=f"Institute {i + 1}")
                            for i in range(projects)]
            db.session.add_all(applications)
            db.session.flush()
            review_rounds.enter_screened_in(round_, by=organiser)
            judge_tokens = []
            for j in range(judges):
                judge = User(email=f"judge{j}@judges.fanout.example", display_name=f"Judge {j}", password_hash=None)
                db.session.add(judge)
                db.session.flush()
                contests.grant_role(contest, judge, Role.JUDGE, by=organiser)
                conflicts.declare(round_, judge, {}, by=judge)   # no conflicts: the review opens to them
                for application in applications:
                    assignments.assign(round_, judge, application, by=organiser)
                judge_tokens.append(api_tokens.create(judge, "bench")[1])
            review_rounds.open_scoring(round_, by=organiser)   # the rubric is frozen from now on
            live = live_sessions.create_session(contest, by=organiser, round_id=round_.id, title_zh="路演",
                                                title_en="Roadshow", starts_at=utcnow() - timedelta(minutes=1),
                                                scored=True)
            live_sessions.set_order(live, [a.id for a in applications], by=organiser)
            # started as the organiser's "start" control leaves it, without its broadcast (nobody is there)
            first = live.slots[0]
            first.phase, first.started_at = SlotPhase.QA, utcnow()
            live.state, live.current_slot_id = SessionState.LIVE, first.id
            live.leaderboard = LeaderboardVisibility.EVERYONE
            tokens = []
            for i in range(viewers):
                user = User(email=f"viewer{i}@fanout.example", display_name=f"Viewer {i}", password_hash=None)
                db.session.add(user)
                db.session.flush()
                tokens.append(api_tokens.create(user, "bench")[1])
            db.session.commit()
            result = {"session_id": live.id, "organiser_token": organiser_token, "viewer_tokens": tokens,
                      "round_id": round_.id, "criteria": [c.id for c in round_.criteria],
                      "projects": [a.id for a in applications], "judge_tokens": judge_tokens}
        with app.app_context():
            db.engine.dispose()
        return result
    finally:
        os.environ.clear()
        os.environ.update(saved)


def server_pids(port: int) -> list[int]:
    """The gunicorn processes (master and worker) serving ``port``: ours, found by their environment."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gunicorn" in cmdline and f"PORT={port}".encode() in environ:
            pids.append(int(entry.name))
    return sorted(pids)


def pin(pids: list[int], core: str) -> None:
    for pid in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", core, str(pid)], check=True, stdout=subprocess.DEVNULL)


def run_client(config: dict, timeout: float = 900) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({**config, "clk_tck": os.sysconf("SC_CLK_TCK")}, handle)
        path = handle.name
    try:
        done = subprocess.run(["taskset", "-c", CLIENT_CORE, "node", str(HERE / "client.mjs"), path],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=None, timeout=timeout, text=True)
    finally:
        os.unlink(path)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"client exited with {done.returncode}")
    return json.loads(lines[-1])


def worker_rss(result: dict, key: str = "rss_mb") -> float | None:
    """The worker's RSS after the connects (``rss_before_mb``: just before them, the organiser in)."""
    values = [v for v in result["connect"].get(key, {}).values() if v is not None]
    return max(values) if values else None   # the worker (the master is small)


def serving_venv(dev: bool) -> Path:
    """The ``bin`` of the environment the servers run from: ``bench/.venv-serve``, holding
    requirements.txt alone as a production install does (made, or remade when requirements.txt has
    changed since, here), or with ``dev`` the project's .venv."""
    if dev:
        return VENV_BIN
    requirements = (PROJECT_ROOT / "requirements.txt").read_bytes()
    stamp = SERVE_VENV / ".requirements.sha256"
    digest = hashlib.sha256(requirements).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"installing requirements.txt into {SERVE_VENV.relative_to(PROJECT_ROOT)} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(SERVE_VENV)], check=True)
        subprocess.run([str(SERVE_VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "-r", str(PROJECT_ROOT / "requirements.txt")], check=True)
        stamp.write_text(digest)
    return SERVE_VENV / "bin"


def run_ours(args, ns: list[int], redis_url: str | None) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        with deployment(Path(tmp), redis_url=redis_url, venv_bin=args.venv_bin) as server:
            data = prepare(server.env, max(ns), projects=max(3, math.ceil(len(ns) * args.submits / JUDGES)))
            port = int(server.url.rsplit(":", 1)[1])
            pids = server_pids(port)
            pin(pids, SERVER_CORE)
            print(f"  ours{' +redis' if redis_url else ''}: {server.url}, gunicorn pids {pids} on core {SERVER_CORE}",
                  flush=True)
            offset = 0
            for i, n in enumerate(ns):
                config = client_config(args, server.url, data["session_id"], data["organiser_token"],
                                       data["viewer_tokens"][:n], pids, n == max(ns), offset,
                                       submit_jobs(data, i * args.submits, args.submits))
                offset += sum(max(1, round(r * args.seconds)) for r in args.rates)
                results[n] = run_client(config)
                time.sleep(1)
    return results


def each_n(ns: list[int], config_for) -> dict:
    """The client run once per N in ``ns`` (``config_for(n)``: its config), a second apart."""
    results = {}
    for n in ns:
        results[n] = run_client(config_for(n))
        time.sleep(1)
    return results


@contextmanager
def stopped_after(process: subprocess.Popen):
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_node(args, ns: list[int]) -> dict:
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "ORGANISER_TOKEN": "organiser-token"}
    process = subprocess.Popen(["taskset", "-c", SERVER_CORE, "node", str(HERE / "reference_server.js")],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    with stopped_after(process):
        process.stdout.readline()   # "listening <port>"
        url = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(url + "/healthz", timeout=5).read()
        print(f"  node: {url}, pid {process.pid} on core {SERVER_CORE}", flush=True)
        return each_n(ns, lambda n: client_config(args, url, 1, "organiser-token", [f"viewer-{i}" for i in range(n)],
                                                  [process.pid], n == max(ns), 0, node_jobs(args.submits)))


def run_floor(args, ns: list[int]) -> dict:
    """The connect phase against bench/live_fanout/floor_app.py, served as ours is."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    env.update(PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="WARNING")
    process = subprocess.Popen([str(args.venv_bin / "gunicorn"), "-c", "gunicorn.conf.py", "--pythonpath",
                                str(HERE), "floor_app:app"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with stopped_after(process):
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process)
        pids = server_pids(port)
        pin(pids, SERVER_CORE)
        print(f"  floor (bare Flask-SocketIO): {url}, gunicorn pids {pids} on core {SERVER_CORE}", flush=True)
        return each_n(ns, lambda n: {**client_config(args, url, 1, "organiser", [f"viewer-{i}" for i in range(n)],
                                                     pids, False, 0, []), "rates": []})


def client_config(args, url, session_id, organiser_token, tokens, pids, storm: bool, offset: int,
                  submits: list[dict]) -> dict:
    return {"url": url, "session_id": session_id, "organiser_token": organiser_token, "viewer_tokens": tokens,
            "server_pids": pids, "rates": args.rates, "seconds_per_rate": args.seconds, "asker_offset": offset,
            "submits": submits, "submit_interval_ms": SUBMIT_INTERVAL_MS,
            "storm": {"rate": 500, "seconds": args.storm_seconds} if storm else None}


def fmt(value, spec=".1f") -> str:
    return "—" if value is None else format(value, spec)


def ratio(a, b) -> str:
    return "—" if a is None or b in (None, 0) else f"{a / b:.2f}"


def report(label: str, ours: dict, node: dict | None, ns: list[int], floor: dict | None = None) -> None:
    print(f"\n=== {label} (ratio = ours / node) ===")
    print("(d) connect at once   viewers  connected  all-connected ms  connect p99 ms  server RSS MB"
          " (before)   [node]  ratio(time)   [floor: bare Flask-SocketIO]")
    for n in ns:
        o, d = ours[n]["connect"], (node or {}).get(n, {}).get("connect")
        f = (floor or {}).get(n)
        print(f"    {n:>17} {o['connected']:>10} {fmt(o['all_connected_ms']):>17} {fmt(o['connect_ms']['p99']):>15}"
              f" {fmt(worker_rss(ours[n])):>14} ({fmt(worker_rss(ours[n], 'rss_before_mb'))})"
              f"   [{fmt(d and d['all_connected_ms'])} ms, {fmt(d and worker_rss(node[n]))} MB]"
              f"  {ratio(o['all_connected_ms'], d and d['all_connected_ms'])}"
              + (f"   [{fmt(f['connect']['all_connected_ms'])} ms, {fmt(worker_rss(f))} MB"
                 f" ({fmt(worker_rss(f, 'rss_before_mb'))} before)]" if f else ""))
    for n in ns:
        o = ours[n]["connect"]
        if o["connected"] < o["viewers"]:
            print(f"    N={n}: {o['failed']} failed, {o.get('pending', 0)} still pending after the deadline")
    print("(a) questions    N  rate  p50 ms  p99 ms  delivered  deliveries/s  cpu µs/delivery   [node p50/p99, µs]"
          "   ratio p99  ratio cpu")
    for n in ns:
        for i, o in enumerate(ours[n]["questions"]):
            d = (node or {}).get(n, {}).get("questions", [None] * (i + 1))[i]
            print(f"    {n:>11} {o['rate']:>5} {fmt(o['latency_ms']['p50']):>7} {fmt(o['latency_ms']['p99']):>7}"
                  f" {fmt(o['delivery_ratio'], '.4f'):>10} {fmt(o['deliveries_per_s'], '.0f'):>13}"
                  f" {fmt(o['server_cpu_per_delivery_us']):>16}"
                  f"   [{fmt(d and d['latency_ms']['p50'])}/{fmt(d and d['latency_ms']['p99'])},"
                  f" {fmt(d and d['server_cpu_per_delivery_us'])}]"
                  f"   {ratio(o['latency_ms']['p99'], d and d['latency_ms']['p99']):>9}"
                  f"  {ratio(o['server_cpu_per_delivery_us'], d and d['server_cpu_per_delivery_us']):>9}"
                  + (f"   ask errors {o['ask_errors']}" if o["ask_errors"] else ""))
    n = max(ns)
    o, d = ours[n].get("storm"), (node or {}).get(n, {}).get("storm")
    if o and "tally_ms" in o:
        print(f"(b) vote storm N={n}: {o['votes_ok']}/{o['votes_sent']} votes ok at {o['achieved_rate']:.0f}/s,"
              f" tally p50 {fmt(o['tally_ms']['p50'])} p99 {fmt(o['tally_ms']['p99'])} ms, unseen {o['tallies_unseen']},"
              f" server CPU {o['server_cpu_pct_of_core']:.0f}% of a core" + (f", errors {o['vote_errors']}" if o['vote_errors'] else ""))
        if d and "tally_ms" in d:
            print(f"    node: tally p50 {fmt(d['tally_ms']['p50'])} p99 {fmt(d['tally_ms']['p99'])} ms,"
                  f" CPU {d['server_cpu_pct_of_core']:.0f}%; ratio p99 {ratio(o['tally_ms']['p99'], d['tally_ms']['p99'])},"
                  f" ratio CPU {ratio(o['server_cpu_pct_of_core'], d['server_cpu_pct_of_core'])}")
    elif o:
        print(f"(b) vote storm: {o}")
    print(f"(c) a judge's submit → every viewer's leaderboard (one submit every {SUBMIT_INTERVAL_MS} ms, in turn)")
    print("         N  submits ok  p50 ms  p99 ms  max ms  delivered  cpu % core  cpu ms/submit  HTTP p50/p99 ms"
          "   [node p50/p99/max, delivered, cpu ms/submit, HTTP p50/p99]   ratio p99  ratio cpu")
    for n in ns:
        o, d = ours[n].get("leaderboard"), (node or {}).get(n, {}).get("leaderboard")
        if not o:
            continue
        http, dh = o["http_ms"], (d or {}).get("http_ms") or {}
        print(f"    {n:>6} {o['submits_ok']:>5}/{o['submits']:<5} {fmt(o['latency_ms']['p50']):>7}"
              f" {fmt(o['latency_ms']['p99']):>7} {fmt(o['latency_ms']['max']):>7}"
              f" {fmt(o['delivery_ratio'], '.4f'):>10} {fmt(o['server_cpu_pct_of_core'], '.0f'):>11}"
              f" {fmt(o['server_cpu_per_submit_ms']):>14} {fmt(http['p50']):>8}/{fmt(http['p99'])}"
              f"   [{fmt(d and d['latency_ms']['p50'])}/{fmt(d and d['latency_ms']['p99'])}/"
              f"{fmt(d and d['latency_ms']['max'])}, {fmt(d and d['delivery_ratio'], '.4f')},"
              f" {fmt(d and d['server_cpu_per_submit_ms'])}, {fmt(dh.get('p50'))}/{fmt(dh.get('p99'))}]"
              f"   {ratio(o['latency_ms']['p99'], d and d['latency_ms']['p99']):>9}"
              f"  {ratio(o['server_cpu_per_submit_ms'], d and d['server_cpu_per_submit_ms']):>9}"
              + (f"   submit errors {o['submit_errors']}" if o["submit_errors"] else "")
              + (f"   misattributed {o['mismatched']}" if o.get("mismatched") else ""))


def room_for(viewers: int) -> None:
    """File descriptors and gevent's connection pool for ``viewers`` sockets at once, plus the organiser,
    the judges' requests and slack: RLIMIT_NOFILE raised (soft up to the hard limit) for this process
    and so for its children (gunicorn, node); ``WORKER_CONNECTIONS`` (gunicorn.conf.py, default 2,000:
    the pool a gevent worker accepts into) raised in the environment tests/live.py ``deployment()``
    hands the server."""
    need = 2 * viewers + 1024   # the client's sockets and the server's, when both run here
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < need:
        print(f"warning: RLIMIT_NOFILE {soft} < {need} needed for {viewers} viewers", flush=True)
    connections = viewers + 500
    if int(os.environ.get("WORKER_CONNECTIONS") or 0) < connections:
        os.environ["WORKER_CONNECTIONS"] = str(connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", default="100,500,1000")
    parser.add_argument("--rates", default="1,5,10,20")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per question rate")
    parser.add_argument("--quick", action="store_true", help="N=100,1000, rates 1,10, 3 s each, 6 submits, 5 s storm")
    parser.add_argument("--redis", default=None, help="also run ours with this REDIS_URL")
    parser.add_argument("--skip-node", action="store_true")
    parser.add_argument("--skip-floor", action="store_true", help="no bare Flask-SocketIO connect phase")
    parser.add_argument("--dev-venv", action="store_true", help="serve from the project's .venv (test tools too)")
    parser.add_argument("--submits", type=int, default=10, help="judges' submits per N in phase (c)")
    args = parser.parse_args()
    if args.quick:
        args.viewers, args.rates, args.seconds, args.submits = "100,1000", "1,10", 3.0, 6
    args.storm_seconds = 5.0 if args.quick else 10.0
    args.rates = [float(r) if "." in r else int(r) for r in args.rates.split(",")]
    ns = sorted(int(n) for n in args.viewers.split(","))
    room_for(max(ns))
    os.sched_setaffinity(0, {int(CLIENT_CORE)})
    print(f"live fan-out: N={ns}, rates {args.rates}/s × {args.seconds:g} s, storm 500/s × {args.storm_seconds:g} s"
          f" at N={max(ns)}; server on core {SERVER_CORE}, client on core {CLIENT_CORE}", flush=True)
    args.venv_bin = serving_venv(args.dev_venv)
    node = None if args.skip_node else run_node(args, ns)
    floor = None if args.skip_floor else run_floor(args, ns)
    ours = run_ours(args, ns, None)
    report("ours (no Redis) vs node", ours, node, ns, floor)
    if args.redis:
        with_redis = run_ours(args, ns, args.redis)
        report("ours with Redis vs node", with_redis, node, ns)
        report("ours with Redis vs ours without (ratio = redis / no redis)", with_redis, ours, ns)
    print("\nraw: " + json.dumps({"ours": ours, "node": node, "floor": floor}, default=str)[:200000])


if __name__ == "__main__":
    main()
