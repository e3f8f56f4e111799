"""Engine settings per backend.

SQLite runs in WAL mode with a busy timeout, and a transaction that may write begins
``IMMEDIATE``: it takes the write lock up front instead of failing with "database is locked" when
it later tries to upgrade a read lock. A request may write unless its method is safe (GET, HEAD,
OPTIONS); socket handlers and CLI commands that write say so with :func:`intend_to_write`.
"""
from __future__ import annotations

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 10_000


def intend_to_write() -> None:
    """Mark the current context as writing, so SQLite begins its next transaction IMMEDIATE."""
    g.write_intent = True


def _wants_write() -> bool:
    if has_app_context() and g.get("write_intent"):
        return True
    if has_request_context():
        return request.method not in SAFE_METHODS
    return False


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
