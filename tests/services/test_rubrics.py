"""Rubric criteria and a round's review settings: validation, freezing, opening scoring."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationStatus, AuditEntry, Criterion, RoundEntry, Round, ScoreSheet, SheetStatus, User,
)
from roadshow.scoring.sheets import CriterionRule
from roadshow.services import review_rounds, rubrics
from roadshow.services.errors import Conflict, Invalid
from tests.application_builders import add_application
from tests.review_builders import make_review


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """The messages checked below are the English ones (the default language is Chinese)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


GOOD = dict(name_zh="可行性", name_en="Feasibility", description_zh="", description_en="", max_points="10",
            weight="0.5", step="0.5", descriptors="10 | 优秀 | Excellent\n7.5 | 良好 | Good\n", comment_required=True)


@pytest.fixture
def editable(app):
    return make_review(app, open_scoring=False)


def _round_and_org(setup):
    return db.session.get(Round, setup.round_id), db.session.get(User, setup.organiser_id)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Criterion))


def test_add_criterion_stores_parsed_descriptors_and_audits(app, editable):
    with app.test_request_context():
        round_, org = _round_and_org(editable)
        criterion = rubrics.add_criterion(round_, by=org, **GOOD)
        db.session.commit()
        assert criterion.position == 3  # after the builder's 0, 1, 2
        assert criterion.max_points == Decimal(10) and criterion.step == Decimal("0.5")
        assert criterion.descriptors == [{"score": "7.5", "zh": "良好", "en": "Good"},
                                         {"score": "10", "zh": "优秀", "en": "Excellent"}]
        assert rubrics.descriptors_text(criterion).splitlines()[0] == "7.5 | 良好 | Good"
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "rubric.criterion_added"
        rules = rubrics.rules(round_)
        assert isinstance(rules[0], CriterionRule) and len(rules) == 4
        assert rubrics.maximum(round_) == Decimal("10") * (Decimal("0.4") + Decimal("0.3") + Decimal("0.3")) + 5


@pytest.mark.parametrize("changes, field", [
    ({"step": "0.25"}, "step"),
    ({"max_points": "7.5", "step": "1"}, "max_points"),
    ({"max_points": "0"}, "max_points"),
    ({"max_points": "1001"}, "max_points"),
    ({"max_points": "NaN"}, "max_points"),
    ({"weight": "0"}, "weight"),
    ({"weight": "-1"}, "weight"),
    ({"weight": "abc"}, "weight"),
    ({"name_zh": "  "}, "name_zh"),
    ({"descriptors": "10 Excellent"}, "descriptors"),
    ({"descriptors": "11 | 超 | Over"}, "descriptors"),
    ({"descriptors": "7.25 | 半 | Half"}, "descriptors"),
    ({"descriptors": "x | 好 | Good"}, "descriptors"),
    ({"descriptors": "8 | 好 | Good\n8 | 好 | Again"}, "descriptors"),
    ({"descriptors": "8 |  | "}, "descriptors"),
])
def test_invalid_criterion_is_refused_and_nothing_stored(app, editable, changes, field):
    with app.test_request_context():
        round_, org = _round_and_org(editable)
        before = _count()
        with pytest.raises(Invalid) as caught:
            rubrics.add_criterion(round_, by=org, **{**GOOD, **changes})
        assert caught.value.status == 422
        assert field in caught.value.details
        db.session.rollback()
        assert _count() == before


def test_update_move_and_remove(app, editable):
    with app.test_request_context():
        round_, org = _round_and_org(editable)
        first, second, third = editable.criteria
        rubrics.update_criterion(round_, second, by=org, **GOOD)
        assert db.session.get(Criterion, second).name_zh == "可行性"
        with pytest.raises(Invalid):
            rubrics.update_criterion(round_, second, by=org, **{**GOOD, "step": "0.25"})
        db.session.rollback()
        rubrics.move_criterion(round_, third, -1, by=org)
        rubrics.move_criterion(round_, first, -1, by=org)  # already first: nothing moves
        assert [c.id for c in rubrics.criteria(round_)] == [first, third, second]
        rubrics.remove_criterion(round_, first, by=org)
        db.session.commit()
        assert [c.id for c in rubrics.criteria(round_)] == [third, second]


def test_frozen_rubric_refuses_every_change(app):
    setup = make_review(app, open_scoring=True)
    with app.test_request_context():
        round_, org = _round_and_org(setup)
        cid = setup.criteria[0]
        for change in (lambda: rubrics.add_criterion(round_, by=org, **GOOD),
                       lambda: rubrics.update_criterion(round_, cid, by=org, **GOOD),
                       lambda: rubrics.remove_criterion(round_, cid, by=org),
                       lambda: rubrics.move_criterion(round_, cid, 1, by=org)):
            with pytest.raises(Conflict) as caught:
                change()
            assert caught.value.status == 409 and "frozen" in caught.value.message
        db.session.rollback()
        assert [c.id for c in rubrics.criteria(round_)] == setup.criteria


def test_open_scoring_needs_criteria_then_freezes(app, editable):
    with app.test_request_context():
        round_, org = _round_and_org(editable)
        for cid in editable.criteria:
            rubrics.remove_criterion(round_, cid, by=org)
        with pytest.raises(Invalid) as caught:
            review_rounds.open_scoring(round_, by=org)
        assert "no criteria" in caught.value.message
        assert round_.scoring_opened_at is None
        rubrics.add_criterion(round_, by=org, **GOOD)
        review_rounds.open_scoring(round_, by=org)
        db.session.commit()
        assert round_.rubric_frozen
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "round.scoring_opened"
        with pytest.raises(Conflict):
            review_rounds.open_scoring(round_, by=org)


def test_settings_are_checked(app, editable):
    with app.test_request_context():
        round_, org = _round_and_org(editable)
        for bad in (0, 21, True):
            with pytest.raises(Invalid):
                review_rounds.update_settings(round_, by=org, judges_per_project=bad, judges_see_peer_scores=False)
        review_rounds.update_settings(round_, by=org, judges_per_project=4, judges_see_peer_scores=True)
        db.session.commit()
        assert (round_.judges_per_project, round_.judges_see_peer_scores) == (4, True)


def test_entries_enter_screened_in_and_remove(app, editable):
    contest_id = editable.contest_id
    extra = add_application(app, contest_id, status=ApplicationStatus.ADVANCED, project="Later")
    add_application(app, contest_id, status=ApplicationStatus.SUBMITTED, project="Not screened")
    with app.test_request_context():
        round_, org = _round_and_org(editable)
        assert review_rounds.enter_screened_in(round_, by=org) == 1
        assert review_rounds.enter_screened_in(round_, by=org) == 0
        assert extra in {e.application_id for e in review_rounds.entries(round_)}
        review_rounds.remove_entry(round_, extra, by=org)
        db.session.commit()
        assert extra not in review_rounds.entered_ids(round_)


def test_entry_with_a_submitted_sheet_cannot_be_removed(app):
    setup = make_review(app, assign={"judge@example.com": [0]})
    with app.test_request_context():
        round_, org = _round_and_org(setup)
        db.session.add(ScoreSheet(round_id=round_.id, judge_id=setup.judges["judge@example.com"],
                                  application_id=setup.projects[0], status=SheetStatus.SUBMITTED))
        db.session.commit()
        with pytest.raises(Conflict):
            review_rounds.remove_entry(round_, setup.projects[0], by=org)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(RoundEntry).where(
            RoundEntry.application_id == setup.projects[0])) == 1
        # a project without submitted sheets goes, with its assignments
        review_rounds.remove_entry(round_, setup.projects[1], by=org)
        db.session.commit()
        assert setup.projects[1] not in review_rounds.entered_ids(round_)
        assert db.session.get(Application, setup.projects[1]) is not None
