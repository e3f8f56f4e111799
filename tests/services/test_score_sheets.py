"""roadshow.services.score_sheets: the rules of the judge's sheet, called directly."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from roadshow.api.reviews import strict_json
from roadshow.extensions import db
from roadshow.models import Application, AuditEntry, Round, ScoreSheet, SheetStatus, User
from roadshow.services import judge_projects, score_sheets
from roadshow.services.errors import Conflict, Invalid, NotFound
from tests.review_builders import add_conflict, full_scores, make_review

JUDGE = "judge@example.com"
JUDGE2 = "judge2@example.com"


@pytest.fixture
def setup(app):
    return make_review(app, projects=6, assign={JUDGE: [0, 1, 2, 3, 4], JUDGE2: [0, 5]})


def objects(setup, project=0, email=JUDGE):
    return (db.session.get(Round, setup.round_id), db.session.get(Application, setup.projects[project]),
            User.by_email(email))


def body(setup, **changes):
    data = full_scores(setup)
    data.update(changes)
    return data


def test_assigned_projects_are_shuffled_per_judge_with_statuses(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        score_sheets.save_draft(round_, application, judge, **body(setup), base_version=0)
        lines = judge_projects.assigned_projects(round_, judge)
        assert sorted(line.application.id for line in lines) == sorted(setup.projects[:5])
        again = judge_projects.assigned_projects(round_, judge)
        assert [line.application.id for line in lines] == [line.application.id for line in again]
        statuses = {line.application.id: line.status for line in lines}
        assert statuses[setup.projects[0]] == SheetStatus.DRAFT and statuses[setup.projects[1]] is None
        assert lines[0].title.startswith("Project ")
        other = judge_projects.assigned_projects(round_, User.by_email(JUDGE2))
        assert sorted(line.application.id for line in other) == [setup.projects[0], setup.projects[5]]


def test_conflicted_project_is_left_out_and_concealed(app, setup):
    add_conflict(app, setup.judges[JUDGE], setup.projects[1])
    with app.test_request_context():
        round_, application, judge = objects(setup, 1)
        assert application.id not in [line.application.id for line in judge_projects.assigned_projects(round_, judge)]
        with pytest.raises(NotFound):
            score_sheets.get_sheet(round_, application, judge)
        with pytest.raises(NotFound):
            score_sheets.save_draft(round_, application, judge, **body(setup), base_version=0)
        with pytest.raises(NotFound):
            score_sheets.recuse(round_, application, judge, "x")


def test_rubric_rules(app, setup):
    with app.test_request_context():
        rules = score_sheets.rubric(db.session.get(Round, setup.round_id))
        assert [r.id for r in rules] == setup.criteria
        assert rules[0].step == Decimal("0.5") and rules[0].comment_required and rules[0].weight == Decimal("0.4")


def test_save_draft_versions_and_server_total(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        sheet = score_sheets.save_draft(round_, application, judge, scores={str(setup.criteria[0]): "8.50"},
                                        comments={}, overall_comment="", base_version=0)
        assert sheet.version == 1 and sheet.total == Decimal("3.4") and sheet.scores == {str(setup.criteria[0]): "8.5"}
        sheet = score_sheets.save_draft(round_, application, judge, scores={setup.criteria[1]: 10}, base_version=1)
        assert sheet.version == 2 and sheet.total == Decimal("3") and sheet.scores == {str(setup.criteria[1]): "10"}
        with pytest.raises(Conflict) as stale:
            score_sheets.save_draft(round_, application, judge, scores={}, base_version=1)
        assert stale.value.details["sheet"]["version"] == 2


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), -1, "abc", "7.25", 11, "", None])
def test_invalid_draft_stores_nothing(app, setup, value):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        cid = str(setup.criteria[0])
        if value in ("", None):  # empty is fine in a draft
            score_sheets.save_draft(round_, application, judge, scores={cid: value}, base_version=0)
            return
        with pytest.raises(Invalid) as refused:
            score_sheets.save_draft(round_, application, judge, scores={cid: value}, base_version=0)
        assert cid in refused.value.details
        db.session.rollback()
        assert db.session.scalars(select(ScoreSheet)).all() == []


def test_malformed_shapes_are_invalid(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        for kwargs in ({"scores": []}, {"scores": {}, "comments": "x"}, {"scores": {}, "overall_comment": 5},
                       {"scores": {}, "overall_comment": "x" * 5001}):
            with pytest.raises(Invalid):
                score_sheets.save_draft(round_, application, judge, **kwargs, base_version=0)
        with pytest.raises(Invalid):
            score_sheets.save_draft(round_, application, judge, scores={}, base_version="0")


def test_submit_is_idempotent_and_locks(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        sheet = score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000001")
        first = score_sheets.sheet_data(sheet)
        assert sheet.status == SheetStatus.SUBMITTED and sheet.total == Decimal("8.2")
        again = score_sheets.submit(round_, application, judge, **body(setup, scores={}),
                                    idempotency_key="key-00000001")
        assert score_sheets.sheet_data(again) == first
        with pytest.raises(Conflict):
            score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000002")
        with pytest.raises(Conflict):
            score_sheets.save_draft(round_, application, judge, **body(setup), base_version=sheet.version)
        with pytest.raises(Conflict):
            score_sheets.recuse(round_, application, judge, "too late")
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sheet.submitted")).all()
        assert len(entries) == 1 and entries[0].new_values["scores"] == sheet.scores


def test_submit_needs_every_criterion_and_required_comments(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        with pytest.raises(Invalid) as missing:
            score_sheets.submit(round_, application, judge, scores={str(setup.criteria[0]): "5"},
                                comments={str(setup.criteria[0]): "ok"}, idempotency_key="key-00000001")
        assert missing.value.details == {str(setup.criteria[1]): "missing", str(setup.criteria[2]): "missing"}
        with pytest.raises(Invalid) as comment:
            score_sheets.submit(round_, application, judge, **body(setup, comments={}),
                                idempotency_key="key-00000001")
        assert comment.value.details == {str(setup.criteria[0]): "comment_required"}
        for key in ("short", "x" * 65, "bad key!", None):
            with pytest.raises(Invalid):
                score_sheets.submit(round_, application, judge, **body(setup), idempotency_key=key)
        db.session.rollback()
        assert db.session.scalars(select(ScoreSheet)).all() == []


def test_recuse(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        for reason in ("", "   ", None):
            with pytest.raises(Invalid):
                score_sheets.recuse(round_, application, judge, reason)
        sheet = score_sheets.recuse(round_, application, judge, "  I mentored the leader  ")
        assert sheet.status == SheetStatus.RECUSED and sheet.recusal_reason == "I mentored the leader"
        assert score_sheets.recuse(round_, application, judge, "again") is sheet
        with pytest.raises(Conflict):
            score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000001")
        assert db.session.scalar(select(AuditEntry.new_values).where(AuditEntry.action == "sheet.recused"))["reason"]


def test_scoring_not_open_is_a_conflict(app):
    setup = make_review(app, assign={JUDGE: [0]}, open_scoring=False)
    with app.test_request_context():
        round_, application, judge = objects(setup)
        with pytest.raises(Conflict):
            score_sheets.save_draft(round_, application, judge, **body(setup), base_version=0)
        with pytest.raises(Conflict):
            score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000001")


def test_strict_json_refuses_non_finite_numbers():
    assert strict_json('{"a": 1.5, "b": 1e308}') == {"a": 1.5, "b": 1e308}
    for raw in ('{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e309}', '[-1e400]'):
        with pytest.raises(ValueError):
            strict_json(raw)


def test_a_late_retry_of_a_submit_made_before_an_unlock_does_not_resubmit(app, setup):
    with app.test_request_context():
        round_, application, judge = objects(setup)
        sheet = score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000001")
        sheet.status, sheet.unlocked_at, sheet.unlock_reason = SheetStatus.DRAFT, sheet.submitted_at, "Recheck"
        db.session.flush()
        with pytest.raises(Conflict):
            score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000001")
        again = score_sheets.submit(round_, application, judge, **body(setup), idempotency_key="key-00000002")
        assert again.status == SheetStatus.SUBMITTED
