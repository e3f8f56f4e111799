"""The one way services talk to Socket.IO clients: events emitted after the transaction commits.

Emitting goes through Flask-SocketIO, so with ``REDIS_URL`` set any process may emit to a room
whose clients are connected to another process. If the message queue fails (Redis down), the change
is committed all the same; this process's own clients of that namespace are told ``degraded``
``{"on": true}`` once, and ``{"on": false}`` after the next emit that gets through (they resync from
the database when they reconnect).
"""
from __future__ import annotations

import logging

from sqlalchemy import delete, select

from roadshow.extensions import db, socketio
from roadshow.models import SocketConnection
from roadshow.transaction import after_commit


log = logging.getLogger(__name__)

_degraded = {"on": False}  # this process could not reach the message queue


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def publish(event: str, data: dict, *, to: str, namespace: str) -> None:
    """Emit ``event`` to room ``to`` once (and only if) the current transaction commits."""
    after_commit(lambda: emit_now(event, data, to=to, namespace=namespace))


def publish_board(session_id: int) -> None:
    """Once (and only if) the current transaction commits, the live session's leaderboard is due:
    the tally coalescer (:mod:`roadshow.realtime.coalesce`) reads and sends it, at once or, within a
    burst, at its next tick."""

    def mark() -> None:
        from roadshow.realtime.coalesce import coalescer

        coalescer().mark_board(session_id)

    after_commit(mark)


def is_degraded() -> bool:
    return _degraded["on"]


def emit_now(event: str, data: dict, *, to, namespace: str) -> bool:
    """Emit through the message queue now; never raises. False (and degraded mode) if it failed."""
    try:
        socketio.emit(event, data, to=to, namespace=namespace)
        if _queue_failed():
            raise ConnectionError("the message queue did not take the event")
    except Exception:  # the queue is down: the change is committed, clients resync later
        log.exception("emitting %s to %s failed", event, to)
        if not _degraded["on"]:  # say it once, not once per failed emit
            _tell_local_degraded(True, namespace)
        return False
    if _degraded["on"]:
        _degraded["on"] = False
        try:
            socketio.emit("degraded", {"on": False}, namespace=namespace)
        except Exception:
            log.exception("could not announce the end of degraded mode")
    return True


def _queue_failed() -> bool:
    """python-socketio's Redis manager logs a failed publish and gives up without raising (this
    process's own clients are served first, the other processes miss the event); it is left
    marked not connected."""
    return getattr(getattr(socketio.server, "manager", None), "connected", True) is False


def _tell_local_degraded(on: bool, namespace: str) -> None:
    """Deliver ``degraded`` to the sockets of this process directly, bypassing the broken queue."""
    _degraded["on"] = on
    try:
        from socketio.manager import Manager

        Manager.emit(socketio.server.manager, "degraded", {"on": on}, namespace=namespace)
    except Exception:
        log.exception("could not tell local clients about degraded mode")


def disconnect_user(user_id: int, reason: str) -> None:
    """After commit, tell every open socket of the user why, then disconnect it, wherever it is."""
    _disconnect(SocketConnection.user_id == user_id, reason)


def disconnect_token(token_id: int, reason: str) -> None:
    """After commit, the same for the sockets opened with one API token."""
    _disconnect(SocketConnection.token_id == token_id, reason)


def _disconnect(which, reason: str) -> None:
    connections = db.session.execute(select(SocketConnection.sid, SocketConnection.namespace).where(which)).all()
    db.session.execute(delete(SocketConnection).where(which))

    def notify_and_disconnect() -> None:
        for sid, namespace in connections:
            socketio.emit("session_revoked", {"reason": reason}, to=sid, namespace=namespace)
            socketio.server.disconnect(sid, namespace=namespace)

    after_commit(notify_and_disconnect)
