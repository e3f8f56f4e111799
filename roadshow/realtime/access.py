"""Who each live connection is, and the policy's answers for it, kept fresh in the background.

A connection to ``/live`` is checked at connect: who it is (the cookie's session, or an API token)
and what the policy lets it do in the room (view, take part, and the view of which role). Logging
out, deactivation and revoking a token disconnect its sockets at once (``socket_connections``);
what those cannot catch (a role removed, a contest closed to the public) is caught by asking again:
the answers are trusted for ``ACCESS_TTL`` seconds.

Asking again on the event that finds the answers stale would put a policy check on the room's hot
path (an upvote storm is every viewer's first event in a while): so this process's
:class:`AccessRefresher` asks again in the background, every ``REFRESH_EVERY`` seconds, for all the
connections of a room whose answers are past half their life, in a fixed number of queries per room
whatever its size (in slices of ``SLICE``, yielding between them). An event still checks inline when it finds the answers stale (the refresher
late, or not yet run). A changed role moves the socket to its role's room and sends it the state of
its new view; a connection no longer allowed is disconnected.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from roadshow.extensions import db
from roadshow.models import ApiToken, User
from roadshow.models.live import LiveSession
from roadshow.policy import Action, can, preload_roles
from roadshow.services import live_room

log = logging.getLogger(__name__)

ACCESS_TTL = 15.0               # seconds for which the policy's answers for a connection are used
REFRESH_EVERY = ACCESS_TTL / 3  # how often the refresher looks for answers past half their life
_CHUNK = 500                    # ids per IN (...) list
SLICE = 200                     # connections re-checked before the refresher lets others run


@dataclass
class Connection:
    user_id: int
    session_id: int
    token_id: int | None          # connected with an API token rather than the cookie
    session_version: int | None   # the cookie's session version (a cookie connection)
    role: str
    may_participate: bool
    checked_at: float             # time.monotonic() of the policy's answers and of the last identity check

    @property
    def fresh(self) -> bool:
        """Whether the answers are younger than ``ACCESS_TTL`` (and may be used as they are)."""
        return time.monotonic() - self.checked_at < ACCESS_TTL

    @property
    def due(self) -> bool:
        """Past half their life: the refresher asks again."""
        return time.monotonic() - self.checked_at >= ACCESS_TTL / 2


def answers(user: User, live: LiveSession | None) -> tuple[str, bool] | None:
    """The policy's answers for ``user`` in ``live``'s room: (role, may take part), or None when the
    user may not be there at all."""
    if live is None or not can(user, Action.LIVE_VIEW, live.contest):
        return None
    return live_room.role_of(user, live), can(user, Action.LIVE_PARTICIPATE, live.contest)


def chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def rows_by_id(model, ids, *options) -> dict[int, Any]:
    """The rows of ``model`` with those ids, by id, in a query per ``_CHUNK`` ids."""
    found: dict[int, Any] = {}
    for chunk in chunks(sorted(ids)):
        found.update((row.id, row) for row in db.session.scalars(
            select(model).options(*options).where(model.id.in_(chunk))))
    return found


def valid_identities(connections: list[Connection]) -> set[int]:
    """The users of ``connections`` whose authentication still holds (token not revoked, or the
    cookie's session version current; the account active): two queries at most."""
    valid: set[int] = set()
    token_ids = sorted({c.token_id for c in connections if c.token_id is not None})
    for chunk in chunks(token_ids):
        valid_tokens = set(db.session.scalars(
            select(ApiToken.id).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id.in_(chunk), ApiToken.revoked_at.is_(None), User.active.is_(True))))
        valid |= {c.user_id for c in connections if c.token_id in valid_tokens}
    cookie_users = sorted({c.user_id for c in connections if c.token_id is None})
    for chunk in chunks(cookie_users):
        versions = dict(db.session.execute(
            select(User.id, User.session_version).where(User.id.in_(chunk), User.active.is_(True))).all())
        valid |= {c.user_id for c in connections
                  if c.token_id is None and c.user_id in versions and versions[c.user_id] == c.session_version}
    return valid


class AccessRefresher:
    """The background task of one process that keeps its live connections' answers fresh."""

    def __init__(self, namespace) -> None:
        self._namespace = namespace   # the LiveNamespace: its connections, its server
        self._lock = threading.Lock()
        self._running = False

    def ensure_running(self, socketio) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True
        try:
            socketio.start_background_task(self._loop, socketio)
        except Exception:
            self._running = False
            raise

    def _loop(self, socketio) -> None:
        while True:
            socketio.sleep(REFRESH_EVERY)
            with self._lock:
                if not self._namespace.connections:
                    self._running = False
                    return
            try:
                self.refresh_due(socketio)
            except Exception:
                log.exception("refreshing the live connections' access failed")
            self._namespace.report_viewers()   # while it holds viewers, this process's counts stay fresh

    def refresh_due(self, socketio) -> None:
        """Ask again for every connection whose answers are past half their life, room by room."""
        rooms: dict[tuple, list[tuple[str, Connection]]] = {}
        for sid, connection in list(self._namespace.connections.items()):
            if connection.due:
                environ = self._namespace.server.get_environ(sid, namespace=self._namespace.namespace)
                if environ:
                    rooms.setdefault((environ["flask.app"], connection.session_id), []).append((sid, connection))
        slices = [(key, items[start:start + SLICE]) for key, items in rooms.items()
                  for start in range(0, len(items), SLICE)]
        for (app, session_id), items in slices:
            socketio.sleep(0)   # a slice at a time: the room's tallies and events go on meanwhile
            with app.app_context():
                try:
                    refused, moved = self._refresh_room(session_id, items)
                finally:
                    db.session.rollback()
            # outside the read: a disconnect runs the namespace's handler, which writes
            server, namespace = self._namespace.server, self._namespace.namespace
            for sid in refused:
                server.disconnect(sid, namespace=namespace)
            for sid, (old_role, role, state) in moved.items():
                server.leave_room(sid, live_room.role_room(old_role, session_id), namespace=namespace)
                server.enter_room(sid, live_room.role_room(role, session_id), namespace=namespace)
                self._namespace.send_local("state", state, sid)

    def _refresh_room(self, session_id: int, items: list[tuple[str, Connection]]) -> tuple[list, dict]:
        """Ask again for the connections of one room: the sids refused, and those whose role
        changed, with (old role, new role, the state of the new view)."""
        from roadshow.services import live_state

        started = time.monotonic()
        live = db.session.get(LiveSession, session_id, options=[joinedload(LiveSession.contest)])
        connections = [connection for _, connection in items]
        valid = valid_identities(connections)
        user_ids = sorted({c.user_id for c in connections if c.user_id in valid})
        users = rows_by_id(User, user_ids)
        if live is not None:
            preload_roles(user_ids, live.contest)
        refused, moved = [], {}
        for sid, connection in items:
            if self._namespace.connections.get(sid) is not connection:
                continue   # gone meanwhile
            user = users.get(connection.user_id)
            found = answers(user, live) if user is not None else None
            if found is None:
                refused.append(sid)
                continue
            role, connection.may_participate = found
            connection.checked_at = started
            if role != connection.role:
                moved[sid] = (connection.role, role, live_state.snapshot(live, user, role=role))
                connection.role = role
        return refused, moved
