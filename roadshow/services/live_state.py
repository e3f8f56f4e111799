"""The ``state`` event: the whole live room as one viewer may see it, sent at every (re)connect.

The part that is the same for every viewer of a role is kept per process, so that 1,000 viewers
joining at once read the room once, not 1,000 times. An entry is forgotten whenever an event for
the room is delivered in this process (:mod:`roadshow.realtime.observed`), which every change to
what ``state`` shows publishes (tallies included), and is never older than ``SHARED_TTL`` seconds.
The viewer's own part (their upvotes, their interest, whether they are to score) is read each time.
"""
from __future__ import annotations

import time
import uuid

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import User
from roadshow.models.live import Interest, LiveSession, LiveSlot, Question, QuestionVote
from roadshow.services.live_room import (
    JUDGE, NAMESPACE, ORGANISER, current_slot, now_ms, role_of, session_data, slot_data,
)

SHARED_TTL = 5.0
_shared: dict[tuple, tuple[int, float, dict]] = {}   # (app, session id, role) -> (generation, at, part)
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
    from roadshow.services import live_questions, live_scoring

    key = (instance_key(), live.id, role)
    generation = _generations.get(live.id, 0)
    cached = _shared.get(key)
    if cached is not None and cached[0] == generation and time.monotonic() - cached[1] < SHARED_TTL:
        return cached[2]
    slots = list(db.session.scalars(select(LiveSlot).options(selectinload(LiveSlot.application))
                                    .where(LiveSlot.session_id == live.id).order_by(LiveSlot.position)))
    counts = live_scoring.counts_by_project(live, [slot.application_id for slot in slots])
    slot_rows = {slot.id: slot_data(slot, counts.get(slot.application_id, (0, 0))) for slot in slots}
    current = next((slot for slot in slots if slot.id == live.current_slot_id), None)
    part = {
        "session": session_data(live),
        "slots": list(slot_rows.values()),
        "current": slot_rows[current.id] if current else None,
        "questions": [live_questions.question_data(q, for_organiser=role == ORGANISER)
                      for q in live_questions.visible_questions(live, role)],
        "scoring": live_scoring.scoring_for(live, current, None, role,
                                            known=counts.get(current.application_id) if current else None),
        "leaderboard": live_scoring.leaderboard_rows(live) if live_scoring.may_see_leaderboard(live, role) else None,
        "application_ids": [slot.application_id for slot in slots],
    }
    if _generations.get(live.id, 0) == generation:   # nothing was delivered while it was read
        _shared[key] = (generation, time.monotonic(), part)
    return part


def snapshot(live: LiveSession, user: User, *, role: str | None = None) -> dict:
    """The whole room as ``user`` may see it (``role``, if the caller has asked the policy already):
    the ``state`` event. Every viewer gets it at each (re)connect: the room's part is shared by the
    viewers of a role (see ``_shared``), the viewer's own part is read in three small queries."""
    from roadshow.services import live_scoring

    role = role or role_of(user, live)
    part = _shared_part(live, role)
    my_votes = list(db.session.scalars(
        select(QuestionVote.question_id).join(Question, Question.id == QuestionVote.question_id)
        .where(Question.session_id == live.id, QuestionVote.user_id == user.id)))
    application_ids = part["application_ids"]
    my_interest = list(db.session.scalars(
        select(Interest.application_id).where(Interest.user_id == user.id,
                                              Interest.application_id.in_(application_ids)))) if application_ids else []
    scoring = part["scoring"]
    if role == JUDGE and scoring["open"]:
        scoring = {**scoring, "can_score": live_scoring.may_score(user, live, current_slot(live))}
    return {
        **{name: value for name, value in part.items() if name != "application_ids"},
        "scoring": scoring,
        "my_votes": my_votes,
        "my_interest": my_interest,
        "role": role,
        "now": now_ms(),
    }
