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
answers are asked again at most every ``ACCESS_TTL`` seconds (a role removed mid-session stops
working within that time; logging out or being deactivated disconnects at once), so that an
upvote, the room's most frequent event, costs no policy queries. Organisers' actions (moderation,
controls) are always checked anew by their services.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import disconnect, join_room, leave_room
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import joinedload

from roadshow.database import intend_to_write
from roadshow.extensions import db, socketio
from roadshow.models import ApiToken, SocketConnection, User, utcnow
from roadshow.models.live import LiveSession
from roadshow.policy import Action, can
from roadshow.realtime import votes
from roadshow.realtime.coalesce import coalescer
from roadshow.realtime.connection import AuthenticatedNamespace, error_payload
from roadshow.realtime.publish import is_degraded, user_room
from roadshow.services import api_tokens, live_questions, live_room, live_state
from roadshow.services.errors import DomainError, Forbidden
from roadshow.services.live_votes import VoteRequest

log = logging.getLogger(__name__)

NAMESPACE = "/live"
MAX_PAYLOAD_BYTES = 2048
ACCESS_TTL = 15.0   # seconds for which the policy's answers for a connection are reused


@dataclass
class Connection:
    user_id: int
    session_id: int
    token_id: int | None   # connected with an API token rather than the cookie
    role: str
    may_participate: bool
    checked_at: float      # time.monotonic() of the policy's answers and of the last identity check

    @property
    def fresh(self) -> bool:
        """Whether the answers are younger than ``ACCESS_TTL`` (and may be used as they are)."""
        return time.monotonic() - self.checked_at < ACCESS_TTL


class LiveNamespace(AuthenticatedNamespace):
    """Viewers of live sessions."""

    def __init__(self, namespace=None):
        super().__init__(namespace)
        self._lock = threading.Lock()
        self.connections: dict[str, Connection] = {}      # sid -> who and where, in this process
        self.viewers: dict[int, set[str]] = {}            # session id -> sids in this process

    # -- connecting ------------------------------------------------------------------------------

    def _user_at_connect(self, auth: dict) -> tuple[User, int | None]:
        token = auth.get("token")
        if token is not None:
            found = api_tokens.find(token) if isinstance(token, str) and len(token) < 200 else None
            if found is None:
                raise ConnectionRefusedError("invalid token")
            return found.user, found.id
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("unauthenticated")
        return db.session.get(User, current_user.id), None

    def on_connect(self, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        user, token_id = self._user_at_connect(auth)
        try:
            live = live_room.get_session(auth.get("session_id"), with_contest=True)
        except DomainError:
            raise ConnectionRefusedError("no such session") from None
        if not can(user, Action.LIVE_VIEW, live.contest):
            raise ConnectionRefusedError("forbidden")
        role = live_room.role_of(user, live)
        may_participate = can(user, Action.LIVE_PARTICIPATE, live.contest)
        sid, user_id, session_id = request.sid, user.id, live.id
        # in the rooms first, then the state: a change committed meanwhile is either in the state
        # or delivered to this socket after it
        join_room(user_room(user_id))
        join_room(live_room.room(session_id))
        join_room(live_room.role_room(role, session_id))
        state = live_state.snapshot(live, user, role=role)
        db.session.rollback()      # the reads end here; the record of the connection is written alone
        intend_to_write()
        db.session.execute(insert(SocketConnection.__table__).values(
            sid=sid, namespace=self.namespace, user_id=user_id, token_id=token_id, connected_at=utcnow()))
        db.session.commit()
        with self._lock:
            self.connections[sid] = Connection(user_id, session_id, token_id, role, may_participate, time.monotonic())
            sids = self.viewers.setdefault(session_id, set())
            sids.add(sid)
            count = len(sids)
        self._send_local("state", state, sid)
        if is_degraded():
            self._send_local("degraded", {"on": True}, sid)
        coalescer().mark_viewers(live_room.room(session_id), count)

    def _send_local(self, event: str, data: dict, sid: str) -> None:
        """To one socket of this process: straight to it, not through the message queue."""
        from socketio.manager import Manager

        Manager.emit(socketio.server.manager, event, data, namespace=self.namespace, room=sid)

    def on_disconnect(self, *args):
        sid = request.sid
        with self._lock:
            connection = self.connections.pop(sid, None)
            count = None
            if connection is not None:
                sids = self.viewers.get(connection.session_id, set())
                sids.discard(sid)
                count = len(sids)
                if not sids:
                    self.viewers.pop(connection.session_id, None)
        intend_to_write()
        db.session.execute(delete(SocketConnection).where(SocketConnection.sid == sid,
                                                          SocketConnection.namespace == self.namespace))
        db.session.commit()
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
        if connection.fresh:
            return _LazyUser(connection.user_id)
        if connection.token_id is not None:
            valid = db.session.execute(
                select(ApiToken.id).join(User, User.id == ApiToken.user_id)
                .where(ApiToken.id == connection.token_id, ApiToken.revoked_at.is_(None), User.active.is_(True))
            ).first()
            return _LazyUser(connection.user_id) if valid else None
        if not current_user.is_authenticated or current_user.id != connection.user_id:
            return None
        return current_user._get_current_object()

    def _check_access(self, connection: Connection, user: User) -> LiveSession | None:
        """Ask the policy again whether ``user`` may be in the room, if its last answer is older than
        ``ACCESS_TTL``; refresh the connection's role. The session, when it had to be read."""
        if connection.fresh:
            return None
        user = _loaded(user)
        live = db.session.get(LiveSession, connection.session_id, options=[joinedload(LiveSession.contest)])
        if live is None or not can(user, Action.LIVE_VIEW, live.contest):
            raise _Refused("forbidden", "no longer allowed in this room")
        role = live_room.role_of(user, live)
        connection.may_participate = can(user, Action.LIVE_PARTICIPATE, live.contest)
        connection.checked_at = time.monotonic()
        if role != connection.role:   # e.g. no longer an organiser: the view of the new role, at once
            leave_room(live_room.role_room(connection.role, live.id))
            join_room(live_room.role_room(role, live.id))
            connection.role = role
            self._send_local("state", live_state.snapshot(live, user, role=role), request.sid)
        return live

    def _guarded(self, handler):
        def guarded(*args):
            data = args[0] if args else {}
            try:
                size = len(json.dumps(data, ensure_ascii=False).encode())
            except (TypeError, ValueError):
                size = MAX_PAYLOAD_BYTES + 1
            if size > MAX_PAYLOAD_BYTES:
                return error_payload("too_large", "message too large")
            if data is None:
                data = {}
            if not isinstance(data, dict):
                return error_payload("invalid", "expected an object")
            if handler.__name__ == "on_ping":   # no database: answered at once, for the clock offset
                if request.sid not in self.connections:
                    return error_payload("unauthenticated", "not connected")
                return handler(None, None, data)
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

    def on_ask(self, user, connection, data):
        question = live_questions.ask(_live(connection), user, text=data.get("text"),
                                      anonymous=data.get("anonymous", False),
                                      judges_only=data.get("judges_only", False))
        return {"question_id": question.id}

    def on_vote(self, user, connection, data):
        """The room's hot path: the connection's policy answers, then the process's vote writer."""
        if not connection.may_participate:
            raise live_room.refuse(Forbidden, "forbidden", _l("You may not take part in this room."))
        on = data.get("on", True) is not False
        request_ = VoteRequest(connection.session_id, user.id, connection.role, data.get("question_id"), on)
        # No transaction of ours may stay open while the writer writes (nor begin again: the ORM
        # objects read so far are expired by the commit, hence the request built first).
        _commit()
        counted = votes.writer().cast(request_)
        return {"question_id": counted.question_id, "votes": counted.votes, "on": on}

    def on_moderate(self, user, connection, data):
        question = live_questions.moderate(_live(connection), user, question_id=data.get("question_id"),
                                           action=data.get("action"), text=data.get("text"))
        return {"question_id": question.id}

    def on_interest(self, user, connection, data):
        row = live_questions.interest(_live(connection), user, application_id=data.get("application_id"),
                                      follow_up=data.get("follow_up", False), organisation=data.get("organisation"),
                                      note=data.get("note"))
        return {"application_id": row.application_id, "follow_up": row.follow_up}

    def on_control(self, user, connection, data):
        return live_room.control(_live(connection), user, data)


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


__all__ = ["NAMESPACE", "LiveNamespace", "utcnow"]
