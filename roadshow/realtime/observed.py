"""Socket.IO client managers that tell this process about every event they deliver to a room.

Whatever process emitted it, an event for a room reaches each process's manager for delivery to
its own sockets (directly, or through the Redis message queue). Caches of room state kept by a
process (the live room's ``state``, see :mod:`roadshow.services.live_room`) forget a room there,
at the moment its viewers hear of the change, so a viewer joining afterwards never gets the state
from before it.
"""
from __future__ import annotations

import logging
from typing import Callable

import socketio

log = logging.getLogger(__name__)

_observers: list[Callable[[str | None, object], None]] = []


def observe(callback: Callable[[str | None, object], None]) -> None:
    """Call ``callback(namespace, room)`` before each delivery of an event to a room."""
    if callback not in _observers:
        _observers.append(callback)


def _delivering(namespace, room) -> None:
    for callback in _observers:
        try:
            callback(namespace, room)
        except Exception:
            log.exception("room observer %r failed", callback)


class ObservedManager(socketio.Manager):
    """One process, no message queue: every emit is a local delivery."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        _delivering(namespace, to or room)
        return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to,
                            **kwargs)


class ObservedRedisManager(socketio.RedisManager):
    """With Redis: each process delivers what comes back from the queue, its own emits included."""

    def _handle_emit(self, message):
        _delivering(message.get("namespace"), message.get("room"))
        return super()._handle_emit(message)


def client_manager(message_queue: str | None):
    if message_queue is None:
        return ObservedManager()
    if not message_queue.startswith(("redis://", "rediss://")):
        raise ValueError("the Socket.IO message queue must be Redis (redis:// or rediss://)")
    return ObservedRedisManager(message_queue, channel="flask-socketio")
