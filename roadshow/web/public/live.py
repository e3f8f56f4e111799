"""A contest's live sessions for viewers: times in their own time zone, an .ics file, and each session's timeline."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from roadshow.i18n import current_language
from roadshow.models import SessionState
from roadshow.policy import Action, authorize
from roadshow.services import contests, live_sessions
from roadshow.services.errors import NotFound
from roadshow.web.headers import content_disposition
from roadshow.web.organizer.live import room_url

bp = Blueprint("live_schedule", __name__, url_prefix="/contests/<slug>/live")


def _contest(slug: str):
    contest = contests.get_by_slug(slug)
    authorize(current_user, Action.CONTEST_VIEW, contest, conceal=True)
    return contest


@bp.get("")
def index(slug: str):
    contest = _contest(slug)
    return render_template("public/live_sessions.html", contest=contest, sessions=live_sessions.sessions_of(contest),
                           duration=live_sessions.duration, format_text=live_sessions.format_text,
                           room_url=room_url, viewer_timezone=str(get_timezone()))


@bp.get("/<int:session_id>.ics")
def calendar(slug: str, session_id: int):
    contest = _contest(slug)
    session = live_sessions.get_session(contest, session_id)
    url = request.host_url.rstrip("/") + room_url("live.room", session.id)
    text = live_sessions.ics(session, url, language=current_language())
    response = Response(text.encode("utf-8"), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(
        "attachment", f"{slug}-live-{session.id}.ics", f"{slug}-live-{session.id}.ics")
    return response


@bp.get("/<int:session_id>/timeline")
def timeline(slug: str, session_id: int):
    contest = _contest(slug)
    session = live_sessions.get_session(contest, session_id)
    if session.state != SessionState.ENDED:
        raise NotFound(_l("Not found."))
    return render_template("public/live_timeline.html", contest=contest, session=session,
                           timeline=live_sessions.timeline(session))
