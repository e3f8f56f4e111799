"""The live room's pages by role: audience, judge, presenter, organiser console and projector.

The pages are shells: the running order and the role's links are rendered here, and everything that
moves (current slot, timers, video, questions, scoring) arrives over the ``/live`` namespace and is
drawn by static/js/live-room.js (and live-console.js for the organiser's controls).
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import Material
from roadshow.models.live import LiveSession, LiveSlot
from roadshow.policy import Action, authorize, can, has_conflict, is_member
from roadshow.services.errors import NotFound
from roadshow.services.material_access import Presentation, presentation
from roadshow.web.materials import send_material

bp = Blueprint("live", __name__, url_prefix="/live")

NAMESPACE = "/live"


def get_session(session_id: int) -> LiveSession:
    """The session, if the current user may view its room (else 404, so drafts do not leak)."""
    live = db.session.get(LiveSession, session_id)
    if live is None:
        raise NotFound(_("Not found."))
    authorize(current_user, Action.LIVE_VIEW, live.contest, conceal=True)
    return live


def current_slot(live: LiveSession) -> LiveSlot | None:
    if live.current_slot_id is None:
        return None
    return next((slot for slot in live.slots if slot.id == live.current_slot_id), None)


def is_organiser(live: LiveSession) -> bool:
    return can(current_user, Action.LIVE_MANAGE, live.contest)


def is_judge(live: LiveSession) -> bool:
    return can(current_user, Action.CONTEST_JUDGE, live.contest)


def is_presenter(live: LiveSession) -> bool:
    slot = current_slot(live)
    return slot is not None and is_member(current_user, slot.application)


def session_title(live: LiveSession) -> str:
    from roadshow.i18n import current_language
    if current_language() == "en" and live.title_en:
        return live.title_en
    return live.title_zh or live.title_en


def strings() -> dict[str, str]:
    """The translated strings the scripts show, passed as data- attributes (never in JS files)."""
    return {
        "degraded": _("Live updates are degraded: reconnecting…"),
        "waiting": _("Waiting for the next presenter"),
        "phase-waiting": _("Waiting"),
        "phase-pitch": _("Pitch"),
        "phase-qa": _("Q&A"),
        "phase-done": _("Done"),
        "paused": _("Paused"),
        "session-scheduled": _("Not started yet"),
        "session-live": _("Live"),
        "session-ended": _("Ended"),
        "scored-of": _("%(scored)s of %(expected)s judges have scored"),
        "scoring-open": _("Scoring is open"),
        "scoring-closed": _("Scoring is closed"),
        "anonymous": _("Anonymous"),
        "votes": _("Votes: %(n)s"),
        "upvote": _("Upvote"),
        "pinned": _("Pinned"),
        "answered": _("Answered"),
        "pending": _("Pending"),
        "judges-only": _("Judges only"),
        "no-questions": _("No questions yet."),
        "chars-left": _("%(n)s characters left"),
        "sent": _("Sent. It will appear once a moderator approves it."),
        "interest-saved": _("Your interest has been recorded."),
        "interest-withdrawn": _("Your interest has been withdrawn."),
        "approve": _("Approve"),
        "dismiss": _("Dismiss"),
        "edit": _("Edit"),
        "save": _("Save"),
        "pin": _("Pin"),
        "unpin": _("Unpin"),
        "answer": _("Mark answered"),
        "error": _("Something went wrong. Please try again."),
        "viewers": _("viewers"),
        "aggregate": _("Result"),
        "rank": _("Rank"),
        "project": _("Project"),
        "score": _("Score"),
    }


def slot_rows(live: LiveSession, *, with_links: bool = False, with_videos: bool = False) -> list[dict]:
    """The running order as rendered on the page; the judge's view adds materials and sheet links,
    the console each project's videos (to choose the one played for the room)."""
    rows = []
    for slot in live.slots:
        application = slot.application
        row = {"id": slot.id, "position": slot.position, "project": application.project_name,
               "application_id": application.id, "materials": [], "sheet_url": None, "conflict": False,
               "videos": []}
        if with_videos:
            row["videos"] = [{"id": material.id, "name": material.original_filename}
                             for material in sorted(application.materials, key=lambda m: m.id)
                             if presentation(material) == Presentation.VIDEO]
        if with_links:
            row["conflict"] = has_conflict(current_user, application)
            if not row["conflict"] and can(current_user, Action.MATERIAL_VIEW, application):
                row["materials"] = [
                    {"name": material.original_filename,
                     "url": url_for("materials.view", application_id=application.id, material_id=material.id)}
                    for material in sorted(application.materials, key=lambda m: (m.kind.value, m.id))]
            if not row["conflict"] and live.round_id is not None and live.scored:
                row["sheet_url"] = url_for("judge_workspace.project", round_id=live.round_id,
                                           application_id=application.id)
        rows.append(row)
    return rows


def render(template: str, live: LiveSession, role: str, **context):
    return render_template(
        template, live=live, title=session_title(live), role=role, namespace=NAMESPACE, strings=strings(),
        slots=slot_rows(live, with_links=template == "live/judge.html", with_videos=template == "live/console.html"), organiser=is_organiser(live),
        judge=is_judge(live), video_base=url_for("live.room", session_id=live.id) + "/slots/", **context)


@bp.get("/<int:session_id>")
@login_required
def room(session_id: int):
    """The room: judges get their view, everyone else the audience view (organisers with a console link)."""
    live = get_session(session_id)
    if is_organiser(live):
        return render("live/room.html", live, "organiser")
    if is_judge(live):
        return render("live/judge.html", live, "judge")
    return render("live/room.html", live, "team" if is_presenter(live) else "viewer")


@bp.get("/<int:session_id>/console")
@login_required
def console(session_id: int):
    live = get_session(session_id)
    authorize(current_user, Action.LIVE_MANAGE, live.contest)
    return render("live/console.html", live, "organiser")


@bp.get("/<int:session_id>/presenter")
@login_required
def presenter(session_id: int):
    """The presenting team's view (the current slot's team) and organisers'."""
    live = get_session(session_id)
    if not (is_organiser(live) or is_presenter(live)):
        abort(403)
    return render("live/presenter.html", live, "organiser" if is_organiser(live) else "team")


@bp.get("/<int:session_id>/judge")
@login_required
def judge(session_id: int):
    live = get_session(session_id)
    if not is_judge(live):
        abort(403)
    return render("live/judge.html", live, "judge")


@bp.get("/<int:session_id>/projector")
@login_required
def projector(session_id: int):
    live = get_session(session_id)
    authorize(current_user, Action.LIVE_MANAGE, live.contest)
    return render("live/projector.html", live, "organiser")


@bp.get("/<int:session_id>/slots/<int:slot_id>/video")
@login_required
def video(session_id: int, slot_id: int):
    """The slot's pitch video for everyone in the room (the materials' own routes admit only the
    team, organisers and the project's judges). Only the video the organiser chose for the slot."""
    live = get_session(session_id)
    slot = db.session.get(LiveSlot, slot_id)
    if slot is None or slot.session_id != live.id or slot.video_material_id is None:
        raise NotFound(_("Not found."))
    material = db.session.get(Material, slot.video_material_id)
    if material is None or material.application_id != slot.application_id \
            or presentation(material) != Presentation.VIDEO:
        raise NotFound(_("Not found."))
    return send_material(material, "inline")
