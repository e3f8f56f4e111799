"""Upvotes on the room's questions: one per person, not on one's own question, withdrawable.

A question's ``votes`` is set, in the transaction that inserts or deletes the person's
``question_votes`` row, to the number of those rows; the ``(question, user)`` unique constraint
makes a second vote impossible even in a race (``INSERT … ON CONFLICT DO NOTHING``).
The per-person limit counts the person's rows of the last minute, so it holds across processes.

:func:`cast_votes` handles a batch of votes in a fixed number of statements, whatever its size: in
a storm the live namespace hands this process's waiting votes over together (see
:mod:`roadshow.realtime.votes`), each still answered on its own. Plain table statements, no ORM
objects. Tallies are not published here: the caller hands the counted questions to the coalescer
after commit.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql as postgresql_dml
from sqlalchemy.dialects import sqlite as sqlite_dml

from roadshow.extensions import db
from roadshow.models import User, utcnow
from roadshow.models.judging import Conflict as ConflictRow
from roadshow.models.live import LiveSession, LiveSlot, Question, QuestionStatus, QuestionVote, SessionState
from roadshow.services.errors import Conflict, DomainError, Forbidden, NotFound
from roadshow.services.live_questions import judges_channel, participant_role
from roadshow.services.live_room import JUDGE, ORGANISER, organisers_room, refuse, room, since

VOTES_PER_MINUTE = 30


@dataclass(frozen=True)
class VoteRequest:
    """One person's upvote (``on``) or withdrawal, as ``role`` in the session, already authorised
    by the caller to take part (the live namespace keeps the policy's answer per connection)."""

    session_id: int
    user_id: int
    role: str
    question_id: object   # as received: checked here
    on: bool = True


@dataclass(frozen=True)
class Counted:
    """A vote written: its question's count after the batch, and where that count goes (``rooms``,
    :func:`tally_rooms`)."""

    question_id: int
    votes: int
    rooms: tuple[str, ...]


def vote(live: LiveSession, user: User, *, question_id, on=True) -> Question:
    """Upvote or withdraw after asking the policy; the question with its current count."""
    role = participant_role(user, live)
    counted = cast_vote(VoteRequest(live.id, user.id, role, question_id, on is not False))
    question = db.session.get(Question, counted.question_id)
    db.session.refresh(question)
    return question


def cast_vote(request: VoteRequest) -> Counted:
    """One vote; raises the refusal."""
    outcome = cast_votes([request])[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def cast_votes(requests: list[VoteRequest]) -> list[Counted | DomainError]:
    """Each request's outcome, in order: the question's count after the batch, or the refusal.

    Refused requests change nothing. A person voting twice for one question within the batch gets
    ``already_voted`` the second time, as they would one after the other; the caller keeps
    withdrawals apart from votes on the same pair (see :mod:`roadshow.realtime.votes`)."""
    questions, votes_table, sessions = Question.__table__, QuestionVote.__table__, LiveSession.__table__
    outcomes: list[Counted | DomainError | None] = [None] * len(requests)
    ids = {r.question_id for r in requests if _is_id(r.question_id)}
    slots = LiveSlot.__table__
    rows = {row.id: row for row in db.session.execute(
        select(questions.c.id, questions.c.session_id, questions.c.status, questions.c.judges_only,
               questions.c.author_id, sessions.c.state, slots.c.application_id)
        .join(sessions, sessions.c.id == questions.c.session_id)
        .outerjoin(slots, slots.c.id == questions.c.slot_id).where(questions.c.id.in_(ids)))} if ids else {}
    conflicted = _conflicted(requests, rows)
    voters = {r.user_id for r in requests if r.on}
    recent = Counter(dict(db.session.execute(
        select(votes_table.c.user_id, func.count()).where(votes_table.c.user_id.in_(voters),
                                                          votes_table.c.created_at >= since(60))
        .group_by(votes_table.c.user_id)).all())) if voters else Counter()

    adds, removes, seen = [], [], set()
    for index, request in enumerate(requests):
        row = rows.get(request.question_id) if _is_id(request.question_id) else None
        refusal = _refusal(request, row, recent, seen, conflicted)
        if refusal is not None:
            outcomes[index] = refusal
            continue
        seen.add((request.question_id, request.user_id))
        if request.on:
            recent[request.user_id] += 1
            adds.append(index)
        else:
            removes.append(index)

    now = utcnow()
    if adds:
        # one parameter set per vote (executemany: the statement is compiled once, whatever the size)
        inserted = {tuple(pair) for pair in db.session.execute(
            _insert_ignoring_duplicates(votes_table, ("question_id", "user_id"))
            .returning(votes_table.c.question_id, votes_table.c.user_id),
            [{"question_id": requests[i].question_id, "user_id": requests[i].user_id, "created_at": now}
             for i in adds])}
        for index in adds:
            request = requests[index]
            if (request.question_id, request.user_id) not in inserted:
                outcomes[index] = refuse(Conflict, "already_voted", _l("You have already upvoted this question."))
    if removes:
        db.session.execute(delete(votes_table).where(tuple_(votes_table.c.question_id, votes_table.c.user_id).in_(
            [(requests[i].question_id, requests[i].user_id) for i in removes])))

    counted_ids = {requests[i].question_id for i, outcome in enumerate(outcomes) if outcome is None}
    # the counter is set to the number of rows, in the same transaction: exact whatever the batch held
    recount = select(func.count()).where(votes_table.c.question_id == questions.c.id).scalar_subquery()
    totals = dict(db.session.execute(
        update(questions).where(questions.c.id.in_(counted_ids)).values(votes=recount)
        .returning(questions.c.id, questions.c.votes)).all()) if counted_ids else {}
    rooms = {qid: tally_rooms(rows[qid].session_id, rows[qid].judges_only, rows[qid].application_id)
             for qid in counted_ids}
    return [outcome if outcome is not None
            else Counted(request.question_id, totals[request.question_id], rooms[request.question_id])
            for request, outcome in zip(requests, outcomes)]


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _conflicted(requests: list[VoteRequest], rows: dict) -> set[tuple[int, int]]:
    """The (judge, application) conflicts among the batch's judges voting on the judges' channel."""
    pairs = {(r.user_id, rows[r.question_id].application_id) for r in requests
             if r.role == JUDGE and _is_id(r.question_id) and r.question_id in rows
             and rows[r.question_id].judges_only and rows[r.question_id].application_id is not None}
    if not pairs:
        return set()
    return {tuple(pair) for pair in db.session.execute(
        select(ConflictRow.judge_id, ConflictRow.application_id)
        .where(ConflictRow.active.is_(True), tuple_(ConflictRow.judge_id, ConflictRow.application_id).in_(sorted(pairs))))}


def _refusal(request: VoteRequest, row, recent: Counter, seen: set, conflicted: set) -> DomainError | None:
    if row is None or row.session_id != request.session_id:
        return NotFound(_l("Not found."))
    if row.judges_only and (request.user_id, row.application_id) in conflicted:
        return NotFound(_l("Not found."))   # a question of the judges' channel they may not see
    if row.state == SessionState.ENDED:
        return refuse(Conflict, "ended", _l("This session has ended."))
    if row.status != QuestionStatus.APPROVED or (row.judges_only and request.role not in (ORGANISER, JUDGE)):
        return refuse(Conflict, "not_votable", _l("This question cannot be upvoted."))
    if not request.on:
        return None
    if row.author_id == request.user_id:
        return refuse(Forbidden, "own_question", _l("You cannot upvote your own question."))
    if (request.question_id, request.user_id) in seen:
        return refuse(Conflict, "already_voted", _l("You have already upvoted this question."))
    if recent[request.user_id] >= VOTES_PER_MINUTE:
        return refuse(Conflict, "rate_limited", _l("You may upvote at most %(n)s times a minute.", n=VOTES_PER_MINUTE))
    return None


def _insert_ignoring_duplicates(table, unique: tuple[str, ...]):
    """``INSERT … ON CONFLICT (unique) DO NOTHING`` in the session's dialect (SQLite, PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    module = {"sqlite": sqlite_dml, "postgresql": postgresql_dml}[dialect]
    return module.insert(table).on_conflict_do_nothing(index_elements=list(unique))


def tally_rooms(session_id: int, judges_only: bool, application_id: int | None = None) -> tuple[str, ...]:
    """Where a question's count goes: the room (public), or the organisers and the judges' channel
    about the question's project (:func:`~roadshow.services.live_questions.judges_channel`: not the
    judges conflicted with it)."""
    if judges_only:
        return (organisers_room(session_id), *judges_channel(session_id, application_id))
    return (room(session_id),)
