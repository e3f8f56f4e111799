"""The vote writer: this process's upvotes, written a batch per transaction.

In a storm of upvotes (hundreds a second in a busy room) a transaction per vote spends most of
its time beginning, committing and asking the same questions again. The live namespace hands each
vote here and waits: one background task takes every vote waiting at that moment, runs
:func:`roadshow.services.live_votes.cast_votes` on them in one transaction, commits, and answers
each. A vote is answered only after the transaction holding it has committed, so nothing
acknowledged is lost. A batch lingers ``LINGER_SECONDS`` before it is taken, so that a storm's votes
share transactions; a vote alone waits that long, which nobody sees. Counted
questions go to the tally coalescer after the commit.

Under gevent with SQLite a handler must not hold a transaction while it waits here (the writer's
``BEGIN IMMEDIATE`` would wait on it with the whole process): the namespace ends its own first.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from roadshow.database import intend_to_write
from roadshow.extensions import db
from roadshow.services.errors import DomainError
from roadshow.services.live_votes import Counted, VoteRequest, cast_votes, tally_rooms

log = logging.getLogger(__name__)

MAX_BATCH = 500
WAIT_SECONDS = 30.0
LINGER_SECONDS = 0.01   # a batch waits this long for company: a storm's votes share transactions


class VoteFailed(Exception):
    """The batch holding the vote could not be written (the database refused it)."""


@dataclass
class _Waiting:
    request: VoteRequest
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Counted | DomainError | Exception | None = None


class VoteWriter:
    def __init__(self, app, start_task, on_counted, sleep=None) -> None:
        self._app = app
        self._start_task = start_task       # start_task(fn): a background task (greenlet or thread)
        self._sleep = sleep                 # sleep(seconds), cooperative; None: no lingering
        self._on_counted = on_counted       # on_counted(session id, Counted), after the commit
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._running = False

    def cast(self, request: VoteRequest) -> Counted:
        """Write the vote with whatever else is waiting; its count, or raise its refusal."""
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
            raise VoteFailed("the vote was not written in time")
        if isinstance(waiting.outcome, BaseException):
            raise waiting.outcome
        return waiting.outcome

    def _take(self) -> list[_Waiting]:
        """The waiting votes, at most one per (question, person): a vote and its withdrawal go in turn."""
        with self._lock:
            batch, rest, pairs = [], [], set()
            for waiting in self._queue:
                pair = (waiting.request.question_id, waiting.request.user_id)
                hashable = isinstance(pair[0], (int, str, type(None)))
                if len(batch) < MAX_BATCH and (not hashable or pair not in pairs):
                    batch.append(waiting)
                    if hashable:
                        pairs.add(pair)
                else:
                    rest.append(waiting)
            self._queue = rest
            if not batch:
                self._running = False
            return batch

    def _run(self) -> None:
        while True:
            if self._sleep is not None:
                self._sleep(LINGER_SECONDS)
            batch = self._take()
            if not batch:
                return
            self._write(batch)

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            with self._app.app_context():
                intend_to_write()
                try:
                    outcomes = cast_votes([waiting.request for waiting in batch])
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
            for waiting, outcome in zip(batch, outcomes):
                waiting.outcome = outcome
                if isinstance(outcome, Counted):
                    self._on_counted(waiting.request.session_id, outcome)
        except Exception:
            log.exception("writing %d votes failed", len(batch))
            for waiting in batch:
                waiting.outcome = VoteFailed("the vote could not be written")
        finally:
            for waiting in batch:
                waiting.done.set()


def writer() -> VoteWriter:
    """The app's vote writer in this process (created on first use, in a request of the app)."""
    from flask import current_app

    app = current_app._get_current_object()
    found = app.extensions.get("roadshow.vote_writer")
    if found is None:
        from roadshow.extensions import socketio
        from roadshow.realtime.coalesce import coalescer

        def on_counted(session_id: int, counted: Counted) -> None:
            for room in tally_rooms(session_id, counted.judges_only):
                coalescer().mark_question(room, counted.question_id)

        found = app.extensions["roadshow.vote_writer"] = VoteWriter(app, socketio.start_background_task, on_counted,
                                                                    sleep=socketio.sleep)
    return found
