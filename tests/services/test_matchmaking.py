"""Matchmaking: interest in projects listed and exported; letters of intent added, changed, removed,
validated, audited and exported."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, Contest, Interest, LetterOfIntent, LetterStatus, User
from roadshow.services import matchmaking, spreadsheet_files
from roadshow.services.errors import Forbidden, Invalid, NotFound
from tests.helpers import create_user, make_contest
from tests.review_builders import make_review

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def world(app):
    return make_review(app, projects=3)


def _people(world):
    return db.session.get(Contest, world.contest_id), db.session.get(User, world.organiser_id)


def test_letters_are_added_updated_removed_and_audited(app, world):
    with app.test_request_context():
        contest, organiser = _people(world)
        letter = matchmaking.add_letter(contest, by=organiser, application_id=world.projects[0],
                                        organisation=" 苏州工业园区 ", amount="5000000", note="Lab space")
        db.session.commit()
        assert letter.organisation == "苏州工业园区" and letter.status == LetterStatus.INTENDED
        assert letter.amount == Decimal("5000000.00")
        matchmaking.update_letter(contest, letter.id, by=organiser, organisation="苏州工业园区", status="signed",
                                  amount="", note="Lab space")
        db.session.commit()
        assert letter.status == LetterStatus.SIGNED and letter.amount is None
        assert [l.id for l in matchmaking.letters(contest, by=organiser)] == [letter.id]
        matchmaking.remove_letter(contest, letter.id, by=organiser)
        db.session.commit()
        assert db.session.scalar(select(LetterOfIntent)) is None
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("live.letter%"))
                                          .order_by(AuditEntry.id)))
        assert actions == ["live.letter_added", "live.letter_changed", "live.letter_removed"]
        changed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "live.letter_changed"))
        assert changed.new_values == {"status": "signed", "amount": None}


@pytest.mark.parametrize("values, field", [
    (dict(organisation=""), "organisation"),
    (dict(organisation="x" * 201), "organisation"),
    (dict(amount="-1"), "amount"),
    (dict(amount="1.234"), "amount"),
    (dict(amount="abc"), "amount"),
    (dict(amount="NaN"), "amount"),
    (dict(status="maybe"), "status"),
    (dict(application_id=999999), "application_id"),
])
def test_letters_are_validated(app, world, values, field):
    with app.test_request_context():
        contest, organiser = _people(world)
        body = dict(application_id=world.projects[0], organisation="Park", status="intended", amount=None, note="")
        body.update(values)
        with pytest.raises(Invalid) as refused:
            matchmaking.add_letter(contest, by=organiser, **body)
        assert refused.value.status == 422 and refused.value.field == field


def test_letters_of_another_contest_are_not_found_and_others_are_refused(app, world):
    with app.test_request_context():
        contest, organiser = _people(world)
        letter_id = matchmaking.add_letter(contest, by=organiser, application_id=world.projects[0],
                                           organisation="Park").id
        db.session.commit()
    create_user(app, "org2@example.com")
    other_id = make_contest(app, "other", organiser_email="org2@example.com")
    with app.test_request_context():
        other, other_organiser = db.session.get(Contest, other_id), User.by_email("org2@example.com")
        with pytest.raises(NotFound):
            matchmaking.remove_letter(other, letter_id, by=other_organiser)
        with pytest.raises(Invalid):   # a project of another contest
            matchmaking.add_letter(other, by=other_organiser, application_id=world.projects[0], organisation="x")
        contest = db.session.get(Contest, world.contest_id)
        with pytest.raises(Forbidden):
            matchmaking.letters(contest, by=other_organiser)
        with pytest.raises(Forbidden):
            matchmaking.interests(contest, by=User.by_email("judge@example.com"))


def test_letters_export_as_csv_and_xlsx(app, world):
    with app.test_request_context(headers=ENGLISH):
        contest, organiser = _people(world)
        matchmaking.add_letter(contest, by=organiser, application_id=world.projects[1], organisation="=Evil Fund",
                               status="negotiating", amount="1200000.50", note="Term sheet")
        db.session.commit()
        header, rows = matchmaking.letter_table(contest, by=organiser)
    assert header[:5] == ["Project ID", "Project", "Organisation", "Status", "Amount (CNY)"]
    assert rows[0][:5] == [world.projects[1], "Project 2", "=Evil Fund", "Negotiating", Decimal("1200000.50")]
    text = spreadsheet_files.write_csv(header, rows).decode("utf-8-sig")
    assert "'=Evil Fund" in text and "1200000.50" in text
    sheet = load_workbook(io.BytesIO(spreadsheet_files.write_xlsx(header, rows, "Letters"))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][2] == "'=Evil Fund" and float(values[1][4]) == 1200000.5


def test_interest_is_listed_per_project_and_exported(app, world):
    with app.test_request_context(headers=ENGLISH):
        contest, organiser = _people(world)
        investor = User.by_email("judge2@example.com")
        judge = User.by_email("judge@example.com")
        db.session.add_all([
            Interest(application_id=world.projects[0], user_id=investor.id, organisation="Sequoia", follow_up=True,
                     note="Call me"),
            Interest(application_id=world.projects[0], user_id=judge.id, organisation="District", follow_up=False),
            Interest(application_id=world.projects[2], user_id=investor.id, organisation="Sequoia", follow_up=False),
        ])
        db.session.commit()
        groups = matchmaking.interest_by_project(contest, by=organiser)
        assert [g.application.id for g in groups] == [world.projects[0], world.projects[2]]
        assert (len(groups[0].interests), groups[0].follow_ups) == (2, 1)
        header, rows = matchmaking.interest_table(contest, by=organiser)
    assert header[:6] == ["Project ID", "Project", "Name", "Email", "Organisation", "Follow-up"]
    assert [world.projects[0], "Project 1", investor.display_name, "judge2@example.com", "Sequoia", "Yes",
            "Call me"] in [row[:7] for row in rows]
    assert len(rows) == 3
