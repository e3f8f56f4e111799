"""Assigning judges to a round's projects: by hand, from a spreadsheet, by the solver; coverage."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from roadshow import assignment as solver
from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationStatus, Assignment, AssignmentSource, AuditEntry, Contest, ConflictSource, JudgeProfile,
    Role, Round, ScoreSheet, SheetStatus, User,
)
from roadshow.services import assignment_import, assignments, contests, review_rounds
from roadshow.services.errors import Conflict, Invalid, NotFound
from roadshow.services.spreadsheet_import import ImportRejected
from tests.application_builders import add_application
from tests.helpers import create_user
from tests.review_builders import add_conflict, make_review


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """The messages checked below are the English ones (the default language is Chinese)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


JUDGE, JUDGE2 = "judge@example.com", "judge2@example.com"
FOUR = (JUDGE, JUDGE2, "judge3@example.com", "judge4@example.com")


def _ctx(setup):
    return (db.session.get(Round, setup.round_id), db.session.get(User, setup.organiser_id))


def _user(email):
    return User.by_email(email)


def _app(application_id):
    return db.session.get(Application, application_id)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _pairs(round_id) -> set[tuple[int, int]]:
    return {tuple(row) for row in db.session.execute(select(Assignment.judge_id, Assignment.application_id)
                                                     .where(Assignment.round_id == round_id))}


def test_assign_by_hand_and_refusals(app):
    setup = make_review(app, projects=2)
    create_user(app, "team@example.com")
    outside = add_application(app, setup.contest_id, status=ApplicationStatus.SCREENED_IN, project="Not entered")
    with app.test_request_context():
        round_, org = _ctx(setup)
        judge, project = _user(JUDGE), _app(setup.projects[0])
        row = assignments.assign(round_, judge, project, by=org)
        db.session.commit()
        assert (row.source, row.override_reason, row.created_by_id) == (AssignmentSource.MANUAL, "", org.id)
        assert _actions()[-1] == "assignment.added"
        with pytest.raises(Conflict) as duplicate:
            assignments.assign(round_, judge, project, by=org)
        assert duplicate.value.status == 409
        db.session.rollback()
        with pytest.raises(Invalid) as not_judge:
            assignments.assign(round_, _user("team@example.com"), project, by=org)
        assert not_judge.value.status == 422 and "not a judge" in not_judge.value.message
        with pytest.raises(Invalid) as organiser:
            assignments.assign(round_, org, project, by=org)
        assert "not a judge" in organiser.value.message
        with pytest.raises(Invalid) as not_entered:
            assignments.assign(round_, judge, _app(outside), by=org)
        assert "not entered" in not_entered.value.message
        db.session.rollback()
        assert len(_pairs(round_.id)) == 1


def test_conflicted_pair_is_refused_unless_overridden_with_a_reason(app):
    setup = make_review(app, projects=2)
    add_conflict(app, setup.judges[JUDGE], setup.projects[0], reason="Former colleague")
    add_conflict(app, setup.judges[JUDGE2], setup.projects[0], source=ConflictSource.DETECTED,
                 reason="Same institution")
    with app.test_request_context():
        round_, org = _ctx(setup)
        project = _app(setup.projects[0])
        with pytest.raises(Invalid) as declared:
            assignments.assign(round_, _user(JUDGE), project, by=org)
        assert "has declared a conflict of interest with Project 1: Former colleague" in declared.value.message
        with pytest.raises(Invalid) as detected:
            assignments.assign(round_, _user(JUDGE2), project, by=org, override_reason="   ")
        assert "was detected to have a conflict of interest" in detected.value.message
        assert "Same institution" in detected.value.message
        db.session.rollback()
        assert not _pairs(round_.id)
        row = assignments.assign(round_, _user(JUDGE), project, by=org, override_reason="Only expert on this topic")
        db.session.commit()
        assert row.override_reason == "Only expert on this topic"
        assert _actions()[-2:] == ["assignment.added", "assignment.override"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assignment.override"))
        assert entry.contest_id == setup.contest_id
        assert entry.new_values["override_reason"] == "Only expert on this topic"
        assert entry.new_values["conflict_reason"] == "Former colleague"


def test_unassign_and_reassign(app):
    setup = make_review(app, assign={JUDGE: [0, 1]})
    add_conflict(app, setup.judges[JUDGE2], setup.projects[1])
    with app.test_request_context():
        round_, org = _ctx(setup)
        judge, judge2 = _user(JUDGE), _user(JUDGE2)
        db.session.add(ScoreSheet(round_id=round_.id, judge_id=judge.id, application_id=setup.projects[0],
                                  status=SheetStatus.SUBMITTED))
        db.session.add(ScoreSheet(round_id=round_.id, judge_id=judge.id, application_id=setup.projects[1],
                                  status=SheetStatus.DRAFT))
        db.session.commit()
        with pytest.raises(Conflict) as submitted:
            assignments.unassign(round_, judge, _app(setup.projects[0]), by=org)
        assert submitted.value.status == 409
        db.session.rollback()
        # reassigning to a conflicted judge is refused as a whole: the first judge keeps the project
        with pytest.raises(Invalid):
            assignments.reassign(round_, _app(setup.projects[1]), judge, judge2, by=org)
        db.session.rollback()
        assert (judge.id, setup.projects[1]) in _pairs(round_.id)
        with pytest.raises(NotFound):
            assignments.unassign(round_, judge2, _app(setup.projects[2]), by=org)
        db.session.rollback()
        assignments.unassign(round_, judge, _app(setup.projects[1]), by=org)
        db.session.commit()
        assert _pairs(round_.id) == {(judge.id, setup.projects[0])}
        assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 2  # the draft is kept
        assert _actions()[-1] == "assignment.removed"
        assignments.assign(round_, judge, _app(setup.projects[2]), by=org)
        assignments.reassign(round_, _app(setup.projects[2]), judge, judge2, by=org)
        db.session.commit()
        assert (judge2.id, setup.projects[2]) in _pairs(round_.id)
        assert (judge.id, setup.projects[2]) not in _pairs(round_.id)


def test_solver_gives_every_project_k_judges_balanced_without_conflicts(app):
    setup = make_review(app, judges=FOUR, projects=6, k=2)
    add_conflict(app, setup.judges[JUDGE], setup.projects[0])
    add_conflict(app, setup.judges[JUDGE2], setup.projects[1])
    with app.test_request_context():
        round_, org = _ctx(setup)
        run = assignments.run_solver(round_, by=org, seed=1234)
        db.session.commit()
        pairs = _pairs(round_.id)
        per_project = Counter(p for _, p in pairs)
        assert all(per_project[p] == 2 for p in setup.projects)
        loads = Counter(j for j, _ in pairs)
        assert max(loads.values()) - min(loads.values()) <= 1 and len(loads) == 4
        assert (setup.judges[JUDGE], setup.projects[0]) not in pairs
        assert (setup.judges[JUDGE2], setup.projects[1]) not in pairs
        assert run.seed == 1234 and run.judges_per_project == 2
        assert run.summary["added"] == 12 and run.summary["shortfalls"] == []
        assert run.summary["loads"] == {"min": 3, "max": 3}
        rows = db.session.scalars(select(Assignment)).all()
        assert {(r.source, r.run_id) for r in rows} == {(AssignmentSource.SOLVER, run.id)}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assignment.solver_run"))
        assert entry.new_values["seed"] == 1234 and entry.new_values["added"] == 12
        assert entry.contest_id == setup.contest_id
        # the same seed on the same data gives the same pairs
        request, _current = assignments.build_request(round_, 1234)
        again = solver.solve(replace(request, settled=frozenset()))
        assert again.assignments == frozenset(pairs)


def test_solver_seed_is_random_when_not_given_and_checked(app):
    setup = make_review(app, projects=2, k=1)
    with app.test_request_context():
        round_, org = _ctx(setup)
        with pytest.raises(Invalid):
            assignments.run_solver(round_, by=org, seed=-1)
        run = assignments.run_solver(round_, by=org)
        assert 0 <= run.seed < 2**31


def test_rerun_after_adding_a_project_and_a_judge_keeps_settled_pairs(app):
    setup = make_review(app, judges=FOUR[:3], projects=4, k=2)
    with app.test_request_context():
        round_, org = _ctx(setup)
        assignments.run_solver(round_, by=org, seed=1)
        db.session.commit()
        first = _pairs(round_.id)
        contest = db.session.get(Contest, setup.contest_id)
    newcomer = create_user(app, "late@example.com", name="Late")
    extra = add_application(app, setup.contest_id, status=ApplicationStatus.SCREENED_IN, project="Project 5",
                            email="lead5@team5.cn")
    with app.test_request_context():
        round_, org = _ctx(setup)
        contest = db.session.get(Contest, setup.contest_id)
        contests.grant_role(contest, db.session.get(User, newcomer), Role.JUDGE)
        assert review_rounds.enter_screened_in(round_, by=org) == 1
        run = assignments.run_solver(round_, by=org, seed=2)
        db.session.commit()
        second = _pairs(round_.id)
        assert first <= second
        assert {p for _, p in second - first} == {extra}
        assert Counter(p for _, p in second)[extra] == 2
        assert run.summary["kept"] == len(first) and run.summary["added"] == 2


def test_solver_keeps_a_conflicted_settled_pair_and_lists_it(app):
    setup = make_review(app, projects=1, k=1, assign={JUDGE: [0]})
    add_conflict(app, setup.judges[JUDGE], setup.projects[0])
    with app.test_request_context():
        round_, org = _ctx(setup)
        run = assignments.run_solver(round_, by=org, seed=5)
        db.session.commit()
        both = {(setup.judges[JUDGE], setup.projects[0]), (setup.judges[JUDGE2], setup.projects[0])}
        assert _pairs(round_.id) == both
        assert run.summary["conflicted_settled"] == [{"judge_id": setup.judges[JUDGE],
                                                      "application_id": setup.projects[0], "project_name": "Project 1"}]
        (row,) = assignments.coverage(round_)
        assert row.count == 1 and row.missing == 0 and [a.judge_id for a in row.conflicted] == [setup.judges[JUDGE]]


def test_solver_refuses_an_empty_round(app):
    setup = make_review(app, projects=0)
    with app.test_request_context():
        round_, org = _ctx(setup)
        with pytest.raises(Invalid):
            assignments.run_solver(round_, by=org)


def test_coverage_names_the_reasons(app):
    setup = make_review(app, projects=3, k=2)
    add_conflict(app, setup.judges[JUDGE], setup.projects[0])
    with app.test_request_context():
        round_, org = _ctx(setup)
        reasons = {row.application.id: row.reason for row in assignments.coverage(round_)}
        assert reasons == {setup.projects[0]: solver.REASON_CONFLICTS,
                           setup.projects[1]: assignments.REASON_NOT_ASSIGNED,
                           setup.projects[2]: assignments.REASON_NOT_ASSIGNED}
        db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == setup.judges[JUDGE2])).max_load = 1
        assignments.run_solver(round_, by=org, seed=3)
        rows = {row.application.id: row for row in assignments.coverage(round_)}
        short = {p: row.reason for p, row in rows.items() if row.missing}
        assert short[setup.projects[0]] == solver.REASON_CONFLICTS
        assert solver.REASON_LOAD_CAP in short.values()
        round_.judges_per_project = 3
        assert {row.reason for row in assignments.coverage(round_)} == {solver.REASON_TOO_FEW_JUDGES}
        assert set(assignments.REASON_LABELS) >= {row.reason for row in rows.values() if row.reason}


def _rows(*lines):
    return [(number, list(cells)) for number, cells in enumerate(lines, start=1)]


def test_import_happy_path(app):
    setup = make_review(app, projects=3, assign={JUDGE: [0]})
    with app.test_request_context():
        round_, org = _ctx(setup)
        outcome = assignment_import.import_rows(round_, _rows(
            ["Judge email", "Project ID", "Project name"],
            [JUDGE.upper(), str(setup.projects[0]), ""],        # already there: skipped
            [JUDGE, "", "Project 2"],
            [JUDGE2, str(setup.projects[2]), "whatever"],
        ), by=org)
        db.session.commit()
        assert outcome.skipped == 1 and len(outcome.added) == 2
        assert {a.source for a in outcome.added} == {AssignmentSource.IMPORTED}
        assert (setup.judges[JUDGE], setup.projects[1]) in _pairs(round_.id)


def test_import_with_bad_rows_stores_nothing(app):
    setup = make_review(app, projects=3)
    add_conflict(app, setup.judges[JUDGE2], setup.projects[1])
    create_user(app, "stranger@example.com")
    with app.test_request_context():
        round_, org = _ctx(setup)
        with pytest.raises(ImportRejected) as caught:
            assignment_import.import_rows(round_, _rows(
                ["评委邮箱", "项目编号", "项目名称"],
                [JUDGE, str(setup.projects[0]), ""],            # fine
                ["stranger@example.com", str(setup.projects[0]), ""],
                [JUDGE, "999999", ""],
                [JUDGE, "", "No such project"],
                [JUDGE2, str(setup.projects[1]), ""],            # conflict: no override in bulk
                [JUDGE, str(setup.projects[0]), ""],             # duplicate of row 2
                ["", str(setup.projects[2]), ""],
            ), by=org)
        db.session.rollback()
        rows = sorted(error.row for error in caught.value.errors)
        assert rows == [3, 4, 5, 6, 7, 8]
        messages = " ".join(error.message for error in caught.value.errors)
        assert "not a judge" in messages and "conflict of interest" in messages and "row 2" in messages
        assert not _pairs(round_.id)
        with pytest.raises(ImportRejected):
            assignment_import.import_rows(round_, _rows(["name", "something"], ["a", "b"]), by=org)


def test_assigning_detects_conflicts_first(app):
    """A judge from the team leader's institution is never given the project, even before anyone ran
    detection by hand: the solver and a manual assignment detect conflicts first."""
    setup = make_review(app, judges=FOUR[:3], projects=2, k=3)
    with app.test_request_context():
        from roadshow.models import Application, JudgeProfile

        profile = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == setup.judges[JUDGE]))
        profile.institution = db.session.get(Application, setup.projects[0]).leader_institution
        db.session.commit()
        round_, org = _ctx(setup)
        assignments.run_solver(round_, by=org, seed=3)
        db.session.commit()
        assert (setup.judges[JUDGE], setup.projects[0]) not in _pairs(round_.id)
        assert (setup.judges[JUDGE], setup.projects[1]) in _pairs(round_.id)
