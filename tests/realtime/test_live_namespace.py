"""The ``/live`` namespace: connect (cookie or API token), ``state``, every event and every refusal."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from roadshow.extensions import db, socketio
from roadshow.models import Contest, Role, SocketConnection, User, utcnow
from roadshow.models.live import LiveSession, LiveSlot, Question, QuestionVote
from roadshow.realtime import coalesce, publish
from roadshow.realtime import live as live_namespace
from roadshow.services import api_tokens, contests
from tests.helpers import create_user, csrf_token, login, wait_for
from tests.review_builders import add_conflict, make_review

NS = "/live"
ORG, J1, J2 = "org@example.com", "judge@example.com", "judge2@example.com"
OBS, OBS2 = "obs@example.com", "obs2@example.com"


@dataclass
class Live:
    session_id: int
    slots: list[int]
    projects: list[int]
    review: object


def make_live(app, *, assign=None, scored=True, slug="demo") -> Live:
    review = make_review(app, slug=slug, assign=assign if assign is not None else {J1: [0, 1], J2: [0, 1]})
    for email in (OBS, OBS2):
        create_user(app, email, name=email.split("@")[0].title(), locale="en")
    with app.test_request_context():
        contest = db.session.get(Contest, review.contest_id)
        for email in (OBS, OBS2):
            contests.grant_role(contest, User.by_email(email), Role.OBSERVER)
        live = LiveSession(contest_id=contest.id, round_id=review.round_id, title_zh="路演", title_en="Roadshow",
                           starts_at=utcnow(), pitch_seconds=480, qa_seconds=420, scored=scored)
        db.session.add(live)
        db.session.flush()
        for position, application_id in enumerate(review.projects[:2], start=1):
            db.session.add(LiveSlot(session_id=live.id, position=position, application_id=application_id))
        db.session.commit()
        return Live(live.id, [s.id for s in live.slots], review.projects[:2], review)


@pytest.fixture
def room(app):
    return make_live(app)


_open: list = []


@pytest.fixture(autouse=True)
def _fresh_coalescer():
    coalesce._instance = None
    publish._degraded["on"] = False  # process-wide: no test inherits another's degraded mode
    yield
    while _open:
        socket = _open.pop()
        if socket.is_connected(NS):
            socket.disconnect(namespace=NS)
    coalesce._instance = None
    publish._degraded["on"] = False


def connect(app, email=None, *, session_id=None, auth=None, headers=None):
    client = app.test_client()
    if email:
        login(client, email)
    auth = auth if auth is not None else {"session_id": session_id}
    socket = socketio.test_client(app, namespace=NS, flask_test_client=client, auth=auth, headers=headers)
    _open.append(socket)
    return socket, client


def received(socket, name):
    return [m["args"][0] for m in socket.get_received(NS) if m["name"] == name]


def call(socket, event, data):
    return socket.emit(event, data, namespace=NS, callback=True)


def control(socket, action, **data):
    return call(socket, "control", {"action": action, **data})


def age_answers(by: float = live_namespace.ACCESS_TTL) -> None:
    """Make every connection's policy answers ``by`` seconds older (stale at ``ACCESS_TTL``)."""
    for connection in socketio.server.namespace_handlers[NS].connections.values():
        connection.checked_at -= by


def remove_member(contest, email: str) -> None:
    """Delete ``email``'s roles in ``contest`` directly (behind the services' back); the caller commits."""
    for membership in contests.members(contest):
        if membership.user_id == User.by_email(email).id:
            db.session.delete(membership)


# -- connecting ----------------------------------------------------------------------------------

def test_viewer_connects_and_gets_state_only_for_itself(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    assert socket.is_connected(NS)
    state = received(socket, "state")[0]
    assert state["role"] == "observer"
    assert state["session"]["state"] == "scheduled"
    assert [slot["id"] for slot in state["slots"]] == room.slots
    assert state["current"] is None and state["questions"] == [] and state["leaderboard"] is None
    assert abs(state["now"] - time.time() * 1000) < 5000
    other, _ = connect(app, OBS2, session_id=room.session_id)
    assert received(socket, "state") == []   # the second viewer's state went to it alone
    with app.app_context():
        assert len(db.session.scalars(select(SocketConnection).where(SocketConnection.namespace == NS)).all()) == 2


def test_connect_is_refused_without_a_session_or_right(app, room):
    assert not connect(app, OBS, auth={})[0].is_connected(NS)
    assert not connect(app, OBS, session_id=999999)[0].is_connected(NS)
    assert not connect(app, None, session_id=room.session_id)[0].is_connected(NS)
    create_user(app, "stranger@example.com")
    with app.app_context():   # a draft contest is not visible to someone without a role in it
        from roadshow.models import ContestStatus

        db.session.get(Contest, room.review.contest_id).status = ContestStatus.DRAFT
        db.session.commit()
    assert not connect(app, "stranger@example.com", session_id=room.session_id)[0].is_connected(NS)
    assert connect(app, OBS, session_id=room.session_id)[0].is_connected(NS)


def test_a_session_cookie_not_signed_by_the_app_is_refused(app, room):
    """The connect reads the cookie itself (no request context): only the app's signature counts."""
    from flask.sessions import SecureCookieSessionInterface

    socket, client = connect(app, OBS, session_id=room.session_id)
    assert socket.is_connected(NS)
    genuine = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    forger = app.test_client()
    forger.set_cookie(app.config["SESSION_COOKIE_NAME"], genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB"))
    tampered = socketio.test_client(app, namespace=NS, flask_test_client=forger, auth={"session_id": room.session_id})
    _open.append(tampered)
    assert not tampered.is_connected(NS)

    class OtherKey:
        secret_key, config = "not the app's key", app.config

    with app.test_request_context():
        user_id = User.by_email(OBS).get_id()
    forged = SecureCookieSessionInterface().get_signing_serializer(OtherKey).dumps({"_user_id": user_id})
    forger.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
    other = socketio.test_client(app, namespace=NS, flask_test_client=forger, auth={"session_id": room.session_id})
    _open.append(other)
    assert not other.is_connected(NS)


def test_api_token_in_auth_connects_its_owner(app, room):
    with app.test_request_context():
        _, plain = api_tokens.create(User.by_email(OBS), "script")
        db.session.commit()
    socket, _ = connect(app, None, auth={"session_id": room.session_id, "token": plain})
    assert socket.is_connected(NS)
    assert received(socket, "state")[0]["role"] == "observer"
    assert call(socket, "interest", {"application_id": room.projects[0], "follow_up": True})["ok"]
    assert not connect(app, None, auth={"session_id": room.session_id, "token": "rs_wrong"})[0].is_connected(NS)


def test_revoking_the_token_disconnects_its_sockets_only(app, room):
    with app.test_request_context():
        token, plain = api_tokens.create(User.by_email(OBS), "script")
        db.session.commit()
        token_id, user_id = token.id, token.user_id
    scripted, _ = connect(app, None, auth={"session_id": room.session_id, "token": plain})
    browser, _ = connect(app, OBS, session_id=room.session_id)   # the same person, signed in
    with app.test_request_context():
        api_tokens.revoke(db.session.get(User, user_id), token_id)
        db.session.commit()
    assert wait_for(lambda: not scripted.is_connected(NS))
    assert browser.is_connected(NS)
    assert call(browser, "ask", {"text": "Still here?"})["ok"]
    assert not connect(app, None, auth={"session_id": room.session_id, "token": plain})[0].is_connected(NS)


def test_after_a_while_every_event_checks_the_session_and_the_room_again(app, room):
    """What the immediate disconnects miss (a change made outside the services, say) is caught by
    the next event once the connection's answers are ``ACCESS_TTL`` old."""
    with app.test_request_context():
        token, plain = api_tokens.create(User.by_email(OBS), "script")
        db.session.commit()
        token_id = token.id
    socket, _ = connect(app, None, auth={"session_id": room.session_id, "token": plain})
    with app.test_request_context():
        db.session.get(type(token), token_id).revoked_at = utcnow()   # no disconnect: behind the services' back
        db.session.commit()
    assert call(socket, "ask", {"text": "Within the time?"})["ok"]
    age_answers()
    assert call(socket, "ask", {"text": "And now?"})["error"]["code"] == "unauthenticated"
    assert not socket.is_connected(NS)


def test_foreign_origin_is_refused(client):
    response = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"})
    assert response.status_code == 400


def test_logout_disconnects_the_live_socket(app, room):
    socket, browser = connect(app, OBS, session_id=room.session_id)
    assert socket.is_connected(NS)
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/account/")})
    assert wait_for(lambda: not socket.is_connected(NS))


def test_ping_answers_the_server_clock(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    answer = call(socket, "ping", {"t": 123})
    assert answer["t"] == 123 and abs(answer["now"] - time.time() * 1000) < 2000


def test_oversized_message_is_refused(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    answer = call(socket, "ask", {"text": "x" * 400, "note": "y" * 3000})
    assert answer["error"]["code"] == "too_large"
    with app.app_context():
        assert db.session.scalars(select(Question)).all() == []


# -- controls ------------------------------------------------------------------------------------

def test_organiser_runs_the_session_and_everyone_gets_slot_and_session(app, room):
    org, _ = connect(app, ORG, session_id=room.session_id)
    viewer, _ = connect(app, OBS, session_id=room.session_id)
    assert received(org, "state")[0]["role"] == "organiser"
    received(viewer, "state")
    assert control(org, "start_session") == {"ok": True}
    assert received(viewer, "session")[-1] == {"state": "live", "current_slot_id": room.slots[0]}
    before = int(time.time() * 1000)
    assert control(org, "timer_start", phase="pitch")["ok"]
    slot = received(viewer, "slot")[-1]
    assert slot["phase"] == "pitch" and slot["timer"]["seconds"] == 480 and slot["timer"]["remaining"] is None
    assert abs(slot["timer"]["started_at"] - before) < 2000
    assert control(org, "timer_pause")["ok"]
    slot = received(viewer, "slot")[-1]
    assert slot["timer"]["started_at"] is None and 470 < slot["timer"]["remaining"] <= 480
    assert control(org, "timer_extend", seconds=60)["ok"]
    assert received(viewer, "slot")[-1]["timer"]["remaining"] > 530
    assert control(org, "timer_resume")["ok"]
    slot = received(viewer, "slot")[-1]
    assert slot["timer"]["started_at"] is not None and slot["timer"]["seconds"] > 530
    assert slot["timer"]["remaining"] is None
    assert control(org, "timer_start", phase="qa")["ok"]
    assert received(viewer, "slot")[-1]["timer"]["seconds"] == 420
    assert control(org, "timer_extend", seconds=-5)["error"]["code"] == "invalid"

    assert control(org, "next_slot") == {"ok": True, "slot_id": room.slots[1]}
    slots = received(viewer, "slot")
    assert slots[0]["id"] == room.slots[0] and slots[0]["phase"] == "done" and slots[0]["ended_at"]
    assert slots[-1]["id"] == room.slots[1] and slots[-1]["started_at"]
    assert control(org, "next_slot")["error"]["code"] == "no_next_slot"
    assert control(org, "goto_slot", slot_id=room.slots[0])["ok"]
    assert received(viewer, "session")[-1]["current_slot_id"] == room.slots[0]
    assert control(org, "end_session")["ok"]
    assert received(viewer, "session")[-1]["state"] == "ended"
    with app.app_context():
        for slot in db.session.scalars(select(LiveSlot)):
            assert slot.started_at is not None and slot.ended_at is not None


def test_video_late_joiner_computes_the_position(app, room):
    org, _ = connect(app, ORG, session_id=room.session_id)
    control(org, "start_session")
    assert control(org, "video_seek", position=30)["ok"]
    assert control(org, "video_play")["ok"]
    time.sleep(0.3)
    late, _ = connect(app, OBS, session_id=room.session_id)
    state = received(late, "state")[0]
    video = state["current"]["video"]
    assert video["playing"] is True
    position = video["position"] + (state["now"] - video["at"]) / 1000
    assert 30.25 <= position < 31.5
    assert control(org, "video_pause")["ok"]
    video = received(late, "slot")[-1]["video"]
    assert video["playing"] is False and video["position"] >= 30.25
    assert control(org, "video_seek", position=-1)["error"]["code"] == "invalid"


@pytest.mark.parametrize("email", [J1, OBS])
def test_control_and_moderate_from_a_judge_or_observer_are_forbidden(app, room, email):
    socket, _ = connect(app, email, session_id=room.session_id)
    for action in ("start_session", "next_slot", "timer_start", "scoring_open", "leaderboard"):
        assert control(socket, action, phase="pitch", visibility="everyone")["error"]["code"] == "forbidden"
    with app.app_context():
        question = Question(session_id=room.session_id, author_id=User.by_email(OBS2).id, text="Why?")
        db.session.add(question)
        db.session.commit()
        question_id = question.id
    assert call(socket, "moderate", {"question_id": question_id, "action": "approve"})["error"]["code"] == "forbidden"
    with app.app_context():
        live = db.session.get(LiveSession, room.session_id)
        assert live.state.value == "scheduled" and live.leaderboard.value == "hidden"
        assert db.session.get(Question, question_id).status.value == "pending"


# -- Q&A ---------------------------------------------------------------------------------------

def test_question_flow_pending_to_organisers_then_approved_to_everyone(app, room):
    org, _ = connect(app, ORG, session_id=room.session_id)
    judge, _ = connect(app, J1, session_id=room.session_id)
    asker, _ = connect(app, OBS, session_id=room.session_id)
    other, _ = connect(app, OBS2, session_id=room.session_id)
    for socket in (org, judge, asker, other):
        received(socket, "state")
    answer = call(asker, "ask", {"text": "  How big is the market?  ", "anonymous": True})
    assert answer["ok"]
    question_id = answer["question_id"]
    pending = received(org, "question")
    assert pending[-1]["status"] == "pending" and pending[-1]["author"] == "Obs"   # never anonymous to organisers
    assert pending[-1]["text"] == "How big is the market?"
    assert received(other, "question") == [] and received(judge, "question") == []

    edit = {"question_id": question_id, "action": "edit", "text": "How large is the market?"}
    assert call(org, "moderate", edit)["ok"]
    assert call(org, "moderate", {"question_id": question_id, "action": "approve"})["ok"]
    public = received(other, "question")[-1]
    assert public["status"] == "approved" and public["author"] is None and public["text"] == "How large is the market?"
    assert received(judge, "question")[-1]["author"] is None
    assert call(org, "moderate", {"question_id": question_id, "action": "pin"})["ok"]
    assert received(other, "question")[-1]["pinned"] is True
    assert call(org, "moderate", {"question_id": question_id, "action": "answer"})["ok"]
    assert received(other, "question")[-1]["answered"] is True
    assert call(org, "moderate", {"question_id": question_id, "action": "unpin"})["ok"]
    assert call(org, "moderate", {"question_id": question_id, "action": "dismiss"})["ok"]
    assert received(other, "question")[-1]["status"] == "dismissed"
    with app.app_context():
        question = db.session.get(Question, question_id)
        assert question.original_text == "How big is the market?" and question.status.value == "dismissed"

    late, _ = connect(app, OBS2, session_id=room.session_id)
    assert received(late, "state")[0]["questions"] == []


def test_ask_refusals_empty_too_long_rate_limited(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    assert call(socket, "ask", {"text": "   "})["error"]["code"] == "empty"
    assert call(socket, "ask", {"text": "x" * 501})["error"]["code"] == "too_long"
    for n in range(3):
        assert call(socket, "ask", {"text": f"Question {n}?"})["ok"]
    assert call(socket, "ask", {"text": "A fourth?"})["error"]["code"] == "rate_limited"
    with app.app_context():
        assert len(db.session.scalars(select(Question)).all()) == 3


def test_judges_only_questions_stay_with_judges_and_organisers(app, room):
    org, _ = connect(app, ORG, session_id=room.session_id)
    judge, _ = connect(app, J1, session_id=room.session_id)
    viewer, _ = connect(app, OBS, session_id=room.session_id)
    assert call(viewer, "ask", {"text": "Secret?", "judges_only": True})["error"]["code"] == "forbidden"
    answer = call(judge, "ask", {"text": "Is the IP theirs?", "judges_only": True})
    assert answer["ok"]
    assert call(org, "moderate", {"question_id": answer["question_id"], "action": "approve"})["ok"]
    assert received(judge, "question")[-1]["judges_only"] is True
    assert received(viewer, "question") == []
    judge2, _ = connect(app, J2, session_id=room.session_id)
    assert [q["id"] for q in received(judge2, "state")[0]["questions"]] == [answer["question_id"]]
    viewer2, _ = connect(app, OBS2, session_id=room.session_id)
    assert received(viewer2, "state")[0]["questions"] == []


def test_conflicted_judge_cannot_use_the_judges_channel_about_the_project(app, room):
    add_conflict(app, room.review.judges[J1], room.projects[0])
    org, _ = connect(app, ORG, session_id=room.session_id)
    control(org, "start_session")
    judge, _ = connect(app, J1, session_id=room.session_id)
    assert call(judge, "ask", {"text": "Hm?", "judges_only": True})["error"]["code"] == "conflicted"


def test_the_judges_channel_about_a_project_is_closed_to_the_judges_conflicted_with_it(app, room):
    add_conflict(app, room.review.judges[J1], room.projects[0])
    org, _ = connect(app, ORG, session_id=room.session_id)
    control(org, "start_session")                      # the first project is on
    conflicted, _ = connect(app, J1, session_id=room.session_id)
    judge, _ = connect(app, J2, session_id=room.session_id)
    viewer, _ = connect(app, OBS, session_id=room.session_id)
    asked = call(judge, "ask", {"text": "Is the revenue real?", "judges_only": True})
    question_id = asked["question_id"]
    for action in ("approve", "pin"):
        assert call(org, "moderate", {"question_id": question_id, "action": action})["ok"]
    assert [q["pinned"] for q in received(judge, "question") if q["id"] == question_id] == [False, True]
    assert received(conflicted, "question") == [] and received(viewer, "question") == []
    assert received(org, "question")[-1]["id"] == question_id

    assert call(conflicted, "vote", {"question_id": question_id})["error"]["code"] == "not_found"
    assert call(judge, "vote", {"question_id": question_id})["error"]["code"] == "own_question"
    for socket in (org, conflicted, judge, viewer):
        received(socket, "tally")
    assert call(org, "vote", {"question_id": question_id})["votes"] == 1
    time.sleep(0.5)   # the coalescer's tally (every 0.2 s)

    def counted(socket):
        return [t["votes"][str(question_id)] for t in received(socket, "tally") if str(question_id) in t["votes"]]

    assert counted(org) == [1] and counted(judge) == [1]
    assert counted(conflicted) == [] and counted(viewer) == []   # not even its count
    again, _ = connect(app, J1, session_id=room.session_id)
    assert received(again, "state")[0]["questions"] == []
    other, _ = connect(app, J2, session_id=room.session_id)
    assert [q["id"] for q in received(other, "state")[0]["questions"]] == [question_id]

    assert control(org, "next_slot")["ok"]             # the second project: no conflict, the channel is open
    about_the_next = call(judge, "ask", {"text": "And this one?", "judges_only": True})["question_id"]
    assert call(org, "moderate", {"question_id": about_the_next, "action": "approve"})["ok"]
    assert [q["id"] for q in received(conflicted, "question")] == [about_the_next]
    assert call(conflicted, "vote", {"question_id": about_the_next})["ok"]
    late, _ = connect(app, J1, session_id=room.session_id)
    assert [q["id"] for q in received(late, "state")[0]["questions"]] == [about_the_next]


def _approved_question(app, room, author=OBS2, judges_only=False):
    with app.app_context():
        question = Question(session_id=room.session_id, author_id=User.by_email(author).id, text="Why?",
                            status="approved", judges_only=judges_only)
        db.session.add(question)
        db.session.commit()
        return question.id


def test_votes_once_not_own_approved_only_and_withdrawn(app, room):
    question_id = _approved_question(app, room)
    socket, _ = connect(app, OBS, session_id=room.session_id)
    author, _ = connect(app, OBS2, session_id=room.session_id)
    assert call(socket, "vote", {"question_id": question_id, "on": True}) == {
        "ok": True, "question_id": question_id, "votes": 1, "on": True}
    assert call(socket, "vote", {"question_id": question_id, "on": True})["error"]["code"] == "already_voted"
    assert call(author, "vote", {"question_id": question_id, "on": True})["error"]["code"] == "own_question"
    assert received(socket, "state") and True
    late, _ = connect(app, OBS, session_id=room.session_id)
    assert received(late, "state")[0]["my_votes"] == [question_id]
    assert call(socket, "vote", {"question_id": question_id, "on": False})["votes"] == 0
    with app.app_context():
        pending = Question(session_id=room.session_id, author_id=User.by_email(OBS2).id, text="Pending")
        db.session.add(pending)
        db.session.commit()
        pending_id = pending.id
        assert db.session.scalars(select(QuestionVote)).all() == []
    assert call(socket, "vote", {"question_id": pending_id, "on": True})["error"]["code"] == "not_votable"
    secret = _approved_question(app, room, judges_only=True)
    assert call(socket, "vote", {"question_id": secret, "on": True})["error"]["code"] == "not_votable"


def test_an_upvote_refused_on_the_fast_path_speaks_the_viewers_language(app, room):
    """Upvotes of a connection with fresh answers skip the request context; a refusal still has one."""
    question_id = _approved_question(app, room)
    with app.test_request_context():   # the author, in Chinese
        author = db.session.get(Question, question_id).author
        author.locale = "zh_CN"
        db.session.commit()
        email = author.email
    socket, _ = connect(app, email, session_id=room.session_id)
    namespace = socketio.server.namespace_handlers[NS]
    assert all(c.fresh and c.may_participate for c in namespace.connections.values())
    refusal = call(socket, "vote", {"question_id": question_id, "on": True})["error"]
    assert refusal["code"] == "own_question"
    assert refusal["message"] == "不能为自己的问题点赞。"
    assert call(socket, "vote", "x" * 3000)["error"]["code"] == "too_large"
    assert call(socket, "vote", ["not", "an", "object"])["error"]["code"] == "invalid"


def test_vote_rate_limit(app, room):
    ids = [_approved_question(app, room) for _ in range(31)]
    socket, _ = connect(app, OBS, session_id=room.session_id)
    for question_id in ids[:30]:
        assert call(socket, "vote", {"question_id": question_id, "on": True})["ok"]
    assert call(socket, "vote", {"question_id": ids[30], "on": True})["error"]["code"] == "rate_limited"


def test_fifty_votes_make_a_handful_of_tallies_with_the_final_count(app, room):
    question_id = _approved_question(app, room)
    plains = []
    for n in range(50):
        user_id = create_user(app, f"voter{n}@example.com", name=f"Voter {n}")
        with app.test_request_context():   # public contest: any signed-in user may view and vote
            plains.append(api_tokens.create(db.session.get(User, user_id), "bot")[1])
            db.session.commit()
    watcher, _ = connect(app, OBS, session_id=room.session_id)
    voters = [connect(app, None, auth={"session_id": room.session_id, "token": plain})[0] for plain in plains]
    time.sleep(0.5)
    received(watcher, "tally")
    for socket in voters:
        assert call(socket, "vote", {"question_id": question_id, "on": True})["ok"]
    time.sleep(0.6)
    tallies = received(watcher, "tally")
    with_votes = [t for t in tallies if str(question_id) in t["votes"]]
    assert 1 <= len(with_votes) <= 10, len(with_votes)
    assert with_votes[-1]["votes"][str(question_id)] == 50
    assert tallies[-1]["viewers"] == 51   # this process's viewers


def test_state_can_be_asked_for_again(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    answer = call(socket, "state", {})
    assert answer["ok"] and answer["state"]["session"]["id"] == room.session_id
    assert answer["state"]["role"] == "observer"


def test_interest_is_stored_and_in_state(app, room):
    socket, _ = connect(app, OBS, session_id=room.session_id)
    answer = call(socket, "interest", {"application_id": room.projects[1], "follow_up": True,
                                       "organisation": "Haidian District", "note": "Call us"})
    assert answer == {"ok": True, "application_id": room.projects[1], "follow_up": True, "on": True}
    assert call(socket, "interest", {"application_id": 999999})["error"]["code"] == "not_found"
    again, _ = connect(app, OBS, session_id=room.session_id)
    assert received(again, "state")[0]["my_interest"] == [room.projects[1]]


def test_interest_can_be_withdrawn(app, room):
    from roadshow.models.live import Interest

    socket, _ = connect(app, OBS, session_id=room.session_id)
    other, _ = connect(app, OBS2, session_id=room.session_id)
    for viewer in (socket, other):
        assert call(viewer, "interest", {"application_id": room.projects[0]})["ok"]
    withdrawn = call(socket, "interest", {"application_id": room.projects[0], "on": False})
    assert withdrawn == {"ok": True, "application_id": room.projects[0], "on": False}
    assert call(socket, "interest", {"application_id": room.projects[0], "on": False})["ok"]   # nothing left: fine
    assert call(socket, "interest", {"application_id": 999999, "on": False})["error"]["code"] == "not_found"
    with app.app_context():
        assert [row.user_id for row in db.session.scalars(select(Interest))] == [User.by_email(OBS2).id]
    again, _ = connect(app, OBS, session_id=room.session_id)
    assert received(again, "state")[0]["my_interest"] == []


def test_the_state_as_json_text_is_the_state_for_every_role(app, room):
    import json

    from roadshow.services import live_state

    question_id = _approved_question(app, room)
    with app.app_context():
        live = db.session.get(LiveSession, room.session_id)
        for email, role in ((OBS, "observer"), (J1, "judge"), (ORG, "organiser"), (OBS2, "observer")):
            user = User.by_email(email)
            as_text = json.loads(live_state.snapshot_json(live, user, role=role))
            as_dict = json.loads(json.dumps(live_state.snapshot(live, user, role=role)))
            assert abs(as_text.pop("now") - as_dict.pop("now")) < 5000
            assert as_text == as_dict and as_text["role"] == role
            assert [q["id"] for q in as_text["questions"]] == [question_id]


def test_own_parts_reads_each_viewers_votes_and_interest_in_their_session_only(app, room):
    from roadshow.models.live import Interest
    from roadshow.services import live_state

    asked = _approved_question(app, room, author=OBS2)
    with app.app_context():
        obs, obs2 = User.by_email(OBS).id, User.by_email(OBS2).id
        live = db.session.get(LiveSession, room.session_id)
        other = LiveSession(contest_id=live.contest_id, round_id=live.round_id, title_zh="二场", title_en="Second",
                            starts_at=utcnow(), pitch_seconds=480, qa_seconds=420)   # only the first project
        db.session.add(other)
        db.session.flush()
        db.session.add(LiveSlot(session_id=other.id, position=1, application_id=room.projects[0]))
        db.session.add(QuestionVote(question_id=asked, user_id=obs))
        db.session.add_all([Interest(application_id=project, user_id=obs) for project in room.projects])
        db.session.commit()
        other_id = other.id
        statements = _statements(app)
        found = live_state.own_parts([(room.session_id, obs), (room.session_id, obs2), (other_id, obs)])
        assert found == {(room.session_id, obs): ([asked], sorted(room.projects)),
                         (room.session_id, obs2): ([], []),
                         (other_id, obs): ([], [room.projects[0]])}
        assert len(statements) == 2
        assert live_state.own_parts([]) == {}


# -- live scoring --------------------------------------------------------------------------------

def _submit(app, room, email, application_id, values=("8", "7", "9")):
    from roadshow.models import Application, Round
    from roadshow.services import score_sheets
    from tests.review_builders import full_scores

    with app.test_request_context():
        body = full_scores(room.review, values)
        sheet = score_sheets.submit(db.session.get(Round, room.review.round_id),
                                    db.session.get(Application, application_id), User.by_email(email),
                                    scores=body["scores"], comments=body["comments"],
                                    overall_comment=body["overall_comment"], idempotency_key=f"key-{time.time_ns()}")
        assert sheet.status == "submitted"  # submit tells the live rooms itself (after commit)
        db.session.commit()


def test_scoring_counts_exclude_conflicted_judges_and_announce_on_close(app, room):
    from roadshow.models.results import ResultSettings

    with app.app_context():
        db.session.add(ResultSettings(round_id=room.review.round_id, announce_live=True))
        db.session.commit()
    create_user(app, "judge3@example.com", name="Judge3")
    with app.test_request_context():
        from roadshow.models import Assignment, AssignmentSource

        contest = db.session.get(Contest, room.review.contest_id)
        contests.grant_role(contest, User.by_email("judge3@example.com"), Role.JUDGE)
        db.session.add(Assignment(round_id=room.review.round_id, judge_id=User.by_email("judge3@example.com").id,
                                  application_id=room.projects[0], source=AssignmentSource.MANUAL))
        db.session.commit()
    add_conflict(app, _uid(app, "judge3@example.com"), room.projects[0])
    org, _ = connect(app, ORG, session_id=room.session_id)
    viewer, _ = connect(app, OBS, session_id=room.session_id)
    conflicted, _ = connect(app, "judge3@example.com", session_id=room.session_id)
    control(org, "start_session")
    assert control(org, "scoring_open")["ok"]
    assert received(viewer, "scoring")[-1] == {"slot_id": room.slots[0], "scored": 0, "expected": 2}
    judge, _ = connect(app, J1, session_id=room.session_id)
    assert received(judge, "state")[0]["scoring"]["can_score"] is True
    late, _ = connect(app, "judge3@example.com", session_id=room.session_id)
    assert received(late, "state")[0]["scoring"]["can_score"] is False

    _submit(app, room, J1, room.projects[0], ("8", "7", "9"))
    assert wait_for(lambda: received(viewer, "scoring"))[-1] == {"slot_id": room.slots[0], "scored": 1, "expected": 2}
    _submit(app, room, J2, room.projects[0], ("6", "7", "5"))
    assert control(org, "scoring_close")["ok"]
    slot = received(viewer, "slot")[-1]
    assert slot["scoring"] == {"open": False, "scored": 2, "expected": 2}
    assert slot["announced"]["n_sheets"] == 2 and slot["announced"]["aggregate"] is not None
    assert all("total" not in str(message) for message in received(conflicted, "scoring"))


def _uid(app, email):
    with app.app_context():
        return User.by_email(email).id


def _next_board(socket):
    """The rows of the next ``leaderboard`` with rows to reach ``socket`` (the coalescer sends it)."""
    seen = []
    return wait_for(lambda: seen.extend(received(socket, "leaderboard")) or next(
        (board["rows"] for board in seen if board["rows"]), None))


def test_leaderboard_visibility(app, room):
    org, _ = connect(app, ORG, session_id=room.session_id)
    judge, _ = connect(app, J1, session_id=room.session_id)
    viewer, _ = connect(app, OBS, session_id=room.session_id)
    control(org, "start_session")
    _submit(app, room, J1, room.projects[0])
    # the board leaves with the coalescer's next tick (at once when it is idle)
    assert wait_for(lambda: received(org, "leaderboard"))[-1]["rows"][0]["project"] == room.projects[0]
    assert received(viewer, "leaderboard") == [] and received(judge, "leaderboard") == []
    assert control(org, "leaderboard", visibility="judges")["ok"]
    assert received(viewer, "leaderboard")[-1]["rows"] is None   # those who lose sight of it: at once
    assert _next_board(judge)[0]["rank"] == 1
    assert control(org, "leaderboard", visibility="everyone")["ok"]
    rows = _next_board(viewer)
    assert rows[0]["project"] == room.projects[0] and rows[0]["aggregate"] is not None
    assert control(org, "leaderboard", visibility="nobody")["error"]["code"] == "invalid"
    late, _ = connect(app, OBS2, session_id=room.session_id)
    assert received(late, "state")[0]["leaderboard"][0]["rank"] == 1


# -- the message queue failing --------------------------------------------------------------------

def test_emit_failure_still_commits_and_clients_hear_degraded(app, room, monkeypatch):

    org, _ = connect(app, ORG, session_id=room.session_id)
    viewer, _ = connect(app, OBS, session_id=room.session_id)
    real_emit = socketio.emit

    def broken(event, *args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(socketio, "emit", broken)
    try:
        assert call(viewer, "ask", {"text": "Still there?"})["ok"]
        assert received(viewer, "degraded") == [{"on": True}]
    finally:
        monkeypatch.setattr(socketio, "emit", real_emit)
    with app.app_context():
        assert db.session.scalar(select(Question.text)) == "Still there?"
    assert control(org, "start_session")["ok"]   # the queue is back: clients are told
    assert {"on": False} in received(viewer, "degraded")
    assert publish._degraded["on"] is False


# -- the coalescer itself ---------------------------------------------------------------------------

def test_coalescer_sends_one_tally_per_room_per_interval_with_the_latest_counts():
    sent, tasks = [], []
    coalescer = coalesce.Coalescer(emit=lambda event, data, to: sent.append((event, data, to)),
                                   sleep=lambda seconds: None, start_task=tasks.append)
    for n in range(1, 51):
        coalescer.mark_votes("live:1", {7: n})
    coalescer.mark_viewers("live:1", 12)
    coalescer.mark_votes("live:1:judges", {8: 2})
    assert len(tasks) == 1            # one task for the whole burst, nothing sent yet
    assert sent == []
    tasks[0]()                        # the task wakes, sends, finds nothing more and stops
    assert sorted(sent, key=lambda s: s[2]) == [
        ("tally", {"votes": {"7": 50}, "viewers": 12}, "live:1"),
        ("tally", {"votes": {"8": 2}}, "live:1:judges"),
    ]
    coalescer.mark_votes("live:1", {7: 51})
    assert len(tasks) == 2            # stopped when idle, started again on the next change
    tasks[1]()
    assert sent[-1] == ("tally", {"votes": {"7": 51}, "viewers": 12}, "live:1")


def test_the_coalescer_ticks_on_a_fixed_clock_whatever_a_tally_takes_to_send():
    now, sleeps, tasks = [100.0], [], []

    def sleep(seconds):
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    def emit(event, data, to):
        now[0] += 0.05                      # sending takes a quarter of the interval
        if len(sleeps) < 3:
            coalescer.mark_votes("live:1", {7: len(sleeps)})

    coalescer = coalesce.Coalescer(emit=emit, sleep=sleep, start_task=tasks.append, clock=lambda: now[0])
    coalescer.mark_votes("live:1", {7: 0})
    tasks[0]()
    assert sleeps == [0.2, 0.15, 0.15, 0.15]   # the last one finds nothing and ends the task


def test_the_coalescer_says_when_its_next_tally_leaves():
    now, tasks, seen = [100.0], [], []

    def sleep(seconds):
        seen.append(coalescer.until_tick())   # asked by the vote writer meanwhile
        now[0] += seconds / 2
        seen.append(coalescer.until_tick())
        now[0] += seconds / 2

    coalescer = coalesce.Coalescer(emit=lambda *args: None, sleep=sleep, start_task=tasks.append,
                                   clock=lambda: now[0])
    assert coalescer.until_tick() is None
    coalescer.mark_votes("live:1", {7: 1})
    tasks[0]()
    assert [round(s, 3) for s in seen] == [0.2, 0.1, 0.2, 0.1]
    assert coalescer.until_tick() is None      # nothing left to send: the task ended


def test_leaderboards_are_throttled_a_lone_one_at_once_a_burst_one_per_interval_read_as_they_are_then():
    now, sent, tasks = [0.0], [], []
    boards = {1: 0}

    def read_boards(session_ids):
        return [("leaderboard", {"rows": boards[sid]}, f"live:{sid}") for sid in session_ids]

    coalescer = coalesce.Coalescer(emit=lambda event, data, to: sent.append((round(now[0], 2), data["rows"], to)),
                                   sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
                                   start_task=tasks.append, clock=lambda: now[0], read_boards=read_boards)
    boards[1] = 1
    coalescer.mark_board(1)               # a lone submit: its board leaves at once, from the caller
    assert sent == [(0.0, 1, "live:1")] and tasks == []
    for at, n in ((0.05, 2), (0.1, 3)):   # more within the interval: they wait for a tick
        now[0], boards[1] = at, n
        coalescer.mark_board(1)
    assert len(tasks) == 1 and len(sent) == 1
    tasks[0]()                            # started at 0.1: its tick at 0.3 reads the board as it is then
    assert sent[1:] == [(0.3, 3, "live:1")]

    def sleep_with_submits(seconds):      # a submit every 50 ms until 0.3 s, while the task ticks
        for _ in range(round(seconds / 0.05)):
            now[0] += 0.05
            if now[0] < 10.3:
                boards[1] += 1
                coalescer.mark_board(1)

    coalescer._sleep = sleep_with_submits
    now[0], sent[:], boards[1] = 10.0, [], 100
    coalescer.mark_board(1)               # long after: at once again
    boards[1] += 1
    coalescer.mark_board(1)               # and one more at the same moment: the task's tick
    tasks[-1]()
    assert [at for at, *_ in sent] == [10.0, 10.2, 10.4]   # never closer than the interval
    assert sent[-1][1] == boards[1] == 106                 # the last one as the board was then


def test_a_crowd_joining_gets_its_viewer_count_once_a_second_and_votes_still_five_times():
    now, sent, tasks = [0.0], [], []

    def sleep(seconds):
        now[0] += seconds
        if now[0] < 2.0:                       # a viewer joins every tick for two seconds
            coalescer.mark_viewers("live:1", int(now[0] * 100))
        if 2.0 <= now[0] < 2.5:                # then votes come in
            coalescer.mark_votes("live:1", {7: int(now[0] * 10)})

    coalescer = coalesce.Coalescer(emit=lambda event, data, to: sent.append((round(now[0], 1), data)),
                                   sleep=sleep, start_task=tasks.append, clock=lambda: now[0])
    coalescer.mark_viewers("live:1", 1)
    tasks[0]()
    viewers_only = [at for at, data in sent if not data["votes"]]
    assert viewers_only == [0.2, 1.2]             # the first at once, then one a second (2.0 is too soon)
    assert [(at, data["viewers"]) for at, data in sent if data["votes"]] == [(2.2, 199), (2.4, 199)]
    # votes leave at the next tick, and carry the latest count along
    assert tasks == [tasks[0]]                  # one task throughout; it ended when nothing was left


def test_a_publish_the_redis_manager_gave_up_on_counts_as_degraded(app, room, monkeypatch):
    """The Redis manager does not raise when Redis is gone: it logs and leaves itself disconnected."""

    viewer, _ = connect(app, OBS, session_id=room.session_id)
    manager = socketio.server.manager
    monkeypatch.setattr(manager, "connected", False, raising=False)
    assert call(viewer, "ask", {"text": "Anyone?"})["ok"]
    assert received(viewer, "degraded") == [{"on": True}]
    late, _ = connect(app, OBS2, session_id=room.session_id)   # still degraded: a new viewer is told too
    assert {"on": True} in received(late, "degraded")
    monkeypatch.setattr(manager, "connected", True, raising=False)
    assert call(viewer, "ask", {"text": "Back?"})["ok"]    # the next emit that gets through ends it
    assert received(viewer, "degraded") == [{"on": False}]
    assert publish._degraded["on"] is False


# -- the shared state and the connection's cached answers -------------------------------------------

def test_a_viewer_joining_after_a_change_gets_it_although_the_room_was_cached(app, room):
    first, _ = connect(app, OBS, session_id=room.session_id)          # reads the room: now cached
    org, _ = connect(app, ORG, session_id=room.session_id)
    asker, _ = connect(app, J1, session_id=room.session_id)
    question_id = call(asker, "ask", {"text": "Who are the customers?"})["question_id"]
    assert call(org, "moderate", {"question_id": question_id, "action": "approve"})["ok"]
    assert call(first, "vote", {"question_id": question_id, "on": True})["ok"]
    coalesce.coalescer().flush()
    late, _ = connect(app, OBS2, session_id=room.session_id)
    state = received(late, "state")[-1]
    assert [(q["id"], q["votes"]) for q in state["questions"]] == [(question_id, 1)]
    assert state["my_votes"] == [] and received(first, "state")[-1]["questions"] == []


def test_judges_and_the_audience_get_their_own_cached_view(app, room):
    question_id = _approved_question(app, room, judges_only=True)
    observer, _ = connect(app, OBS, session_id=room.session_id)
    judge, _ = connect(app, J1, session_id=room.session_id)
    assert received(observer, "state")[-1]["questions"] == []
    assert [q["id"] for q in received(judge, "state")[-1]["questions"]] == [question_id]


def test_a_role_removed_mid_session_counts_once_the_answers_are_old(app, room):
    """The room's contest is public: without the observer role the person is a plain viewer."""
    socket, _ = connect(app, OBS, session_id=room.session_id)
    assert received(socket, "state")[-1]["role"] == "observer"
    with app.test_request_context():
        contest = db.session.get(Contest, room.review.contest_id)
        assert contest.is_public
        remove_member(contest, OBS)
        db.session.commit()
    namespace = socketio.server.namespace_handlers[NS]
    assert [c.role for c in namespace.connections.values()] == ["observer"]   # within ACCESS_TTL
    age_answers()
    assert call(socket, "ask", {"text": "Still here?"})["ok"]
    assert [c.role for c in namespace.connections.values()] == ["viewer"]
    assert received(socket, "state")[-1]["role"] == "viewer"     # told at once, in the audience's room


def _statements(app):
    from sqlalchemy import event

    seen = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute",
                 lambda *args: seen.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None)
    return seen   # the reads: a socket dropped meanwhile writes its record's removal


def test_the_refresher_asks_again_for_a_whole_room_in_a_few_queries(app, room):
    """In the background, before the answers are stale: a revoked token is disconnected, a removed
    organiser moved to the audience's view, everyone else kept, in as many queries for 7 viewers as
    for 2."""
    from roadshow.realtime import access
    from roadshow.models import ApiToken

    organiser, _ = connect(app, ORG, session_id=room.session_id)
    with app.test_request_context():
        token, plain = api_tokens.create(User.by_email(OBS2), "script")
        db.session.commit()
        token_id = token.id
    scripted, _ = connect(app, None, auth={"session_id": room.session_id, "token": plain})
    namespace = socketio.server.namespace_handlers[NS]
    age_answers(access.ACCESS_TTL / 2)          # due, not yet stale
    statements = _statements(app)
    namespace.refresher.refresh_due(socketio)
    few = len(statements)
    assert organiser.is_connected(NS) and scripted.is_connected(NS)
    assert not any(c.due for c in namespace.connections.values())

    with app.test_request_context():   # behind the services' back: no disconnect, no event
        db.session.get(ApiToken, token_id).revoked_at = utcnow()
        contest = db.session.get(Contest, room.review.contest_id)
        remove_member(contest, ORG)
        db.session.commit()
    for n in range(5):
        create_user(app, f"viewer{n}@example.com", name=f"Viewer {n}")
        connect(app, f"viewer{n}@example.com", session_id=room.session_id)
    received(organiser, "state")
    age_answers(access.ACCESS_TTL / 2)
    statements.clear()
    namespace.refresher.refresh_due(socketio)
    assert not scripted.is_connected(NS)
    assert organiser.is_connected(NS)
    assert received(organiser, "state")[-1]["role"] == "viewer"
    assert sorted(c.role for c in namespace.connections.values()) == ["viewer"] * 6
    assert not any(c.due for c in namespace.connections.values())
    reads_of_the_new_view = 8
    assert len(statements) <= few + reads_of_the_new_view
    statements.clear()
    namespace.refresher.refresh_due(socketio)    # nothing due: nothing asked
    assert statements == []


def test_an_organiser_removed_mid_session_leaves_the_organisers_room(app, room):
    socket, _ = connect(app, ORG, session_id=room.session_id)
    asker, _ = connect(app, OBS, session_id=room.session_id)
    with app.test_request_context():
        contest = db.session.get(Contest, room.review.contest_id)
        remove_member(contest, ORG)
        db.session.commit()
    assert control(socket, "start_session")["error"]["code"] == "forbidden"   # organisers' actions: at once
    age_answers()
    assert call(socket, "state", {})["state"]["role"] == "viewer"
    received(socket, "question")
    assert call(asker, "ask", {"text": "Pending, for organisers only"})["ok"]
    assert received(socket, "question") == []


def test_the_coalescer_reads_the_counts_of_the_questions_marked_when_it_sends():
    sent, tasks, reads = [], [], []

    def read_votes(ids):
        reads.append(ids)
        return {7: 12, 8: 3}

    coalescer = coalesce.Coalescer(emit=lambda event, data, to: sent.append((data, to)), sleep=lambda s: None,
                                   start_task=tasks.append, read_votes=read_votes)
    for _ in range(40):
        coalescer.mark_question("live:1", 7)
    coalescer.mark_question("live:1:judges", 8)
    tasks[0]()
    assert reads == [[7, 8]]                       # one read for the whole batch
    assert sorted(sent, key=lambda s: s[1]) == [({"votes": {"7": 12}}, "live:1"), ({"votes": {"8": 3}}, "live:1:judges")]


def test_in_a_storm_the_tally_writes_the_votes_and_the_task_writes_only_what_came_meanwhile():
    from roadshow.realtime import votes

    until = [None]
    writer = votes.VoteWriter(app=None, start_task=lambda fn: None, on_counted=None, until_tick=lambda: until[0])
    assert writer._linger() == votes.LINGER_SECONDS            # no tally on its way
    until[0] = 0.15
    assert writer._linger() == votes.LINGER_SECONDS            # votes one by one: each answered at once
    writer.written = votes.STORM_VOTES                          # as many written since the last tally
    writer.flush()
    assert writer.storm
    assert writer._linger() == pytest.approx(0.15 + votes.AFTER_SECONDS)   # just after the next tally
    writer.flush()                                              # none since
    assert not writer.storm and writer._linger() == votes.LINGER_SECONDS
    writer.flush()
    until[0] = None
    assert writer._linger() == votes.LINGER_SECONDS            # no tally on its way


def test_a_tally_waits_for_the_votes_being_written_before_it_reads_what_changed():
    order, tasks = [], []
    coalescer = coalesce.Coalescer(emit=lambda event, data, to: order.append(("sent", data["votes"])),
                                   sleep=lambda seconds: None, start_task=tasks.append,
                                   before_tick=lambda: order.append("written"))
    coalescer.mark_votes("live:1", {7: 1})
    tasks[0]()
    assert order == ["written", ("sent", {"7": 1}), "written"]   # the last tick finds nothing and ends


def test_a_flush_writes_what_is_waiting_in_the_callers_task(app):
    import threading

    from roadshow.realtime.group_commit import GroupCommit

    batches = []
    writer = GroupCommit(app, lambda batch: (batches.append(list(batch)), [n * 2 for n in batch])[1],
                         start_task=lambda fn: None)        # no task of its own: only flushes write
    outcomes = []
    callers = [threading.Thread(target=lambda n=n: outcomes.append(writer.submit(n))) for n in (1, 2, 3)]
    for caller in callers:
        caller.start()
    assert wait_for(lambda: len(writer._queue) == 3)
    assert writer.flush() == 3
    for caller in callers:
        caller.join(5)
    assert sorted(outcomes) == [2, 4, 6] and [sorted(b) for b in batches] == [[1, 2, 3]]
    assert writer.flush() == 0 and writer.written == 3


def test_the_vote_writer_keeps_a_vote_and_its_withdrawal_in_separate_batches():
    from roadshow.realtime.group_commit import _Waiting
    from roadshow.realtime.votes import VoteWriter
    from roadshow.services.live_votes import VoteRequest

    writer = VoteWriter(app=None, start_task=lambda fn: None, on_counted=None)
    vote, withdrawal, other = (_Waiting(VoteRequest(1, 5, "viewer", 7, True)),
                               _Waiting(VoteRequest(1, 5, "viewer", 7, False)),
                               _Waiting(VoteRequest(1, 6, "viewer", 7, True)))
    writer._queue = [vote, withdrawal, other]
    assert writer._take() == [vote, other]
    assert writer._take() == [withdrawal]
    assert writer._take() == []


def test_connection_records_share_a_transaction_and_a_record_and_its_removal_go_in_turn(app, room):
    from roadshow.realtime import records
    from roadshow.realtime.group_commit import GroupCommit, _Waiting

    with app.app_context():
        ids = [User.by_email(email).id for email in (OBS, OBS2)]
    commits = []
    writer = GroupCommit(app, lambda batch: (commits.append(len(batch)), records.write(batch))[1],
                         start_task=lambda fn: None, key=lambda r: (r.sid, r.namespace))
    first, gone, second = (_Waiting(records.Record("s1", NS, ids[0])), _Waiting(records.Record("s1", NS, None)),
                           _Waiting(records.Record("s2", NS, ids[1], None)))
    writer._queue = [first, gone, second]
    writer._write(writer._take())
    with app.app_context():
        assert sorted(db.session.scalars(select(SocketConnection.sid))) == ["s1", "s2"]
    writer._write(writer._take())
    assert writer._take() == []
    assert commits == [2, 1]
    assert first.done.is_set() and gone.done.is_set() and second.outcome is True
    with app.app_context():
        assert list(db.session.scalars(select(SocketConnection.sid))) == ["s2"]


def test_a_batch_the_database_refuses_fails_every_caller_in_it_and_keeps_nothing(app, room):
    from roadshow.realtime import records
    from roadshow.realtime.group_commit import GroupCommit, WriteFailed, _Waiting

    writer = GroupCommit(app, records.write, start_task=lambda fn: None)
    with app.app_context():
        user_id = User.by_email(OBS).id
    good, unknown_user = _Waiting(records.Record("s1", NS, user_id)), _Waiting(records.Record("s2", NS, 10 ** 9))
    writer._queue = [good, unknown_user]
    writer._write(writer._take())
    assert isinstance(good.outcome, WriteFailed) and isinstance(unknown_user.outcome, WriteFailed)
    with app.app_context():
        assert db.session.scalars(select(SocketConnection)).all() == []


def test_viewers_connecting_at_once_are_each_recorded_before_their_connect_is_answered(app, room):
    import threading

    emails = [f"crowd{n}@example.com" for n in range(8)]
    for email in emails:
        create_user(app, email, name=email)
    clients = []
    for email in emails:
        client = app.test_client()
        login(client, email)
        clients.append(client)
    sockets = []
    threads = [threading.Thread(target=lambda c=c: sockets.append(socketio.test_client(
        app, namespace=NS, flask_test_client=c, auth={"session_id": room.session_id}))) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _open.extend(sockets)
    assert all(socket.is_connected(NS) for socket in sockets)
    with app.app_context():
        recorded = db.session.scalar(select(db.func.count()).select_from(SocketConnection)
                                     .where(SocketConnection.namespace == NS))
    assert recorded == len(emails)
    for socket in sockets:
        socket.disconnect(namespace=NS)
    with app.app_context():
        assert db.session.scalars(select(SocketConnection).where(SocketConnection.namespace == NS)).all() == []


def test_a_viewer_leaving_is_out_of_the_count_and_of_the_records(app, room):
    watcher, _ = connect(app, OBS, session_id=room.session_id)
    leaver, _ = connect(app, OBS2, session_id=room.session_id)
    assert wait_for(lambda: any(t.get("viewers") == 2 for t in received(watcher, "tally")), timeout=3)
    leaver.disconnect(namespace=NS)
    assert wait_for(lambda: any(t.get("viewers") == 1 for t in received(watcher, "tally")), timeout=3)
    with app.app_context():
        assert [c.user_id for c in db.session.scalars(select(SocketConnection)
                                                      .where(SocketConnection.namespace == NS))] == [_uid(app, OBS)]


def test_many_voters_at_once_are_all_answered_with_the_final_count(app, room):
    import threading

    question_id = _approved_question(app, room)
    plains = []
    for n in range(12):
        user_id = create_user(app, f"storm{n}@example.com", name=f"Storm {n}")
        with app.test_request_context():
            plains.append(api_tokens.create(db.session.get(User, user_id), "bot")[1])
            db.session.commit()
    sockets = [connect(app, None, auth={"session_id": room.session_id, "token": plain})[0] for plain in plains]
    answers = []
    threads = [threading.Thread(target=lambda s=s: answers.append(call(s, "vote", {"question_id": question_id})))
               for s in sockets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 12 and all(a["ok"] for a in answers)
    assert max(a["votes"] for a in answers) == 12
    with app.app_context():
        assert db.session.get(Question, question_id).votes == 12
