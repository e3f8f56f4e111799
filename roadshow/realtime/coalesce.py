"""The tally coalescer: vote counts and viewer counts leave a process at most 5 times a second per
room, as one ``tally`` event, never one broadcast per vote; a change of the viewer count alone at
most once a second (``VIEWERS_INTERVAL``: a crowd joining would otherwise send every viewer five
counts a second, most of what its connects cost the server, for a figure nobody reads that fast).

Handlers record what changed ("dirty") after their commit: a question whose count changed (the
count itself is read when the tally leaves, for all of a batch's questions in one query, so a storm
of votes costs one read per interval, not one per vote), or a room's viewer count. A background
task (``socketio.start_background_task``) wakes
every ``interval`` seconds while anything is dirty, emits one ``tally`` per dirty room with the
latest values and stops when nothing is left, so an idle process runs no loop at all.

Why a task rather than flushing lazily on the next event after 200 ms: the last votes of a burst
would wait for an event that may never come; the task always delivers the final count within
``interval``. Counts are absolute values read from the database after commit, so a tally is right
whichever process sends it, and a lost one is corrected by the next (or by ``state`` on reconnect).

Viewer counts are counted per process (the connections this process holds in the room) and summed
over the processes serving the room through Redis (:mod:`roadshow.realtime.viewers`).

Ranking changes go out throttled: a judge's submit marks the session's leaderboard due
(``mark_board``). If the session's last board left ``interval`` ago or more, it is read and sent at
once, from the caller (after its commit); otherwise a tick at least ``interval`` after the last one
reads it as it is then and sends it. A burst of submits (the last seconds before the scoring window
closes) makes one board per interval, never one per sheet, and a lone submit is not delayed.
"""
from __future__ import annotations

import logging
import threading
import time

from roadshow.realtime.viewers import LocalCounts, counts_for

log = logging.getLogger(__name__)

INTERVAL = 0.2
VIEWERS_INTERVAL = 1.0


class Coalescer:
    def __init__(self, emit, sleep, start_task, interval: float = INTERVAL, read_votes=None,
                 clock=time.monotonic, viewers_interval: float = VIEWERS_INTERVAL, viewer_counts=None,
                 before_tick=None, read_boards=None) -> None:
        self._emit = emit                # emit(event, data, to) -> None
        self._read_votes = read_votes    # read_votes([question id]) -> {question id: votes}
        self._sleep = sleep
        self._clock = clock
        self._start_task = start_task
        self.interval = interval
        self._lock = threading.Lock()
        self._dirty: dict[str, dict] = {}   # room -> {"votes": {qid: n}, "viewers": n | None}
        self._running = False
        self._due: float | None = None      # the clock's time of the next tick, while the task runs
        self._viewers: dict[str, int] = {}  # room -> last known viewer count, sent with every tally
        self.viewers_interval = viewers_interval
        self._viewers_sent: dict[str, float] = {}   # room -> when it last had a tally (with its count)
        self.viewer_counts = viewer_counts or LocalCounts()   # this process's count -> the room's
        self._before_tick = before_tick     # before_tick(): e.g. write the votes waiting for this tally
        self._read_boards = read_boards     # read_boards([session id]) -> [(event, data, room)]
        self._boards: set[int] = set()      # sessions whose leaderboard is due
        self._board_sent: dict[int, float] = {}   # session -> when its last board left

    def mark_votes(self, room: str, votes: dict[int, int]) -> None:
        with self._lock:
            entry = self._dirty.setdefault(room, {"votes": {}, "viewers": None})
            entry["votes"].update(votes)
            self._ensure_running()

    def mark_question(self, room: str, question_id: int) -> None:
        """The question's count changed: the next tally carries its committed value."""
        self.mark_votes(room, {question_id: None})

    def mark_viewers(self, room: str, viewers: int) -> None:
        with self._lock:
            entry = self._dirty.setdefault(room, {"votes": {}, "viewers": None})
            entry["viewers"] = viewers
            self._viewers[room] = viewers
            self._ensure_running()

    def mark_board(self, session_id: int) -> None:
        """The session's leaderboard changed: sent now if its last one left ``interval`` ago, else by
        the first tick ``interval`` after that one."""
        with self._lock:
            now = self._clock()
            due_now = session_id not in self._boards and self._board_free(session_id, now)
            if due_now:
                self._board_sent[session_id] = now
            else:
                self._boards.add(session_id)
                self._ensure_running()
        if due_now:
            self._send_boards({session_id})

    def _board_free(self, session_id: int, now: float) -> bool:
        last = self._board_sent.get(session_id)
        return last is None or now - last >= self.interval - 1e-6   # (the clock's rounding)

    def _ensure_running(self) -> None:
        if not self._running:
            self._running = True
            try:
                self._start_task(self._loop)
            except Exception:
                self._running = False
                raise

    def _take(self) -> tuple[dict[str, dict], set[int]] | None:
        """The rooms to send now and the boards due; None when nothing is left (the task ends). A
        room whose only change is its viewer count waits until ``viewers_interval`` after its last
        tally."""
        with self._lock:
            now = self._clock()
            batch, kept = {}, {}
            for room, entry in self._dirty.items():
                if entry["votes"] or now - self._viewers_sent.get(room, -self.viewers_interval) >= self.viewers_interval:
                    batch[room] = entry
                    self._viewers_sent[room] = now
                else:
                    kept[room] = entry
            self._dirty = kept
            # on the tick's schedule, not its wake-up: a late tick does not push the next board a tick later
            tick = self._due if self._due is not None else now
            boards = {session_id for session_id in self._boards if self._board_free(session_id, tick)}
            self._boards -= boards
            for session_id in boards:
                self._board_sent[session_id] = tick
            if not batch and not kept and not self._boards and not boards:
                self._running = False
                self._due = None
                return None
            return batch, boards

    def _loop(self) -> None:
        """Tick every ``interval`` on a fixed clock: the time a tally takes to send (a read and a
        fan-out to every socket of the room) is not added to the wait of the changes behind it."""
        self._due = self._clock() + self.interval
        while True:
            self._sleep(max(0.0, self._due - self._clock()))
            if self._before_tick is not None:
                self._before_tick()
            taken = self._take()
            if taken is None:
                return
            self._due = max(self._due + self.interval, self._clock())   # late: the next one at once, never a burst
            batch, boards = taken
            if batch:
                self._send(batch)
            if boards:
                self._send_boards(boards)

    def until_tick(self) -> float | None:
        """Seconds until the next tally leaves, or None when nothing is waiting to (no task runs)."""
        due = self._due
        return None if due is None else max(0.0, due - self._clock())

    def flush(self) -> None:
        """Send what is dirty now (tests; shutting down)."""
        with self._lock:
            batch, self._dirty = self._dirty, {}
            boards, self._boards = self._boards, set()
        self._send(batch)
        if boards:
            self._send_boards(boards)

    def _send_boards(self, session_ids: set[int]) -> None:
        if self._read_boards is None:
            return
        try:
            messages = self._read_boards(sorted(session_ids))
        except Exception:
            log.exception("reading leaderboards failed")
            return
        for event, data, room in messages:
            try:
                self._emit(event, data, room)
            except Exception:
                log.exception("%s to %s failed", event, room)

    def _counts(self, batch: dict[str, dict]) -> dict[int, int]:
        unread = {qid for entry in batch.values() for qid, n in entry["votes"].items() if n is None}
        if not unread or self._read_votes is None:
            return {}
        try:
            return self._read_votes(sorted(unread))
        except Exception:
            log.exception("reading vote counts failed")
            return {}

    def _send(self, batch: dict[str, dict]) -> None:
        counts = self._counts(batch)
        for room, entry in batch.items():
            votes = {qid: counts.get(qid) if n is None else n for qid, n in entry["votes"].items()}
            data = {"votes": {str(qid): n for qid, n in votes.items() if n is not None}}
            viewers = entry["viewers"] if entry["viewers"] is not None else self._viewers.get(room)
            if viewers is not None:
                data["viewers"] = self.viewer_counts.total(room, viewers)
            try:
                self._emit("tally", data, room)
            except Exception:
                log.exception("tally to %s failed", room)


def _default() -> Coalescer:
    from flask import current_app
    from sqlalchemy import select

    from roadshow.extensions import db, socketio
    from roadshow.models.live import Question
    from roadshow.realtime.publish import emit_now
    from roadshow.services.live_room import NAMESPACE

    app = current_app._get_current_object()

    def read_votes(question_ids: list[int]) -> dict[int, int]:
        with app.app_context():
            return dict(db.session.execute(
                select(Question.id, Question.votes).where(Question.id.in_(question_ids))).all())

    def read_boards(session_ids: list[int]) -> list[tuple[str, dict, str]]:
        from roadshow.services import live_scoring

        with app.app_context():
            return live_scoring.board_messages(session_ids)

    def votes_written() -> None:
        """The votes waiting to be written go with this tally (see roadshow.realtime.votes)."""
        from roadshow.realtime import votes

        votes.writer(app).flush()

    return Coalescer(emit=lambda event, data, to: emit_now(event, data, to=to, namespace=NAMESPACE),
                     sleep=socketio.sleep, start_task=socketio.start_background_task, read_votes=read_votes,
                     viewer_counts=counts_for(app.config.get("REDIS_URL")), before_tick=votes_written,
                     read_boards=read_boards)


_instance: Coalescer | None = None


def coalescer() -> Coalescer:
    """The process's coalescer (created on first use, after the Socket.IO server exists)."""
    global _instance
    if _instance is None:
        _instance = _default()
    return _instance
