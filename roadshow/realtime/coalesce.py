"""The tally coalescer: vote counts and viewer counts leave a process at most 5 times a second per
room, as one ``tally`` event, never one broadcast per vote.

Handlers record what changed ("dirty") after their commit: the question's count as read from the
database, or a room's viewer count. A background task (``socketio.start_background_task``) wakes
every ``interval`` seconds while anything is dirty, emits one ``tally`` per dirty room with the
latest values and stops when nothing is left, so an idle process runs no loop at all.

Why a task rather than flushing lazily on the next event after 200 ms: the last votes of a burst
would wait for an event that may never come; the task always delivers the final count within
``interval``. Counts are absolute values read from the database after commit, so a tally is right
whichever process sends it, and a lost one is corrected by the next (or by ``state`` on reconnect).

Viewer counts are per process (the connections this process holds in the room): with several
processes each reports its own, which is an approximation the issue accepts.
"""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

INTERVAL = 0.2


class Coalescer:
    def __init__(self, emit, sleep, start_task, interval: float = INTERVAL) -> None:
        self._emit = emit                # emit(event, data, to) -> None
        self._sleep = sleep
        self._start_task = start_task
        self.interval = interval
        self._lock = threading.Lock()
        self._dirty: dict[str, dict] = {}   # room -> {"votes": {qid: n}, "viewers": n | None}
        self._running = False
        self._viewers: dict[str, int] = {}  # room -> last known viewer count, sent with every tally

    def mark_votes(self, room: str, votes: dict[int, int]) -> None:
        with self._lock:
            entry = self._dirty.setdefault(room, {"votes": {}, "viewers": None})
            entry["votes"].update(votes)
            self._ensure_running()

    def mark_viewers(self, room: str, viewers: int) -> None:
        with self._lock:
            entry = self._dirty.setdefault(room, {"votes": {}, "viewers": None})
            entry["viewers"] = viewers
            self._viewers[room] = viewers
            self._ensure_running()

    def _ensure_running(self) -> None:
        if not self._running:
            self._running = True
            try:
                self._start_task(self._loop)
            except Exception:
                self._running = False
                raise

    def _take(self) -> dict[str, dict]:
        with self._lock:
            batch, self._dirty = self._dirty, {}
            if not batch:
                self._running = False
            return batch

    def _loop(self) -> None:
        while True:
            self._sleep(self.interval)
            batch = self._take()
            if not batch:
                return
            self._send(batch)

    def flush(self) -> None:
        """Send what is dirty now (tests; shutting down)."""
        with self._lock:
            batch, self._dirty = self._dirty, {}
        self._send(batch)

    def _send(self, batch: dict[str, dict]) -> None:
        for room, entry in batch.items():
            data = {"votes": {str(qid): n for qid, n in entry["votes"].items()}}
            viewers = entry["viewers"] if entry["viewers"] is not None else self._viewers.get(room)
            if viewers is not None:
                data["viewers"] = viewers
            try:
                self._emit("tally", data, room)
            except Exception:
                log.exception("tally to %s failed", room)


def _default() -> Coalescer:
    from roadshow.extensions import socketio
    from roadshow.realtime.publish import emit_now
    from roadshow.services.live_room import NAMESPACE

    return Coalescer(emit=lambda event, data, to: emit_now(event, data, to=to, namespace=NAMESPACE),
                     sleep=socketio.sleep, start_task=socketio.start_background_task)


_instance: Coalescer | None = None


def coalescer() -> Coalescer:
    """The process's coalescer (created on first use, after the Socket.IO server exists)."""
    global _instance
    if _instance is None:
        _instance = _default()
    return _instance
