"""Paper score sheets imported from a spreadsheet: checked row by row, all or nothing, audited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, Round, ScoreSheet, SheetSource, SheetStatus, User, utcnow
from roadshow.services import paper_sheets, spreadsheet_files
from roadshow.services.errors import Conflict, Forbidden
from roadshow.services.spreadsheet_import import ImportRejected
from tests.review_builders import add_conflict, make_review

J1, J2, J3 = "judge@example.com", "judge2@example.com", "judge3@example.com"
HEADER = ["judge email", "project id", "project name", "技术创新", "Market", "团队", "技术创新 评语", "overall comment"]


@pytest.fixture
def setup(app):
    return make_review(app, judges=(J1, J2, J3), projects=3, assign={J1: [0, 1, 2], J2: [0, 1], J3: [2]})


def _rows(*rows):
    return [(n, list(cells)) for n, cells in enumerate(rows, start=1)]


def _import(app, setup, rows, *, by="org@example.com", filename="panel.csv"):
    round_ = db.session.get(Round, setup.round_id)
    return paper_sheets.import_rows(round_, rows, by=User.by_email(by), filename=filename)


def _sheets(app):
    return db.session.scalars(select(ScoreSheet).order_by(ScoreSheet.id)).all()


def test_happy_path_stores_submitted_paper_sheets_with_server_totals_and_an_audit_entry(app, setup):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        stored = _import(app, setup, _rows(
            HEADER,
            [J1, str(setup.projects[0]), "", "8.5", "7", "9", "Solid", "Fund it"],
            [J2, "", "Project 2", "6", "6", "5", "ok", ""],
        ))
        db.session.commit()
        assert len(stored) == 2
        sheets = _sheets(app)
        assert [(s.judge_id, s.application_id) for s in sheets] == [(setup.judges[J1], setup.projects[0]),
                                                                   (setup.judges[J2], setup.projects[1])]
        first = sheets[0]
        assert first.status == SheetStatus.SUBMITTED and first.source == SheetSource.PAPER
        assert first.submitted_at is not None
        assert first.scores == {str(setup.criteria[0]): "8.5", str(setup.criteria[1]): "7", str(setup.criteria[2]): "9"}
        assert first.total == Decimal("0.4") * Decimal("8.5") + Decimal("0.3") * 7 + Decimal("0.3") * 9
        assert first.comments == {str(setup.criteria[0]): "Solid"} and first.overall_comment == "Fund it"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.paper_imported"))
        assert entry.new_values["file"] == "panel.csv" and entry.new_values["rows"] == 2
        assert {s["id"] for s in entry.new_values["sheets"]} == {s.id for s in sheets}
        assert entry.actor_label == "org@example.com"


def test_an_online_draft_is_replaced_and_the_judges_workspace_sees_a_submitted_sheet(app, setup):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        db.session.add(ScoreSheet(round_id=setup.round_id, judge_id=setup.judges[J1],
                                  application_id=setup.projects[0], status=SheetStatus.DRAFT,
                                  scores={str(setup.criteria[1]): "3"}, total=Decimal("0.9")))
        db.session.commit()
        _import(app, setup, _rows(HEADER, [J1, str(setup.projects[0]), "", "10", "10", "10", "Top", ""]))
        db.session.commit()
        (sheet,) = _sheets(app)
        assert sheet.status == SheetStatus.SUBMITTED and sheet.source == SheetSource.PAPER
        assert sheet.total == Decimal("10.0")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.paper_imported"))
        assert entry.new_values["replaced_drafts"] == [sheet.id]


@pytest.mark.parametrize("row, message", [
    (lambda s: [J1, str(s.projects[0]), "", "8.25", "7", "9", "x", ""], "step"),             # off-step score
    (lambda s: [J1, str(s.projects[0]), "", "11", "7", "9", "x", ""], "Out of range"),
    (lambda s: [J1, str(s.projects[0]), "", "8", "", "9", "x", ""], "missing"),
    (lambda s: [J1, str(s.projects[0]), "", "8", "7", "9", "", ""], "requires a comment"),
    (lambda s: [J1, str(s.projects[0]), "", "abc", "7", "9", "x", ""], "Not a number"),
    (lambda s: ["nobody@example.com", str(s.projects[0]), "", "8", "7", "9", "x", ""], "not a judge of this contest"),
    (lambda s: ["org@example.com", str(s.projects[0]), "", "8", "7", "9", "x", ""], "not a judge of this contest"),
    (lambda s: [J2, str(s.projects[2]), "", "8", "7", "9", "x", ""], "not assigned"),         # unassigned
    (lambda s: [J1, "999999", "", "8", "7", "9", "x", ""], "No project with id"),
    (lambda s: [J1, "", "No such project", "8", "7", "9", "x", ""], "No project named"),
])
def test_one_bad_row_rejects_the_whole_file(app, setup, row, message):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        good = [J3, str(setup.projects[2]), "", "8", "7", "9", "x", ""]
        with pytest.raises(ImportRejected) as caught:
            _import(app, setup, _rows(HEADER, good, row(setup)))
        db.session.rollback()
        assert not _sheets(app)
        errors = caught.value.errors
        assert any(message in e.message and e.row == 3 for e in errors), [(e.row, e.message) for e in errors]
        assert all(e.row == 3 for e in errors)
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.paper_imported")) is None


def test_conflicted_judge_duplicates_and_existing_sheets_are_row_errors(app, setup):
    add_conflict(app, setup.judges[J2], setup.projects[1])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        db.session.add(ScoreSheet(round_id=setup.round_id, judge_id=setup.judges[J3],
                                  application_id=setup.projects[2], status=SheetStatus.SUBMITTED,
                                  scores={}, total=Decimal(5), submitted_at=utcnow()))
        db.session.commit()
        with pytest.raises(ImportRejected) as caught:
            _import(app, setup, _rows(
                HEADER,
                [J1, str(setup.projects[0]), "", "8", "7", "9", "x", ""],
                [J1, "", "Project 1", "8", "7", "9", "x", ""],       # same pair again
                [J2, str(setup.projects[1]), "", "8", "7", "9", "x", ""],  # conflicted
                [J3, str(setup.projects[2]), "", "8", "7", "9", "x", ""],  # already submitted
            ))
        db.session.rollback()
        by_row = {e.row: e.message for e in caught.value.errors}
        assert "Same judge and project as row 2" in by_row[3]
        assert "conflict of interest" in by_row[4]
        assert "already submitted" in by_row[5]
        assert 2 not in by_row
        assert len(_sheets(app)) == 1  # only the sheet that was there


def test_header_problems_and_refusals(app, setup):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ImportRejected) as caught:
            _import(app, setup, _rows(["judge email", "project id", "技术创新", "Market", "Colour"],
                                      [J1, str(setup.projects[0]), "8", "7", "blue"]))
        messages = " ".join(e.message for e in caught.value.errors)
        assert "团队" in messages and "Unknown column" in messages
        with pytest.raises(ImportRejected):
            _import(app, setup, _rows(HEADER))
        with pytest.raises(Forbidden):
            _import(app, setup, _rows(HEADER, [J1, str(setup.projects[0]), "", "8", "7", "9", "x", ""]), by=J1)
        round_ = db.session.get(Round, setup.round_id)
        round_.scoring_opened_at = None
        db.session.commit()
        with pytest.raises(Conflict):
            _import(app, setup, _rows(HEADER, [J1, str(setup.projects[0]), "", "8", "7", "9", "x", ""]))


def test_template_has_every_criterion_and_the_pairs_still_waiting_and_reimports(app, setup):
    add_conflict(app, setup.judges[J2], setup.projects[1])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        round_ = db.session.get(Round, setup.round_id)
        header, rows = paper_sheets.template_rows(round_, "en")
        assert header == ["judge email", "project id", "project name", "Innovation", "Market", "Team",
                          "Innovation comment", "overall comment"]
        pairs = {(r[0], r[1]) for r in rows}
        assert (J2, setup.projects[1]) not in pairs and (J1, setup.projects[0]) in pairs and len(pairs) == 5
        zh_header, _ = paper_sheets.template_rows(round_, "zh")
        assert zh_header[3:6] == ["技术创新", "市场前景", "团队"]
        # the template, filled in and read back from an XLSX, imports
        filled = [[*row, "8", "7", "9", "Good", ""] for row in rows]
        data = spreadsheet_files.write_xlsx(header, filled)
        stored = _import(app, setup, spreadsheet_files.read_rows(data), filename="panel.xlsx")
        db.session.commit()
        assert len(stored) == 5 and all(s.source == SheetSource.PAPER for s in stored)
        _, rows = paper_sheets.template_rows(round_, "en")
        assert rows == []
