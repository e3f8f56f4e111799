"""Questions from the room, their moderation, and observers' interest in projects.

Rate limits count the person's own rows in the database over the last minute, so they hold across
processes. Upvotes are in :mod:`roadshow.services.live_votes`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select

from roadshow.extensions import db
from roadshow.models import User, utcnow
from roadshow.models.live import Interest, LiveSession, LiveSlot, Question, QuestionStatus, SessionState
from roadshow.policy import Action, can, has_conflict
from roadshow.realtime.publish import user_room
from roadshow.services import conflicts
from roadshow.services.errors import Conflict, Forbidden, Invalid, NotFound
from roadshow.services.live_room import (
    JUDGE, ORGANISER, audience_room, current_slot, judges_room, ms, organisers_room, publish, refuse, require_manage,
    role_of, since,
)

MAX_TEXT = 500
MAX_ORGANISATION = 200
MAX_NOTE = 2000
QUESTIONS_PER_MINUTE = 3


# -- what each viewer sees ------------------------------------------------------------------------

def question_data(question: Question, *, for_organiser: bool) -> dict:
    author = None
    if question.author is not None and (for_organiser or not question.anonymous):
        author = question.author.display_name
    return {
        "id": question.id, "text": question.text, "author": author, "status": question.status.value,
        "pinned": question.pinned, "answered": question.answered_at is not None, "votes": question.votes,
        "judges_only": question.judges_only, "created_at": ms(question.created_at),
        "slot_id": question.slot_id, "anonymous": question.anonymous,
        **({"original_text": question.original_text} if for_organiser else {}),
    }


def visible_to(live: LiveSession, role: str) -> list[ColumnElement[bool]]:
    """Which of the session's questions a viewer of ``role`` may see: organisers all, judges the
    approved ones, the audience the approved ones outside the judges' channel. A conflicted judge
    sees less again (:func:`hidden_from`)."""
    where = [Question.session_id == live.id]
    if role != ORGANISER:
        where.append(Question.status == QuestionStatus.APPROVED)
        if role != JUDGE:
            where.append(Question.judges_only.is_(False))
    return where


def _publish(question: Question, *, was_public: bool = False) -> None:
    """``question`` to the organisers (always), and to the judges and the audience when they may
    see it (or saw it before it was dismissed, so that it disappears from their screens)."""
    db.session.flush()
    db.session.refresh(question)
    session_id = question.session_id
    publish("question", question_data(question, for_organiser=True), organisers_room(session_id))
    shown = question.status == QuestionStatus.APPROVED or was_public
    if not shown:
        return
    public = question_data(question, for_organiser=False)
    if not question.judges_only:
        publish("question", public, judges_room(session_id))
        publish("question", public, audience_room(session_id))
        return
    application_id = db.session.scalar(select(LiveSlot.application_id).where(LiveSlot.id == question.slot_id)) \
        if question.slot_id is not None else None
    for target in judges_channel(session_id, application_id):
        publish("question", public, target)


def judges_channel(session_id: int, application_id: int | None) -> list[str]:
    """The rooms the judges' channel about a project reaches (its questions, their tallies): the
    judges' room, or, when judges are conflicted with the project, the others one by one (a handful
    of judges), each in their own room of the namespace, since the channel is closed to them."""
    conflicted = conflicts.conflicted_judges(application_id) if application_id is not None else set()
    if not conflicted:
        return [judges_room(session_id)]
    contest = db.session.get(LiveSession, session_id).contest
    return [user_room(judge_id) for judge_id in sorted(set(conflicts.judge_ids(contest)) - conflicted)]


def hidden_from(judge_id: int, live: LiveSession) -> set[int]:
    """The slots whose judges-only questions ``judge_id`` may not see: those of the projects they
    have a conflict of interest with."""
    applications = conflicts.conflicted_applications(judge_id, live.contest_id)
    if not applications:
        return set()
    return set(db.session.scalars(select(LiveSlot.id).where(LiveSlot.session_id == live.id,
                                                            LiveSlot.application_id.in_(applications))))


def _text(raw) -> str:
    if not isinstance(raw, str):
        raise refuse(Invalid, "empty", _l("Write a question first."))
    text = raw.strip()
    if not text:
        raise refuse(Invalid, "empty", _l("Write a question first."))
    if len(text) > MAX_TEXT:
        raise refuse(Invalid, "too_long", _l("A question may have at most %(n)s characters.", n=MAX_TEXT))
    return text


def participant_role(user: User, live: LiveSession) -> str:
    """The user's role in the room if they may take part (ask, upvote), else Forbidden."""
    if not can(user, Action.LIVE_PARTICIPATE, live.contest):
        raise Forbidden(_l("You may not take part in this room."))
    if live.state == SessionState.ENDED:
        raise refuse(Conflict, "ended", _l("This session has ended."))
    return role_of(user, live)


def _question(live: LiveSession, question_id) -> Question:
    question = db.session.get(Question, question_id) if isinstance(question_id, int) and not isinstance(
        question_id, bool) else None
    if question is None or question.session_id != live.id:
        raise NotFound(_l("Not found."))
    return question


# -- asking ----------------------------------------------------------------------------------------

def ask(live: LiveSession, user: User, *, text, anonymous=False, judges_only=False) -> Question:
    role = participant_role(user, live)
    text = _text(text)
    judges_only = judges_only is True
    slot = current_slot(live)
    if judges_only:
        if role not in (ORGANISER, JUDGE):
            raise Forbidden(_l("Only judges and organisers may use the judges' channel."))
        if role == JUDGE and slot is not None and has_conflict(user, slot.application):
            raise refuse(Forbidden, "conflicted", _l("You have a conflict of interest with this project."))
    recent = db.session.scalar(select(func.count(Question.id)).where(
        Question.author_id == user.id, Question.created_at >= since(60)))
    if recent >= QUESTIONS_PER_MINUTE:
        raise refuse(Conflict, "rate_limited",
                     _l("You may ask at most %(n)s questions a minute. Please wait a moment.", n=QUESTIONS_PER_MINUTE))
    question = Question(session_id=live.id, slot_id=slot.id if slot else None, author_id=user.id, text=text,
                        original_text="", anonymous=anonymous is True, judges_only=judges_only,
                        status=QuestionStatus.PENDING, created_at=utcnow())
    db.session.add(question)
    _publish(question)
    return question


# -- moderation ------------------------------------------------------------------------------------

MODERATION = ("approve", "dismiss", "pin", "unpin", "answer", "edit")


def moderate(live: LiveSession, user: User, *, question_id, action, text=None) -> Question:
    require_manage(user, live)
    question = _question(live, question_id)
    if action not in MODERATION:
        raise refuse(Invalid, "unknown_action", _l("Some of what you sent is not valid."))
    was_public = question.status == QuestionStatus.APPROVED
    if action == "approve":
        question.status = QuestionStatus.APPROVED
    elif action == "dismiss":
        question.status = QuestionStatus.DISMISSED
        question.pinned = False
    elif action in ("pin", "unpin"):
        if question.status != QuestionStatus.APPROVED and action == "pin":
            raise refuse(Conflict, "not_approved", _l("Approve the question first."))
        question.pinned = action == "pin"
    elif action == "answer":
        if question.answered_at is None:
            question.answered_at = utcnow()
    elif action == "edit":
        new_text = _text(text)
        if not question.original_text:
            question.original_text = question.text
        question.text = new_text
    question.moderated_by_id = user.id
    _publish(question, was_public=was_public)
    return question


# -- interest --------------------------------------------------------------------------------------

def _interest_target(live: LiveSession, user: User, application_id) -> None:
    """Refuse unless ``user`` may take part and ``application_id`` is a project of the session."""
    if not can(user, Action.LIVE_PARTICIPATE, live.contest):
        raise Forbidden(_l("You may not take part in this room."))
    if not any(slot.application_id == application_id for slot in live.slots) or isinstance(application_id, bool):
        raise NotFound(_l("Not found."))


def withdraw_interest(live: LiveSession, user: User, *, application_id) -> bool:
    """Take back the user's interest in a project of the session: whether there was one."""
    _interest_target(live, user, application_id)
    row = db.session.scalar(select(Interest).where(Interest.application_id == application_id,
                                                   Interest.user_id == user.id))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def interest(live: LiveSession, user: User, *, application_id, follow_up=False, organisation=None,
             note=None) -> Interest:
    """Mark (or update) the user's interest in a project of the session."""
    _interest_target(live, user, application_id)
    organisation = organisation if organisation is not None else ""
    note = note if note is not None else ""
    if not isinstance(organisation, str) or len(organisation.strip()) > MAX_ORGANISATION \
            or not isinstance(note, str) or len(note.strip()) > MAX_NOTE:
        raise refuse(Invalid, "invalid", _l("Some of what you sent is not valid."))
    row = db.session.scalar(select(Interest).where(Interest.application_id == application_id,
                                                   Interest.user_id == user.id))
    if row is None:
        row = Interest(application_id=application_id, user_id=user.id)
        db.session.add(row)
    row.session_id = live.id
    row.follow_up = follow_up is True
    row.organisation = organisation.strip()
    row.note = note.strip()
    db.session.flush()
    return row
