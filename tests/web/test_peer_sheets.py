"""Judges never see other judges' scores, unless the round allows it and they have submitted their own
sheet of the project; then only submitted sheets, anonymised, never a conflicted judge's."""
from __future__ import annotations

import pytest

from roadshow.extensions import db
from roadshow.models import Round
from tests.helpers import csrf_token, login
from tests.review_builders import add_conflict, full_scores, make_review

JUDGES = ("judge@example.com", "judge2@example.com", "judge3@example.com")


@pytest.fixture
def review(app):
    return make_review(app, judges=JUDGES, assign={email: [0] for email in JUDGES}, k=3)


def judge_client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def sheet_url(setup):
    return f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[0]}"


def write(client, setup, method, path, body):
    headers = {"X-CSRFToken": csrf_token(client, f"/judge/rounds/{setup.round_id}")}
    response = client.open(sheet_url(setup) + path, method=method, json=body, headers=headers)
    assert response.status_code == 200, response.get_json()


def submit(client, setup, values, key):
    write(client, setup, "POST", "/submit", {**full_scores(setup, values), "idempotency_key": key})


def allow(app, setup, allowed=True):
    with app.app_context():
        db.session.get(Round, setup.round_id).judges_see_peer_scores = allowed
        db.session.commit()


def peers(client, setup):
    return client.get(sheet_url(setup) + "/peers")


def page(client, setup):
    return client.get(f"/judge/rounds/{setup.round_id}/projects/{setup.projects[0]}").get_data(as_text=True)


def test_never_without_the_rounds_permission(app, review):
    first, second = (judge_client(app, email) for email in JUDGES[:2])
    submit(first, review, ("9", "8", "7"), "peer-key-0001")
    submit(second, review, ("6", "5", "4"), "peer-key-0002")
    assert peers(first, review).status_code == 404
    assert "peer-sheets" not in page(first, review)


def test_only_after_submitting_ones_own_sheet(app, review):
    allow(app, review)
    first, second = (judge_client(app, email) for email in JUDGES[:2])
    submit(first, review, ("9", "8", "7"), "peer-key-0001")
    assert peers(second, review).status_code == 404
    assert "peer-sheets" not in page(second, review)
    submit(second, review, ("6.5", "5", "4"), "peer-key-0002")
    shown = peers(second, review).get_json()
    assert [p["label"] for p in shown] == ["Judge A"]
    assert shown[0]["scores"][str(review.criteria[0])] == "9"
    assert "judge_id" not in shown[0] and "judge@example.com" not in str(shown)
    html = page(second, review)
    assert 'id="peer-sheets"' in html and "Judge A" in html and "judge@example.com" not in html


def test_drafts_and_conflicted_judges_are_left_out(app, review):
    allow(app, review)
    first, second, third = (judge_client(app, email) for email in JUDGES)
    submit(first, review, ("9", "8", "7"), "peer-key-0001")
    write(third, review, "PUT", "", {**full_scores(review, ("1", "1", "1")), "version": 0})
    add_conflict(app, review.judges[JUDGES[0]], review.projects[0])
    submit(second, review, ("6", "5", "4"), "peer-key-0002")
    assert peers(second, review).get_json() == []
    assert "No other judge has submitted" in page(second, review)


def test_anonymous_and_unassigned_get_nothing(app, review, make_user):
    allow(app, review)
    assert peers(app.test_client(), review).status_code == 401
    make_user("outsider@example.com")
    assert peers(judge_client(app, "outsider@example.com"), review).status_code == 404
