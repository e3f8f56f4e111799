"""The vote writer: this process's upvotes, a batch per transaction (a :mod:`group commit
<roadshow.realtime.group_commit>` of :func:`roadshow.services.live_votes.cast_votes`).

The live namespace hands each vote here and waits; the vote is answered after the transaction
holding it has committed, and its question goes to the tally coalescer then. A vote and its
withdrawal (same question, same person) are written in turn, never in one batch.

In a storm the writer keeps time with the coalescer: a vote's count reaches the room only with the
next tally, so the tally writes the votes waiting for it before it reads the counts, and a storm of
500 votes a second costs about ten transactions a second instead of one every ``LINGER_SECONDS``,
the tallies no later.
"""
from __future__ import annotations

from roadshow.realtime.group_commit import GroupCommit, WriteFailed, for_app
from roadshow.services.live_votes import Counted, VoteRequest, cast_votes

VoteFailed = WriteFailed
LINGER_SECONDS = 0.01     # a vote's wait for others, out of a storm
STORM_VOTES = 20          # votes written between two tallies, from which on they come in a storm
AFTER_SECONDS = 0.02      # in a storm the task writes what came during the tally this long after it


def _pair(request: VoteRequest):
    pair = (request.question_id, request.user_id)
    return pair if isinstance(request.question_id, (int, str, type(None))) else None


class VoteWriter(GroupCommit):
    """``until_tick()``: seconds until the next tally leaves, or None when none is on its way."""

    def __init__(self, app, start_task, on_counted, sleep=None, until_tick=lambda: None) -> None:
        super().__init__(app, cast_votes, start_task, sleep=sleep, key=_pair, name="votes", linger=self._linger,
                         on_committed=lambda request, counted: on_counted(counted))
        self._until_tick = until_tick
        self.storm = False
        self._written_at_tally = 0

    def flush(self) -> int:
        """Write the votes waiting for the tally about to leave (the coalescer asks, every tick)."""
        flushed = super().flush()
        self.storm = self.written - self._written_at_tally >= STORM_VOTES
        self._written_at_tally = self.written
        return flushed

    def _linger(self) -> float:
        """In a storm (``STORM_VOTES`` or more written since the tally before) while tallies leave,
        the tally writes the votes (:meth:`flush`): one transaction per tally holds what one every
        ``LINGER_SECONDS`` would, and no vote's tally is later for it (its answer is: it comes
        with the tally). The task only writes, just after each tally, what came while it was being
        sent. Otherwise ``LINGER_SECONDS``: a vote alone is answered at once."""
        until = self._until_tick()
        if until is None or not self.storm:
            return LINGER_SECONDS
        return until + AFTER_SECONDS

    def cast(self, request: VoteRequest) -> Counted:
        """Write the vote with whatever else is waiting; its count, or raise its refusal."""
        return self.submit(request)


def writer(app=None) -> VoteWriter:
    """The app's vote writer in this process (created on first use; ``app``: the current one)."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()

    def build() -> VoteWriter:
        from roadshow.extensions import socketio
        from roadshow.realtime.coalesce import coalescer

        def on_counted(counted: Counted) -> None:
            for room in counted.rooms:
                coalescer().mark_question(room, counted.question_id)

        return VoteWriter(app, socketio.start_background_task, on_counted, sleep=socketio.sleep,
                          until_tick=lambda: coalescer().until_tick())

    return for_app(app, "votes", build)
