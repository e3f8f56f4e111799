"""Organisers' oversight of a round's review: the board's counts, reminders and unlocking sheets."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, OutboxMessage, Round, ScoreSheet, SheetStatus, User, utcnow
from roadshow.services import review_progress, sheet_unlock
from roadshow.services.errors import Conflict, Forbidden, Invalid
from tests.review_builders import add_conflict, make_review

J1, J2, J3 = "judge@example.com", "judge2@example.com", "judge3@example.com"


def add_sheet(app, setup, email, project, status, *, total="8.1", updated_at=None):
    with app.app_context():
        now = utcnow()
        sheet = ScoreSheet(round_id=setup.round_id, judge_id=setup.judges[email],
                           application_id=setup.projects[project], status=status,
                           scores={str(setup.criteria[0]): "8.5", str(setup.criteria[1]): "7"},
                           comments={str(setup.criteria[0]): "Strong."},
                           total=Decimal(total) if status == SheetStatus.SUBMITTED else None,
                           submitted_at=now if status == SheetStatus.SUBMITTED else None,
                           recusal_reason="I advised them." if status == SheetStatus.RECUSED else "",
                           updated_at=updated_at or now,
                           submit_key="k" * 32 if status == SheetStatus.SUBMITTED else None)
        db.session.add(sheet)
        db.session.commit()
        return sheet.id


@pytest.fixture
def mixed(app):
    """judge: P1 submitted, P2 draft, P3 not started; judge2: P1 recused, P2 submitted; judge3: P3
    not started but conflicted with it, P1 submitted."""
    setup = make_review(app, judges=(J1, J2, J3), assign={J1: [0, 1, 2], J2: [0, 1], J3: [2, 0]})
    add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    add_sheet(app, setup, J1, 1, SheetStatus.DRAFT)
    add_sheet(app, setup, J2, 0, SheetStatus.RECUSED)
    add_sheet(app, setup, J2, 1, SheetStatus.SUBMITTED)
    add_sheet(app, setup, J3, 0, SheetStatus.SUBMITTED)
    add_conflict(app, setup.judges[J3], setup.projects[2])
    return setup


def _board(app, setup, **kwargs):
    with app.test_request_context():
        round_ = db.session.get(Round, setup.round_id)
        return review_progress.board(round_, by=db.session.get(User, setup.organiser_id), **kwargs)


def test_board_counts_per_judge_and_project(app, mixed):
    board = _board(app, mixed)
    judges = {row.email: row for row in board.judges}
    one, two, three = judges[J1], judges[J2], judges[J3]
    assert (one.assigned, one.not_started, one.draft, one.submitted, one.recused) == (3, 1, 1, 1, 0)
    assert (two.assigned, two.not_started, two.draft, two.submitted, two.recused) == (2, 0, 0, 1, 1)
    assert (three.assigned, three.conflicts, three.submitted, three.not_started) == (2, 1, 1, 0)
    assert one.outstanding == 2 and two.outstanding == 0 and three.outstanding == 0
    assert one.last_activity is not None
    assert not any(row.late or row.due_soon for row in board.judges)  # no closing time

    projects = {row.application_id: row for row in board.projects}
    p1, p2, p3 = (projects[pid] for pid in mixed.projects)
    assert (p1.assigned, p1.submitted, p1.recused, p1.k, p1.missing) == (3, 2, 1, 2, 0)
    assert (p2.assigned, p2.submitted, p2.draft, p2.missing) == (2, 1, 1, 0)
    # P3: judge (not started) and judge3 (conflicted): only one judge counts, so one is missing
    assert p3.conflicted_judges == [mixed.judges[J3]]
    assert (p3.assigned, p3.expected, p3.missing) == (2, 1, 1)
    # expected: 6 non-conflicted assignments less 1 recusal; submitted: 3
    assert (board.expected, board.submitted, board.percent) == (5, 3, 60)


def test_board_json_has_counts_but_no_scores(app, mixed):
    data = _board(app, mixed).as_json()
    assert data["totals"] == {"expected": 5, "submitted": 3, "percent": 60}
    keys = {key for row in data["judges"] + data["projects"] for key in row}
    assert not keys & {"scores", "total", "comments", "overall_comment"}
    assert "Strong" not in str(data) and "'8.5'" not in str(data)


def test_late_and_due_soon(app, mixed):
    with app.app_context():
        db.session.get(Round, mixed.round_id).closes_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    late = {row.email: row for row in _board(app, mixed).judges}
    assert late[J1].late and not late[J1].due_soon
    assert not late[J2].late and not late[J3].late  # everything finished (or conflicted)

    with app.app_context():
        db.session.get(Round, mixed.round_id).closes_at = utcnow() + timedelta(hours=20)
        db.session.commit()
    soon = {row.email: row for row in _board(app, mixed).judges}
    assert soon[J1].due_soon and not soon[J1].late
    assert not soon[J2].due_soon
    far = {row.email: row for row in _board(app, mixed, now=utcnow() - timedelta(days=5)).judges}
    assert not far[J1].due_soon and not far[J1].late


def test_board_refuses_a_judge(app, mixed):
    with app.test_request_context():
        round_ = db.session.get(Round, mixed.round_id)
        with pytest.raises(Forbidden):
            review_progress.board(round_, by=db.session.get(User, mixed.judges[J1]))


# -- reminders --------------------------------------------------------------------------------------

def _remind(app, setup, emails):
    with app.test_request_context():
        round_ = db.session.get(Round, setup.round_id)
        sent = review_progress.remind(round_, [setup.judges[e] for e in emails],
                                      by=db.session.get(User, setup.organiser_id))
        db.session.commit()
        return sent


def _outbox(app):
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.to_email, m.subject, m.body_text) for m in messages]


def test_remind_only_judges_with_outstanding_sheets(app, mixed):
    with app.app_context():
        db.session.get(Round, mixed.round_id).closes_at = utcnow() + timedelta(days=2)
        db.session.commit()
    assert _remind(app, mixed, [J1, J2, J3]) == 1
    mails = _outbox(app)
    assert [to for to, _, _ in mails] == [J1]
    _, subject, body = mails[0]
    assert "2" in subject
    assert f"/judge/rounds/{mixed.round_id}" in body
    assert "Asia/Shanghai" in body  # the deadline in the contest's time zone
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.reminded"))
        assert entry.new_values == {"judge_ids": [mixed.judges[J1]]}
        assert entry.contest_id == mixed.contest_id and entry.object_id == mixed.round_id


def test_remind_not_twice_within_the_hour(app, mixed):
    assert _remind(app, mixed, [J1]) == 1
    assert _remind(app, mixed, [J1]) == 0
    assert len(_outbox(app)) == 1
    with app.app_context():  # an hour later it may go again
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.reminded"))
        db.session.execute(AuditEntry.__table__.update().where(AuditEntry.id == entry.id)
                           .values(at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
    assert _remind(app, mixed, [J1]) == 1
    assert len(_outbox(app)) == 2


def test_remind_in_the_judges_language(app):
    setup = make_review(app, assign={J1: [0]})
    with app.app_context():
        db.session.get(User, setup.judges[J1]).locale = "zh_CN"
        db.session.get(Round, setup.round_id).closes_at = utcnow() + timedelta(days=3)
        db.session.commit()
    assert _remind(app, setup, [J1]) == 1
    (_, _, body), = _outbox(app)
    assert "年" in body and "Asia/Shanghai" in body  # the deadline, in Chinese, in the contest's zone


def test_remindable_skips_finished_and_recent(app, mixed):
    with app.test_request_context():
        round_ = db.session.get(Round, mixed.round_id)
        organiser = db.session.get(User, mixed.organiser_id)
        assert review_progress.remindable(round_, by=organiser) == [mixed.judges[J1]]
        review_progress.remind(round_, [mixed.judges[J1]], by=organiser)
        assert review_progress.remindable(round_, by=organiser) == []


# -- unlocking ----------------------------------------------------------------------------------------

def _unlock(app, setup, sheet_id, reason):
    with app.test_request_context():
        sheet = db.session.get(ScoreSheet, sheet_id)
        result = sheet_unlock.unlock(sheet, reason, by=db.session.get(User, setup.organiser_id))
        db.session.commit()
        return result.id


def test_unlock_reopens_a_submitted_sheet(app, mixed):
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.judge_id == mixed.judges[J1],
                                                           ScoreSheet.status == SheetStatus.SUBMITTED))
        sheet_id, version, submitted_at = sheet.id, sheet.version, sheet.submitted_at
    _unlock(app, mixed, sheet_id, "  Criterion 2 was scored on the wrong scale.  ")
    with app.app_context():
        sheet = db.session.get(ScoreSheet, sheet_id)
        assert sheet.status == SheetStatus.DRAFT
        assert sheet.unlocked_at is not None
        assert sheet.unlock_reason == "Criterion 2 was scored on the wrong scale."
        assert sheet.submit_key is None
        assert sheet.version == version + 1
        assert sheet.scores[str(mixed.criteria[0])] == "8.5"  # the judge's work is kept
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.unlocked"))
        assert entry.object_id == sheet_id and entry.contest_id == mixed.contest_id
        assert entry.actor_id == mixed.organiser_id
        assert entry.old_values["status"] == "submitted"
        assert entry.old_values["total"] == "8.1000"
        assert entry.old_values["scores"] == {str(mixed.criteria[0]): "8.5", str(mixed.criteria[1]): "7"}
        assert entry.old_values["submitted_at"].startswith(submitted_at.isoformat()[:16])
        assert entry.new_values == {"status": "draft", "reason": "Criterion 2 was scored on the wrong scale."}
    (to, subject, body), = _outbox(app)
    assert to == J1
    assert "Criterion 2 was scored on the wrong scale." in body
    assert f"/judge/rounds/{mixed.round_id}/projects/{mixed.projects[0]}" in body


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_unlock_requires_a_reason(app, mixed, reason):
    with app.app_context():
        sheet_id = db.session.scalar(select(ScoreSheet.id).where(ScoreSheet.judge_id == mixed.judges[J1],
                                                                 ScoreSheet.status == SheetStatus.SUBMITTED))
    with pytest.raises(Invalid):
        _unlock(app, mixed, sheet_id, reason)
    with app.app_context():
        assert db.session.get(ScoreSheet, sheet_id).status == SheetStatus.SUBMITTED
    assert _outbox(app) == []


@pytest.mark.parametrize("status", [SheetStatus.DRAFT, SheetStatus.RECUSED])
def test_unlock_only_submitted_sheets(app, mixed, status):
    with app.app_context():
        sheet_id = db.session.scalar(select(ScoreSheet.id).where(ScoreSheet.status == status))
    with pytest.raises(Conflict):
        _unlock(app, mixed, sheet_id, "Because.")
    with app.app_context():
        assert db.session.get(ScoreSheet, sheet_id).status == status
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.unlocked")) is None


def test_unlock_twice_is_a_conflict(app, mixed):
    with app.app_context():
        sheet_id = db.session.scalar(select(ScoreSheet.id).where(ScoreSheet.judge_id == mixed.judges[J1],
                                                                 ScoreSheet.status == SheetStatus.SUBMITTED))
    _unlock(app, mixed, sheet_id, "Once.")
    with pytest.raises(Conflict):
        _unlock(app, mixed, sheet_id, "Twice.")


def test_unlock_refuses_a_judge(app, mixed):
    with app.test_request_context():
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.status == SheetStatus.SUBMITTED))
        with pytest.raises(Forbidden):
            sheet_unlock.unlock(sheet, "Let me in.", by=db.session.get(User, mixed.judges[J1]))
