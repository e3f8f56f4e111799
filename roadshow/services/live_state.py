"""The ``state`` event: the whole live room as one viewer may see it, sent at every (re)connect.

The part that is the same for every viewer of a role is kept per process, so that 1,000 viewers
joining at once read the room once, not 1,000 times. An entry is forgotten whenever an event for
the room is delivered in this process (:mod:`roadshow.realtime.observed`), which every change to
what ``state`` shows publishes (tallies included), and is never older than ``SHARED_TTL`` seconds.
The viewer's own part (their upvotes, their interest, whether they are to score) is read each time
(for a crowd joining, for all of a batch at once: :mod:`roadshow.realtime.arrivals`).
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import User
from roadshow.models.live import Interest, LiveSession, LiveSlot, Question, QuestionVote
from roadshow.services.live_room import (
    JUDGE, NAMESPACE, ORGANISER, current_slot, now_ms, role_of, session_data, slot_data,
)

SHARED_TTL = 5.0


@dataclass
class _Shared:
    generation: int       # of the room when it was read
    at: float             # time.monotonic() when it was read
    part: dict
    text: str | None = None   # its JSON, once a crowd needed it


_shared: dict[tuple, _Shared] = {}                    # (app, session id, role) -> the part
_generations: dict[int, int] = {}                     # session id -> generation


def instance_key() -> str:
    """This app object's identity, for process caches: tests build many apps over one database URL."""
    from flask import current_app

    return current_app.extensions.setdefault("roadshow.instance", uuid.uuid4().hex)


def forget_room(namespace: str | None, room_name) -> None:
    """Observer of deliveries: an event for ``live:<id>…`` ends the cached state of session <id>."""
    if namespace != NAMESPACE or not isinstance(room_name, str) or not room_name.startswith("live:"):
        return
    try:
        session_id = int(room_name.split(":")[1])
    except (IndexError, ValueError):
        return
    _generations[session_id] = _generations.get(session_id, 0) + 1


def forget_all() -> None:
    """Drop every cached room of this process (tests empty the database between them)."""
    from roadshow.services import live_scoring

    _shared.clear()
    live_scoring.forget_boards()


def _shared_part(live: LiveSession, role: str) -> dict:
    return _shared_entry(live, role).part


def _shared_json(live: LiveSession, role: str) -> str:
    """The shared part as JSON text, encoded once per entry of the cache."""
    entry = _shared_entry(live, role)
    if entry.text is None:
        entry.text = json.dumps(entry.part, separators=(",", ":"))
    return entry.text


def _shared_entry(live: LiveSession, role: str) -> _Shared:
    from roadshow.services import live_question_pages, live_questions, live_scoring

    key = (instance_key(), live.id, role)
    generation = _generations.get(live.id, 0)
    cached = _shared.get(key)
    if cached is not None and cached.generation == generation and time.monotonic() - cached.at < SHARED_TTL:
        return cached
    slots = list(db.session.scalars(select(LiveSlot).options(selectinload(LiveSlot.application))
                                    .where(LiveSlot.session_id == live.id).order_by(LiveSlot.position)))
    counts = live_scoring.counts_by_project(live, [slot.application_id for slot in slots])
    slot_rows = {slot.id: slot_data(slot, counts.get(slot.application_id, (0, 0))) for slot in slots}
    current = next((slot for slot in slots if slot.id == live.current_slot_id), None)
    window = live_question_pages.state_window(live, role)
    part = {
        "session": session_data(live),
        "slots": list(slot_rows.values()),
        "current": slot_rows[current.id] if current else None,
        "questions": [live_questions.question_data(q, for_organiser=role == ORGANISER) for q in window.questions],
        "questions_before": window.before,
        "scoring": live_scoring.scoring_for(live, current, None, role,
                                            known=counts.get(current.application_id) if current else None),
        "leaderboard": live_scoring.leaderboard_rows(live) if live_scoring.may_see_leaderboard(live, role) else None,
    }
    entry = _Shared(generation, time.monotonic(), part)
    if _generations.get(live.id, 0) == generation:   # nothing was delivered while it was read
        _shared[key] = entry
    return entry


def own_parts(viewers: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[list[int], list[int]]]:
    """For (session id, user id) pairs: the user's upvotes in the session and the projects of the
    session they marked interest in, in two queries whatever the number of pairs."""
    found: dict[tuple[int, int], tuple[list[int], list[int]]] = {pair: ([], []) for pair in viewers}
    if not viewers:
        return found
    session_ids = sorted({session_id for session_id, _ in viewers})
    user_ids = sorted({user_id for _, user_id in viewers})
    for session_id, user_id, question_id in db.session.execute(
            select(Question.session_id, QuestionVote.user_id, QuestionVote.question_id)
            .join(Question, Question.id == QuestionVote.question_id)
            .where(Question.session_id.in_(session_ids), QuestionVote.user_id.in_(user_ids))
            .order_by(QuestionVote.question_id)):
        if (session_id, user_id) in found:
            found[session_id, user_id][0].append(question_id)
    for session_id, user_id, application_id in db.session.execute(
            select(LiveSlot.session_id, Interest.user_id, Interest.application_id)
            .join(LiveSlot, LiveSlot.application_id == Interest.application_id)
            .where(LiveSlot.session_id.in_(session_ids), Interest.user_id.in_(user_ids))
            .order_by(Interest.application_id).distinct()):
        if (session_id, user_id) in found:
            found[session_id, user_id][1].append(application_id)
    return found


def snapshot_json(live: LiveSession, user: User, *, role: str,
                  own: tuple[list[int], list[int]] | None = None) -> str:
    """:func:`snapshot` as JSON text, for a crowd: the part every viewer of the role shares is
    encoded once (per change of the room), not once per viewer; a judge's own view of the scoring
    window and of the judges' channel is encoded whole."""
    if role == JUDGE:
        return json.dumps(snapshot(live, user, role=role, own=own), separators=(",", ":"))
    my_votes, my_interest = own if own is not None else own_parts([(live.id, user.id)])[live.id, user.id]
    mine = json.dumps({"my_votes": my_votes, "my_interest": my_interest, "role": role, "now": now_ms()},
                      separators=(",", ":"))
    return f"{_shared_json(live, role)[:-1]},{mine[1:]}"


def snapshot(live: LiveSession, user: User, *, role: str | None = None,
             own: tuple[list[int], list[int]] | None = None) -> dict:
    """The whole room as ``user`` may see it (``role``, if the caller has asked the policy already):
    the ``state`` event. Every viewer gets it at each (re)connect: the room's part is shared by the
    viewers of a role (see ``_shared``); the viewer's own part (``own``: their upvotes and interest,
    if the caller has read them with :func:`own_parts`) is read here otherwise. Its questions are a
    window, older ones paged in on demand (:mod:`roadshow.services.live_question_pages`)."""
    from roadshow.services import live_question_pages, live_questions, live_scoring

    role = role or role_of(user, live)
    part = _shared_part(live, role)
    my_votes, my_interest = own if own is not None else own_parts([(live.id, user.id)])[live.id, user.id]
    scoring, questions, before = part["scoring"], part["questions"], part["questions_before"]
    if role == JUDGE:
        if scoring["open"]:
            scoring = {**scoring, "can_score": live_scoring.may_score(user, live, current_slot(live))}
        hidden = live_questions.hidden_from(user.id, live)   # conflicted: not the judges' channel about it
        if hidden:
            questions = [q for q in questions if not (q["judges_only"] and q["slot_id"] in hidden)]
            if before is not None and not live_question_pages.has_older(live, role, before, hidden):
                before = None
    return {
        **part,
        "questions": questions,
        "questions_before": before,
        "scoring": scoring,
        "my_votes": my_votes,
        "my_interest": my_interest,
        "role": role,
        "now": now_ms(),
    }
