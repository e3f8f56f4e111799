"""The ``/live`` namespace: one room per live session."""
from __future__ import annotations

from roadshow.realtime.connection import AuthenticatedNamespace

NAMESPACE = "/live"


class LiveNamespace(AuthenticatedNamespace):
    """Viewers of live sessions."""
