"""The judge's declaration page and the organisers' conflicts page, with their refusals."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    ApplicationStatus, AuditEntry, Conflict, ConflictDeclaration, ConflictSource, JudgeProfile,
)
from tests.application_builders import add_application
from tests.helpers import csrf_token, login, make_contest, post_form
from tests.review_builders import add_conflict, make_review

CONFLICTS = "/organize/demo/judges/conflicts"


def declare_url(setup) -> str:
    return f"/judge/rounds/{setup.round_id}/conflicts"


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def stored(app):
    with app.app_context():
        conflicts = [(c.judge_id, c.application_id, c.source, c.reason, c.active)
                     for c in db.session.scalars(select(Conflict).order_by(Conflict.id))]
        declarations = [(d.round_id, d.judge_id) for d in db.session.scalars(select(ConflictDeclaration))]
        return conflicts, declarations


@pytest.fixture
def setup(app):
    return make_review(app, declared=False)


# --- the judge's declaration ------------------------------------------------------------------


def test_declaration_page_shows_only_titles_leaders_and_institutions(app, setup):
    judge = signed_in(app, "judge@example.com")
    page = judge.get(declare_url(setup))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for i in (1, 2, 3):
        assert f"Project {i}" in html and f"Leader {i}" in html and f"University {i}" in html
    assert "A pump." not in html  # the summary, like materials and scores, is not shown
    assert f"lead1@team1.cn" not in html


def test_declaring_a_conflict_then_the_workspace(app, setup):
    judge = signed_in(app, "judge@example.com")
    project = setup.projects[1]
    response = post_form(judge, declare_url(setup), {
        "conflict": str(project), f"reason-{project}": "I mentor this team.", "confirm": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/judge/rounds/{setup.round_id}")
    conflicts, declarations = stored(app)
    judge_id = setup.judges["judge@example.com"]
    assert conflicts == [(judge_id, project, ConflictSource.DECLARED, "I mentor this team.", True)]
    assert declarations == [(setup.round_id, judge_id)]
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "conflict.declared"))
    # coming back: the declared conflict is listed and more can be added
    html = judge.get(declare_url(setup)).get_data(as_text=True)
    assert "I mentor this team." in html and "already declared" in html
    response = post_form(judge, declare_url(setup), {
        "conflict": str(setup.projects[0]), f"reason-{setup.projects[0]}": "Cousin.", "confirm": "y"})
    assert response.status_code == 302
    assert len(stored(app)[0]) == 2 and len(stored(app)[1]) == 1


def test_declaring_no_conflict_needs_the_confirmation(app, setup):
    judge = signed_in(app, "judge@example.com")
    assert post_form(judge, declare_url(setup), {}).status_code == 422
    assert stored(app) == ([], [])
    assert post_form(judge, declare_url(setup), {"confirm": "y"}).status_code == 302
    assert stored(app)[1] == [(setup.round_id, setup.judges["judge@example.com"])]


@pytest.mark.parametrize("reason", ["", "   ", "r" * 501])
def test_a_ticked_project_needs_a_reason(app, setup, reason):
    judge = signed_in(app, "judge@example.com")
    first, second = setup.projects[:2]
    response = post_form(judge, declare_url(setup), {
        "conflict": [str(first), str(second)], f"reason-{first}": "Fine", f"reason-{second}": reason, "confirm": "y"})
    assert response.status_code == 422
    assert "nothing was saved" in response.get_data(as_text=True)
    assert stored(app) == ([], [])


@pytest.mark.parametrize("bad", ["outside", "999999", "abc"])
def test_a_project_outside_the_round_is_refused(app, setup, bad):
    outside = add_application(app, setup.contest_id, status=ApplicationStatus.SCREENED_IN, project="Not entered")
    value = str(outside) if bad == "outside" else bad
    judge = signed_in(app, "judge@example.com")
    response = post_form(judge, declare_url(setup), {"conflict": value, f"reason-{value}": "Why", "confirm": "y"})
    assert response.status_code == 422
    assert stored(app) == ([], [])


@pytest.mark.parametrize("who", ["org@example.com", "team@example.com", "outsider@example.com"])
def test_only_the_contests_judges_reach_the_declaration(app, setup, make_user, who):
    if who != "org@example.com":
        make_user(who)
    if who == "team@example.com":
        from roadshow.models import Application, ApplicationMember, User
        with app.app_context():
            application = db.session.get(Application, setup.projects[0])
            application.members.append(ApplicationMember(user_id=User.by_email(who).id, is_leader=True))
            db.session.commit()
    client = signed_in(app, who)
    assert client.get(declare_url(setup)).status_code == 404
    token = csrf_token(client, "/account/")
    assert client.post(declare_url(setup), data={"csrf_token": token, "confirm": "y"}).status_code == 404
    assert stored(app) == ([], [])


def test_unknown_round_and_anonymous(app, setup):
    judge = signed_in(app, "judge@example.com")
    assert judge.get("/judge/rounds/999999/conflicts").status_code == 404
    anonymous = app.test_client()
    response = anonymous.get(declare_url(setup))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_no_declaration_in_a_screening_round(app, setup):
    from roadshow.models import Round, RoundKind
    with app.app_context():
        screening = Round(contest_id=setup.contest_id, position=0, kind=RoundKind.SCREENING, name_zh="初筛")
        db.session.add(screening)
        db.session.commit()
        screening_id = screening.id
    assert signed_in(app, "judge@example.com").get(f"/judge/rounds/{screening_id}/conflicts").status_code == 404


def test_another_contests_judge_gets_404(app, setup, make_user):
    make_user("otherjudge@example.com")
    make_contest(app, "other", judge_email="otherjudge@example.com")
    assert signed_in(app, "otherjudge@example.com").get(declare_url(setup)).status_code == 404


def test_declaration_without_csrf_is_refused(app, setup):
    judge = signed_in(app, "judge@example.com")
    response = judge.post(declare_url(setup), data={"confirm": "y"})
    assert response.status_code == 400
    assert stored(app) == ([], [])


# --- the organisers' page ---------------------------------------------------------------------


def test_conflicts_page_lists_and_detects(app, setup):
    add_conflict(app, setup.judges["judge2@example.com"], setup.projects[2], reason="Owns shares")
    with app.app_context():
        judge_id = setup.judges["judge@example.com"]
        profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == judge_id))
        profile.institution = "University 1"
        db.session.commit()
    organiser = signed_in(app, "org@example.com")
    html = organiser.get(CONFLICTS).get_data(as_text=True)
    assert "Owns shares" in html and "Project 3" in html and "Declared by the judge" in html
    response = post_form(organiser, f"{CONFLICTS}/detect", {}, token_from=CONFLICTS)
    assert response.status_code == 302
    conflicts, _ = stored(app)
    assert (setup.judges["judge@example.com"], setup.projects[0], ConflictSource.DETECTED) in [c[:3] for c in conflicts]
    assert "1 conflict detected" in organiser.get(CONFLICTS).get_data(as_text=True)


def test_organiser_adds_a_conflict_with_a_reason_only(app):
    setup = make_review(app, assign={"judge@example.com": [0]})
    organiser = signed_in(app, "org@example.com")
    data = {"judge_id": str(setup.judges["judge@example.com"]), "application_id": str(setup.projects[0])}
    response = post_form(organiser, f"{CONFLICTS}/add", {**data, "reason": "  "}, token_from=CONFLICTS)
    assert response.status_code == 422
    assert stored(app)[0] == []
    response = post_form(organiser, f"{CONFLICTS}/add", {**data, "reason": "Board member."}, token_from=CONFLICTS)
    assert response.status_code == 302
    assert stored(app)[0] == [(setup.judges["judge@example.com"], setup.projects[0], ConflictSource.ORGANIZER,
                               "Board member.", True)]
    html = organiser.get(CONFLICTS).get_data(as_text=True)
    assert "already assigned" in html  # the warning about the existing assignment
    response = post_form(organiser, f"{CONFLICTS}/add", {**data, "reason": "Again."}, token_from=CONFLICTS)
    assert response.status_code == 409


def test_organiser_add_refuses_someone_not_a_judge(app, setup):
    organiser = signed_in(app, "org@example.com")
    response = post_form(organiser, f"{CONFLICTS}/add", {
        "judge_id": str(setup.organiser_id), "application_id": str(setup.projects[0]), "reason": "x"},
        token_from=CONFLICTS)
    assert response.status_code == 422
    assert stored(app)[0] == []


def test_organiser_lifts_with_a_reason_only(app, setup):
    add_conflict(app, setup.judges["judge@example.com"], setup.projects[0])
    with app.app_context():
        conflict_id = db.session.scalar(select(Conflict.id))
    organiser = signed_in(app, "org@example.com")
    url = f"{CONFLICTS}/{conflict_id}/lift"
    token = csrf_token(organiser, CONFLICTS)
    response = organiser.post(url, data={f"lift-{conflict_id}-csrf_token": token, f"lift-{conflict_id}-reason": ""})
    assert response.status_code == 422
    assert stored(app)[0][0][4] is True
    response = organiser.post(url, data={f"lift-{conflict_id}-csrf_token": token,
                                         f"lift-{conflict_id}-reason": "Different department."})
    assert response.status_code == 302
    assert stored(app)[0][0][4] is False
    html = organiser.get(CONFLICTS).get_data(as_text=True)
    assert "Different department." in html and "Lifted" in html
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "conflict.lifted"))
        assert entry.actor_id == setup.organiser_id and entry.old_values["active"] is True
    assert organiser.get(f"{CONFLICTS}/999999/lift").status_code == 405
    response = organiser.post(f"{CONFLICTS}/999999/lift", data={"lift-999999-csrf_token": token,
                                                                "lift-999999-reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/detect", "/add", "/1/lift"])
def test_organiser_posts_without_csrf_are_refused(app, setup, path):
    add_conflict(app, setup.judges["judge@example.com"], setup.projects[0])
    organiser = signed_in(app, "org@example.com")
    response = organiser.post(f"{CONFLICTS}{path}", data={"judge_id": "1", "application_id": "1", "reason": "x",
                                                          "lift-1-reason": "x"})
    assert response.status_code == 400
    assert len(stored(app)[0]) == 1 and stored(app)[0][0][4] is True


@pytest.mark.parametrize("who, status", [("judge@example.com", 403), ("team@example.com", 403),
                                         ("org2@example.com", 403)])
def test_judges_teams_and_other_organisers_cannot_reach_the_organiser_pages(app, setup, make_user, who, status):
    if who != "judge@example.com":
        make_user(who)
    if who == "org2@example.com":
        make_contest(app, "other", organiser_email=who)
    client = signed_in(app, who)
    assert client.get(CONFLICTS).status_code == status
    assert client.get("/organize/demo/judges").status_code == status
    token = csrf_token(client, "/account/")
    assert client.post(f"{CONFLICTS}/detect", data={"csrf_token": token}).status_code == status
    data = {"csrf_token": token, "judge_id": str(setup.judges["judge@example.com"]),
            "application_id": str(setup.projects[0]), "reason": "x"}
    assert client.post(f"{CONFLICTS}/add", data=data).status_code == status
    assert stored(app)[0] == []
