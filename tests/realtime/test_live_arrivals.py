"""A crowd joining the live room: connects admitted in batches (:mod:`roadshow.realtime.arrivals`)."""
from __future__ import annotations

import json
import threading

from sqlalchemy import select

from roadshow.extensions import db, socketio
from roadshow.models import SocketConnection, User, utcnow
from roadshow.models.live import QuestionVote
from roadshow.realtime import arrivals
from roadshow.realtime.arrivals import Admission, Arrival, Refused
from roadshow.services import api_tokens
from tests.helpers import create_user, login
from tests.realtime.test_live_namespace import (  # noqa: F401  (fixtures)
    NS, OBS, OBS2, ORG, _approved_question, _fresh_coalescer, _open, _statements, connect, received, room,
)


class _Server:
    """Records the rooms entered; a sid in ``gone`` has disconnected (as python-socketio says)."""

    def __init__(self, gone=()) -> None:
        self.rooms: dict[str, list[str]] = {}
        self.gone = set(gone)

    def enter_room(self, sid, name, namespace=None):
        if sid in self.gone:
            raise KeyError(sid)
        self.rooms.setdefault(sid, []).append(name)


def _cookie(app, email) -> tuple[int, int]:
    with app.app_context():
        user = User.by_email(email)
        return user.id, user.session_version


def _token(app, email, *, revoked=False) -> str:
    with app.test_request_context():
        token, plain = api_tokens.create(User.by_email(email), "script")
        if revoked:
            token.revoked_at = utcnow()
        db.session.commit()
        return plain


def _admit_and_welcome(app, batch, server):
    with app.app_context():
        outcomes = arrivals.admit(batch)
        db.session.commit()
        outcomes = arrivals.welcome(server, batch, outcomes)
        db.session.rollback()
        return outcomes


def test_each_arrival_of_a_batch_is_answered_on_its_own(app, room):
    question = _approved_question(app, room, author=OBS2)
    obs_id, version = _cookie(app, OBS)
    with app.app_context():
        db.session.add(QuestionVote(question_id=question, user_id=obs_id))
        db.session.commit()
    good, revoked = _token(app, OBS2), _token(app, OBS2, revoked=True)
    create_user(app, "left@example.com")
    inactive = _cookie(app, "left@example.com")
    with app.app_context():
        db.session.get(User, inactive[0]).active = False
        db.session.commit()
    batch = [
        Arrival("cookie", NS, room.session_id, cookie=(obs_id, version)),
        Arrival("token", NS, str(room.session_id), token=good),
        Arrival("organiser", NS, room.session_id, cookie=_cookie(app, ORG)),
        Arrival("revoked", NS, room.session_id, token=revoked),
        Arrival("unknown-token", NS, room.session_id, token="rs_wrong"),
        Arrival("old-cookie", NS, room.session_id, cookie=(obs_id, version - 1)),
        Arrival("no-user", NS, room.session_id, cookie=(10 ** 9, 1)),
        Arrival("no-session", NS, 999999, cookie=(obs_id, version)),
        Arrival("bad-session", NS, "abc", cookie=(obs_id, version)),
        Arrival("true-session", NS, True, cookie=(obs_id, version)),
        Arrival("gone", NS, room.session_id, cookie=(obs_id, version)),
        Arrival("inactive", NS, room.session_id, cookie=inactive),
    ]
    server = _Server(gone={"gone"})
    outcomes = dict(zip([a.sid for a in batch], _admit_and_welcome(app, batch, server)))

    refused = {sid: str(o) for sid, o in outcomes.items() if isinstance(o, Refused)}
    assert refused == {"revoked": "invalid token", "unknown-token": "invalid token", "old-cookie": "unauthenticated",
                       "no-user": "unauthenticated", "no-session": "no such session",
                       "bad-session": "no such session", "true-session": "no such session", "gone": "gone",
                       "inactive": "unauthenticated"}
    cookie, token, organiser = outcomes["cookie"], outcomes["token"], outcomes["organiser"]
    assert isinstance(cookie, Admission) and isinstance(token, Admission) and isinstance(organiser, Admission)
    assert (cookie.connection.role, cookie.connection.token_id, cookie.connection.session_version) == \
        ("observer", None, version)
    assert token.connection.token_id is not None and token.connection.session_version is None
    assert organiser.connection.role == "organiser" and organiser.connection.may_participate
    states = {sid: json.loads(outcomes[sid].state) for sid in ("cookie", "token", "organiser")}
    assert states["cookie"]["my_votes"] == [question] and states["token"]["my_votes"] == []
    assert states["cookie"]["role"] == "observer" and states["organiser"]["role"] == "organiser"
    assert [q["id"] for q in states["token"]["questions"]] == [question]
    assert server.rooms["cookie"] == [f"user:{obs_id}", f"live:{room.session_id}",
                                      f"live:{room.session_id}:audience"]
    assert server.rooms["organiser"][-1] == f"live:{room.session_id}:organisers"
    assert set(server.rooms) == {"cookie", "token", "organiser"}
    with app.app_context():   # recorded: the admitted ones, and the one gone since (its connect removes it)
        assert sorted(db.session.scalars(select(SocketConnection.sid))) == ["cookie", "gone", "organiser", "token"]
        assert db.session.scalar(select(SocketConnection.token_id).where(SocketConnection.sid == "token")) == \
            token.connection.token_id


def test_a_batch_is_read_in_as_many_queries_for_eight_viewers_as_for_two(app, room):
    cookies = []
    for n in range(8):
        email = f"crowd{n}@example.com"
        create_user(app, email, name=f"Crowd {n}")
        cookies.append(_cookie(app, email))
    plains = [_token(app, OBS), _token(app, OBS2)]
    _admit_and_welcome(app, [Arrival("warm", NS, room.session_id, cookie=cookies[0]),   # the room's part, per role
                             Arrival("warm-observer", NS, room.session_id, cookie=_cookie(app, OBS))], _Server())

    statements = _statements(app)
    few = _admit_and_welcome(app, [Arrival("a0", NS, room.session_id, cookie=cookies[1]),
                                   Arrival("a1", NS, room.session_id, token=plains[0])], _Server())
    reads_for_two = len(statements)
    statements.clear()
    many = _admit_and_welcome(app, [Arrival(f"b{n}", NS, room.session_id, cookie=cookie)
                                    for n, cookie in enumerate(cookies)]
                              + [Arrival("b-token", NS, room.session_id, token=plains[1])], _Server())
    assert all(isinstance(o, Admission) for o in few + many)
    assert len(statements) == reads_for_two
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SocketConnection)) == 2 + 2 + 9


def test_a_revoked_token_in_a_crowd_refuses_only_its_own_connect(app, room):
    emails = [f"crowd{n}@example.com" for n in range(6)]
    clients = []
    for email in emails:
        create_user(app, email, name=email)
        client = app.test_client()
        login(client, email)
        clients.append(client)
    revoked = _token(app, OBS, revoked=True)
    sockets, refused = [], []

    def join(client):
        sockets.append(socketio.test_client(app, namespace=NS, flask_test_client=client,
                                            auth={"session_id": room.session_id}))

    def join_revoked():
        refused.append(socketio.test_client(app, namespace=NS, auth={"session_id": room.session_id, "token": revoked}))

    threads = [threading.Thread(target=join, args=(c,)) for c in clients] + [threading.Thread(target=join_revoked)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _open.extend(sockets + refused)
    assert all(socket.is_connected(NS) for socket in sockets) and len(sockets) == len(emails)
    assert not refused[0].is_connected(NS)
    assert all(received(socket, "state")[0]["role"] == "viewer" for socket in sockets)
    namespace = socketio.server.namespace_handlers[NS]
    assert len(namespace.viewers[room.session_id]) == len(emails)


def test_a_socket_gone_while_it_was_admitted_leaves_no_record(app, room, monkeypatch):
    namespace = socketio.server.namespace_handlers[NS]
    monkeypatch.setattr(namespace, "_still_here", lambda sid: False)   # disconnected while it waited
    socket, _ = connect(app, OBS, session_id=room.session_id)
    monkeypatch.undo()
    assert not socket.is_connected(NS)
    assert namespace.connections == {}

    def no_records():
        with app.app_context():
            return db.session.scalars(select(SocketConnection)).all() == []

    from tests.helpers import wait_for

    assert wait_for(no_records)


def test_the_cookie_must_still_name_the_current_session_version(app, room):
    socket, browser = connect(app, OBS, session_id=room.session_id)
    assert socket.is_connected(NS)
    with app.app_context():
        db.session.get(User, User.by_email(OBS).id).session_version += 1   # every session revoked
        db.session.commit()
    again = socketio.test_client(app, namespace=NS, flask_test_client=browser, auth={"session_id": room.session_id})
    _open.append(again)
    assert not again.is_connected(NS)
