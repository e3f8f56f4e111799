"""The audit log: append-only, hash-chained records of who changed what, when and from where.

Each entry's ``hash`` covers its own fields and ``prev_hash``, the hash of the entry before it, so
changing, removing or reordering an entry breaks the chain at that point (see
``roadshow.services.audit.verify``). The application never updates or deletes an entry: the mapper
events below refuse it through the ORM. Core statements and raw SQL are not guarded; a guard in the
database itself (a trigger, or revoking UPDATE/DELETE from the application's role) is out of scope
here and belongs to deployment. ``actor_id`` is deliberately not a foreign key, so deleting a user
cannot rewrite history; ``actor_label`` keeps their email as it was at the time.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from roadshow.extensions import db
from roadshow.models.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None] = mapped_column(Integer)
    old_values: Mapped[Any | None] = mapped_column(JSON)
    new_values: Mapped[Any | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_type}#{self.object_id}>"


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnlyViolation(f"audit entries are append-only: refusing to update {target!r}")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnlyViolation(f"audit entries are append-only: refusing to delete {target!r}")
