"""Who may do what in a round's review: the rules of roadshow.policy for rounds, projects and sheets."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from roadshow.extensions import db
from roadshow.models import Application, Conflict, ConflictDeclaration, Role, Round, ScoreSheet, SheetStatus, User
from roadshow.policy import Action, can
from roadshow.services import contests
from tests.helpers import create_user, make_contest
from tests.review_builders import add_conflict, make_review

A = Action
CAST = ["anonymous", "admin", "organiser", "other_organiser", "assigned", "unassigned", "conflicted",
        "undeclared", "team", "observer"]
EMAILS = {"organiser": "org@example.com", "assigned": "judge@example.com", "unassigned": "judge2@example.com",
          "conflicted": "judge3@example.com", "undeclared": "judge4@example.com"}


@pytest.fixture
def review(app):
    for name in ("admin", "other_organiser", "team", "observer"):
        create_user(app, f"{name}@example.com", is_admin=name == "admin")
    setup = make_review(app, judges=("judge@example.com", "judge2@example.com", "judge3@example.com",
                                     "judge4@example.com"),
                        assign={"judge@example.com": [0], "judge3@example.com": [0], "judge4@example.com": [0]})
    add_conflict(app, setup.judges["judge3@example.com"], setup.projects[0])
    make_contest(app, "other", organiser_email="other_organiser@example.com")
    with app.app_context():
        db.session.query(ConflictDeclaration).filter_by(judge_id=setup.judges["judge4@example.com"]).delete()
        round_ = db.session.get(Round, setup.round_id)
        contests.grant_role(round_.contest, User.by_email("team@example.com"), Role.TEAM_MEMBER)
        contests.grant_role(round_.contest, User.by_email("observer@example.com"), Role.OBSERVER)
        from roadshow.models import ApplicationMember
        db.session.add(ApplicationMember(application_id=setup.projects[0],
                                         user_id=User.by_email("team@example.com").id, is_leader=True))
        db.session.commit()
    return setup


def person(name):
    if name == "anonymous":
        return AnonymousUserMixin()
    return User.by_email(EMAILS.get(name, f"{name}@example.com"))


def allowed(action, target):
    return {name for name in CAST if can(person(name), action, target)}


def test_round_rules(app, review):
    with app.test_request_context():
        round_ = db.session.get(Round, review.round_id)
        judges = {"assigned", "unassigned", "conflicted", "undeclared"}
        assert allowed(A.ROUND_MANAGE, round_) == {"admin", "organiser"}
        assert allowed(A.ROUND_DECLARE, round_) == judges
        assert allowed(A.ROUND_REVIEW, round_) == judges - {"undeclared"}


def test_project_rules(app, review):
    with app.test_request_context():
        round_ = db.session.get(Round, review.round_id)
        project, unassigned_project = (db.session.get(Application, i) for i in review.projects[:2])
        assert allowed(A.PROJECT_REVIEW, (round_, project)) == {"assigned"}
        assert allowed(A.PROJECT_REVIEW, (round_, unassigned_project)) == set()
        assert allowed(A.MATERIAL_VIEW, project) == {"admin", "organiser", "team", "assigned"}
        assert allowed(A.MATERIAL_VIEW, unassigned_project) == {"admin", "organiser"}


def test_lifting_a_conflict_lets_the_judge_in_again(app, review):
    with app.test_request_context():
        round_ = db.session.get(Round, review.round_id)
        project = db.session.get(Application, review.projects[0])
        db.session.query(Conflict).update({"active": False})
        assert "conflicted" in allowed(A.PROJECT_REVIEW, (round_, project))


def test_sheets_belong_to_their_judge(app, review):
    with app.test_request_context():
        sheet = ScoreSheet(round_id=review.round_id, judge_id=review.judges["judge@example.com"],
                           application_id=review.projects[0])
        db.session.add(sheet)
        db.session.flush()
        assert allowed(A.SHEET_EDIT, sheet) == {"assigned"}


def test_peers_scores_only_after_submitting_and_only_where_allowed(app, review):
    with app.test_request_context():
        round_ = db.session.get(Round, review.round_id)
        project = db.session.get(Application, review.projects[0])
        assert allowed(A.SHEET_PEERS_VIEW, (round_, project)) == {"admin", "organiser"}
        round_.judges_see_peer_scores = True
        sheet = ScoreSheet(round_id=round_.id, judge_id=review.judges["judge@example.com"],
                           application_id=project.id, status=SheetStatus.DRAFT)
        db.session.add(sheet)
        db.session.flush()
        assert allowed(A.SHEET_PEERS_VIEW, (round_, project)) == {"admin", "organiser"}
        sheet.status = SheetStatus.SUBMITTED
        db.session.flush()
        assert allowed(A.SHEET_PEERS_VIEW, (round_, project)) == {"admin", "organiser", "assigned"}
