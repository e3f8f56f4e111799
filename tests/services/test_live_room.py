"""The live room's state and the organisers' controls, at the service level."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roadshow.extensions import db
from roadshow.models import User, utcnow
from roadshow.models.live import LiveSession, LiveSlot, Question, QuestionStatus
from roadshow.services import live_room, live_scoring, live_state
from roadshow.services.errors import Forbidden
from tests.realtime.test_live_namespace import J1, OBS, OBS2, ORG, make_live
from tests.review_builders import add_conflict


@pytest.fixture
def room(app):
    return make_live(app)


def _live(room):
    return db.session.get(LiveSession, room.session_id)


def test_timer_math_is_start_plus_duration(app, room):
    with app.test_request_context():
        slot = db.session.get(LiveSlot, room.slots[0])
        now = utcnow()
        slot.timer_started_at, slot.timer_seconds = now - timedelta(seconds=100), 480
        assert live_room.timer_remaining(slot, now) == pytest.approx(380)
        slot.timer_started_at, slot.timer_remaining = None, 42
        assert live_room.timer_remaining(slot, now) == 42
        slot.video_playing, slot.video_position, slot.video_at = True, 10, now - timedelta(seconds=5)
        assert live_room.video_position(slot, now) == pytest.approx(15)
        slot.video_playing = False
        assert live_room.video_position(slot, now) == 10


def test_controls_need_live_manage_and_change_nothing_otherwise(app, room):
    with app.test_request_context():
        with pytest.raises(Forbidden):
            live_room.control(_live(room), User.by_email(J1), {"action": "start_session"})
        db.session.rollback()
        assert _live(room).state.value == "scheduled"
        live_room.control(_live(room), User.by_email(ORG), {"action": "start_session"})
        db.session.commit()
        live = _live(room)
        assert live.state.value == "live" and live.current_slot_id == room.slots[0]
        assert db.session.get(LiveSlot, room.slots[0]).started_at is not None


def test_snapshot_is_filtered_for_the_viewer(app, room):
    with app.test_request_context():
        author = User.by_email(OBS2)
        db.session.add_all([
            Question(session_id=room.session_id, author_id=author.id, text="Pending", status=QuestionStatus.PENDING),
            Question(session_id=room.session_id, author_id=author.id, text="Public", anonymous=True,
                     status=QuestionStatus.APPROVED),
            Question(session_id=room.session_id, author_id=author.id, text="Judges", judges_only=True,
                     status=QuestionStatus.APPROVED),
        ])
        db.session.commit()
        organiser = live_state.snapshot(_live(room), User.by_email(ORG))
        judge = live_state.snapshot(_live(room), User.by_email(J1))
        viewer = live_state.snapshot(_live(room), User.by_email(OBS))
        assert [q["text"] for q in organiser["questions"]] == ["Pending", "Public", "Judges"]
        assert organiser["questions"][1]["author"] == "Obs2"
        assert [q["text"] for q in judge["questions"]] == ["Public", "Judges"]
        assert [(q["text"], q["author"]) for q in viewer["questions"]] == [("Public", None)]
        assert (organiser["role"], judge["role"], viewer["role"]) == ("organiser", "judge", "observer")
        assert organiser["leaderboard"] == [] and viewer["leaderboard"] is None


def test_expected_judges_exclude_the_conflicted(app, room):
    add_conflict(app, room.review.judges[J1], room.projects[0])
    with app.test_request_context():
        slot = db.session.get(LiveSlot, room.slots[0])
        assert live_scoring.counts(slot) == (0, 1)
        assert not live_scoring.may_score(User.by_email(J1), _live(room), slot)
        other = db.session.get(LiveSlot, room.slots[1])
        assert live_scoring.counts(other) == (0, 2)


def test_unscored_session_has_no_counts_and_refuses_the_window(app):
    room = make_live(app, scored=False)
    with app.test_request_context():
        live_room.control(_live(room), User.by_email(ORG), {"action": "start_session"})
        db.session.commit()
        assert live_scoring.counts(db.session.get(LiveSlot, room.slots[0])) == (0, 0)
        with pytest.raises(Exception) as refused:
            live_room.control(_live(room), User.by_email(ORG), {"action": "scoring_open"})
        assert refused.value.code == "not_scored"
