"""The room's questions in pages: a bounded window in ``state``, older ones asked for on demand.

Every (re)connect gets ``state``; with every question of a long session in it (hundreds), each
connect of a crowd is heavier to build, encode and send, and every cached copy bigger. So ``state``
carries a window: the ``STATE_QUESTIONS`` newest questions the viewer may see (by id), and whatever
their age those no viewer should have to ask for: the pinned ones and, for organisers, those waiting
for moderation. ``state["questions_before"]`` is the id of the window's oldest question when older
ones may be paged in, else None; the ``questions`` event answers them ``PAGE_QUESTIONS`` at a time,
newest page first, each page oldest first, with the id to ask before next (None on the last page).

The id is a keyset cursor: questions asked meanwhile do not shift the pages. A page never repeats
what every ``state`` carries whatever its age (pinned; pending, for organisers): a question that
becomes pinned or pending later reaches the viewer as a ``question`` event. A page is read for the
viewer's role as the policy answers it now, in the session of the viewer's connection only, with
the visibility rules of ``state`` (:func:`roadshow.services.live_questions.visible_to`, and for a
judge the judges' channel about the projects they are conflicted with left out). Authors are read
with the questions, in one query for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, not_, or_, select, true
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import User
from roadshow.models.live import LiveSession, Question, QuestionStatus
from roadshow.services.errors import Invalid
from roadshow.services.live_questions import hidden_from, question_data, visible_to
from roadshow.services.live_room import JUDGE, ORGANISER, refuse, role_of

STATE_QUESTIONS = 100
PAGE_QUESTIONS = 100
MAX_ID = 2 ** 63 - 1   # beyond a database integer: refused, not a driver's overflow
ID_CEILING = 2 ** 31 - 1   # the largest id the column holds (PostgreSQL's integer): a cursor above it
                           # means "before every question", and is not bound as a number out of range


@dataclass
class Page:
    """Questions oldest first, and the id before which older ones remain to be read (or None)."""

    questions: list[Question]
    before: int | None


def _always_in_state(role: str) -> ColumnElement[bool]:
    """Questions every ``state`` of ``role`` carries, however old."""
    if role == ORGANISER:
        return or_(Question.pinned.is_(True), Question.status == QuestionStatus.PENDING)
    return Question.pinned.is_(True)


def _not_hidden(hidden: set[int]) -> ColumnElement[bool]:
    """Not in the judges' channel about the slots ``hidden`` (questions without a slot are kept)."""
    return or_(Question.judges_only.is_(False), Question.slot_id.is_(None), Question.slot_id.not_in(sorted(hidden)))


def _questions(*where):
    return select(Question).options(selectinload(Question.author)).where(*where)


def _pageable(live: LiveSession, role: str, hidden: set[int]) -> list[ColumnElement[bool]]:
    """Which questions pages give ``role`` (less the judges' channel about the slots ``hidden``)."""
    where = [*visible_to(live, role), not_(_always_in_state(role))]
    return [*where, _not_hidden(hidden)] if hidden else where


def state_window(live: LiveSession, role: str) -> Page:
    """The questions of ``state`` for every viewer of ``role`` (oldest first), in at most five
    queries whatever the session's size; ``before`` set when older ones may be paged in."""
    newest = list(db.session.scalars(_questions(*visible_to(live, role))
                                     .order_by(Question.id.desc()).limit(STATE_QUESTIONS)))
    newest.reverse()
    if len(newest) < STATE_QUESTIONS:
        return Page(newest, None)
    oldest = newest[0].id
    kept = list(db.session.scalars(_questions(*visible_to(live, role), Question.id < oldest, _always_in_state(role))
                                   .order_by(Question.id)))
    return Page(kept + newest, oldest if has_older(live, role, oldest) else None)


def _before(before: int) -> ColumnElement[bool]:
    return Question.id < before if before <= ID_CEILING else true()


def has_older(live: LiveSession, role: str, before: int, hidden: set[int] = frozenset()) -> bool:
    """Whether a page before id ``before`` would have a question for ``role`` (less ``hidden``)."""
    return db.session.scalar(select(Question.id).where(*_pageable(live, role, hidden), _before(before))
                             .limit(1)) is not None


def page_before(live: LiveSession, role: str, before: int, hidden: set[int] = frozenset()) -> Page:
    """Up to ``PAGE_QUESTIONS`` of the questions before id ``before`` (the newest of them)."""
    found = list(db.session.scalars(_questions(*_pageable(live, role, hidden), _before(before))
                                    .order_by(Question.id.desc()).limit(PAGE_QUESTIONS + 1)))
    more = len(found) > PAGE_QUESTIONS
    questions = found[:PAGE_QUESTIONS][::-1]
    return Page(questions, questions[0].id if more else None)


def _cursor(raw) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
        raise refuse(Invalid, "invalid", _l("Some of what you sent is not valid."))
    return raw


def earlier(live: LiveSession, user: User, *, before) -> dict:
    """The ``questions`` event: the page of questions before id ``before`` that ``user`` may see,
    as ``state`` shows them, and the id to ask before next (None when there are no older ones)."""
    before = _cursor(before)
    role = role_of(user, live)
    hidden = hidden_from(user.id, live) if role == JUDGE else set()
    page = page_before(live, role, before, hidden)
    return {"questions": [question_data(q, for_organiser=role == ORGANISER) for q in page.questions],
            "before": page.before}
