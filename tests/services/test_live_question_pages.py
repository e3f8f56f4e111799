"""The questions of ``state``, bounded: the newest ``STATE_QUESTIONS``, the pinned ones and (for
organisers) the pending ones whatever their age, a cursor when older ones may be paged in, in a
bounded number of queries, the shared part still cached."""
from __future__ import annotations

import json

import pytest

from roadshow.extensions import db
from roadshow.models import User
from roadshow.models.live import LiveSession
from roadshow.services import live_question_pages, live_state
from roadshow.services.live_question_pages import STATE_QUESTIONS
from tests.question_builders import add_questions, mixed_specs
from tests.realtime.test_live_namespace import J1, J2, OBS, OBS2, ORG, _statements, make_live
from tests.review_builders import add_conflict


@pytest.fixture
def room(app):
    return make_live(app)


def _live(room):
    return db.session.get(LiveSession, room.session_id)


def _state(room, email, role):
    return live_state.snapshot(_live(room), User.by_email(email), role=role)


def test_state_holds_the_newest_hundred_and_every_old_pinned_and_pending_one(app, room):
    specs = [{"status": "pending"}, {"pinned": True}, {"judges_only": True}] + [{}] * 127
    asked = add_questions(app, room.session_id, specs, author=OBS2)
    ids = [a.id for a in asked]
    newest = ids[-STATE_QUESTIONS:]
    with app.test_request_context():
        audience, judge, organiser = (_state(room, OBS, "observer"), _state(room, J1, "judge"),
                                      _state(room, ORG, "organiser"))
    assert [q["id"] for q in audience["questions"]] == [ids[1]] + newest
    assert [q["id"] for q in judge["questions"]] == [ids[1]] + newest
    assert [q["id"] for q in organiser["questions"]] == [ids[0], ids[1]] + newest
    for state in (audience, judge, organiser):
        assert state["questions_before"] == newest[0]


def test_a_session_with_nothing_older_to_page_in_has_no_cursor(app, room):
    with app.test_request_context():
        assert _state(room, OBS, "observer")["questions_before"] is None
    live_state.forget_all()   # the questions below are written behind the services' back
    old_pinned = add_questions(app, room.session_id, [{"pinned": True}], author=OBS2)
    asked = add_questions(app, room.session_id, [{}] * STATE_QUESTIONS, author=OBS2)
    with app.test_request_context():
        state = _state(room, OBS, "observer")
    assert [q["id"] for q in state["questions"]] == [old_pinned[0].id] + [a.id for a in asked]
    assert state["questions_before"] is None   # the only older one is in the state already


def test_the_audience_pages_past_the_judges_channel_and_a_conflicted_judge_past_its_hidden_part(app, room):
    add_conflict(app, room.review.judges[J1], room.projects[0])
    secret = add_questions(app, room.session_id, [{"judges_only": True, "slot_id": room.slots[0]}], author=J2)
    asked = add_questions(app, room.session_id, [{}] * STATE_QUESTIONS, author=OBS2)
    with app.test_request_context():
        audience, conflicted, judge = (_state(room, OBS, "observer"), _state(room, J1, "judge"),
                                       _state(room, J2, "judge"))
    assert [q["id"] for q in audience["questions"]] == [a.id for a in asked]
    assert audience["questions_before"] is None
    assert secret[0].id not in [q["id"] for q in conflicted["questions"]]
    assert conflicted["questions_before"] is None
    assert judge["questions_before"] == asked[0].id
    with app.test_request_context():
        page = live_question_pages.page_before(_live(room), "judge", judge["questions_before"])
    assert [q.id for q in page.questions] == [secret[0].id] and page.before is None


def test_pages_are_newest_first_each_oldest_first_and_skip_what_state_always_has(app, room):
    asked = add_questions(app, room.session_id, mixed_specs(260, room.slots), author=OBS2)
    with app.test_request_context():
        live = _live(room)
        window = live_question_pages.state_window(live, "organiser")
        first = live_question_pages.page_before(live, "organiser", window.before)
        second = live_question_pages.page_before(live, "organiser", first.before)
    pageable = [a.id for a in asked if a.id < window.before and not a.pinned and a.status != "pending"]
    assert [q.id for q in first.questions] == pageable[-100:]
    assert first.before == pageable[-100]
    assert [q.id for q in second.questions] == pageable[:-100] and second.before is None


def _reads(app, room, work) -> int:
    statements = _statements(app)
    with app.test_request_context():
        work(_live(room))
    return len(statements)


def test_the_window_and_a_page_take_the_same_few_queries_however_long_the_session(app, room):
    def window(live):
        live_question_pages.state_window(live, "organiser")

    def page(live):
        live_question_pages.page_before(live, "judge", 10 ** 9)

    add_questions(app, room.session_id, mixed_specs(130, room.slots), author=OBS2)
    few = _reads(app, room, window), _reads(app, room, page)
    add_questions(app, room.session_id, mixed_specs(390, room.slots), author=OBS)
    assert (_reads(app, room, window), _reads(app, room, page)) == few
    assert few[0] <= 5 + 1 and few[1] <= 2 + 1   # + the session itself


def test_the_shared_part_is_still_read_once_per_role(app, room):
    add_questions(app, room.session_id, mixed_specs(260, room.slots), author=OBS2)
    with app.test_request_context():
        live = _live(room)
        first = json.loads(live_state.snapshot_json(live, User.by_email(OBS), role="observer"))
        assert len(first["questions"]) == STATE_QUESTIONS + 2 and first["questions_before"]   # two old pinned
        user = User.by_email(OBS2)
        statements = _statements(app)
        again = json.loads(live_state.snapshot_json(live, user, role="observer"))
    assert len(statements) == 2   # the viewer's own upvotes and interest only
    assert again["questions"] == first["questions"] and again["questions_before"] == first["questions_before"]
