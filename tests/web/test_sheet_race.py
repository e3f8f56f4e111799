"""Twenty requests for the same sheet at once, behind a barrier: exactly one sheet is stored, and
every answer is the first result (200) or a conflict (409), never a 5xx. Backend-neutral: on
SQLite writers queue on BEGIN IMMEDIATE, on PostgreSQL on SELECT ... FOR UPDATE and the unique
constraint."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, ScoreSheet, SheetStatus
from tests.api.test_api import bearer, token_for
from tests.review_builders import full_scores, make_review

PARALLEL = 20
JUDGE = "judge@example.com"


def in_parallel(app, method, url, bodies, headers):
    clients = [app.test_client() for _ in bodies]
    barrier = threading.Barrier(len(bodies))
    answers = [None] * len(bodies)

    def send(index):
        barrier.wait()
        response = getattr(clients[index], method)(url, json=bodies[index], headers=headers)
        answers[index] = (response.status_code, response.get_json(silent=True))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def stored_sheets(app):
    with app.app_context():
        return db.session.scalars(select(ScoreSheet)).all()


def submits_audited(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "sheet.submitted"))


def setup_sheet(app):
    setup = make_review(app, assign={JUDGE: [0]})
    url = f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[0]}"
    return setup, url, bearer(token_for(app, JUDGE))


def test_twenty_submits_with_one_key_store_one_sheet_and_all_get_the_same_result(app):
    setup, url, auth = setup_sheet(app)
    body = {**full_scores(setup), "idempotency_key": "same-key-123"}
    answers = in_parallel(app, "post", url + "/submit", [body] * PARALLEL, auth)
    statuses = [status for status, _ in answers]
    assert all(status in (200, 409) for status in statuses), statuses
    assert statuses.count(200) >= 1
    firsts = [body for status, body in answers if status == 200]
    assert all(b == firsts[0] for b in firsts)
    sheets = stored_sheets(app)
    assert len(sheets) == 1 and sheets[0].status == SheetStatus.SUBMITTED
    assert sheets[0].submit_key == "same-key-123"
    assert submits_audited(app) == 1


def test_twenty_submits_with_different_keys_store_one_and_refuse_the_rest(app):
    setup, url, auth = setup_sheet(app)
    bodies = [{**full_scores(setup), "idempotency_key": f"key-{i:08d}"} for i in range(PARALLEL)]
    answers = in_parallel(app, "post", url + "/submit", bodies, auth)
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == PARALLEL - 1, statuses
    winner = statuses.index(200)
    sheets = stored_sheets(app)
    assert len(sheets) == 1 and sheets[0].submit_key == bodies[winner]["idempotency_key"]
    assert submits_audited(app) == 1


def test_twenty_first_saves_create_one_draft(app):
    setup, url, auth = setup_sheet(app)
    bodies = [{**full_scores(setup), "overall_comment": f"tab {i}", "version": 0} for i in range(PARALLEL)]
    answers = in_parallel(app, "put", url, bodies, auth)
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == PARALLEL - 1, statuses
    sheets = stored_sheets(app)
    assert len(sheets) == 1 and sheets[0].version == 1
    winner = statuses.index(200)
    assert sheets[0].overall_comment == f"tab {winner}"
    for status, body in answers:
        if status == 409:
            assert body["error"]["details"]["sheet"]["version"] == 1
