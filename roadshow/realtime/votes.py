"""The vote writer: this process's upvotes, a batch per transaction (a :mod:`group commit
<roadshow.realtime.group_commit>` of :func:`roadshow.services.live_votes.cast_votes`).

The live namespace hands each vote here and waits; the vote is answered after the transaction
holding it has committed, and its question goes to the tally coalescer then. A vote and its
withdrawal (same question, same person) are written in turn, never in one batch.
"""
from __future__ import annotations

from roadshow.realtime.group_commit import GroupCommit, WriteFailed, for_app
from roadshow.services.live_votes import Counted, VoteRequest, cast_votes, tally_rooms

VoteFailed = WriteFailed


def _pair(request: VoteRequest):
    pair = (request.question_id, request.user_id)
    return pair if isinstance(request.question_id, (int, str, type(None))) else None


class VoteWriter(GroupCommit):
    def __init__(self, app, start_task, on_counted, sleep=None) -> None:
        super().__init__(app, cast_votes, start_task, sleep=sleep, key=_pair, name="votes",
                         on_committed=lambda request, counted: on_counted(request.session_id, counted))

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

        def on_counted(session_id: int, counted: Counted) -> None:
            for room in tally_rooms(session_id, counted.judges_only):
                coalescer().mark_question(room, counted.question_id)

        return VoteWriter(app, socketio.start_background_task, on_counted, sleep=socketio.sleep)

    return for_app(app, "votes", build)
