"""``/api/v1/applications``: the same rules as the pages, for scripts and tus clients."""
from __future__ import annotations

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Application, ApplicationQuestion, User
from roadshow.services import api_tokens, applications
from tests.helpers import make_contest


def token_for(app, email) -> dict:
    with app.test_request_context():
        _, plain = api_tokens.create(User.by_email(email), "tests")
        db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def started(app, email="team@example.com") -> int:
    with app.test_request_context():
        from roadshow.models import Contest

        application = applications.start(db.session.scalar(select(Contest)), User.by_email(email))
        db.session.commit()
        return application.id


def test_team_reads_and_saves_its_application(client, app, make_user):
    make_user()
    make_contest(app)
    application_id = started(app)
    headers = token_for(app, "team@example.com")
    listed = client.get("/api/v1/applications", headers=headers).json
    assert [a["id"] for a in listed] == [application_id]
    saved = client.patch(f"/api/v1/applications/{application_id}", headers=headers,
                         json={"version": 1, "fields": {"project_name": "量子传感", "country": "ca"}})
    assert saved.status_code == 200, saved.json
    assert (saved.json["project_name"], saved.json["country"], saved.json["version"]) == ("量子传感", "CA", 2)
    stale = client.patch(f"/api/v1/applications/{application_id}", headers=headers,
                         json={"version": 1, "fields": {"project_name": "overwrite"}})
    assert stale.status_code == 409
    bad = client.patch(f"/api/v1/applications/{application_id}", headers=headers,
                       json={"version": 2, "fields": {"funding_sought": "a lot"}})
    assert bad.status_code == 422 and "funding_sought" in bad.json["error"]["details"]


def test_submit_reports_what_is_missing(client, app, make_user):
    make_user()
    make_contest(app)
    application_id = started(app)
    response = client.post(f"/api/v1/applications/{application_id}/submit", json={"version": 1},
                           headers=token_for(app, "team@example.com"))
    assert response.status_code == 422
    assert {"project_name", "material_business_plan"} <= set(response.json["error"]["details"])


def test_other_teams_and_judges_get_404(client, app, make_user):
    make_user()
    make_user("rival@example.com")
    make_user("judge@example.com")
    make_contest(app, judge_email="judge@example.com")
    application_id = started(app)
    for email in ("rival@example.com", "judge@example.com"):
        headers = token_for(app, email)
        assert client.get(f"/api/v1/applications/{application_id}", headers=headers).status_code == 404
        assert client.patch(f"/api/v1/applications/{application_id}", headers=headers,
                            json={"version": 1, "fields": {"project_name": "x"}}).status_code == 404
        assert client.get(f"/api/v1/applications/{application_id}/materials", headers=headers).status_code == 404
        assert client.get("/api/v1/applications?contest=demo", headers=headers).json == []


def test_organisers_list_the_whole_contest(client, app, make_user):
    make_user()
    make_user("other@example.com")
    make_user("org@example.com")
    make_contest(app, organiser_email="org@example.com")
    ids = {started(app), started(app, "other@example.com")}
    headers = token_for(app, "org@example.com")
    assert {a["id"] for a in client.get("/api/v1/applications?contest=demo", headers=headers).json} == ids
    assert client.get("/api/v1/applications?contest=demo&status=submitted", headers=headers).json == []
    one = client.get(f"/api/v1/applications/{min(ids)}", headers=headers).json
    assert one["contest"] == "demo" and one["members"][0]["is_leader"] is True


def test_answers_through_the_api(client, app, make_user):
    make_user()
    contest_id = make_contest(app)
    with app.app_context():
        question = ApplicationQuestion(contest_id=contest_id, kind="multiple_choice", label_zh="领域",
                                       options=[{"zh": "甲", "en": "A"}, {"zh": "乙", "en": "B"}, {"zh": "丙", "en": "C"}])
        db.session.add(question)
        db.session.commit()
        key = str(question.id)
    application_id = started(app)
    response = client.patch(f"/api/v1/applications/{application_id}", headers=token_for(app, "team@example.com"),
                            json={"version": 1, "fields": {"answers": {key: [2, 0]}}})
    assert response.json["answers"] == {key: [0, 2]}
    with app.app_context():
        assert db.session.get(Application, application_id).answers == {key: [0, 2]}


def test_openapi_lists_the_application_resources(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/applications", "/api/v1/applications/{application_id}",
            "/api/v1/applications/{application_id}/submit", "/api/v1/applications/{application_id}/materials"} <= set(paths)
