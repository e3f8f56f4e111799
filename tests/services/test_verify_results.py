"""``flask roadshow verify-results``: published snapshots recomputed from the stored sheets."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

import roadshow.cli_results  # noqa: F401  (adds the command to the roadshow group)
from roadshow.extensions import db
from roadshow.models import Assignment, Conflict, ConflictSource, Round, ScoreSheet, SheetStatus, User, utcnow
from roadshow.services import publication, result_checks
from tests.services.test_result_exports import JUDGES, ORG, results_world


def _publish(app, world):
    with app.test_request_context():
        round_ = db.session.get(Round, world.round_id)
        org = User.by_email(ORG)
        snapshot = publication.take_snapshot(round_, by=org)
        publication.publish(round_, snapshot, ["rank", "project", "score"], by=org)
        db.session.commit()
        return snapshot.id


def _run(runner):
    return runner.invoke(args=["roadshow", "verify-results"])


def test_clean_published_snapshot_passes_and_unpublished_snapshots_are_not_checked(app, runner):
    world = results_world(app)
    result = _run(runner)
    assert result.exit_code == 0 and "0 snapshot(s)" in result.output
    _publish(app, world)
    with app.test_request_context():  # a later snapshot, never published, is no business of the check
        publication.take_snapshot(db.session.get(Round, world.round_id), by=User.by_email(ORG))
        db.session.commit()
    result = _run(runner)
    assert result.exit_code == 0, result.output
    assert "1 snapshot(s), 12 counted sheet(s)" in result.output


def test_a_counted_sheet_changed_by_sql_is_reported(app, runner):
    world = results_world(app)
    _publish(app, world)
    judge, project = world.judges[JUDGES[0]], world.projects[3]
    with app.app_context():
        db.session.execute(text("UPDATE score_sheets SET total = 10 WHERE judge_id = :j AND application_id = :p"),
                           {"j": judge, "p": project})
        db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    output = result.output
    assert f"[sheet_changed] sheet of judge {judge} / project {project} (Project 4) changed: total 4 -> 10" in output
    assert f"project {project} (Project 4): raw_mean is 4.3333 in the snapshot, 6.3333 recomputed" in output
    assert "[hash]" not in output


def test_a_conflict_made_active_for_a_counted_judge_is_reported(app, runner):
    world = results_world(app)
    _publish(app, world)
    judge, project = world.judges[JUDGES[1]], world.projects[0]
    with app.app_context():
        db.session.add(Conflict(contest_id=world.contest_id, judge_id=judge, application_id=project,
                                source=ConflictSource.ORGANIZER, reason="Co-founder", active=True))
        db.session.commit()
    output = _run(runner).output
    assert f"[conflict] counted sheet of judge {judge} / project {project}" in output
    assert f"[sheet_removed] sheet of judge {judge} / project {project}" in output
    assert _run(runner).exit_code == 1


def test_an_unassigned_judge_and_a_tampered_snapshot_are_reported(app, runner):
    world = results_world(app)
    snapshot_id = _publish(app, world)
    judge, project = world.judges[JUDGES[2]], world.projects[1]
    with app.app_context():
        db.session.query(Assignment).filter_by(judge_id=judge, application_id=project).delete()
        db.session.execute(text("UPDATE result_snapshots SET content_hash = :h WHERE id = :i"),
                           {"h": "0" * 64, "i": snapshot_id})
        db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    assert f"[unassigned] counted sheet of judge {judge} / project {project}" in result.output
    assert "[hash] the stored method, ranking and sheets do not hash to 0000" in result.output
    with app.app_context():
        report = result_checks.verify_published()
        assert not report.ok and {p.kind for p in report.problems} >= {"unassigned", "hash", "sheet_removed"}


def test_a_sheet_submitted_after_publication_is_reported_as_added(app, runner):
    world = results_world(app)
    judge, project = world.judges[JUDGES[2]], world.projects[3]
    with app.app_context():
        db.session.query(ScoreSheet).filter_by(judge_id=judge, application_id=project).delete()
        db.session.commit()
    _publish(app, world)
    assert _run(runner).exit_code == 0
    with app.app_context():
        db.session.add(ScoreSheet(round_id=world.round_id, judge_id=judge, application_id=project,
                                  status=SheetStatus.SUBMITTED, scores={str(c): "9" for c in world.criteria},
                                  total=Decimal(9), submitted_at=utcnow()))
        db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    assert f"[sheet_added] sheet of judge {judge} / project {project} (Project 4) counts now" in result.output
    assert f"project {project} (Project 4): n_sheets is 2 in the snapshot, 3 recomputed" in result.output
