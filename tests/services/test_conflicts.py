"""Conflicts of interest: what detection finds and leaves alone, a judge's declaration, and the
organisers' additions and lifts, each in the audit log."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, ApplicationStatus, Assignment, AuditEntry, Conflict,
    ConflictDeclaration, ConflictSource, Contest, JudgeProfile, Role, Round, User,
)
from roadshow.services import audit, conflicts, contests
from roadshow.services.errors import Conflict as Clash, Invalid, NotFound
from tests.application_builders import add_application
from tests.helpers import make_contest
from tests.review_builders import add_conflict, make_review


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """The messages checked below are the English ones (the default language is Chinese)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")



@pytest.fixture
def setup(app):
    return make_review(app, declared=False)


def _ctx(app):
    return app.test_request_context(method="POST")


def _set(app, setup, *, institution=None, judge="judge@example.com", **application_changes):
    with _ctx(app):
        if institution is not None:
            profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == setup.judges[judge]))
            profile.institution = institution
        for index, changes in application_changes.items():
            application = db.session.get(Application, setup.projects[int(index[1:])])
            for name, value in changes.items():
                setattr(application, name, value)
        db.session.commit()


def _detect(app, setup) -> int:
    with _ctx(app):
        contest = db.session.get(Contest, setup.contest_id)
        count = conflicts.detect(contest, by=db.session.get(User, setup.organiser_id))
        db.session.commit()
        return count


def _pairs(app, setup, *, active_only=True) -> set[tuple[int, int]]:
    with app.app_context():
        if active_only:
            return conflicts.conflicted_pairs(db.session.get(Contest, setup.contest_id))
        return {tuple(row) for row in db.session.execute(select(Conflict.judge_id, Conflict.application_id))}


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_nothing_in_common_nothing_detected(app, setup):
    assert _detect(app, setup) == 0
    assert _pairs(app, setup) == set()


def test_same_institution_detected_ignoring_case_and_spacing(app, setup):
    _set(app, setup, institution="  university   1 ")
    assert _detect(app, setup) == 1
    judge, project = setup.judges["judge@example.com"], setup.projects[0]
    assert _pairs(app, setup) == {(judge, project)}
    with app.app_context():
        conflict = db.session.scalar(select(Conflict))
        assert conflict.source == ConflictSource.DETECTED and conflict.active and "University 1" in conflict.reason


def test_empty_institutions_do_not_match(app, setup):
    _set(app, setup, institution="", p0={"leader_institution": ""})
    assert _detect(app, setup) == 0


def test_same_email_domain_as_contact_or_member(app, setup, make_user):
    make_user("colleague@example.com")
    _set(app, setup, p0={"contact_email": "boss@Example.com"})
    with _ctx(app):
        application = db.session.get(Application, setup.projects[1])
        application.members.append(ApplicationMember(user_id=User.by_email("colleague@example.com").id))
        db.session.commit()
    assert _detect(app, setup) == 4  # both judges are at example.com
    judges = setup.judges.values()
    assert _pairs(app, setup) == {(j, p) for j in judges for p in setup.projects[:2]}


def test_public_mail_domains_are_ignored(app, setup, make_user):
    make_user("judge3@gmail.com")
    with _ctx(app):
        contest = db.session.get(Contest, setup.contest_id)
        contests.grant_role(contest, User.by_email("judge3@gmail.com"), Role.JUDGE)
        db.session.commit()
    _set(app, setup, p0={"contact_email": "founder@gmail.com"}, p1={"contact_email": "founder@QQ.com"})
    assert _detect(app, setup) == 0


def test_judge_on_the_team_detected(app, setup):
    with _ctx(app):
        application = db.session.get(Application, setup.projects[2])
        application.members.append(ApplicationMember(user_id=setup.judges["judge2@example.com"]))
        db.session.commit()
    assert _detect(app, setup) == 2  # judge2 is on the team; judge shares judge2's email domain
    assert _pairs(app, setup) == {(judge, setup.projects[2]) for judge in setup.judges.values()}
    with app.app_context():
        reasons = {c.judge_id: c.reason for c in db.session.scalars(select(Conflict))}
    assert "member of the team" in reasons[setup.judges["judge2@example.com"]]
    assert "member of the team" not in reasons[setup.judges["judge@example.com"]]
    assert "example.com" in reasons[setup.judges["judge@example.com"]]


def test_drafts_and_withdrawn_applications_ignored(app, setup):
    _set(app, setup, institution="University 1", p0={"status": ApplicationStatus.DRAFT})
    with app.app_context():
        draft_institution = db.session.get(Application, setup.projects[0]).leader_institution
    assert draft_institution == "University 1"
    _set(app, setup, p1={"status": ApplicationStatus.WITHDRAWN, "leader_institution": "University 1"})
    assert _detect(app, setup) == 0


def test_detection_is_idempotent_audited_and_never_revives_a_lifted_conflict(app, setup):
    _set(app, setup, institution="University 1")
    assert _detect(app, setup) == 1
    assert _detect(app, setup) == 0
    assert _actions(app).count("conflict.detected") == 1
    with _ctx(app):
        conflict = db.session.scalar(select(Conflict))
        conflicts.lift(conflict, "Left that university in 2019.", by=db.session.get(User, setup.organiser_id))
        db.session.commit()
    assert _detect(app, setup) == 0
    assert _pairs(app, setup) == set()
    assert len(_pairs(app, setup, active_only=False)) == 1
    with app.app_context():
        lifted = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "conflict.lifted"))
        assert lifted.old_values["active"] is True and lifted.new_values["active"] is False
        assert lifted.new_values["lift_reason"] == "Left that university in 2019."
        assert lifted.contest_id == setup.contest_id
        assert audit.verify() is None


def test_detect_refuses_non_organisers(app, setup):
    from roadshow.services.errors import Forbidden

    with _ctx(app):
        with pytest.raises(Forbidden):
            conflicts.detect(db.session.get(Contest, setup.contest_id),
                             by=db.session.get(User, setup.judges["judge@example.com"]))


# --- declarations -----------------------------------------------------------------------------


def _declare(app, setup, declarations, judge="judge@example.com", by=None):
    with _ctx(app):
        round_ = db.session.get(Round, setup.round_id)
        user = db.session.get(User, setup.judges[judge])
        actor = User.by_email(by) if by else user
        changed = conflicts.declare(round_, user, declarations, by=actor)
        db.session.commit()
        return [c.application_id for c in changed]


def _declared(app, setup, judge="judge@example.com") -> bool:
    with app.app_context():
        return db.session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.round_id == setup.round_id,
            ConflictDeclaration.judge_id == setup.judges[judge])) is not None


def test_declare_records_conflicts_and_the_declaration(app, setup):
    project = setup.projects[1]
    assert _declare(app, setup, {project: "  My former student leads it. "}) == [project]
    assert _declared(app, setup)
    with app.app_context():
        conflict = db.session.scalar(select(Conflict))
        assert (conflict.source, conflict.reason, conflict.active) == (
            ConflictSource.DECLARED, "My former student leads it.", True)
    assert "conflict.declared" in _actions(app)
    # again later: adds, never duplicates
    assert _declare(app, setup, {project: "My former student leads it.", setup.projects[2]: "Investor."}) == [
        setup.projects[2]]
    assert len(_pairs(app, setup)) == 2


def test_declaring_nothing_is_a_declaration(app, setup):
    assert _declare(app, setup, {}) == []
    assert _declared(app, setup)
    assert _pairs(app, setup) == set()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_declare_needs_a_short_reason_and_stores_nothing(app, setup, reason):
    with pytest.raises(Invalid) as caught:
        _declare(app, setup, {setup.projects[0]: "Fine reason", setup.projects[1]: reason})
    assert caught.value.status == 422 and str(setup.projects[1]) in caught.value.details
    assert _pairs(app, setup, active_only=False) == set()
    assert not _declared(app, setup)


def test_declare_refuses_projects_outside_the_round(app, setup):
    outside = add_application(app, setup.contest_id, status=ApplicationStatus.SCREENED_IN, project="Not entered")
    with pytest.raises(Invalid) as caught:
        _declare(app, setup, {outside: "Conflicted", 999999: "Made up"})
    assert set(caught.value.details) == {str(outside), "999999"}
    assert _pairs(app, setup, active_only=False) == set() and not _declared(app, setup)


def test_declare_only_by_the_contests_judges_for_themselves(app, setup, make_user):
    make_user("outsider@example.com")
    with _ctx(app):
        round_ = db.session.get(Round, setup.round_id)
        outsider = User.by_email("outsider@example.com")
        with pytest.raises(NotFound):
            conflicts.declare(round_, outsider, {}, by=outsider)
        judge = db.session.get(User, setup.judges["judge@example.com"])
        with pytest.raises(NotFound):  # an organiser is not a judge of the round
            conflicts.declare(round_, judge, {}, by=db.session.get(User, setup.organiser_id))
        with pytest.raises(NotFound):  # one judge for another
            conflicts.declare(round_, judge, {}, by=db.session.get(User, setup.judges["judge2@example.com"]))


def test_a_judges_declaration_revives_a_lifted_conflict(app, setup):
    judge, project = setup.judges["judge@example.com"], setup.projects[0]
    add_conflict(app, judge, project, source=ConflictSource.DETECTED, reason="Same institution")
    with _ctx(app):
        organiser = db.session.get(User, setup.organiser_id)
        conflicts.lift(db.session.scalar(select(Conflict)), "Not the same lab.", by=organiser)
        db.session.commit()
    assert _pairs(app, setup) == set()
    _declare(app, setup, {project: "I co-authored with the leader."})
    assert _pairs(app, setup) == {(judge, project)}
    with app.app_context():
        conflict = db.session.scalar(select(Conflict))
        assert conflict.source == ConflictSource.DECLARED and conflict.lifted_at is None and conflict.lift_reason == ""
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "conflict.declared"))
        assert entry.old_values["active"] is False and entry.new_values["active"] is True


def test_projects_for_declaration_are_the_rounds_entries_only(app, setup):
    add_application(app, setup.contest_id, status=ApplicationStatus.SCREENED_IN, project="Not entered")
    with app.app_context():
        listed = conflicts.projects_for_declaration(db.session.get(Round, setup.round_id))
    assert [(p.title, p.leader, p.institution) for p in listed] == [
        (f"Project {i}", f"Leader {i}", f"University {i}") for i in (1, 2, 3)]
    assert {p.application_id for p in listed} == set(setup.projects)


# --- organisers -------------------------------------------------------------------------------


def _add(app, setup, reason, judge="judge@example.com", project=0, by="org@example.com"):
    with _ctx(app):
        added = conflicts.add(db.session.get(Contest, setup.contest_id), db.session.get(User, setup.judges[judge]),
                              db.session.get(Application, setup.projects[project]), reason, by=User.by_email(by))
        db.session.commit()
        return added.conflict.id, [r.id for r in added.assigned_rounds]


@pytest.mark.parametrize("reason", ["", "  ", "y" * 501])
def test_organiser_add_needs_a_reason(app, setup, reason):
    with pytest.raises(Invalid):
        _add(app, setup, reason)
    assert _pairs(app, setup, active_only=False) == set()


def test_organiser_adds_and_is_warned_of_assignments(app):
    setup = make_review(app, assign={"judge@example.com": [0]})
    conflict_id, rounds = _add(app, setup, "Shareholder of the company.")
    assert rounds == [setup.round_id]
    with app.app_context():
        assert db.session.scalar(select(Assignment.id)) is not None  # kept: the policy hides the project
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "conflict.added"))
        assert (entry.object_id, entry.contest_id, entry.old_values) == (conflict_id, setup.contest_id, None)
        assert entry.new_values["source"] == "organizer"
    assert _add(app, setup, "Other one", project=1)[1] == []
    with pytest.raises(Clash):
        _add(app, setup, "Again")


def test_organiser_add_refuses_non_judges_and_other_contests(app, setup, make_user):
    make_user("org2@example.com")
    make_contest(app, "other", organiser_email="org2@example.com")
    with pytest.raises(Invalid):
        with _ctx(app):
            conflicts.add(db.session.get(Contest, setup.contest_id), db.session.get(User, setup.organiser_id),
                          db.session.get(Application, setup.projects[0]), "Reason", by=User.by_email("org@example.com"))
    from roadshow.services.errors import Forbidden
    with pytest.raises(Forbidden):
        _add(app, setup, "Reason", by="org2@example.com")
    with pytest.raises(Forbidden):
        _add(app, setup, "Reason", by="judge2@example.com")


@pytest.mark.parametrize("reason", ["", "   "])
def test_lift_needs_a_reason_and_twice_is_a_conflict(app, setup, reason):
    add_conflict(app, setup.judges["judge@example.com"], setup.projects[0])
    with _ctx(app):
        conflict = db.session.scalar(select(Conflict))
        organiser = db.session.get(User, setup.organiser_id)
        with pytest.raises(Invalid):
            conflicts.lift(conflict, reason, by=organiser)
        assert conflict.active
        conflicts.lift(conflict, "Checked: different department.", by=organiser)
        with pytest.raises(Clash):
            conflicts.lift(conflict, "Again", by=organiser)
        with pytest.raises(Exception):
            conflicts.lift(conflict, "By a judge", by=db.session.get(User, setup.judges["judge2@example.com"]))


def test_for_contest_lists_active_first_with_who_lifted(app, setup):
    add_conflict(app, setup.judges["judge@example.com"], setup.projects[0])
    add_conflict(app, setup.judges["judge2@example.com"], setup.projects[1])
    with _ctx(app):
        first = db.session.scalar(select(Conflict).where(Conflict.application_id == setup.projects[0]))
        conflicts.lift(first, "No link.", by=db.session.get(User, setup.organiser_id))
        db.session.commit()
        rows = conflicts.for_contest(db.session.get(Contest, setup.contest_id))
        assert [row.conflict.active for row in rows] == [True, False]
        assert rows[1].lifted_by.id == setup.organiser_id
