"""Every email the platform sends, kept so administrators can read it and nothing is silently lost."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadshow.extensions import db
from roadshow.models.types import UTCDateTime, enum_column, utcnow


class DeliveryStatus(enum.StrEnum):
    OUTBOX = "outbox"  # no MAIL_SERVER: kept here and written to the log
    PENDING = "pending"  # handed to SMTP after the transaction commits
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
