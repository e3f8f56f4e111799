"""Open Socket.IO connections of signed-in users, shared by every process through the database.

Revoking a user's sessions, or an API token, looks up its connections here and asks Socket.IO to
disconnect each one; with a Redis message queue that reaches the process that holds the connection.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from roadshow.extensions import db
from roadshow.models.types import UTCDateTime, utcnow


class SocketConnection(db.Model):
    __tablename__ = "socket_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # the API token it was opened with (None: the session cookie); revoking the token disconnects it
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
