"""Advancement: selecting above a cut, warnings at the cut line, entering projects in a later round."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationStatus, AuditEntry, Contest, Round, RoundEntry, RoundKind, User,
)
from roadshow.scoring.model import FLAG_LOT, FLAG_TIED, FLAG_UNCERTAIN, Method, RoundResult, Row
from roadshow.services import advancement
from roadshow.services.errors import Forbidden, Invalid
from tests.helpers import create_user, make_contest
from tests.review_builders import make_review


def row(project, rank, aggregate, *, track=None, p=1.0, low=None, high=None, decided_by=None, flags=()):
    return Row(project=project, track=track, rank=rank, n_sheets=3, raw_mean=aggregate, aggregate=aggregate,
               normalised=None, median=aggregate, spread=1.0, rank_low=low or rank, rank_high=high or rank,
               p_top_n=p, loo_max_shift=0, decided_by=decided_by, flags=tuple(flags))


def result(rows, *, top_n=2, by_track=None):
    return RoundResult(rows=tuple(rows), by_track=by_track or {None: tuple(rows)}, judges=(), kendalls_w=None,
                       icc=None, method=Method(top_n=top_n))


# -- selection and warnings (pure) ---------------------------------------------------------------------

def test_selection_helpers():
    rows = [row(11, 1, 90.0, track=1), row(12, 2, 80.0, track=2), row(13, 3, 70.0, track=1),
            row(14, 4, None, track=2)]
    by_track = {1: (row(11, 1, 90.0, track=1), row(13, 2, 70.0, track=1)),
                2: (row(12, 1, 80.0, track=2), row(14, 2, None, track=2))}
    res = result(rows, by_track=by_track)
    assert advancement.top_overall(res, 2) == [11, 12]
    assert advancement.top_overall(res, 10) == [11, 12, 13]  # no sheets: never advanced by a cut
    assert advancement.top_per_track(res, 1) == {1: [11], 2: [12]}
    assert advancement.above_threshold(res, 75) == [11, 12]
    assert advancement.above_threshold(res, 70) == [11, 12, 13]


def test_no_warning_on_a_clean_cut():
    rows = [row(1, 1, 90.0), row(2, 2, 80.0), row(3, 3, 70.0)]
    assert advancement.cut_warnings(result(rows), 2) == []


def test_tie_at_the_line_is_a_warning():
    rows = [row(1, 1, 90.0), row(2, 2, 80.0, flags=[FLAG_TIED]), row(3, 2, 80.0, flags=[FLAG_TIED]),
            row(4, 4, 70.0)]
    warnings = advancement.cut_warnings(result(rows, top_n=5), 2, names={2: "Pump", 3: "Valve"})
    assert [w.kind for w in warnings] == [advancement.TIE]
    assert warnings[0].project_ids == (2, 3)
    assert "Pump" in warnings[0].message and "Valve" in warnings[0].message
    # a cut that does not split the tie is fine
    assert advancement.cut_warnings(result(rows, top_n=5), 3) == []


def test_separated_only_by_lot_is_a_warning():
    rows = [row(1, 1, 90.0), row(2, 2, 80.0, flags=[FLAG_LOT]), row(3, 3, 80.0, decided_by="lot", flags=[FLAG_LOT])]
    warnings = advancement.cut_warnings(result(rows, top_n=5), 2)
    assert [(w.kind, w.project_ids) for w in warnings] == [(advancement.LOT, (2, 3))]


def test_uncertain_p_top_n_is_a_warning():
    rows = [row(1, 1, 90.0), row(2, 2, 80.0, p=0.6, flags=[FLAG_UNCERTAIN]),
            row(3, 3, 79.0, p=0.4, flags=[FLAG_UNCERTAIN]), row(4, 4, 50.0, p=0.0)]
    warnings = advancement.cut_warnings(result(rows, top_n=2), 2)
    assert [(w.kind, w.project_ids) for w in warnings] == [(advancement.UNCERTAIN, (2, 3))]


def test_uncertain_rank_interval_when_n_is_not_the_rounds_top_n():
    rows = [row(1, 1, 90.0), row(2, 2, 80.0, low=2, high=4), row(3, 3, 79.0, low=2, high=3), row(4, 4, 50.0)]
    warnings = advancement.cut_warnings(result(rows, top_n=10), 3)
    assert [(w.kind, w.project_ids) for w in warnings] == [(advancement.UNCERTAIN, (2,))]
    assert advancement.cut_warnings(result(rows, top_n=10), 1) == []


def test_tie_within_a_track():
    by_track = {7: (row(1, 1, 90.0, track=7), row(2, 2, 80.0, track=7), row(3, 2, 80.0, track=7))}
    res = result([row(1, 1, 90.0, track=7), row(2, 2, 80.0, track=7), row(3, 2, 80.0, track=7)], by_track=by_track)
    assert [w.kind for w in advancement.cut_warnings(res, 2, track=7)] == [advancement.TIE]
    assert advancement.cut_warnings(res, 1, track=7) == []


# -- advancing ---------------------------------------------------------------------------------------

def _two_rounds(app):
    setup = make_review(app, projects=4)
    with app.app_context():
        contest = db.session.get(Contest, setup.contest_id)
        final = Round(contest=contest, position=2, kind=RoundKind.FINAL, name_zh="决赛", name_en="Final")
        db.session.add(final)
        db.session.commit()
        return setup, final.id


def _load(setup, final_id):
    return (db.session.get(Round, setup.round_id), db.session.get(Round, final_id),
            db.session.get(User, setup.organiser_id))


def test_advance_enters_projects_with_reasons_and_audits(app):
    setup, final_id = _two_rounds(app)
    with app.test_request_context():
        round_, final, organiser = _load(setup, final_id)
        added = advancement.advance(round_, final, setup.projects[:2], by=organiser, reason="Top 2 overall",
                                    basis={"kind": advancement.TOP_OVERALL, "n": 2})
        db.session.commit()
        assert added == setup.projects[:2]
        entries = db.session.scalars(select(RoundEntry).where(RoundEntry.round_id == final_id)
                                     .order_by(RoundEntry.application_id)).all()
        assert [(e.application_id, e.reason, e.advanced_from_round_id, e.entered_by_id) for e in entries] == [
            (setup.projects[0], "Top 2 overall", setup.round_id, setup.organiser_id),
            (setup.projects[1], "Top 2 overall", setup.round_id, setup.organiser_id)]
        assert db.session.get(Application, setup.projects[0]).status == ApplicationStatus.ADVANCED
        assert db.session.get(Application, setup.projects[2]).status == ApplicationStatus.SCREENED_IN
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "round.advanced"))
        assert entry.new_values["advanced"] == setup.projects[:2]
        assert entry.new_values["basis"] == {"kind": "top_overall", "n": 2}

        # again, with one more: the ones already entered are skipped
        added = advancement.advance(round_, final, setup.projects[:3], by=organiser,
                                    reason={setup.projects[0]: "x", setup.projects[1]: "x",
                                            setup.projects[2]: "Strong late pitch"},
                                    basis={"kind": advancement.HAND_PICKED})
        db.session.commit()
        assert added == [setup.projects[2]]
        assert db.session.scalar(select(RoundEntry.reason).where(
            RoundEntry.round_id == final_id, RoundEntry.application_id == setup.projects[2])) == "Strong late pitch"


def test_hand_picked_without_a_reason_is_refused(app):
    setup, final_id = _two_rounds(app)
    with app.test_request_context():
        round_, final, organiser = _load(setup, final_id)
        with pytest.raises(Invalid):
            advancement.advance(round_, final, [setup.projects[3]], by=organiser, reason="  ",
                                basis={"kind": advancement.HAND_PICKED})
        with pytest.raises(Invalid):
            advancement.advance(round_, final, [setup.projects[3], setup.projects[2]], by=organiser,
                                reason={setup.projects[3]: "Good"}, basis={"kind": advancement.HAND_PICKED})
        assert db.session.scalar(select(RoundEntry.id).where(RoundEntry.round_id == final_id)) is None


def test_advance_refuses_an_earlier_round_and_another_contest(app):
    setup, final_id = _two_rounds(app)
    create_user(app, "org2@example.com")
    other_id = make_contest(app, "other", organiser_email="org@example.com")
    with app.test_request_context():
        round_, final, organiser = _load(setup, final_id)
        other_round = Round(contest_id=other_id, position=2, kind=RoundKind.FINAL, name_zh="决赛")
        db.session.add(other_round)
        db.session.flush()
        basis = {"kind": advancement.TOP_OVERALL, "n": 1}
        with pytest.raises(Invalid):  # backwards
            advancement.advance(final, round_, [setup.projects[0]], by=organiser, reason="r", basis=basis)
        with pytest.raises(Invalid):  # the same round
            advancement.advance(round_, round_, [setup.projects[0]], by=organiser, reason="r", basis=basis)
        with pytest.raises(Invalid):  # another contest
            advancement.advance(round_, other_round, [setup.projects[0]], by=organiser, reason="r", basis=basis)
        with pytest.raises(Invalid):  # not a project of this round
            advancement.advance(round_, final, [999999], by=organiser, reason="r", basis=basis)
        with pytest.raises(Invalid):  # no basis
            advancement.advance(round_, final, [setup.projects[0]], by=organiser, reason="r", basis={})
        stranger = db.session.get(User, setup.judges["judge@example.com"])
        with pytest.raises(Forbidden):
            advancement.advance(round_, final, [setup.projects[0]], by=stranger, reason="r", basis=basis)


def test_later_rounds(app):
    setup, final_id = _two_rounds(app)
    with app.test_request_context():
        round_, final, _ = _load(setup, final_id)
        assert [r.id for r in advancement.later_rounds(round_)] == [final_id]
        assert advancement.later_rounds(final) == []
