"""The one way services talk to Socket.IO clients: events emitted after the transaction commits.

Emitting goes through Flask-SocketIO, so with ``REDIS_URL`` set any process may emit to a room
whose clients are connected to another process.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from roadshow.extensions import db, socketio
from roadshow.models import SocketConnection
from roadshow.transaction import after_commit


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def publish(event: str, data: dict, *, to: str, namespace: str) -> None:
    """Emit ``event`` to room ``to`` once (and only if) the current transaction commits."""
    after_commit(lambda: socketio.emit(event, data, to=to, namespace=namespace))


def disconnect_user(user_id: int, reason: str) -> None:
    """After commit, tell every open socket of the user why, then disconnect it, wherever it is."""
    connections = db.session.execute(
        select(SocketConnection.sid, SocketConnection.namespace).where(SocketConnection.user_id == user_id)
    ).all()
    db.session.execute(delete(SocketConnection).where(SocketConnection.user_id == user_id))

    def notify_and_disconnect() -> None:
        for namespace in {namespace for _, namespace in connections}:
            socketio.emit("session_revoked", {"reason": reason}, to=user_room(user_id), namespace=namespace)
        for sid, namespace in connections:
            socketio.server.disconnect(sid, namespace=namespace)

    after_commit(notify_and_disconnect)
