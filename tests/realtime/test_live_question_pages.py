"""The ``questions`` event of ``/live``: older questions than ``state`` carries, a page at a time,
with the visibility rules of ``state``, in the connection's session only, and every refusal."""
from __future__ import annotations

from collections import Counter

import pytest

from roadshow.extensions import db
from roadshow.models import Contest, ContestStatus, User, utcnow
from roadshow.models.live import LiveSession
from roadshow.services import api_tokens
from roadshow.services.live_question_pages import PAGE_QUESTIONS, STATE_QUESTIONS
from tests.helpers import create_user
from tests.question_builders import add_questions, mixed_specs
from tests.realtime import test_live_namespace
from tests.realtime.test_live_namespace import (
    J1, J2, NS, OBS, OBS2, ORG, age_answers, call, connect, make_live, received, remove_member,
)
from tests.review_builders import add_conflict

_fresh_coalescer = test_live_namespace._fresh_coalescer   # autouse: each test's sockets closed after it


@pytest.fixture
def room(app):
    return make_live(app)


def _page_through(socket) -> tuple[dict, list[dict]]:
    """The state, then every page the viewer can ask for, until there is none older."""
    state = received(socket, "state")[-1]
    pages, before = [], state["questions_before"]
    while before is not None:
        answer = call(socket, "questions", {"before": before})
        assert answer["ok"], answer
        assert 0 < len(answer["questions"]) <= PAGE_QUESTIONS
        ids = [q["id"] for q in answer["questions"]]
        assert ids == sorted(ids) and ids[-1] < before    # oldest first, all before the cursor
        pages.append(answer)
        before = answer["before"]
        assert len(pages) < 10
    return state, pages


@pytest.mark.parametrize("email,role", [(OBS, "observer"), (J1, "judge"), (J2, "judge"), (ORG, "organiser")])
def test_paging_gets_every_visible_question_once_and_never_a_hidden_one(app, room, email, role):
    add_conflict(app, room.review.judges[J1], room.projects[0])   # J1: not the judges' channel about it
    asked = add_questions(app, room.session_id, mixed_specs(390, room.slots), author=OBS2)
    hidden = {room.slots[0]} if email == J1 else set()
    expected = [a.id for a in asked if a.seen_by(role, hidden)]
    socket, _ = connect(app, email, session_id=room.session_id)
    state, pages = _page_through(socket)
    assert state["role"] == role
    assert len(state["questions"]) <= STATE_QUESTIONS + 3 + 30   # + the old pinned ones and pending ones
    assert len(pages) >= 1
    seen = [q["id"] for q in state["questions"]] + [q["id"] for page in pages for q in page["questions"]]
    assert Counter(seen) == Counter(expected)   # each exactly once, nothing else
    assert pages[-1]["before"] is None


def test_a_page_has_the_shape_of_state_for_the_role(app, room):
    add_questions(app, room.session_id, [{"anonymous": True}] * (STATE_QUESTIONS + 1), author=OBS2)
    for email, author in ((OBS, None), (ORG, "Obs2")):
        socket, _ = connect(app, email, session_id=room.session_id)
        state = received(socket, "state")[-1]
        page = call(socket, "questions", {"before": state["questions_before"]})
        assert page["before"] is None and len(page["questions"]) == 1
        older, known = page["questions"][0], state["questions"][0]
        assert older.keys() == known.keys() and older["author"] == known["author"] == author
        assert ("original_text" in older) == (email == ORG)


def test_the_cursor_never_reaches_another_sessions_questions(app, room):
    with app.app_context():
        live = db.session.get(LiveSession, room.session_id)
        other = LiveSession(contest_id=live.contest_id, round_id=live.round_id, title_zh="二场", title_en="Second",
                            starts_at=utcnow(), pitch_seconds=480, qa_seconds=420)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    ours = add_questions(app, room.session_id, [{}] * 3, author=OBS2)
    theirs = add_questions(app, other_id, [{}] * 3, author=OBS2)
    socket, _ = connect(app, OBS, session_id=room.session_id)
    for before in (theirs[-1].id + 1, 2 ** 31 - 1, 2 ** 31, 10 ** 12, 2 ** 63 - 1):
        answer = call(socket, "questions", {"before": before})
        assert [q["id"] for q in answer["questions"]] == [a.id for a in ours] and answer["before"] is None


@pytest.mark.parametrize("before", [0, -5, "12", 1.5, True, None, [3], {"id": 3}, 2 ** 63])
def test_a_bad_cursor_is_refused(app, room, before):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    assert call(socket, "questions", {"before": before})["error"]["code"] == "invalid"
    assert socket.is_connected(NS)


def test_a_missing_cursor_or_an_oversized_message_is_refused(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    assert call(socket, "questions", {})["error"]["code"] == "invalid"
    assert call(socket, "questions", {"before": 1, "pad": "x" * 3000})["error"]["code"] == "too_large"
    assert call(socket, "questions", [1])["error"]["code"] == "invalid"


def test_a_revoked_connection_is_refused_and_dropped(app, room):
    add_questions(app, room.session_id, [{}] * 3, author=OBS2)
    with app.test_request_context():
        token, plain = api_tokens.create(User.by_email(OBS), "script")
        db.session.commit()
        token_id = token.id
    socket, _ = connect(app, None, auth={"session_id": room.session_id, "token": plain})
    assert call(socket, "questions", {"before": 10 ** 6})["ok"]
    with app.test_request_context():   # behind the services' back: no disconnect
        db.session.get(type(token), token_id).revoked_at = utcnow()
        db.session.commit()
    age_answers()
    answer = call(socket, "questions", {"before": 10 ** 6})
    assert answer["error"]["code"] == "unauthenticated" and "questions" not in answer
    assert not socket.is_connected(NS)


def test_a_viewer_no_longer_allowed_in_the_room_is_refused_and_dropped(app, room):
    add_questions(app, room.session_id, [{}] * 3, author=OBS2)
    create_user(app, "passer-by@example.com")
    socket, _ = connect(app, "passer-by@example.com", session_id=room.session_id)   # a public contest
    assert len(call(socket, "questions", {"before": 10 ** 6})["questions"]) == 3
    with app.app_context():
        db.session.get(Contest, room.review.contest_id).status = ContestStatus.DRAFT
        db.session.commit()
    age_answers()
    answer = call(socket, "questions", {"before": 10 ** 6})
    assert answer["error"]["code"] == "forbidden" and "questions" not in answer
    assert not socket.is_connected(NS)


def test_an_organiser_removed_mid_session_pages_in_no_pending_question_at_once(app, room):
    """The page is read for the role the policy answers now, not the connection's cached one."""
    add_questions(app, room.session_id, [{"status": "pending"}, {}], author=OBS2)
    socket, _ = connect(app, ORG, session_id=room.session_id)
    as_organiser = call(socket, "questions", {"before": 10 ** 6})["questions"]
    assert len(as_organiser) == 1 and "original_text" in as_organiser[0]   # the pending one: in state
    with app.test_request_context():
        contest = db.session.get(Contest, room.review.contest_id)
        remove_member(contest, ORG)
        db.session.commit()
    answer = call(socket, "questions", {"before": 10 ** 6})
    assert [q["status"] for q in answer["questions"]] == ["approved"] and "original_text" not in answer["questions"][0]
