"""Recording and checking the audit log (see :mod:`roadshow.models.audit`).

``record`` appends one entry whose hash chains to the entry before it; ``verify`` walks the chain in
id order and reports the first broken link. Appends are serialised so the chain never forks: on
PostgreSQL a transaction-level advisory lock is taken before the last hash is read and held until
the caller's commit or rollback; on SQLite the transaction holds the database's single write lock
(requests that may write begin ``IMMEDIATE``, see :mod:`roadshow.database`). A unique ``prev_hash``
makes a fork impossible even if that serialisation were bypassed: the second branch fails to insert.

What the chain cannot show by itself is the loss of its newest entries; keep the latest hash
elsewhere (a log line, a backup) if that matters.
"""
from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlalchemy import func, select, text

from roadshow.database import intend_to_write
from roadshow.extensions import db
from roadshow.models import GENESIS_HASH, AuditEntry, Contest, User, utcnow
from roadshow.policy import Action, authorize

ADVISORY_LOCK_KEY = 0x526F_6164_4175_64  # "RoadAud": any constant the rest of the app does not use
PAGE_SIZE = 50
HASHED_FIELDS = ("contest_id", "at", "actor_id", "actor_label", "ip", "action", "object_type", "object_id",
                 "old_values", "new_values", "prev_hash")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in the audit log")
    return moment.astimezone(timezone.utc).isoformat()


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """``values`` as the JSON the database will give back, so that what is hashed is what is stored."""
    if values is None:
        return None
    return json.loads(json.dumps(values, default=_json_default, ensure_ascii=False))


def digest(fields: dict[str, Any]) -> str:
    """The SHA-256 of the canonical JSON of an entry's hashed fields (``prev_hash`` among them)."""
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["at"] = _iso_utc(canonical["at"])
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=_json_default)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _serialise_appends() -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    else:
        # Only helps if the transaction has not begun yet: an already open SQLite transaction that
        # began deferred will fail to upgrade ("database is locked") rather than fork the chain.
        intend_to_write()


def record(action: str, *, obj_type: str, obj_id: int | None, contest_id: int | None = None,
           old: dict[str, Any] | None = None, new: dict[str, Any] | None = None,
           actor: User | None = None) -> AuditEntry:
    """Append an entry for ``action`` (dotted, e.g. ``application.screened``) done by ``actor``.

    The client address is the request's ``remote_addr`` (None outside a request). Flushes, so the
    entry takes its id while appends are serialised; the caller commits.
    """
    _serialise_appends()
    prev_hash = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS_HASH
    fields = {
        "contest_id": contest_id,
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor.email if actor is not None else None,
        "ip": request.remote_addr if has_request_context() else None,
        "action": action,
        "object_type": obj_type,
        "object_id": obj_id,
        "old_values": _plain(old),
        "new_values": _plain(new),
        "prev_hash": prev_hash,
    }
    entry = AuditEntry(**fields, hash=digest(fields))
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class BrokenLink:
    entry_id: int
    problem: str  # "prev_hash mismatch" or "hash mismatch"
    expected: str
    found: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.problem} (expected {self.expected}, found {self.found})"


def _rows(batch: int) -> Iterator[Any]:
    """Every entry in id order, ``batch`` rows at a time (a server-side cursor on PostgreSQL,
    closed even when the caller stops early)."""
    columns = [getattr(AuditEntry, name) for name in ("id", "hash", *HASHED_FIELDS)]
    result = db.session.execute(select(*columns).order_by(AuditEntry.id).execution_options(yield_per=batch))
    try:
        yield from result
    finally:
        result.close()


def verify(batch: int = 1000) -> BrokenLink | None:
    """The first broken link of the chain in id order, or None if every entry checks out."""
    expected_prev = GENESIS_HASH
    rows = _rows(batch)
    try:
        for row in rows:
            if row.prev_hash != expected_prev:
                return BrokenLink(row.id, "prev_hash mismatch", expected_prev, row.prev_hash)
            recomputed = digest(row._asdict())
            if recomputed != row.hash:
                return BrokenLink(row.id, "hash mismatch", recomputed, row.hash)
            expected_prev = row.hash
        return None
    finally:
        rows.close()


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def for_contest(contest: Contest, by: User, *, action: str | None = None, page: int = 1) -> AuditPage:
    """The contest's entries, newest first, one page at a time, optionally of one action only."""
    authorize(by, Action.AUDIT_READ, contest)
    query = select(AuditEntry).where(AuditEntry.contest_id == contest.id)
    if action:
        query = query.where(AuditEntry.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    entries = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return AuditPage(list(entries), total, page)


def actions_in(contest: Contest) -> list[str]:
    return list(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.contest_id == contest.id).distinct().order_by(AuditEntry.action)
    ))
