"""The base of every Socket.IO namespace: authenticate at connect, re-check on every event.

``before_request`` hooks, CSRF and Flask-Limiter do not run for socket events, so this class does
what they would: a connect without a valid session is refused, the connection is recorded so that
revoking the user's sessions can reach it, and each event is refused (and the socket dropped) once
the session behind it has been revoked.
"""
from __future__ import annotations

import logging

from flask import current_app, request
from flask_login import current_user
from flask_socketio import Namespace, disconnect, join_room
from roadshow.extensions import db
from roadshow.realtime import records
from roadshow.realtime.publish import user_room
from roadshow.realtime.records import Record
from roadshow.services.errors import DomainError

log = logging.getLogger(__name__)


def error_payload(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


class AuthenticatedNamespace(Namespace):
    """A namespace for signed-in users only."""

    def on_connect(self, auth=None):
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("unauthenticated")
        user_id = current_user.id
        db.session.rollback()   # no transaction of ours while the record is written
        records.recorder(current_app._get_current_object()).submit(Record(request.sid, self.namespace, user_id))
        join_room(user_room(current_user.id))
        self.on_authenticated_connect(auth)

    def on_authenticated_connect(self, auth) -> None:
        """Hook for subclasses: join rooms, send the first snapshot."""

    def on_disconnect(self, *args):
        db.session.rollback()
        records.recorder(current_app._get_current_object()).submit(Record(request.sid, self.namespace, None))

    def trigger_event(self, event, *args):
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        handler = getattr(self, f"on_{event}", None)
        if handler is None:
            return None
        return self.socketio._handle_event(self._guarded(handler), event, self.namespace, *args)

    @staticmethod
    def _guarded(handler):
        """Run ``handler`` only for a still-valid session; turn domain errors into error answers."""

        def guarded(*args):
            if not current_user.is_authenticated:
                disconnect()
                return error_payload("unauthenticated", "session revoked")
            try:
                return handler(*args)
            except DomainError as exc:
                db.session.rollback()
                return error_payload(exc.code, str(exc.message))

        return guarded
