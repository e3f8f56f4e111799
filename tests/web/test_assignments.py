"""Organisers' assignments page: solver, by hand with conflict overrides, reassigning, import, template."""
from __future__ import annotations

import io
from collections import Counter

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Assignment, AssignmentRun, AuditEntry, ScoreSheet, SheetStatus
from roadshow.services import spreadsheet_files
from tests.helpers import csrf_token, login
from tests.review_builders import add_conflict, make_review

JUDGE, JUDGE2 = "judge@example.com", "judge2@example.com"


def _org(app):
    client = app.test_client()
    login(client, "org@example.com")
    return client


def _url(setup) -> str:
    return f"/organize/demo/rounds/{setup.round_id}/assignments"


def _pairs(app) -> set[tuple[int, int]]:
    with app.app_context():
        return {(a.judge_id, a.application_id) for a in db.session.scalars(select(Assignment))}


def _post(client, url, data, token_from):
    return client.post(url, data={"csrf_token": csrf_token(client, token_from), **data})


def test_page_shows_coverage_and_the_solver_fills_it(app):
    setup = make_review(app, projects=3, k=2, judges=(JUDGE, JUDGE2, "judge3@example.com"))
    add_conflict(app, setup.judges[JUDGE], setup.projects[0])
    org, url = _org(app), _url(setup)
    page = org.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Not assigned yet" in text
    response = _post(org, f"{url}/solver", {"seed": "42"}, url)
    assert response.status_code == 302
    pairs = _pairs(app)
    assert Counter(p for _, p in pairs) == {p: 2 for p in setup.projects}
    assert (setup.judges[JUDGE], setup.projects[0]) not in pairs
    loads = Counter(j for j, _ in pairs)
    assert max(loads.values()) - min(loads.values()) <= 1
    text = org.get(url).get_data(as_text=True)
    assert "<code>42</code>" in text and "Every project has 2 judges." in text
    with app.app_context():
        assert db.session.scalar(select(AssignmentRun.seed)) == 42
    assert _post(org, f"{url}/solver", {"seed": "-5"}, url).status_code == 422


def test_conflicted_assignment_refused_then_overridden(app):
    setup = make_review(app, projects=2)
    add_conflict(app, setup.judges[JUDGE], setup.projects[0], reason="Co-founder")
    org, url = _org(app), _url(setup)
    data = {"judge_id": setup.judges[JUDGE], "application_id": setup.projects[0]}
    refused = _post(org, f"{url}/assign", data, url)
    assert refused.status_code == 422
    assert "has declared a conflict of interest with Project 1: Co-founder" in refused.get_data(as_text=True)
    assert not _pairs(app)
    allowed = _post(org, f"{url}/assign", {**data, "override_reason": "Only specialist available"}, url)
    assert allowed.status_code == 302
    assert _pairs(app) == {(setup.judges[JUDGE], setup.projects[0])}
    with app.app_context():
        assert db.session.scalar(select(Assignment.override_reason)) == "Only specialist available"
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "assignment.override")) is not None
    assert _post(org, f"{url}/assign", {**data, "override_reason": "again"}, url).status_code == 409
    not_judge = _post(org, f"{url}/assign", {"judge_id": setup.organiser_id, "application_id": setup.projects[1]}, url)
    assert not_judge.status_code == 422 and "not a judge" in not_judge.get_data(as_text=True)


def test_unassign_refused_after_submit_and_reassign(app):
    setup = make_review(app, projects=2, assign={JUDGE: [0, 1]})
    with app.app_context():
        db.session.add(ScoreSheet(round_id=setup.round_id, judge_id=setup.judges[JUDGE],
                                  application_id=setup.projects[0], status=SheetStatus.SUBMITTED))
        db.session.commit()
    org, url = _org(app), _url(setup)
    refused = _post(org, f"{url}/unassign", {"judge_id": setup.judges[JUDGE], "application_id": setup.projects[0]}, url)
    assert refused.status_code == 409
    moved = _post(org, f"{url}/reassign", {"application_id": setup.projects[1], "from_judge_id": setup.judges[JUDGE],
                                           "to_judge_id": setup.judges[JUDGE2]}, url)
    assert moved.status_code == 302
    assert _pairs(app) == {(setup.judges[JUDGE], setup.projects[0]), (setup.judges[JUDGE2], setup.projects[1])}
    removed = _post(org, f"{url}/unassign", {"judge_id": setup.judges[JUDGE2], "application_id": setup.projects[1]},
                    url)
    assert removed.status_code == 302
    assert _pairs(app) == {(setup.judges[JUDGE], setup.projects[0])}


def _upload(client, url, rows):
    body = spreadsheet_files.write_csv(rows[0], rows[1:])
    return client.post(f"{url}/import", data={"csrf_token": csrf_token(client, url),
                                              "file": (io.BytesIO(body), "assignments.csv")},
                        content_type="multipart/form-data")


def test_import_happy_path_and_bad_rows(app):
    setup = make_review(app, projects=3)
    add_conflict(app, setup.judges[JUDGE2], setup.projects[2])
    org, url = _org(app), _url(setup)
    bad = _upload(org, url, [["judge email", "project id", "project name"],
                             [JUDGE, str(setup.projects[0]), ""],
                             ["nobody@example.com", str(setup.projects[1]), ""],
                             [JUDGE2, str(setup.projects[2]), ""]])
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Nothing was imported" in text and "nobody@example.com is not a judge" in text and "Row 4" in text
    assert not _pairs(app)
    good = _upload(org, url, [["judge email", "project id", "project name"],
                              [JUDGE, str(setup.projects[0]), ""],
                              [JUDGE2, "", "Project 2"]])
    assert good.status_code == 302
    assert _pairs(app) == {(setup.judges[JUDGE], setup.projects[0]), (setup.judges[JUDGE2], setup.projects[1])}
    template = org.get(f"{url}/template.csv")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    assert JUDGE in template.get_data(as_text=True)
    assert org.get(f"{url}/template.xlsx").status_code == 200


def test_forms_without_csrf_are_400(app):
    setup = make_review(app, projects=2)
    org, url = _org(app), _url(setup)
    data = {"judge_id": setup.judges[JUDGE], "application_id": setup.projects[0], "seed": "1"}
    for path in ("/assign", "/unassign", "/solver", "/reassign", "/import"):
        assert org.post(url + path, data=data).status_code == 400, path
    assert not _pairs(app)


def test_judges_and_teams_cannot_assign(app):
    setup = make_review(app, projects=2)
    url = _url(setup)
    judge = app.test_client()
    login(judge, JUDGE)
    token = csrf_token(judge, "/dashboard")
    assert judge.get(url).status_code == 403
    data = {"csrf_token": token, "judge_id": setup.judges[JUDGE], "application_id": setup.projects[0]}
    assert judge.post(f"{url}/assign", data=data).status_code == 403
    assert judge.post(f"{url}/solver", data={"csrf_token": token}).status_code == 403
    assert not _pairs(app)
    assert app.test_client().get("/organize/demo/rounds/999/assignments").status_code in (302, 401)
    assert _org(app).get("/organize/demo/rounds/999/assignments").status_code == 404


def test_the_assignments_blueprint_keeps_the_round_paths(app):
    from flask import url_for

    base = "/organize/demo/rounds/7/assignments"
    expected = {"index": base, "assign": f"{base}/assign", "unassign": f"{base}/unassign",
                "reassign": f"{base}/reassign", "run_solver": f"{base}/solver", "import_file": f"{base}/import"}
    with app.test_request_context():
        for endpoint, path in expected.items():
            assert url_for(f"organizer_assignments.{endpoint}", slug="demo", round_id=7) == path
        assert url_for("organizer_assignments.template", slug="demo", round_id=7, fmt="csv") == f"{base}/template.csv"
