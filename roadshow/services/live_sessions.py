"""Organisers' live sessions: the schedule (a time stored in UTC, a "8+7" format, the stream), the
running order (drawn by lot with a recorded seed, or set by hand), an iCalendar file for viewers, and
the timeline of a session afterwards (slots with their real times, the approved questions).

The order is replaced only while the session is scheduled: once it is live (or over) its slots are the
record of what happened.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationStatus, Contest, LiveSession, LiveSlot, Material, MaterialKind, Question,
    QuestionStatus, Round, RoundEntry, SessionState, User, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.services import audit
from roadshow.services.errors import Conflict, Invalid, NotFound

MAX_SEED = 2**31 - 1
MIN_MINUTES, MAX_MINUTES = 1, 60
FORMAT_PATTERN = re.compile(r"^\s*(\d{1,3})\s*\+\s*(\d{1,3})\s*$")
MAX_TITLE = 200
MAX_URL = 500
# Projects that may present in a session without a round: anything past the draft and still in.
ROUNDLESS_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENED_IN, ApplicationStatus.ADVANCED)


# -- values ----------------------------------------------------------------------------------------

def parse_format(text: str | None) -> tuple[int, int]:
    """``"8+7"`` as ``(480, 420)`` seconds of pitch and Q&A; each part 1 to 60 minutes."""
    match = FORMAT_PATTERN.match(text or "")
    if not match:
        raise Invalid(_l('Write the format as minutes of pitch + minutes of Q&A, e.g. "8+7".'), field="format")
    pitch, qa = int(match.group(1)), int(match.group(2))
    if not (MIN_MINUTES <= pitch <= MAX_MINUTES and MIN_MINUTES <= qa <= MAX_MINUTES):
        raise Invalid(_l("Pitch and Q&A each last from %(low)d to %(high)d minutes.", low=MIN_MINUTES,
                         high=MAX_MINUTES), field="format")
    return pitch * 60, qa * 60


def format_text(session: LiveSession) -> str:
    """The session's format as typed: ``"8+7"``."""
    return f"{session.pitch_seconds // 60}+{session.qa_seconds // 60}"


def _https(url: str | None, field_name: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in url):
        raise Invalid(_l("Enter an https:// address, or leave it empty."), field=field_name)
    return url


def check_stream_url(url: str | None) -> str:
    """An HLS playlist (``https://....m3u8``), or empty."""
    url = _https(url, "stream_url")
    if url and not urlsplit(url).path.lower().endswith(".m3u8"):
        raise Invalid(_l("The stream must be an HLS playlist (an address ending in .m3u8)."), field="stream_url")
    return url


def check_meeting_url(url: str | None) -> str:
    return _https(url, "meeting_url")


def _title(value: str | None, field_name: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_l("This field is required."), field=field_name)
    if len(value) > MAX_TITLE:
        raise Invalid(_l("At most %(n)d characters.", n=MAX_TITLE), field=field_name)
    return value


def _aware_utc(moment: datetime | None) -> datetime:
    if moment is None:
        raise Invalid(_l("Enter the date and time of the session."), field="starts_at")
    if moment.tzinfo is None:
        raise Invalid(_l("Enter the date and time of the session."), field="starts_at")
    return moment.astimezone(timezone.utc)


# -- sessions --------------------------------------------------------------------------------------

def sessions_of(contest: Contest) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.contest_id == contest.id)
        .order_by(LiveSession.starts_at, LiveSession.id)))


def get_session(contest: Contest, session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id)
    if session is None or session.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    return session


def _round_of(contest: Contest, round_id: int | None) -> Round | None:
    if not round_id:
        return None
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        raise Invalid(_l("Choose one of the contest's rounds."), field="round_id")
    return round_


def _values(contest: Contest, *, round_id, title_zh, title_en, starts_at, format, stream_url, meeting_url,
            scored) -> dict:
    round_ = _round_of(contest, round_id)
    pitch, qa = parse_format(format)
    return {
        "round_id": round_.id if round_ else None,
        "title_zh": _title(title_zh, "title_zh", required=True),
        "title_en": _title(title_en, "title_en", required=False),
        "starts_at": _aware_utc(starts_at),
        "pitch_seconds": pitch, "qa_seconds": qa,
        "stream_url": check_stream_url(stream_url),
        "meeting_url": check_meeting_url(meeting_url),
        "scored": bool(scored),
    }


def _snapshot(session: LiveSession) -> dict:
    return {"round_id": session.round_id, "title_zh": session.title_zh, "title_en": session.title_en,
            "starts_at": session.starts_at, "pitch_seconds": session.pitch_seconds, "qa_seconds": session.qa_seconds,
            "stream_url": session.stream_url, "meeting_url": session.meeting_url, "scored": session.scored}


def create_session(contest: Contest, *, by: User, round_id: int | None, title_zh: str, title_en: str = "",
                   starts_at: datetime, format: str = "8+7", stream_url: str = "", meeting_url: str = "",
                   scored: bool = True) -> LiveSession:
    """A new scheduled session; ``starts_at`` is an aware date-time (stored in UTC)."""
    authorize(by, Action.LIVE_MANAGE, contest)
    values = _values(contest, round_id=round_id, title_zh=title_zh, title_en=title_en, starts_at=starts_at,
                     format=format, stream_url=stream_url, meeting_url=meeting_url, scored=scored)
    session = LiveSession(contest_id=contest.id, created_by_id=by.id, **values)
    db.session.add(session)
    db.session.flush()
    audit.record("live.session_created", obj_type="live_session", obj_id=session.id, contest_id=contest.id,
                 new=_snapshot(session), actor=by)
    return session


def update_session(session: LiveSession, *, by: User, round_id: int | None, title_zh: str, title_en: str = "",
                   starts_at: datetime, format: str = "8+7", stream_url: str = "", meeting_url: str = "",
                   scored: bool = True) -> LiveSession:
    """Change a session. Its round cannot change once it has a running order that is live or over."""
    contest = session.contest
    authorize(by, Action.LIVE_MANAGE, contest)
    values = _values(contest, round_id=round_id, title_zh=title_zh, title_en=title_en, starts_at=starts_at,
                     format=format, stream_url=stream_url, meeting_url=meeting_url, scored=scored)
    if values["round_id"] != session.round_id and session.state != SessionState.SCHEDULED:
        raise Conflict(_l("The round of a session cannot change once it has started."), field="round_id")
    old = _snapshot(session)
    if values["round_id"] != session.round_id and session.slots:
        _clear_slots(session)   # the running order was of the other round's projects
        session.order_seed = None
    for name, value in values.items():
        setattr(session, name, value)
    new = _snapshot(session)
    changed = {name for name in new if old[name] != new[name]}
    if changed:
        audit.record("live.session_changed", obj_type="live_session", obj_id=session.id, contest_id=contest.id,
                     old={n: old[n] for n in changed}, new={n: new[n] for n in changed}, actor=by)
    return session


# -- running order ---------------------------------------------------------------------------------

def candidates(session: LiveSession) -> list[Application]:
    """The projects that may present: those entered in the session's round; without a round, the
    contest's submitted projects still in the running. Sorted by id."""
    if session.round_id is not None:
        query = (select(Application).join(RoundEntry, RoundEntry.application_id == Application.id)
                 .where(RoundEntry.round_id == session.round_id))
    else:
        query = select(Application).where(Application.contest_id == session.contest_id,
                                          Application.status.in_(ROUNDLESS_STATUSES))
    return list(db.session.scalars(query.order_by(Application.id)))


def pitch_video_id(application_id: int) -> int | None:
    """The project's latest pitch video, if it has uploaded one."""
    return db.session.scalar(
        select(Material.id).where(Material.application_id == application_id, Material.kind == MaterialKind.PITCH_VIDEO)
        .order_by(Material.id.desc()).limit(1))


def _require_scheduled(session: LiveSession) -> None:
    if session.state != SessionState.SCHEDULED:
        raise Conflict(_l("The running order cannot change once the session has started."))


def _clear_slots(session: LiveSession) -> None:
    session.current_slot_id = None
    session.slots.clear()
    db.session.flush()   # delete the old slots before the new ones take their positions


def _replace_slots(session: LiveSession, application_ids: list[int]) -> None:
    _clear_slots(session)
    for position, application_id in enumerate(application_ids, start=1):
        session.slots.append(LiveSlot(position=position, application_id=application_id,
                                      video_material_id=pitch_video_id(application_id)))
    db.session.flush()


def draw_order(session: LiveSession, *, by: User, seed: int | None = None) -> list[int]:
    """Draw the running order by lot: the round's projects, by sorted id, shuffled with
    ``random.Random(seed)``. The seed (a fresh one when none is given) is recorded, so anyone can
    replay the draw. Returns the application ids in their order."""
    authorize(by, Action.LIVE_MANAGE, session.contest)
    _require_scheduled(session)
    if session.round_id is None:
        raise Invalid(_l("Only a session of a round can draw its order by lot; set the order by hand."))
    if seed is None:
        seed = random.SystemRandom().randint(0, MAX_SEED)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise Invalid(_l("The seed is a whole number from 0 to %(high)d.", high=MAX_SEED), field="seed")
    ids = [application.id for application in candidates(session)]
    if not ids:
        raise Invalid(_l("No project is entered in the round of this session."))
    random.Random(seed).shuffle(ids)
    old = [slot.application_id for slot in session.slots]
    _replace_slots(session, ids)
    session.order_seed = seed
    audit.record("live.order_drawn", obj_type="live_session", obj_id=session.id, contest_id=session.contest_id,
                 old={"order": old}, new={"order": ids, "seed": seed}, actor=by)
    return ids


def set_order(session: LiveSession, application_ids, *, by: User) -> list[int]:
    """Set the running order by hand. In a session of a round the list holds each of its projects
    exactly once; without a round, any of the contest's projects still in the running, once each."""
    authorize(by, Action.LIVE_MANAGE, session.contest)
    _require_scheduled(session)
    try:
        ids = [int(value) for value in application_ids]
    except (TypeError, ValueError):
        raise Invalid(_l("The order is a list of project numbers."), field="order") from None
    allowed = {application.id for application in candidates(session)}
    if not ids:
        raise Invalid(_l("The order lists no project."), field="order")
    if len(set(ids)) != len(ids):
        raise Invalid(_l("A project appears twice in the order."), field="order")
    unknown = [i for i in ids if i not in allowed]
    if unknown:
        raise Invalid(_l("Not projects of this session: %(ids)s.", ids=", ".join(map(str, unknown))), field="order")
    missing = sorted(allowed - set(ids)) if session.round_id is not None else []
    if missing:
        raise Invalid(_l("Projects missing from the order: %(ids)s.", ids=", ".join(map(str, missing))), field="order")
    old = [slot.application_id for slot in session.slots]
    _replace_slots(session, ids)
    session.order_seed = None
    audit.record("live.order_set", obj_type="live_session", obj_id=session.id, contest_id=session.contest_id,
                 old={"order": old}, new={"order": ids}, actor=by)
    return ids


def move_slot(session: LiveSession, slot_id: int, step: int, *, by: User) -> list[int]:
    """Move a slot one place up (``step`` -1) or down (+1): the order set by hand."""
    ids = [slot.application_id for slot in session.slots]
    index = next((i for i, slot in enumerate(session.slots) if slot.id == slot_id), None)
    if index is None:
        raise NotFound(_l("Not found."))
    other = index + step
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return set_order(session, ids, by=by)


# -- calendar --------------------------------------------------------------------------------------

def duration(session: LiveSession) -> timedelta:
    """The planned length: every slot's pitch and Q&A (one slot when there is no order yet)."""
    return timedelta(seconds=max(len(session.slots), 1) * (session.pitch_seconds + session.qa_seconds))


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations begin with a space), never inside a character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def ics(session: LiveSession, url: str, *, language: str = "zh_CN") -> str:
    """An iCalendar file (RFC 5545) with the session as one event, times in UTC, CRLF line endings."""
    title = session.title_en if language.startswith("en") and session.title_en else session.title_zh
    contest_name = session.contest.localized("name", language)
    host = urlsplit(url).hostname or "roadshow"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Roadshow//Live sessions//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:live-session-{session.id}@{host}",
        f"DTSTAMP:{_ics_time(utcnow())}",
        f"DTSTART:{_ics_time(session.starts_at)}",
        f"DTEND:{_ics_time(session.starts_at + duration(session))}",
        f"SUMMARY:{_ics_text(title)}",
        f"DESCRIPTION:{_ics_text(contest_name)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


# -- timeline --------------------------------------------------------------------------------------

@dataclass
class TimelineQuestion:
    id: int
    text: str
    author: str | None   # None when anonymous
    votes: int
    answered: bool
    pinned: bool
    created_at: datetime


@dataclass
class TimelineSlot:
    slot: LiveSlot
    application: Application
    started_at: datetime | None
    ended_at: datetime | None
    questions: list[TimelineQuestion] = field(default_factory=list)


@dataclass
class Timeline:
    session: LiveSession
    slots: list[TimelineSlot]
    other_questions: list[TimelineQuestion]   # asked outside any slot


def timeline(session: LiveSession, *, include_judges_only: bool = False) -> Timeline:
    """The record of a session: each slot with its real start and end, and the approved questions
    asked during it (most votes first), with whether they were answered. The judges' own channel is
    left out unless ``include_judges_only``."""
    query = select(Question).where(Question.session_id == session.id, Question.status == QuestionStatus.APPROVED)
    if not include_judges_only:
        query = query.where(Question.judges_only.is_(False))
    by_slot: dict[int | None, list[TimelineQuestion]] = {}
    for question in db.session.scalars(query.order_by(Question.votes.desc(), Question.created_at, Question.id)):
        author = None if question.anonymous or question.author is None else question.author.display_name
        by_slot.setdefault(question.slot_id, []).append(TimelineQuestion(
            id=question.id, text=question.text, author=author, votes=question.votes,
            answered=question.answered_at is not None, pinned=question.pinned, created_at=question.created_at))
    slots = [TimelineSlot(slot=slot, application=slot.application, started_at=slot.started_at, ended_at=slot.ended_at,
                          questions=by_slot.pop(slot.id, [])) for slot in session.slots]
    others = [q for questions in by_slot.values() for q in questions]
    return Timeline(session=session, slots=slots, other_questions=others)
