"""Live sessions (organiser side): scheduling, the running order by lot or by hand, the .ics file and
the timeline."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    AuditEntry, Contest, Material, MaterialKind, Question, QuestionStatus, SessionState, User,
    utcnow,
)
from roadshow.services import live_sessions
from roadshow.services.errors import Conflict, Forbidden, Invalid
from tests.review_builders import make_review

START = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(app):
    return make_review(app, projects=6)


def _new_session(setup, **overrides):
    contest = db.session.get(Contest, setup.contest_id)
    organiser = db.session.get(User, setup.organiser_id)
    values = dict(round_id=setup.round_id, title_zh="路演一", title_en="Roadshow, part 1; day one",
                  starts_at=START, format="8+7", stream_url="https://cdn.example.com/live/index.m3u8",
                  meeting_url="", scored=True)
    values.update(overrides)
    return live_sessions.create_session(contest, by=organiser, **values), organiser


def _order(session):
    return [slot.application_id for slot in session.slots]


def test_a_session_is_created_in_utc_with_its_format_and_audited(app, world):
    with app.test_request_context():
        session, _ = _new_session(world)
        db.session.commit()
        assert session.pitch_seconds == 480 and session.qa_seconds == 420
        assert session.starts_at == START and session.state == SessionState.SCHEDULED
        assert live_sessions.format_text(session) == "8+7"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "live.session_created"))
        assert entry.object_id == session.id and entry.contest_id == world.contest_id


@pytest.mark.parametrize("text, expected", [("8+7", (480, 420)), (" 10 + 5 ", (600, 300)), ("1+60", (60, 3600))])
def test_formats_are_parsed(text, expected):
    assert live_sessions.parse_format(text) == expected


@pytest.mark.parametrize("text", ["", "8", "8+", "+7", "0+7", "8+0", "61+5", "8+7+2", "8.5+7", "a+b", "8-7"])
def test_bad_formats_are_refused_with_422(app, text):
    with app.test_request_context():
        with pytest.raises(Invalid) as refused:
            live_sessions.parse_format(text)
        assert refused.value.status == 422 and refused.value.field == "format"


@pytest.mark.parametrize("url, ok", [
    ("", True), ("https://cdn.example.com/a/index.m3u8", True), ("https://cdn.example.com/a/INDEX.M3U8?t=1", True),
    ("http://cdn.example.com/a/index.m3u8", False), ("https://cdn.example.com/a/video.mp4", False),
    ("javascript:alert(1)//.m3u8", False), ("https:///index.m3u8", False), ("https://x.com/a b.m3u8", False),
])
def test_stream_url_must_be_https_hls_or_empty(app, url, ok):
    with app.test_request_context():
        if ok:
            assert live_sessions.check_stream_url(url) == url
        else:
            with pytest.raises(Invalid):
                live_sessions.check_stream_url(url)


def test_meeting_url_must_be_https(app):
    with app.test_request_context():
        assert live_sessions.check_meeting_url(" https://meeting.example.com/j/1 ") == "https://meeting.example.com/j/1"
        with pytest.raises(Invalid):
            live_sessions.check_meeting_url("http://meeting.example.com/j/1")


def test_create_refuses_bad_values_and_other_people(app, world):
    with app.test_request_context():
        with pytest.raises(Invalid):
            _new_session(world, format="90+1")
        with pytest.raises(Invalid):
            _new_session(world, stream_url="https://cdn.example.com/video.mp4")
        with pytest.raises(Invalid):
            _new_session(world, title_zh="  ")
        with pytest.raises(Invalid):
            _new_session(world, round_id=999999)
        judge = User.by_email("judge@example.com")
        with pytest.raises(Forbidden):
            live_sessions.create_session(db.session.get(Contest, world.contest_id), by=judge, round_id=None,
                                         title_zh="x", starts_at=START)


def test_update_is_audited_with_the_changes(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        live_sessions.update_session(session, by=organiser, round_id=world.round_id, title_zh="路演一",
                                     title_en="Part 1", starts_at=START + timedelta(hours=1), format="5+5",
                                     stream_url="", meeting_url="https://meet.example.com/x", scored=False)
        db.session.commit()
        assert (session.pitch_seconds, session.qa_seconds, session.scored) == (300, 300, False)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "live.session_changed"))
        assert set(entry.new_values) == {"title_en", "starts_at", "pitch_seconds", "qa_seconds", "stream_url",
                                         "meeting_url", "scored"}


def test_order_drawn_by_lot_is_reproducible_from_the_recorded_seed(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        order = live_sessions.draw_order(session, by=organiser, seed=12345)
        db.session.commit()
        assert session.order_seed == 12345
        assert _order(session) == order
        assert [slot.position for slot in session.slots] == [1, 2, 3, 4, 5, 6]
        expected = sorted(world.projects)
        random.Random(12345).shuffle(expected)
        assert order == expected
        # the same seed again: the same order; another seed: (here) another order
        assert live_sessions.draw_order(session, by=organiser, seed=12345) == order
        others = {tuple(live_sessions.draw_order(session, by=organiser, seed=seed)) for seed in range(1, 6)}
        assert len(others | {tuple(order)}) > 1
        db.session.commit()
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "live.order_drawn")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.new_values["seed"] == session.order_seed


def test_a_draw_without_a_seed_records_a_fresh_one(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        order = live_sessions.draw_order(session, by=organiser)
        assert session.order_seed is not None
        replay = sorted(world.projects)
        random.Random(session.order_seed).shuffle(replay)
        assert replay == order


def test_the_order_cannot_change_once_live(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        live_sessions.draw_order(session, by=organiser, seed=1)
        session.state = SessionState.LIVE
        db.session.commit()
        with pytest.raises(Conflict) as refused:
            live_sessions.draw_order(session, by=organiser, seed=2)
        assert refused.value.status == 409
        with pytest.raises(Conflict):
            live_sessions.set_order(session, world.projects, by=organiser)


def test_order_by_hand_must_name_each_project_once(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        live_sessions.draw_order(session, by=organiser, seed=7)
        wanted = list(reversed(world.projects))
        assert live_sessions.set_order(session, wanted, by=organiser) == wanted
        assert _order(session) == wanted and session.order_seed is None
        for bad in (wanted[:-1], wanted + [999999], wanted[:-1] + [wanted[0]], [], ["x"]):
            with pytest.raises(Invalid) as refused:
                live_sessions.set_order(session, bad, by=organiser)
            assert refused.value.status == 422
        assert _order(session) == wanted


def test_move_slot_swaps_neighbours(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        live_sessions.set_order(session, world.projects, by=organiser)
        second = session.slots[1]
        live_sessions.move_slot(session, second.id, -1, by=organiser)
        p = world.projects
        assert _order(session) == [p[1], p[0], *p[2:]]


def test_each_slot_gets_the_projects_pitch_video(app, world):
    with app.test_request_context():
        video = Material(application_id=world.projects[2], kind=MaterialKind.PITCH_VIDEO, original_filename="p.mp4",
                         storage_key="f" * 32, content_type="video/mp4", size_bytes=10, sha256="0" * 64)
        db.session.add(video)
        session, organiser = _new_session(world)
        live_sessions.set_order(session, world.projects, by=organiser)
        assert [slot.video_material_id for slot in session.slots] == [None, None, video.id, None, None, None]


def test_a_session_without_round_takes_any_subset_by_hand_but_no_draw(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world, round_id=None)
        with pytest.raises(Invalid):
            live_sessions.draw_order(session, by=organiser)
        assert live_sessions.set_order(session, world.projects[:2], by=organiser) == world.projects[:2]


def test_ics_is_rfc5545_with_utc_times_crlf_and_escaping(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        live_sessions.set_order(session, world.projects[:6], by=organiser)
        text = live_sessions.ics(session, "https://roadshow.example.com/live/1", language="en")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert "DTSTART:20261201T020000Z" in lines
    assert "DTEND:20261201T033000Z" in lines   # 6 slots of 8+7 minutes
    assert "SUMMARY:Roadshow\\, part 1\\; day one" in lines
    assert "URL:https://roadshow.example.com/live/1" in lines
    assert any(line.startswith("UID:live-session-") and line.endswith("@roadshow.example.com") for line in lines)
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    assert all(len(line.encode()) <= 75 for line in lines)


def test_long_ics_lines_are_folded(app, world):
    with app.test_request_context():
        session, _ = _new_session(world, title_zh="长" * 80, title_en="")
        text = live_sessions.ics(session, "https://roadshow.example.com/live/1")
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:" + "长" * 80 + "\r\n" in unfolded


def test_timeline_has_real_times_and_approved_questions(app, world):
    with app.test_request_context():
        session, organiser = _new_session(world)
        live_sessions.set_order(session, world.projects, by=organiser)
        first = session.slots[0]
        first.started_at, first.ended_at = START, START + timedelta(minutes=16)
        session.state = SessionState.ENDED
        judge = User.by_email("judge@example.com")
        db.session.add_all([
            Question(session_id=session.id, slot_id=first.id, author_id=judge.id, text="Cost?", votes=3,
                     status=QuestionStatus.APPROVED, answered_at=utcnow()),
            Question(session_id=session.id, slot_id=first.id, author_id=judge.id, text="Anonymous one", votes=5,
                     anonymous=True, status=QuestionStatus.APPROVED),
            Question(session_id=session.id, slot_id=first.id, text="Dismissed", status=QuestionStatus.DISMISSED),
            Question(session_id=session.id, slot_id=first.id, text="Judges", judges_only=True,
                     status=QuestionStatus.APPROVED),
        ])
        db.session.commit()
        result = live_sessions.timeline(session)
        top = result.slots[0]
        assert (top.started_at, top.ended_at) == (START, START + timedelta(minutes=16))
        assert [(q.text, q.votes, q.answered, q.author) for q in top.questions] == [
            ("Anonymous one", 5, False, None), ("Cost?", 3, True, judge.display_name)]
        assert result.slots[1].questions == [] and result.slots[1].started_at is None
        assert len(live_sessions.timeline(session, include_judges_only=True).slots[0].questions) == 3
