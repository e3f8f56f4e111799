"""The ``/live`` namespace: one room per live session.

Connect with ``auth: {session_id}`` and the session cookie (browsers), or ``auth: {session_id,
token}`` with an API token (scripts). The viewer must have LIVE_VIEW on the session's contest. The
connection joins ``live:<id>`` and one role room (organisers, judges or the audience), and gets
``state`` (the whole room from the database, filtered for it) at once: a reconnect, to any worker,
resyncs it.

Every event is re-authenticated (the cookie's session, or the token, must still be valid), size
capped, handled by a service and committed once; the services publish after that commit. The
user resolved at connect is kept per sid in this process, which is where the connection lives,
with the policy's answers for the room: may view, may take part, and the viewer's role. Those
answers are asked again in the background (:mod:`roadshow.realtime.access`), so that an upvote,
the room's most frequent event, costs no query in its own greenlet: it goes straight to the vote
writer. Organisers' actions (moderation, controls) are always checked anew by their services.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_socketio import disconnect, join_room, leave_room
from sqlalchemy.orm import joinedload

from roadshow.database import intend_to_write
from roadshow.extensions import db, socketio
from roadshow.models import User, utcnow
from roadshow.models.live import LiveSession
from roadshow.realtime import arrivals, records, votes
from roadshow.realtime.access import ACCESS_TTL, AccessRefresher, Connection, answers, valid_identities
from roadshow.realtime.arrivals import MAX_TOKEN_LENGTH, Arrival
from roadshow.realtime.coalesce import coalescer
from roadshow.realtime.group_commit import WriteFailed
from roadshow.realtime.connection import AuthenticatedNamespace, error_payload
from roadshow.realtime.publish import is_degraded
from roadshow.realtime.records import Record
from roadshow.services import live_question_pages, live_questions, live_room, live_state
from roadshow.services.errors import DomainError, Forbidden
from roadshow.services.live_votes import VoteRequest

log = logging.getLogger(__name__)

NAMESPACE = "/live"
MAX_PAYLOAD_BYTES = 2048
READ_ONLY = {"on_questions"}   # events that write nothing: no IMMEDIATE transaction on SQLite


class LiveNamespace(AuthenticatedNamespace):
    """Viewers of live sessions."""

    def __init__(self, namespace=None):
        super().__init__(namespace)
        self._lock = threading.Lock()
        self.connections: dict[str, Connection] = {}      # sid -> who and where, in this process
        self.viewers: dict[int, set[str]] = {}            # session id -> sids in this process
        self.refresher = AccessRefresher(self)

    # -- connecting ------------------------------------------------------------------------------

    def _arrival(self, sid: str, environ: dict, auth: dict) -> Arrival:
        """Who is connecting, as far as the connect itself tells, without a query: the API token in
        ``auth``, or the user and session version in the session cookie."""
        token = auth.get("token")
        if token is not None:
            if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
                raise ConnectionRefusedError("invalid token")
            return Arrival(sid, self.namespace, auth.get("session_id"), token=token)
        app = environ["flask.app"]
        cookie_session = app.session_interface.open_session(app, app.request_class(environ))
        # Flask-Login's key in the session: "<user id>:<session version>"
        cookie = User.parse_session_id(cookie_session.get("_user_id") if cookie_session is not None else None)
        if cookie is None:
            raise ConnectionRefusedError("unauthenticated")
        return Arrival(sid, self.namespace, auth.get("session_id"), cookie=cookie)

    def _connect(self, sid: str, environ: dict, auth=None) -> None:
        """A connect, admitted with the other connects of the moment (:mod:`roadshow.realtime.arrivals`):
        the socket is in its rooms, recorded, and has its state to send when this returns.

        Without Flask-SocketIO's request context: a connect needs nothing of it but the session
        cookie, which the app's session interface reads from the environ, and the context's URL
        matching (a ``NotFound`` kept with its traceback, for a socket's path) was a tenth of a
        connect's time and garbage for the collector at every arrival of a crowd."""
        app = environ["flask.app"]
        with app.app_context():
            arrival = self._arrival(sid, environ, auth if isinstance(auth, dict) else {})
            try:
                admission = arrivals.admitter(app, self.server).submit(arrival)
            except arrivals.Refused as exc:
                raise ConnectionRefusedError(str(exc)) from None
            except WriteFailed:
                raise ConnectionRefusedError("unavailable") from None
            connection = admission.connection
            count = self._count_in(sid, connection)
            if count is None:   # gone while it was admitted
                records.recorder(app).submit(Record(sid, self.namespace, None))
                raise ConnectionRefusedError("gone")
            self.send_local_json("state", admission.state, sid)
            if is_degraded():
                self.send_local("degraded", {"on": True}, sid)
            coalescer().mark_viewers(live_room.room(connection.session_id), count)
            if app.config["LIVE_ACCESS_REFRESH"]:
                self.refresher.ensure_running(socketio)

    def _count_in(self, sid: str, connection: Connection) -> int | None:
        """Hold the admitted socket's connection; its room's count in this process, or None if the
        socket has gone meanwhile (then nothing is held)."""
        with self._lock:
            if not self._still_here(sid):
                return None
            self.connections[sid] = connection
            sids = self.viewers.setdefault(connection.session_id, set())
            sids.add(sid)
            return len(sids)

    def _count_out(self, sid: str) -> tuple[Connection | None, int | None]:
        """Let go of the socket's connection: it, and its room's count in this process after."""
        with self._lock:
            connection = self.connections.pop(sid, None)
            if connection is None:
                return None, None
            sids = self.viewers.get(connection.session_id, set())
            sids.discard(sid)
            if not sids:
                self.viewers.pop(connection.session_id, None)
            return connection, len(sids)

    def report_viewers(self) -> None:
        """This process's viewer count of each of its rooms, to the counts of every process."""
        with self._lock:
            counts = {live_room.room(session_id): len(sids) for session_id, sids in self.viewers.items()}
        coalescer().viewer_counts.report(counts)

    def _still_here(self, sid: str) -> bool:
        return self.server.get_environ(sid, namespace=self.namespace) is not None

    def send_local(self, event: str, data: dict, sid: str) -> None:
        """To one socket of this process: straight to it, not through the message queue."""
        from socketio.manager import Manager

        Manager.emit(socketio.server.manager, event, data, namespace=self.namespace, room=sid)

    def send_local_json(self, event: str, data_json: str, sid: str) -> None:
        """Like :meth:`send_local`, with the data already JSON text: a Socket.IO event packet
        (protocol 5: type 2, the namespace, then ``[event, data]``), as the manager sends one."""
        from engineio import packet as eio_packet

        eio_sid = self.server.manager.eio_sid_from_sid(sid, self.namespace)
        if eio_sid is None:
            return
        text = f"2{self.namespace},[{json.dumps(event)},{data_json}]"
        self.server._send_eio_packet(eio_sid, eio_packet.Packet(eio_packet.MESSAGE, data=text))

    def _disconnect(self, sid: str, *reason) -> None:
        """A socket gone: out of this process's count and its record removed (in a batch). Without a
        request context either: when a crowd leaves at once (the event ends, a worker restarts) the
        context's URL matching would cost every one of them what it cost a connect."""
        environ = self.server.get_environ(sid, namespace=self.namespace)
        if not environ:
            return
        app = environ["flask.app"]
        connection, count = self._count_out(sid)
        with app.app_context():
            records.recorder(app).submit(Record(sid, self.namespace, None))
            if connection is not None:
                coalescer().mark_viewers(live_room.room(connection.session_id), count)

    # -- every event -------------------------------------------------------------------------------

    def _current_user(self, connection: Connection | None) -> User | _LazyUser | None:
        """The connection's user if what authenticated it still holds, else None.

        Within ``ACCESS_TTL`` of the last check the connection is trusted as it is: logging out,
        deactivation and revoking the API token disconnect its sockets at once (the
        ``socket_connections`` rows), so the check only has to catch what those miss."""
        if connection is None:
            return None
        if connection.fresh or connection.user_id in valid_identities([connection]):
            return _LazyUser(connection.user_id)
        return None

    def _check_access(self, connection: Connection, user: User) -> None:
        """Ask the policy again whether ``user`` may be in the room, if its last answer is older than
        ``ACCESS_TTL`` (the background refresher is late); refresh the connection's role."""
        if connection.fresh:
            return
        user = _loaded(user)
        live = db.session.get(LiveSession, connection.session_id, options=[joinedload(LiveSession.contest)])
        found = answers(user, live)
        if found is None:
            raise _Refused("forbidden", "no longer allowed in this room")
        role, connection.may_participate = found
        connection.checked_at = time.monotonic()
        if role != connection.role:   # e.g. no longer an organiser: the view of the new role, at once
            leave_room(live_room.role_room(connection.role, live.id))
            join_room(live_room.role_room(role, live.id))
            connection.role = role
            self.send_local("state", live_state.snapshot(live, user, role=role), request.sid)

    def trigger_event(self, event, *args):
        """A connect is admitted in a batch (:meth:`_connect`), a disconnect recorded likewise
        (:meth:`_disconnect`); an upvote on a connection whose answers are fresh goes straight to
        the vote writer."""
        if event == "connect":
            return self._connect(*args)
        if event == "disconnect":
            return self._disconnect(*args)
        if event == "vote" and args:
            connection = self.connections.get(args[0])
            if connection is not None and connection.fresh and connection.may_participate:
                return self._vote_now(args[0], connection, args[1:])
        return super().trigger_event(event, *args)

    def _vote_now(self, sid: str, connection: Connection, args: tuple):
        """The room's hot path, without a request context or a database session in this greenlet.

        Everything an event's request context would be asked is known already: who (checked within
        ``ACCESS_TTL``, and disconnected at once when revoked), the role and the right to take part.
        The writer checks the rest (the question, one's own, the rate limit) in its batch. Only a
        refusal needs the request, for its message in the viewer's language; a connection whose
        answers are stale, or who may not take part, takes the full path (``on_vote``)."""
        data, refusal = _payload(args)
        if refusal is not None:
            return refusal
        environ = self.server.get_environ(sid, namespace=self.namespace)
        if not environ:
            return error_payload("unauthenticated", "not connected")
        app = environ["flask.app"]
        try:
            return {"ok": True, **_cast(app, connection, data)}
        except DomainError as exc:
            with app.request_context(environ):
                return error_payload(exc.code, str(exc.message))
        except Exception:
            log.exception("live event on_vote failed")
            return error_payload("server_error", "something went wrong")

    def _guarded(self, handler):
        def guarded(*args):
            data, refusal = _payload(args)
            if refusal is not None:
                return refusal
            if handler.__name__ == "on_ping":   # no database: answered at once, for the clock offset
                if request.sid not in self.connections:
                    return error_payload("unauthenticated", "not connected")
                return handler(None, None, data)
            if handler.__name__ not in READ_ONLY:
                intend_to_write()
            try:
                connection = self.connections.get(request.sid)
                user = self._current_user(connection)
                if user is None:
                    db.session.rollback()
                    disconnect()
                    return error_payload("unauthenticated", "session revoked")
                self._check_access(connection, user)
                result = handler(user if handler.__name__ == "on_vote" else _loaded(user), connection, data)
                _commit()
                return {"ok": True, **(result or {})}
            except _Refused as exc:
                db.session.rollback()
                disconnect()
                return error_payload(exc.code, exc.message)
            except DomainError as exc:
                db.session.rollback()
                return error_payload(exc.code, str(exc.message))
            except Exception:
                db.session.rollback()
                log.exception("live event %s failed", handler.__name__)
                return error_payload("server_error", "something went wrong")

        guarded.__name__ = handler.__name__
        return guarded

    # -- events ------------------------------------------------------------------------------------

    def on_ping(self, user, connection, data):
        return {"ok": True, "t": data.get("t"), "now": live_room.now_ms()}

    def on_state(self, user, connection, data):
        """Ask again for the whole room (e.g. after ``degraded`` ends)."""
        return {"state": live_state.snapshot(_live(connection), user)}

    def on_questions(self, user, connection, data):
        """Older questions than ``state`` carries: ``{"before": <question id>}``, a page at a time."""
        return live_question_pages.earlier(_live(connection), user, before=data.get("before"))

    def on_ask(self, user, connection, data):
        question = live_questions.ask(_live(connection), user, text=data.get("text"),
                                      anonymous=data.get("anonymous", False),
                                      judges_only=data.get("judges_only", False))
        return {"question_id": question.id}

    def on_vote(self, user, connection, data):
        """The room's hot path: the connection's policy answers, then the process's vote writer."""
        if not connection.may_participate:
            raise live_room.refuse(Forbidden, "forbidden", _l("You may not take part in this room."))
        # No transaction of ours may stay open while the writer writes (nor begin again: the ORM
        # objects read so far are expired by the commit, and the vote needs none of them).
        _commit()
        return _cast(current_app._get_current_object(), connection, data)

    def on_moderate(self, user, connection, data):
        question = live_questions.moderate(_live(connection), user, question_id=data.get("question_id"),
                                           action=data.get("action"), text=data.get("text"))
        return {"question_id": question.id}

    def on_interest(self, user, connection, data):
        """Mark interest in a project (``on``: true, the default) or take it back (``on``: false)."""
        if data.get("on", True) is False:
            live_questions.withdraw_interest(_live(connection), user, application_id=data.get("application_id"))
            return {"application_id": data.get("application_id"), "on": False}
        row = live_questions.interest(_live(connection), user, application_id=data.get("application_id"),
                                      follow_up=data.get("follow_up", False), organisation=data.get("organisation"),
                                      note=data.get("note"))
        return {"application_id": row.application_id, "follow_up": row.follow_up, "on": True}

    def on_control(self, user, connection, data):
        return live_room.control(_live(connection), user, data)


def _payload(args: tuple) -> tuple[dict, dict | None]:
    """An event's data, or the refusal of it: at most ``MAX_PAYLOAD_BYTES`` of JSON, an object."""
    data = args[0] if args else {}
    try:
        size = len(json.dumps(data, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        size = MAX_PAYLOAD_BYTES + 1
    if size > MAX_PAYLOAD_BYTES:
        return {}, error_payload("too_large", "message too large")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, error_payload("invalid", "expected an object")
    return data, None


def _cast(app, connection: Connection, data: dict) -> dict:
    """The connection's upvote (or its withdrawal) through the app's vote writer: the answer."""
    on = data.get("on", True) is not False
    counted = votes.writer(app).cast(
        VoteRequest(connection.session_id, connection.user_id, connection.role, data.get("question_id"), on))
    return {"question_id": counted.question_id, "votes": counted.votes, "on": on}


def _commit() -> None:
    """Commit the event's transaction, if it has one (most upvotes read nothing of their own)."""
    if db.session().in_transaction():
        db.session.commit()


@dataclass(frozen=True)
class _LazyUser:
    """A user known to be valid, by id: the upvote needs no more; :func:`_loaded` reads the rest."""

    id: int


def _loaded(user) -> User:
    return db.session.get(User, user.id) if isinstance(user, _LazyUser) else user


class _Refused(Exception):
    """The connection may no longer be in the room: refuse the event and drop the socket."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _live(connection: Connection) -> LiveSession:
    return live_room.get_session(connection.session_id)


__all__ = ["ACCESS_TTL", "NAMESPACE", "LiveNamespace", "utcnow"]
