"""The live room's state and the organisers' controls (running order, timers, the pitch video).

Everything here is read from and written to the database; nothing of a room lives in a process
(the ``state`` a viewer gets at connect is built in :mod:`roadshow.services.live_state`).
Timers and the video are stored as (start, duration) and (playing, position at a moment), so that
any viewer, on any worker, computes where they are from the snapshot without a message per second.
Events are published after commit, to the room's Socket.IO rooms:

- ``live:<id>`` everyone in the room; ``live:<id>:organisers``, ``live:<id>:judges`` by role;
- ``live:<id>:audience`` everyone else (internal: lets questions reach each audience with the
  right fields without sending the organisers' version to the audience).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from roadshow.extensions import db
from roadshow.models import Contest, User, utcnow
from roadshow.models.live import LeaderboardVisibility, LiveSession, LiveSlot, QuestionStatus, SessionState, SlotPhase
from roadshow.models.material import Material
from roadshow.policy import Action, can
from roadshow.services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from roadshow.realtime.publish import publish as publish_event

log = logging.getLogger(__name__)

NAMESPACE = "/live"
ORGANISER, JUDGE, OBSERVER, TEAM, VIEWER = "organiser", "judge", "observer", "team", "viewer"
MAX_EXTEND_SECONDS = 3600


# -- refusals ------------------------------------------------------------------------------------

def refuse(cls: type[DomainError], code: str, message) -> DomainError:
    """A domain error with a specific ``code`` (the ack's error code), e.g. 'rate_limited'."""
    error = cls(message)
    error.code = code
    return error


# -- rooms and publishing ---------------------------------------------------------------------------

def room(session_id: int) -> str:
    return f"live:{session_id}"


def organisers_room(session_id: int) -> str:
    return f"live:{session_id}:organisers"


def judges_room(session_id: int) -> str:
    return f"live:{session_id}:judges"


def audience_room(session_id: int) -> str:
    return f"live:{session_id}:audience"


def role_room(role: str, session_id: int) -> str:
    """The room of a viewer's role: organisers, judges, or everyone else (the audience)."""
    return {ORGANISER: organisers_room(session_id), JUDGE: judges_room(session_id)}.get(role, audience_room(session_id))


def publish(event: str, data: dict, to) -> None:
    """Emit on ``/live`` after the transaction commits (see :func:`roadshow.realtime.publish.publish`)."""
    publish_event(event, data, to=to, namespace=NAMESPACE)


# -- reading ---------------------------------------------------------------------------------------

def ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def now_ms() -> int:
    return ms(utcnow())


def session_id_of(value: Any) -> int | None:
    """A session id as a client may send it (a number, or its digits), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def get_session(session_id: Any, *, with_contest: bool = False) -> LiveSession:
    session_id = session_id_of(session_id)
    if session_id is None:
        raise NotFound(_l("Not found."))
    live = db.session.get(LiveSession, session_id,
                          options=[joinedload(LiveSession.contest)] if with_contest else None)
    if live is None:
        raise NotFound(_l("Not found."))
    return live


def contest_of(live: LiveSession) -> Contest:
    return live.contest


def role_of(user: User, live: LiveSession) -> str:
    contest = live.contest
    if can(user, Action.LIVE_MANAGE, contest):
        return ORGANISER
    if can(user, Action.CONTEST_JUDGE, contest):
        return JUDGE
    if can(user, Action.CONTEST_OBSERVE, contest):
        return OBSERVER
    if can(user, Action.CONTEST_COMPETE, contest):
        return TEAM
    return VIEWER


def require_manage(user: User, live: LiveSession) -> None:
    if not can(user, Action.LIVE_MANAGE, live.contest):
        raise Forbidden(_l("Only the contest's organisers may do this."))


def current_slot(live: LiveSession) -> LiveSlot | None:
    return db.session.get(LiveSlot, live.current_slot_id) if live.current_slot_id else None


def video_position(slot: LiveSlot, at: datetime | None = None) -> float:
    """Where the video is now: the stored position, plus the time since when it is playing."""
    if slot.video_playing and slot.video_at is not None:
        return slot.video_position + max(0.0, ((at or utcnow()) - slot.video_at).total_seconds())
    return slot.video_position


def timer_remaining(slot: LiveSlot, at: datetime | None = None) -> float:
    if slot.timer_started_at is not None:
        return max(0.0, slot.timer_seconds - ((at or utcnow()) - slot.timer_started_at).total_seconds())
    if slot.timer_remaining is not None:
        return slot.timer_remaining
    return slot.timer_seconds


def slot_data(slot: LiveSlot, counts: tuple[int, int] | None = None) -> dict:
    """The slot as every viewer sees it; ``counts`` (scored, expected) when the caller has them."""
    if counts is None:
        from roadshow.services import live_scoring

        counts = live_scoring.counts(slot)
    return {
        "id": slot.id,
        "position": slot.position,
        "application_id": slot.application_id,
        "project": slot.application.project_name,
        "phase": slot.phase.value,
        "timer": {"started_at": ms(slot.timer_started_at), "seconds": slot.timer_seconds,
                  "remaining": slot.timer_remaining},
        "video": {"material_id": slot.video_material_id, "playing": slot.video_playing,
                  "position": slot.video_position, "at": ms(slot.video_at)},
        "scoring": {"open": slot.scoring_open, "scored": counts[0], "expected": counts[1]},
        "announced": slot.announced,
        "started_at": ms(slot.started_at),
        "ended_at": ms(slot.ended_at),
    }


def session_data(live: LiveSession) -> dict:
    return {
        "id": live.id, "contest_id": live.contest_id, "round_id": live.round_id,
        "title_zh": live.title_zh, "title_en": live.title_en, "starts_at": ms(live.starts_at),
        "pitch_seconds": live.pitch_seconds, "qa_seconds": live.qa_seconds,
        "stream_url": live.stream_url, "meeting_url": live.meeting_url, "scored": live.scored,
        "state": live.state.value, "current_slot_id": live.current_slot_id,
        "leaderboard": live.leaderboard.value,
    }


# -- controls ---------------------------------------------------------------------------------------

def _publish_slot(slot: LiveSlot) -> None:
    db.session.flush()
    publish("slot", slot_data(slot), room(slot.session_id))


def _publish_session(live: LiveSession) -> None:
    db.session.flush()
    publish("session", {"state": live.state.value, "current_slot_id": live.current_slot_id}, room(live.id))


def _need_current(live: LiveSession) -> LiveSlot:
    slot = current_slot(live)
    if slot is None:
        raise refuse(Conflict, "no_current_slot", _l("No project is on stage."))
    return slot


def _finish(slot: LiveSlot, now: datetime) -> None:
    if slot.started_at is not None and slot.ended_at is None:
        slot.ended_at = now
    if slot.timer_started_at is not None:
        slot.timer_remaining = timer_remaining(slot, now)
        slot.timer_started_at = None
    if slot.video_playing:
        slot.video_position = video_position(slot, now)
        slot.video_playing = False
        slot.video_at = now
    slot.phase = SlotPhase.DONE


def _go_to(live: LiveSession, slot: LiveSlot, by: User) -> None:
    from roadshow.services import live_scoring

    now = utcnow()
    previous = current_slot(live)
    if previous is not None and previous.id != slot.id:
        if previous.scoring_open:
            live_scoring.close(live, previous, by=by)
        _finish(previous, now)
        _publish_slot(previous)
    live.current_slot_id = slot.id
    if slot.started_at is None:
        slot.started_at = now
    slot.ended_at = None
    if slot.phase == SlotPhase.DONE:
        slot.phase = SlotPhase.WAITING
    _publish_slot(slot)
    _publish_session(live)


def _seconds(raw, *, low: float, high: float, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw or not low <= raw <= high:
        raise refuse(Invalid, "invalid", _l("Some of what you sent is not valid.")) from None
    return float(raw)


def _video_material(slot: LiveSlot, data: dict) -> None:
    if "material_id" not in data:
        return
    material_id = data["material_id"]
    if material_id is None:
        slot.video_material_id = None
        return
    material = db.session.get(Material, material_id) if isinstance(material_id, int) else None
    if material is None or material.application_id != slot.application_id:
        raise refuse(Invalid, "invalid", _l("Some of what you sent is not valid."))
    slot.video_material_id = material.id


def control(live: LiveSession, user: User, data: dict) -> dict:
    """One organiser's control action; raises Forbidden for anyone else (nothing changes)."""
    require_manage(user, live)
    action = data.get("action")
    now = utcnow()
    if action == "start_session":
        if live.state == SessionState.ENDED:
            raise refuse(Conflict, "ended", _l("This session has ended."))
        live.state = SessionState.LIVE
        if live.current_slot_id is None and live.slots:
            _go_to(live, live.slots[0], user)
        _publish_session(live)
        return {}
    if action == "end_session":
        slot = current_slot(live)
        if slot is not None:
            from roadshow.services import live_scoring

            if slot.scoring_open:
                live_scoring.close(live, slot, by=user)
            _finish(slot, now)
            _publish_slot(slot)
        live.state = SessionState.ENDED
        _publish_session(live)
        return {}
    if live.state != SessionState.LIVE:
        raise refuse(Conflict, "not_live", _l("The session is not live."))
    if action == "next_slot":
        slot = current_slot(live)
        following = [s for s in live.slots if slot is None or s.position > slot.position]
        if not following:
            raise refuse(Conflict, "no_next_slot", _l("This was the last project."))
        _go_to(live, following[0], user)
        return {"slot_id": following[0].id}
    if action == "goto_slot":
        target = next((s for s in live.slots if s.id == data.get("slot_id")), None)
        if target is None:
            raise NotFound(_l("Not found."))
        _go_to(live, target, user)
        return {"slot_id": target.id}
    if action in ("scoring_open", "scoring_close", "leaderboard"):
        from roadshow.services import live_scoring

        if action == "leaderboard":
            live_scoring.set_leaderboard(live, data.get("visibility"), by=user)
            return {}
        slot = _need_current(live)
        (live_scoring.open if action == "scoring_open" else live_scoring.close)(live, slot, by=user)
        _publish_slot(slot)
        return {}

    slot = _need_current(live)
    if action == "timer_start":
        phase = data.get("phase")
        if phase not in (SlotPhase.PITCH.value, SlotPhase.QA.value):
            raise refuse(Invalid, "invalid", _l("Some of what you sent is not valid."))
        slot.phase = SlotPhase(phase)
        slot.timer_started_at = now
        slot.timer_seconds = float(live.pitch_seconds if phase == SlotPhase.PITCH.value else live.qa_seconds)
        slot.timer_remaining = None
    elif action == "timer_pause":
        if slot.timer_started_at is None:
            raise refuse(Conflict, "not_running", _l("The timer is not running."))
        slot.timer_remaining = timer_remaining(slot, now)
        slot.timer_started_at = None
    elif action == "timer_resume":
        if slot.timer_started_at is not None or slot.timer_remaining is None:
            raise refuse(Conflict, "not_paused", _l("The timer is not paused."))
        slot.timer_started_at = now
        slot.timer_seconds = slot.timer_remaining
        slot.timer_remaining = None
    elif action == "timer_extend":
        seconds = _seconds(data.get("seconds"), low=1, high=MAX_EXTEND_SECONDS, name="seconds")
        if slot.timer_remaining is not None and slot.timer_started_at is None:
            slot.timer_remaining += seconds
        else:
            slot.timer_seconds += seconds
    elif action == "video_play":
        _video_material(slot, data)
        slot.video_position = video_position(slot, now)
        slot.video_playing = True
        slot.video_at = now
    elif action == "video_pause":
        slot.video_position = video_position(slot, now)
        slot.video_playing = False
        slot.video_at = now
    elif action == "video_seek":
        _video_material(slot, data)
        slot.video_position = _seconds(data.get("position"), low=0, high=24 * 3600, name="position")
        slot.video_at = now
    else:
        raise refuse(Invalid, "unknown_action", _l("Some of what you sent is not valid."))
    _publish_slot(slot)
    return {}


def since(seconds: int) -> datetime:
    return utcnow() - timedelta(seconds=seconds)


__all__ = [
    "NAMESPACE", "ORGANISER", "JUDGE", "OBSERVER", "TEAM", "VIEWER", "room", "organisers_room", "judges_room",
    "audience_room", "role_room", "publish", "control", "get_session", "role_of", "slot_data",
    "session_data", "LeaderboardVisibility", "QuestionStatus",
]
