"""The judges' review API: assignments, reading, saving, submitting and recusing sheets, with
every refusal the issue lists (422 and nothing stored, 409 with the server's sheet, 404 where the
judge may not see the project)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, ScoreSheet, SheetStatus
from tests.api.test_api import bearer, token_for
from tests.helpers import csrf_token, login, make_contest
from tests.review_builders import add_conflict, full_scores, make_review

JUDGE = "judge@example.com"
JUDGE2 = "judge2@example.com"


@pytest.fixture
def setup(app):
    return make_review(app, assign={JUDGE: [0, 1], JUDGE2: [1, 2]})


@pytest.fixture
def auth(app, setup):
    return bearer(token_for(app, JUDGE))


def url(setup, project=0, suffix=""):
    return f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[project]}{suffix}"


def sheets(app, setup=None):
    with app.app_context():
        return db.session.scalars(select(ScoreSheet)).all()


def stored(app, setup, project=0, judge=JUDGE):
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet).where(
            ScoreSheet.round_id == setup.round_id, ScoreSheet.application_id == setup.projects[project],
            ScoreSheet.judge_id == setup.judges[judge]))
        if sheet is None:
            return None
        return {"status": sheet.status, "scores": dict(sheet.scores), "version": sheet.version,
                "total": sheet.total, "comments": dict(sheet.comments)}


def draft(setup, version=0, **scores):
    body = full_scores(setup)
    body["version"] = version
    return body


def test_assignments_list_the_callers_projects(client, setup, auth):
    response = client.get("/api/v1/reviews/assignments", headers=auth)
    assert response.status_code == 200
    assert sorted(a["application_id"] for a in response.json) == sorted(setup.projects[:2])
    assert {a["status"] for a in response.json} == {None}
    assert {a["contest"] for a in response.json} == {"demo"}


def test_assignments_leave_out_conflicted_and_undeclared(app, client, setup, auth):
    add_conflict(app, setup.judges[JUDGE], setup.projects[0])
    response = client.get("/api/v1/reviews/assignments", headers=auth)
    assert [a["application_id"] for a in response.json] == [setup.projects[1]]


def test_get_a_new_sheet_with_its_rubric(client, setup, auth):
    response = client.get(url(setup), headers=auth)
    assert response.status_code == 200
    body = response.json
    assert body["version"] == 0 and body["status"] is None and body["scores"] == {}
    assert [c["id"] for c in body["criteria"]] == setup.criteria
    first = body["criteria"][0]
    assert first["max_points"] == "10.00" and first["step"] == "0.50" and first["comment_required"] is True
    assert first["name_en"] == "Innovation" and first["descriptors"][0]["en"] == "Excellent"
    assert body["maximum_total"] == "10"


def test_save_draft_then_again_with_the_new_version(app, client, setup, auth):
    body = {"scores": {str(setup.criteria[0]): "8.5"}, "comments": {}, "overall_comment": "So far", "version": 0}
    first = client.put(url(setup), json=body, headers=auth)
    assert first.status_code == 200, first.json
    assert first.json["version"] == 1 and first.json["status"] == "draft"
    assert first.json["total"] == "3.4"
    body["scores"][str(setup.criteria[1])] = 7
    body["version"] = 1
    second = client.put(url(setup), json=body, headers=auth)
    assert second.status_code == 200 and second.json["version"] == 2
    assert second.json["total"] == "5.5"
    assert client.get(url(setup), headers=auth).json["scores"] == {str(setup.criteria[0]): "8.5",
                                                                  str(setup.criteria[1]): "7"}


def test_client_total_is_ignored(app, client, setup, auth):
    body = {**draft(setup), "total": 999}
    response = client.put(url(setup), json=body, headers=auth)
    assert response.status_code == 200
    assert response.json["total"] == "8.2"  # 0.4 x 8.5 + 0.3 x 7 + 0.3 x 9
    assert float(stored(app, setup)["total"]) == pytest.approx(8.2)
    submitted = client.post(url(setup, suffix="/submit"),
                            json={**full_scores(setup), "total": 100, "idempotency_key": "key-00000001"}, headers=auth)
    assert submitted.status_code == 200
    assert submitted.json["total"] == response.json["total"]


RAW_BAD = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"]


@pytest.mark.parametrize("literal", RAW_BAD)
@pytest.mark.parametrize("endpoint", ["put", "submit"])
def test_non_finite_numbers_in_raw_json_are_422_and_nothing_stored(app, client, setup, auth, literal, endpoint):
    cid = setup.criteria[0]
    if endpoint == "put":
        raw = f'{{"scores": {{"{cid}": {literal}}}, "version": 0}}'
        response = client.put(url(setup), data=raw, content_type="application/json", headers=auth)
    else:
        scores = full_scores(setup)
        text = json.dumps(scores).replace('"8.5"', literal)
        raw = text[:-1] + ', "idempotency_key": "key-00000001"}'
        response = client.post(url(setup, suffix="/submit"), data=raw, content_type="application/json", headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "invalid"
    assert sheets(app) == []


def test_non_finite_version_is_422(app, client, setup, auth):
    response = client.put(url(setup), data='{"scores": {}, "version": NaN}', content_type="application/json",
                          headers=auth)
    assert response.status_code == 422
    assert sheets(app) == []


BAD_SCORES = [
    (-1, "out_of_range"),
    ("-0.5", "out_of_range"),
    ("abc", "not_a_number"),
    (True, "not_a_number"),
    ("7.25", "off_step"),
    (10.5, "out_of_range"),
    ("11", "out_of_range"),
    ("nan", "not_a_number"),
    ("Infinity", "not_a_number"),
    ("1e309", "out_of_range"),  # as text it is a finite decimal, far above the maximum
    ({"x": 1}, "not_a_number"),
]


@pytest.mark.parametrize("value,code", BAD_SCORES)
def test_invalid_scores_are_422_and_nothing_stored(app, client, setup, auth, value, code):
    cid = str(setup.criteria[0])
    response = client.put(url(setup), json={"scores": {cid: value}, "version": 0}, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"][cid] == code
    body = {**full_scores(setup), "idempotency_key": "key-00000001"}
    body["scores"][cid] = value
    response = client.post(url(setup, suffix="/submit"), json=body, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"][cid] == code
    assert sheets(app) == []


def test_invalid_score_leaves_an_existing_draft_unchanged(app, client, setup, auth):
    assert client.put(url(setup), json=draft(setup), headers=auth).status_code == 200
    before = stored(app, setup)
    body = draft(setup, version=1)
    body["scores"][str(setup.criteria[1])] = "abc"
    assert client.put(url(setup), json=body, headers=auth).status_code == 422
    assert stored(app, setup) == before


def test_another_rounds_criterion_is_422(app, client, setup, auth):
    other = make_review(app, slug="other", judges=(JUDGE,), assign={JUDGE: [0]})
    body = draft(setup)
    body["scores"][str(other.criteria[0])] = "5"
    response = client.put(url(setup), json=body, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"][str(other.criteria[0])] == "unknown_criterion"
    submit = {**full_scores(setup), "idempotency_key": "key-00000001"}
    submit["scores"][str(other.criteria[0])] = "5"
    assert client.post(url(setup, suffix="/submit"), json=submit, headers=auth).status_code == 422
    assert sheets(app) == []


def test_missing_criterion_and_missing_required_comment_block_submit(app, client, setup, auth):
    body = {**full_scores(setup), "idempotency_key": "key-00000001"}
    del body["scores"][str(setup.criteria[2])]
    response = client.post(url(setup, suffix="/submit"), json=body, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"] == {str(setup.criteria[2]): "missing"}
    body = {**full_scores(setup), "comments": {}, "idempotency_key": "key-00000001"}
    response = client.post(url(setup, suffix="/submit"), json=body, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"] == {str(setup.criteria[0]): "comment_required"}
    assert sheets(app) == []


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space!", "", None, 12345678])
def test_idempotency_key_is_required_and_well_formed(app, client, setup, auth, key):
    body = full_scores(setup)
    if key is not None:
        body["idempotency_key"] = key
    response = client.post(url(setup, suffix="/submit"), json=body, headers=auth)
    assert response.status_code == 422
    assert sheets(app) == []


def test_stale_version_is_409_with_the_current_sheet(app, client, setup, auth):
    assert client.put(url(setup), json=draft(setup), headers=auth).status_code == 200
    second_tab = client.put(url(setup), json={"scores": {str(setup.criteria[1]): 3}, "version": 0}, headers=auth)
    assert second_tab.status_code == 409
    server = second_tab.json["error"]["details"]["sheet"]
    assert server["version"] == 1 and server["scores"][str(setup.criteria[1])] == "7"
    assert stored(app, setup)["scores"][str(setup.criteria[1])] == "7"
    newer = client.put(url(setup), json={"scores": {}, "version": 5}, headers=auth)
    assert newer.status_code == 409


def test_submit_locks_the_sheet_and_retries_are_idempotent(app, client, setup, auth):
    body = {**full_scores(setup), "idempotency_key": "key-00000001"}
    first = client.post(url(setup, suffix="/submit"), json=body, headers=auth)
    assert first.status_code == 200, first.json
    assert first.json["status"] == "submitted" and first.json["submitted_at"]
    again = client.post(url(setup, suffix="/submit"), json=body, headers=auth)
    assert again.status_code == 200 and again.json == first.json
    other = client.post(url(setup, suffix="/submit"), json={**body, "idempotency_key": "key-00000002"}, headers=auth)
    assert other.status_code == 409
    assert other.json["error"]["details"]["sheet"]["status"] == "submitted"
    edit = client.put(url(setup), json=draft(setup, version=first.json["version"]), headers=auth)
    assert edit.status_code == 409
    assert client.post(url(setup, suffix="/recuse"), json={"reason": "Late"}, headers=auth).status_code == 409
    assert stored(app, setup)["status"] == SheetStatus.SUBMITTED
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sheet.submitted")).all()
        assert len(entries) == 1
        assert entries[0].new_values["total"] == first.json["total"]
        assert entries[0].old_values is None


def test_resubmit_after_unlock_records_the_old_values(app, client, setup, auth):
    body = {**full_scores(setup), "idempotency_key": "key-00000001"}
    first = client.post(url(setup, suffix="/submit"), json=body, headers=auth).json
    with app.app_context():  # what sheet_unlock.unlock does
        from roadshow.models import utcnow
        sheet = db.session.get(ScoreSheet, first["id"])
        sheet.status, sheet.unlocked_at, sheet.unlock_reason = SheetStatus.DRAFT, utcnow(), "Typo in Market"
        db.session.commit()
    got = client.get(url(setup), headers=auth).json
    assert got["status"] == "draft" and got["unlock_reason"] == "Typo in Market"
    changed = full_scores(setup, values=("9", "8", "9"))
    saved = client.put(url(setup), json={**changed, "version": got["version"]}, headers=auth)
    assert saved.status_code == 200
    again = client.post(url(setup, suffix="/submit"), json={**changed, "idempotency_key": "key-00000002"}, headers=auth)
    assert again.status_code == 200 and again.json["status"] == "submitted"
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sheet.submitted")
                                     .order_by(AuditEntry.id)).all()
        assert len(entries) == 2
        assert entries[1].old_values["total"] == first["total"]
        assert entries[1].new_values["total"] == again.json["total"]


def test_recuse_needs_a_reason(app, client, setup, auth):
    for reason in ("", "   ", None):
        response = client.post(url(setup, suffix="/recuse"), json={"reason": reason}, headers=auth)
        assert response.status_code == 422
    assert client.post(url(setup, suffix="/recuse"), json={}, headers=auth).status_code == 422
    assert sheets(app) == []
    response = client.post(url(setup, suffix="/recuse"), json={"reason": "I advised this team"}, headers=auth)
    assert response.status_code == 200 and response.json["status"] == "recused"
    assert client.put(url(setup), json=draft(setup, version=1), headers=auth).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "sheet.recused"))


def test_scoring_not_open_is_409(app, client):
    setup = make_review(app, assign={JUDGE: [0]}, open_scoring=False)
    auth = bearer(token_for(app, JUDGE))
    response = client.put(url(setup), json=draft(setup), headers=auth)
    assert response.status_code == 409
    assert "not opened" in response.json["error"]["message"]
    response = client.post(url(setup, suffix="/submit"), json={**full_scores(setup), "idempotency_key": "k" * 10},
                           headers=auth)
    assert response.status_code == 409
    assert sheets(app) == []


def test_who_may_not_see_a_project_gets_404(app, client, make_user):
    setup = make_review(app, assign={JUDGE: [0], JUDGE2: [0, 1]}, judges=(JUDGE, JUDGE2, "judge3@example.com"))
    add_conflict(app, setup.judges[JUDGE2], setup.projects[0])
    make_user("otherorg@example.com")
    make_contest(app, "elsewhere", organiser_email="otherorg@example.com")
    make_user("team@example.com")
    refused = {
        "unassigned judge": ("judge3@example.com", 0),
        "conflicted judge": (JUDGE2, 0),
        "judge of another project": (JUDGE, 1),
        "team member": ("team@example.com", 0),
        "organiser of another contest": ("otherorg@example.com", 0),
        "organiser (not a judge)": ("org@example.com", 0),
    }
    for who, (email, project) in refused.items():
        auth = bearer(token_for(app, email))
        assert client.get(url(setup, project), headers=auth).status_code == 404, who
        assert client.put(url(setup, project), json=draft(setup), headers=auth).status_code == 404, who
        assert client.post(url(setup, project, "/submit"), json={**full_scores(setup), "idempotency_key": "k" * 10},
                           headers=auth).status_code == 404, who
        assert client.post(url(setup, project, "/recuse"), json={"reason": "x"}, headers=auth).status_code == 404, who
    assert sheets(app) == []
    assert client.get(f"/api/v1/reviews/rounds/{setup.round_id}/sheets/99999", headers=bearer(token_for(app, JUDGE))
                      ).status_code == 404
    assert client.get(url(setup)).status_code == 401


def test_undeclared_judge_gets_404(app, client):
    setup = make_review(app, assign={JUDGE: [0]}, declared=False)
    auth = bearer(token_for(app, JUDGE))
    assert client.get(url(setup), headers=auth).status_code == 404
    assert client.put(url(setup), json=draft(setup), headers=auth).status_code == 404
    assert client.get("/api/v1/reviews/assignments", headers=auth).json == []


def test_other_contests_round_and_project_do_not_mix(app, client):
    setup = make_review(app, assign={JUDGE: [0]})
    other = make_review(app, slug="other", judges=(JUDGE,), assign={JUDGE: [0]})
    auth = bearer(token_for(app, JUDGE))
    mixed = f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{other.projects[0]}"
    assert client.get(mixed, headers=auth).status_code == 404
    assert len(client.get("/api/v1/reviews/assignments", headers=auth).json) == 2


def test_browser_session_needs_csrf(app, client, setup):
    login(client, JUDGE)
    assert client.put(url(setup), json=draft(setup)).status_code == 400
    token = csrf_token(client, "/account/")
    response = client.put(url(setup), json=draft(setup), headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_openapi_lists_the_review_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    sheet = "/api/v1/reviews/rounds/{round_id}/sheets/{application_id}"
    assert {"/api/v1/reviews/assignments", sheet, sheet + "/submit", sheet + "/recuse"} <= set(paths)
    assert {"get", "put"} <= set(paths[sheet])
    assert "post" in paths[sheet + "/submit"]
