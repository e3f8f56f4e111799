"""The permission matrix: exactly what each kind of user may do to a contest."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from roadshow.extensions import db
from roadshow.models import Contest, ContestStatus, User
from roadshow.policy import Action, authorize, can
from roadshow.services.errors import Forbidden, NotAuthenticated, NotFound
from tests.helpers import make_contest

PEOPLE = ["anonymous", "admin", "organizer", "judge", "team", "observer", "outsider"]
A = Action
# action -> who may, for an open contest
EXPECTED = {
    A.CONTEST_VIEW: set(PEOPLE),
    A.CONTEST_CREATE: {"admin"},
    A.CONTEST_MANAGE: {"admin", "organizer"},
    A.CONTEST_INVITE: {"admin", "organizer"},
    A.CONTEST_JUDGE: {"judge"},
    A.CONTEST_OBSERVE: {"admin", "organizer", "observer"},
    A.CONTEST_COMPETE: {"team"},
    A.APPLICATION_START: set(PEOPLE) - {"anonymous"},
    A.OUTBOX_READ: {"admin"},
    A.USERS_MANAGE: {"admin"},
    A.ACCOUNT_USE: set(PEOPLE) - {"anonymous"},
    A.AUDIT_READ: {"admin", "organizer"},
}


@pytest.fixture
def cast(app, make_user):
    for person in PEOPLE[1:]:
        make_user(f"{person}@example.com", is_admin=person == "admin")
    contest_id = make_contest(app, organiser_email="organizer@example.com", judge_email="judge@example.com",
                              observer_email="observer@example.com")
    with app.test_request_context():
        from roadshow.models import Role
        from roadshow.services import contests

        contests.grant_role(db.session.get(Contest, contest_id), User.by_email("team@example.com"), Role.TEAM_MEMBER)
        db.session.commit()
    return contest_id


def person(name):
    return AnonymousUserMixin() if name == "anonymous" else User.by_email(f"{name}@example.com")


APPLICATION_ACTIONS = {A.APPLICATION_VIEW, A.APPLICATION_EDIT, A.APPLICATION_SCREEN, A.MATERIAL_VIEW}
# Round, project and sheet rules have their own matrix in tests/services/test_review_policy.py.
REVIEW_ACTIONS = {A.ROUND_MANAGE, A.ROUND_DECLARE, A.ROUND_REVIEW, A.PROJECT_REVIEW, A.SHEET_EDIT,
                  A.SHEET_PEERS_VIEW, A.RESULTS_MANAGE, A.RESULTS_VIEW_PUBLISHED, A.RESULT_VIEW_OWN,
                  A.LIVE_MANAGE, A.LIVE_VIEW, A.LIVE_PARTICIPATE}
EXPECTED_ON_APPLICATION = {
    A.APPLICATION_VIEW: {"admin", "organizer", "team"},
    A.APPLICATION_EDIT: {"team"},
    A.APPLICATION_SCREEN: {"admin", "organizer"},
    A.MATERIAL_VIEW: {"admin", "organizer", "team"},
}


@pytest.mark.parametrize("action", sorted(set(Action) - APPLICATION_ACTIONS - REVIEW_ACTIONS))
def test_permission_matrix_on_an_open_contest(app, cast, action):
    with app.test_request_context():
        contest = db.session.get(Contest, cast)
        allowed = {name for name in PEOPLE if can(person(name), action, contest)}
    assert allowed == EXPECTED[action]


def test_draft_contest_is_visible_to_its_people_and_admins_only(app, cast):
    with app.test_request_context():
        contest = db.session.get(Contest, cast)
        contest.status = ContestStatus.DRAFT
        allowed = {name for name in PEOPLE if can(person(name), Action.CONTEST_VIEW, contest)}
    assert allowed == {"admin", "organizer", "judge", "team", "observer"}


def test_refusals_say_why(app, cast):
    with app.test_request_context():
        contest = db.session.get(Contest, cast)
        with pytest.raises(NotAuthenticated):
            authorize(person("anonymous"), Action.CONTEST_MANAGE, contest)
        with pytest.raises(Forbidden):
            authorize(person("judge"), Action.CONTEST_MANAGE, contest)
        with pytest.raises(NotFound):
            authorize(person("judge"), Action.CONTEST_MANAGE, contest, conceal=True)


def test_roles_are_per_contest(app, cast, make_user):
    other_id = make_contest(app, "other")
    with app.test_request_context():
        other = db.session.get(Contest, other_id)
        assert not can(person("judge"), Action.CONTEST_JUDGE, other)
        assert not can(person("organizer"), Action.CONTEST_MANAGE, other)


@pytest.mark.parametrize("action", sorted(APPLICATION_ACTIONS))
def test_permission_matrix_on_a_teams_application(app, cast, action):
    from roadshow.services import applications

    with app.test_request_context():
        contest = db.session.get(Contest, cast)
        application = applications.start(contest, User.by_email("team@example.com"))
        db.session.flush()
        allowed = {name for name in PEOPLE if can(person(name), action, application)}
    assert allowed == EXPECTED_ON_APPLICATION[action]


def test_nobody_edits_after_the_deadline(app, cast):
    from datetime import timedelta

    from roadshow.models import utcnow
    from roadshow.services import applications

    with app.test_request_context():
        contest = db.session.get(Contest, cast)
        application = applications.start(contest, User.by_email("team@example.com"))
        contest.application_deadline = utcnow() - timedelta(minutes=1)
        assert not can(person("team"), Action.APPLICATION_EDIT, application)
        assert not can(person("outsider"), Action.APPLICATION_START, contest)
        assert can(person("team"), Action.APPLICATION_VIEW, application)
