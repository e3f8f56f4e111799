"""200 judges submitting score sheets at once through gunicorn over HTTP, on SQLite and PostgreSQL.

    .venv/bin/python bench/scoring_load.py [--judges 200] [--sheets 5] [--pg URL] [--skip-pg]

For each backend (SQLite in a temporary instance folder; PostgreSQL in a throw-away database next
to --pg, default postgresql+psycopg://postgres@127.0.0.1:5432/test) the run:

1. serves the app as production does (tests/live.py: ``flask db upgrade``, gunicorn with the gevent
   worker, one process) and creates, through the app's models, a contest with an online-review round
   whose rubric has 6 criteria, --judges judges who have declared their conflicts, as many projects,
   and --sheets assignments per judge (judge i reviews projects i, i+1, ...), plus an API token each;
2. starts one thread per judge; all wait at a barrier, then each submits its sheets one after the
   other (``POST /api/v1/reviews/rounds/<r>/sheets/<p>/submit`` with an idempotency key) and
   then submits the first one again with the same key, as a client retrying after a lost answer
   would: that retry must get the same sheet back, not a second one;
3. prints submits/s (first submits only, over the wall-clock time of the burst), p50/p95/p99/max
   latency, the status counts, the 5xx count, and from the database: sheets lost (expected but not
   submitted), duplicated (more than one row per judge/project/round, or a retry answered with a
   different sheet), and totals that differ from the server's own computation;
4. as the floor, inserts the same rows (one transaction each, the way each submit commits) with
   plain SQLAlchemy Core into the same table of the same database (under a second round) and
   prints the insert rate and the ratio submits/s ÷ inserts/s.

Targets (issue 4): 0 lost, 0 duplicated, 0 5xx, p99 <= 150 ms on both backends. Printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from tests.live import SCRUBBED_ENV, deployment  # noqa: E402

CRITERIA = [("创新", "Innovation", "10", "0.2", "0.5"), ("市场", "Market", "10", "0.2", "1"),
            ("团队", "Team", "10", "0.2", "1"), ("技术", "Technology", "10", "0.2", "0.5"),
            ("财务", "Finance", "10", "0.1", "1"), ("社会价值", "Impact", "10", "0.1", "1")]


def prepare(env: dict, judges: int, sheets: int) -> dict:
    """Create the contest, round, judges, projects and assignments; returns what the clients need."""
    saved = dict(os.environ)
    for key in SCRUBBED_ENV:
        os.environ.pop(key, None)
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "INSTANCE_DIR", "SECRET_KEY")})
    try:
        from roadshow import create_app
        from roadshow.extensions import db
        from roadshow.models import (
            Application, ApplicationStatus, Assignment, AssignmentSource, ConflictDeclaration, Contest,
            ContestRole, ContestStatus, Criterion, Role, Round, RoundEntry, RoundKind, User, utcnow,
        )
        from roadshow.services import api_tokens

        app = create_app()
        with app.test_request_context():
            contest = Contest(slug="bench", name_zh="基准", name_en="Bench", status=ContestStatus.OPEN)
            round_ = Round(contest=contest, position=1, kind=RoundKind.ONLINE_REVIEW, name_zh="网评",
                           name_en="Online review", judges_per_project=sheets, scoring_opened_at=utcnow())
            paced = Round(contest=contest, position=2, kind=RoundKind.LIVE_ROADSHOW, name_zh="路演",
                          name_en="Roadshow", judges_per_project=1, scoring_opened_at=utcnow())
            spare = Round(contest=contest, position=3, kind=RoundKind.FINAL, name_zh="决赛", name_en="Final")
            for scored in (round_, paced):
                for i, (zh, en, top, weight, step) in enumerate(CRITERIA):
                    scored.criteria.append(Criterion(position=i, name_zh=zh, name_en=en, max_points=Decimal(top),
                                                     weight=Decimal(weight), step=Decimal(step)))
            db.session.add_all([contest, round_, paced, spare])
            projects = [Application(contest=contest, status=ApplicationStatus.SCREENED_IN, project_name=f"P{i}",
                                    leader_institution=f"Institute {i}") for i in range(judges)]
            db.session.add_all(projects)
            db.session.flush()
            tokens, work = [], []
            for i in range(judges):
                user = User(email=f"judge{i}@bench.example", display_name=f"Judge {i}", password_hash=None)
                db.session.add(user)
                db.session.flush()
                db.session.add_all([ContestRole(contest_id=contest.id, user_id=user.id, role=Role.JUDGE),
                                    ConflictDeclaration(round_id=round_.id, judge_id=user.id),
                                    ConflictDeclaration(round_id=paced.id, judge_id=user.id),
                                    Assignment(round_id=paced.id, judge_id=user.id, application_id=projects[i].id,
                                               source=AssignmentSource.MANUAL)])
                _, token = api_tokens.create(user, "bench")
                tokens.append(token)
                mine = [projects[(i + j) % judges].id for j in range(sheets)]
                db.session.add_all([Assignment(round_id=round_.id, judge_id=user.id, application_id=p,
                                               source=AssignmentSource.MANUAL) for p in mine])
                work.append(mine)
            db.session.add_all([RoundEntry(round_id=r.id, application_id=p.id) for p in projects for r in (round_, paced)])
            db.session.commit()
            result = {"round": round_.id, "paced_round": paced.id, "paced_criteria": [c.id for c in paced.criteria],
                      "spare_round": spare.id, "criteria": [c.id for c in round_.criteria],
                      "tokens": tokens, "work": work, "judge_ids": [], "contest": contest.id}
            result["judge_ids"] = [u.id for u in db.session.query(User).filter(User.email.like("%@bench.example"))
                                   .order_by(User.id)]
        with app.app_context():
            db.engine.dispose()
        return result
    finally:
        os.environ.clear()
        os.environ.update(saved)


def body_for(criteria: list[int], judge: int, project: int) -> dict:
    scores = {str(cid): str((judge + project + i) % 10) for i, cid in enumerate(criteria)}
    return {"scores": scores, "comments": {}, "overall_comment": f"Judge {judge} on {project}.",
            "total": "999"}  # a client total the server must ignore


def submit(base: str, token: str, round_id: int, project: int, body: dict) -> tuple[int, float, dict | None]:
    request = urllib.request.Request(
        f"{base}/api/v1/reviews/rounds/{round_id}/sheets/{project}/submit", data=json.dumps(body).encode(),
        method="POST", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, payload = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        status, payload = error.code, None
        error.read()
    except OSError:
        status, payload = 0, None
    return status, time.perf_counter() - start, payload


def burst(bases: list[str], data: dict) -> dict:
    judges = len(data["tokens"])
    barrier = threading.Barrier(judges + 1)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    retry_mismatch = [0]
    lock = threading.Lock()

    def judge(i: int) -> None:
        token, first = data["tokens"][i], None
        base = bases[i % len(bases)]
        barrier.wait()
        for project in data["work"][i]:
            body = {**body_for(data["criteria"], i, project), "idempotency_key": uuid.uuid4().hex}
            status, elapsed, payload = submit(base, token, data["round"], project, body)
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
            if first is None:
                first = (project, body, payload)
        project, body, payload = first
        status, _, again = submit(base, token, data["round"], project, body)
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200 or payload is None or again is None or again.get("id") != payload.get("id") \
                    or again.get("submitted_at") != payload.get("submitted_at"):
                retry_mismatch[0] += 1

    threads = [threading.Thread(target=judge, args=(i,)) for i in range(judges)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return {"latencies": sorted(latencies), "statuses": statuses, "wall": wall, "retry_mismatch": retry_mismatch[0]}


def paced(base: str, data: dict, spread: float, seed: int = 7) -> dict:
    """Every judge submits one sheet of the paced round at a random moment within ``spread`` seconds
    (an open loop: nobody waits for anybody): the latency judges meet when they submit "at once" in
    the human sense, as opposed to the burst's worst case where all 200 queue behind each other."""
    import random

    draw = random.Random(seed)
    judges = len(data["tokens"])
    offsets = sorted((draw.uniform(0, spread), i) for i in range(judges))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def judge(offset: float, i: int) -> None:
        time.sleep(max(0.0, start + offset - time.perf_counter()))
        project = data["work"][i][0]
        body = {**body_for(data["paced_criteria"], i, project), "idempotency_key": uuid.uuid4().hex}
        status, elapsed, _ = submit(base, data["tokens"][i], data["paced_round"], project, body)
        with lock:
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=judge, args=pair) for pair in offsets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": sorted(latencies), "statuses": statuses, "spread": spread}


def check_database(env: dict, data: dict) -> dict:
    """Lost, duplicated and wrongly totalled sheets of both phases, read from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url(env))
    phases = [
        (data["round"], data["criteria"], {(j, p) for j, projects in zip(data["judge_ids"], data["work"]) for p in projects}),
        (data["paced_round"], data["paced_criteria"], {(j, projects[0]) for j, projects in zip(data["judge_ids"], data["work"])}),
    ]
    lost = duplicated = wrong_totals = 0
    for round_id, criteria, expected in phases:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT judge_id, application_id, status, total, scores FROM score_sheets "
                                     "WHERE round_id = :r"), {"r": round_id}).all()
        seen: dict[tuple[int, int], int] = {}
        weights = {cid: Decimal(c[3]) for cid, c in zip(criteria, CRITERIA)}
        for judge_id, project, status, total, scores in rows:
            seen[(judge_id, project)] = seen.get((judge_id, project), 0) + 1
            scores = json.loads(scores) if isinstance(scores, str) else scores
            if status == "submitted":
                computed = sum(weights[int(k)] * Decimal(v) for k, v in scores.items())
                wrong_totals += Decimal(str(total)) != computed
        submitted = {(j, p) for j, p, status, *_ in rows if status == "submitted"}
        lost += len(expected - submitted)
        duplicated += sum(n - 1 for n in seen.values() if n > 1)
    engine.dispose()
    return {"lost": lost, "duplicated": duplicated, "wrong_totals": wrong_totals}


def database_url(env: dict) -> str:
    return env.get("DATABASE_URL") or f"sqlite:///{Path(env['INSTANCE_DIR']) / 'roadshow.db'}"


def plain_inserts(env: dict, data: dict, count: int) -> float:
    """Rows per second for ``count`` single-row INSERT transactions of the same shape."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url(env))
    pairs = [(j, p) for j, projects in zip(data["judge_ids"], data["work"]) for p in projects][:count]
    statement = text(
        "INSERT INTO score_sheets (round_id, judge_id, application_id, status, scores, comments, overall_comment, "
        "total, version, submit_key, created_at, updated_at, submitted_at, recusal_reason, unlock_reason) VALUES "
        "(:r, :j, :p, 'submitted', :scores, '{}', :comment, :total, 2, :key, :now, :now, :now, '', '')")
    from datetime import datetime, timezone

    start = time.perf_counter()
    for index, (judge, project) in enumerate(pairs):
        body = body_for(data["criteria"], index, project)
        with engine.begin() as conn:
            conn.execute(statement, {"r": data["spare_round"], "j": judge, "p": project,
                                     "scores": json.dumps(body["scores"]), "comment": body["overall_comment"],
                                     "total": "5.0", "key": uuid.uuid4().hex,
                                     "now": datetime.now(timezone.utc).replace(tzinfo=None)})
    elapsed = time.perf_counter() - start
    engine.dispose()
    return len(pairs) / elapsed


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def run(backend: str, judges: int, sheets: int, spread: float, processes: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="roadshow-bench-") as folder:
        with deployment(Path(folder), processes=processes) as server:
            data = prepare(server.env, judges, sheets)
            outcome = burst(server.urls, data)
            outcome["paced"] = paced(server.urls[0], data, spread)
            outcome.update(check_database(server.env, data))
            first_submits = judges * sheets
            outcome["rate"] = first_submits / outcome["wall"]
            outcome["insert_rate"] = plain_inserts(server.env, data, first_submits)
            outcome["backend"] = f"{backend}, {processes} gunicorn process{'es' if processes > 1 else ''}"
            return outcome


def report(outcome: dict) -> None:
    lat = outcome["latencies"]
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"  # noqa: E731
    errors = sum(n for status, n in outcome["statuses"].items() if status >= 500 or status == 0)
    print(f"== {outcome['backend']} ==")
    print(f"  submits: {len(lat)} in {outcome['wall']:.2f} s  ->  {outcome['rate']:.0f} submits/s")
    print(f"  latency: p50 {ms(statistics.median(lat))}  p95 {ms(percentile(lat, 0.95))}  "
          f"p99 {ms(percentile(lat, 0.99))}  max {ms(lat[-1])}")
    print(f"  statuses: {dict(sorted(outcome['statuses'].items()))}  5xx/failed: {errors}")
    print(f"  lost: {outcome['lost']}  duplicated: {outcome['duplicated'] + outcome['retry_mismatch']} "
          f"(retries answered differently: {outcome['retry_mismatch']})  wrong totals: {outcome['wrong_totals']}")
    print(f"  plain INSERT floor: {outcome['insert_rate']:.0f} rows/s  ->  ratio {outcome['rate'] / outcome['insert_rate']:.2f}")
    slow = outcome["paced"]
    slow_lat = slow["latencies"]
    slow_errors = sum(n for status, n in slow["statuses"].items() if status >= 500 or status == 0)
    print(f"  paced: {len(slow_lat)} judges, one submit each at a random moment within {slow['spread']:.0f} s "
          f"({len(slow_lat) / slow['spread']:.0f}/s offered): p50 {ms(statistics.median(slow_lat))}  "
          f"p99 {ms(percentile(slow_lat, 0.99))}  max {ms(slow_lat[-1])}  statuses {dict(sorted(slow['statuses'].items()))}")
    errors += slow_errors
    print(f"  burst p99 target (<= 150 ms): {'met' if percentile(lat, 0.99) <= 0.150 else 'NOT met'}; "
          f"paced p99: {'met' if percentile(slow_lat, 0.99) <= 0.150 else 'NOT met'}")
    verdict = "met" if (outcome["lost"] == 0 and outcome["duplicated"] + outcome["retry_mismatch"] == 0
                        and errors == 0 and percentile(lat, 0.99) <= 0.150) else "NOT met"
    print(f"  targets (0 lost, 0 duplicated, 0 5xx, p99 <= 150 ms): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judges", type=int, default=200)
    parser.add_argument("--sheets", type=int, default=5, help="sheets per judge")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--spread", type=float, default=10.0,
                        help="seconds over which the paced phase's submits are spread (default 10)")
    parser.add_argument("--processes", type=int, default=1, help="gunicorn processes serving the app (default 1)")
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    report(run("sqlite", args.judges, args.sheets, args.spread, args.processes))
    if not args.skip_pg:
        os.environ["DATABASE_URL"] = args.pg
        report(run("postgresql", args.judges, args.sheets, args.spread, args.processes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
