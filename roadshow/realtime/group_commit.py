"""Group commit: small writes from many greenlets, a batch per transaction, each caller answered
after the commit that holds its write.

In a storm (hundreds of upvotes a second, a thousand viewers connecting at once) a transaction per
write spends most of its time beginning and committing: on SQLite every commit is an fsync, during
which a gevent process runs nothing else. Here the callers hand their writes to one background task
of the process and wait: it takes every write waiting at that moment, runs the batch's ``write``
in one transaction of the app, commits, and answers each caller with its outcome. Nothing is
acknowledged before it is committed. A batch lingers ``linger`` seconds before it is taken, so that
a storm's writes share transactions; a write alone waits that long, which nobody sees. ``linger``
may be a function, asked before each batch (the vote writer lingers until just before the next
tally leaves: see :mod:`roadshow.realtime.votes`).

Two writes with the same ``key`` never share a batch: they are written in the order they came (a
vote and its withdrawal; a connection recorded and removed).

Under gevent with SQLite a caller must not hold a transaction of its own while it waits here (the
writer's ``BEGIN IMMEDIATE`` would wait on it with the whole process): callers end theirs first.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

from roadshow.database import intend_to_write
from roadshow.extensions import db

log = logging.getLogger(__name__)

MAX_BATCH = 500
WAIT_SECONDS = 30.0
LINGER_SECONDS = 0.01


class WriteFailed(Exception):
    """The batch holding the write could not be committed (the database refused it)."""


@dataclass
class _Waiting:
    request: Any
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Any = None


class GroupCommit:
    """``write(requests) -> outcomes`` (one per request: a value, or an exception to raise to its
    caller) runs in an app context inside a transaction this class commits. ``on_committed(request,
    outcome)`` runs after the commit, still in the app context, for every outcome that is not an
    exception. ``after_commit(requests, outcomes) -> outcomes`` runs once for the whole batch after
    its commit, in a new transaction of the same app context, and gives each caller its answer (e.g.
    what a crowd admitted by the batch is to be sent); if it fails, the batch's callers get
    :class:`WriteFailed`, although their writes are committed."""

    def __init__(self, app, write: Callable[[list], list], start_task, *, sleep=None,
                 key: Callable[[Any], Hashable | None] = lambda request: None,
                 on_committed: Callable[[Any, Any], None] | None = None,
                 after_commit: Callable[[list, list], list] | None = None,
                 linger: float | Callable[[], float] = LINGER_SECONDS, max_batch: int = MAX_BATCH, name: str = "writes") -> None:
        self._app = app
        self._write_batch = write
        self._start_task = start_task       # start_task(fn): a background task (greenlet or thread)
        self._sleep = sleep                 # sleep(seconds), cooperative; None: no lingering
        self._key = key
        self._on_committed = on_committed
        self._after_commit = after_commit
        self._linger = linger
        self._max_batch = max_batch
        self._name = name
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._running = False
        self._writing = threading.Lock()    # one batch at a time: the task's, or a flush's
        self.written = 0                    # writes taken so far

    def submit(self, request) -> Any:
        """Write ``request`` with whatever else is waiting; its outcome, or raise its refusal."""
        waiting = _Waiting(request)
        with self._lock:
            self._queue.append(waiting)
            if not self._running:
                self._running = True
                try:
                    self._start_task(self._run)
                except Exception:
                    self._running = False
                    raise
        if not waiting.done.wait(WAIT_SECONDS):
            raise WriteFailed(f"the {self._name} were not written in time")
        if isinstance(waiting.outcome, BaseException):
            raise waiting.outcome
        return waiting.outcome

    def _take(self, *, ending: bool = True) -> list[_Waiting]:
        """The waiting writes, at most ``max_batch`` and one per key: the rest wait their turn.
        None waiting: the task ends (``ending``)."""
        with self._lock:
            batch, rest, keys = [], [], set()
            for waiting in self._queue:
                key = self._key(waiting.request)
                if len(batch) < self._max_batch and (key is None or key not in keys):
                    batch.append(waiting)
                    if key is not None:
                        keys.add(key)
                else:
                    rest.append(waiting)
            self._queue = rest
            if not batch and ending:
                self._running = False
            return batch

    def _run(self) -> None:
        while True:
            if self._sleep is not None:
                self._sleep(self._linger() if callable(self._linger) else self._linger)
            with self._writing:
                batch = self._take()
                if not batch:
                    return
                self._write(batch)

    def flush(self) -> int:
        """Write what is waiting now, in the caller's task (e.g. the tally about to leave, so that
        it carries them); how many writes that was."""
        with self._writing:
            batch = self._take(ending=False)
            if batch:
                self._write(batch)
            return len(batch)

    def _write(self, batch: list[_Waiting]) -> None:
        self.written += len(batch)
        try:
            with self._app.app_context():
                intend_to_write()
                requests = [waiting.request for waiting in batch]
                try:
                    outcomes = self._write_batch(requests)
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
                if self._after_commit is not None:
                    try:
                        outcomes = self._after_commit(requests, outcomes)
                    finally:
                        db.session.rollback()   # its reads end here
                for waiting, outcome in zip(batch, outcomes):
                    waiting.outcome = outcome
                    if self._on_committed is not None and not isinstance(outcome, BaseException):
                        self._on_committed(waiting.request, outcome)
        except Exception:
            log.exception("writing %d %s failed", len(batch), self._name)
            for waiting in batch:
                waiting.outcome = WriteFailed(f"the {self._name} could not be written")
        finally:
            for waiting in batch:
                waiting.done.set()


def for_app(app, name: str, build: Callable[[], GroupCommit]) -> GroupCommit:
    """The app's group commit called ``name`` in this process, built on first use."""
    key = f"roadshow.group_commit.{name}"
    found = app.extensions.get(key)
    if found is None:
        found = app.extensions[key] = build()
    return found
