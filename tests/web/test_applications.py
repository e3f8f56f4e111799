"""A team applies: the draft saves itself, co-members join, submit checks completeness, the
deadline closes editing, and nobody else can see it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationQuestion, ApplicationStatus, Contest, Material, MaterialKind, OutboxMessage, QuestionKind,
    utcnow,
)
from tests.helpers import PASSWORD, csrf_token, login, make_contest, post_form

COMPLETE = {
    "project_name": "纳米涂层", "summary": "A coating that keeps implants clean.", "stage": "prototype",
    "funding_sought": "5000000", "leader_name": "张伟", "leader_title": "Professor", "leader_degree": "PhD",
    "leader_institution": "TU Delft", "country": "NL", "contact_email": "zhang@example.com",
}


@pytest.fixture
def team(app, make_user):
    make_user("team@example.com")
    contest_id = make_contest(app)
    with app.app_context():
        contest = db.session.get(Contest, contest_id)
        db.session.add(ApplicationQuestion(contest_id=contest_id, kind=QuestionKind.SINGLE_CHOICE, label_zh="融资阶段",
                                           label_en="Funding round", required=True,
                                           options=[{"zh": "天使轮", "en": "Angel"}, {"zh": "A轮", "en": "Series A"}]))
        contest.application_deadline = utcnow() + timedelta(days=3)
        db.session.commit()
    client = app.test_client()
    login(client)
    return client


def start(client) -> int:
    response = client.post("/contests/demo/apply", data={"csrf_token": csrf_token(client, "/contests/demo")})
    assert response.status_code == 302
    return int(re.search(r"/applications/(\d+)", response.headers["Location"]).group(1))


def autosave(client, application_id, fields, version):
    token = csrf_token(client, f"/applications/{application_id}")
    return client.post(f"/applications/{application_id}/save", data={"csrf_token": token, "version": version, **fields},
                       headers={"Accept": "application/json"})


def application(app, application_id) -> Application:
    return db.session.get(Application, application_id)


def question_key(app) -> str:
    with app.app_context():
        return f"q{db.session.scalar(select(ApplicationQuestion.id))}"


def add_required_materials(app, application_id):
    with app.app_context():
        for kind in (MaterialKind.BUSINESS_PLAN, MaterialKind.PITCH_VIDEO):
            db.session.add(Material(application_id=application_id, kind=kind, original_filename=f"{kind}.bin",
                                    storage_key=f"{kind.value[:2]}" + "0" * 30, content_type="application/pdf",
                                    size_bytes=10, sha256="0" * 64))
        db.session.commit()


def test_starting_twice_gives_the_same_draft(team, app):
    first, second = start(team), start(team)
    assert first == second
    page = team.get(f"/applications/{first}").get_data(as_text=True)
    assert 'id="application-form"' in page and "application-form.js" in page


def test_autosave_stores_fields_and_answers_and_bumps_the_version(team, app):
    application_id = start(team)
    response = autosave(team, application_id, {**COMPLETE, question_key(app): "1"}, 1)
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2
    with app.app_context():
        saved = application(app, application_id)
        assert (saved.project_name, saved.country, str(saved.funding_sought)) == ("纳米涂层", "NL", "5000000.00")
        assert list(saved.answers.values()) == [1]


def test_bad_values_are_refused_field_by_field_and_nothing_changes(team, app):
    application_id = start(team)
    response = autosave(team, application_id, {"project_name": "ok", "funding_sought": "lots", "country": "Netherlands",
                                               question_key(app): "7"}, 1)
    assert response.status_code == 422
    assert set(response.json["error"]["details"]) == {"funding_sought", "country", question_key(app)}
    with app.app_context():
        assert application(app, application_id).project_name == ""
        assert application(app, application_id).version == 1


def test_a_save_based_on_an_old_version_is_a_conflict_not_an_overwrite(team, app, make_user):
    application_id = start(team)
    assert autosave(team, application_id, {"project_name": "Version A"}, 1).status_code == 200
    stale = autosave(team, application_id, {"project_name": "Version B"}, 1)
    assert stale.status_code == 409
    assert stale.json["version"] == 2
    with app.app_context():
        assert application(app, application_id).project_name == "Version A"


def test_submit_lists_what_is_missing_then_succeeds(team, app):
    application_id = start(team)
    token = csrf_token(team, f"/applications/{application_id}")
    incomplete = team.post(f"/applications/{application_id}/submit", data={"csrf_token": token, "version": 1})
    assert incomplete.status_code == 422
    page = incomplete.get_data(as_text=True)
    assert 'data-field="project_name"' in page and 'data-field="material_business_plan"' in page
    autosave(team, application_id, {**COMPLETE, "track_id": _track_id(app), question_key(app): "0"}, 1)
    add_required_materials(app, application_id)
    token = csrf_token(team, f"/applications/{application_id}")
    response = team.post(f"/applications/{application_id}/submit", data={"csrf_token": token, "version": 2})
    assert response.status_code == 302
    with app.app_context():
        saved = application(app, application_id)
        assert saved.status == ApplicationStatus.SUBMITTED and saved.submitted_at is not None
        assert [event.status for event in saved.events] == [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED]


def _track_id(app) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Contest)).tracks[0].id)


def test_editing_after_the_deadline_is_refused(team, app):
    application_id = start(team)
    with app.app_context():
        db.session.scalar(select(Contest)).application_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = autosave(team, application_id, {"project_name": "late"}, 1)
    assert response.status_code == 403
    assert 'id="application-form"' not in team.get(f"/applications/{application_id}").get_data(as_text=True)
    with app.app_context():
        assert application(app, application_id).project_name == ""


def test_another_team_gets_404_for_the_application(team, app, make_user):
    application_id = start(team)
    make_user("rival@example.com")
    rival = app.test_client()
    login(rival, "rival@example.com")
    assert rival.get(f"/applications/{application_id}").status_code == 404
    token = csrf_token(rival, "/dashboard")
    assert rival.post(f"/applications/{application_id}/save", data={"csrf_token": token, "project_name": "x"}).status_code == 404
    assert rival.post(f"/applications/{application_id}/submit", data={"csrf_token": token}).status_code == 404


def test_autosave_without_csrf_is_refused(team, app):
    application_id = start(team)
    response = team.post(f"/applications/{application_id}/save", data={"project_name": "x"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 400
    with app.app_context():
        assert application(app, application_id).project_name == ""


def test_co_member_joins_by_invitation_and_edits(team, app):
    application_id = start(team)
    response = post_form(team, f"/applications/{application_id}/members", {"email": "co@example.com"},
                         token_from=f"/applications/{application_id}")
    assert response.status_code == 302
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body_text
    link = re.search(r"http://localhost(/invitations/\S+)", body).group(1)
    co = app.test_client()
    accepted = post_form(co, link, {"display_name": "Co Founder", "password": PASSWORD, "confirm": PASSWORD})
    assert accepted.headers["Location"].endswith(f"/applications/{application_id}")
    assert autosave(co, application_id, {"project_name": "Shared"}, 1).status_code == 200
    # the leader's tab, still on version 1, does not overwrite the co-member's save
    assert autosave(team, application_id, {"project_name": "Mine"}, 1).status_code == 409


def test_withdraw(team, app):
    application_id = start(team)
    token = csrf_token(team, f"/applications/{application_id}")
    team.post(f"/applications/{application_id}/withdraw", data={"csrf_token": token})
    with app.app_context():
        assert application(app, application_id).status == ApplicationStatus.WITHDRAWN
    assert start(team) != application_id  # a withdrawn application does not block a new one


def test_applying_to_a_closed_contest_is_refused(team, app):
    with app.app_context():
        db.session.scalar(select(Contest)).application_deadline = utcnow() - timedelta(days=1)
        db.session.commit()
    response = team.post("/contests/demo/apply", data={"csrf_token": csrf_token(team, "/contests/demo")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Application)).all() == []


def test_the_contest_page_shows_the_timeline_and_the_way_to_apply(client, app):
    make_contest(app)
    page = client.get("/contests/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How to apply" in page and "Register to apply" in page and 'id="contest-timeline"' in page


def test_team_removes_a_material_until_the_deadline(team, app):
    application_id = start(team)
    add_required_materials(app, application_id)
    with app.app_context():
        material_id = db.session.scalars(select(Material.id)).first()
    token = csrf_token(team, f"/applications/{application_id}")
    response = team.post(f"/applications/{application_id}/materials/{material_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Material, material_id) is None
        other_id = db.session.scalars(select(Material.id)).first()
        db.session.scalar(select(Contest)).application_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = team.post(f"/applications/{application_id}/materials/{other_id}/delete", data={"csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Material, other_id) is not None


def test_another_team_cannot_remove_a_material(team, app, make_user):
    application_id = start(team)
    add_required_materials(app, application_id)
    with app.app_context():
        material_id = db.session.scalars(select(Material.id)).first()
    make_user("rival@example.com")
    rival = app.test_client()
    login(rival, "rival@example.com")
    response = rival.post(f"/applications/{application_id}/materials/{material_id}/delete",
                          data={"csrf_token": csrf_token(rival, "/dashboard")})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Material, material_id) is not None
