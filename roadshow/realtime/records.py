"""The ``socket_connections`` rows of every namespace, written by :mod:`group commit
<roadshow.realtime.group_commit>`.

A connection is recorded before its connect is answered, and its record removed when it
disconnects, so that logging out, deactivation and revoking a token reach it (see
:mod:`roadshow.models.socket_connection`). When a thousand viewers join at once, their records
share a handful of transactions instead of a commit (an fsync, on SQLite) each; every connect still
waits for the commit of its own record. A record and its removal never share a batch.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert

from roadshow.extensions import db
from roadshow.models import SocketConnection, utcnow
from roadshow.realtime.group_commit import GroupCommit, for_app


@dataclass(frozen=True)
class Record:
    sid: str
    namespace: str
    user_id: int | None           # None: the connection is gone, remove its record
    token_id: int | None = None   # the API token it was opened with


def write(records: list[Record]) -> list[bool]:
    """Insert the new connections in one statement, remove the gone ones in one per namespace."""
    added = [record for record in records if record.user_id is not None]
    if added:
        now = utcnow()
        db.session.execute(insert(SocketConnection.__table__), [
            {"sid": r.sid, "namespace": r.namespace, "user_id": r.user_id, "token_id": r.token_id,
             "connected_at": now} for r in added])
    gone: dict[str, list[str]] = {}
    for record in records:
        if record.user_id is None:
            gone.setdefault(record.namespace, []).append(record.sid)
    for namespace, sids in gone.items():
        db.session.execute(delete(SocketConnection).where(SocketConnection.namespace == namespace,
                                                          SocketConnection.sid.in_(sids)))
    return [True] * len(records)


def recorder(app) -> GroupCommit:
    """The app's writer of connection records in this process."""

    def build() -> GroupCommit:
        from roadshow.extensions import socketio

        return GroupCommit(app, write, socketio.start_background_task, sleep=socketio.sleep,
                           key=lambda record: (record.sid, record.namespace), name="connection records")

    return for_app(app, "socket_connections", build)
