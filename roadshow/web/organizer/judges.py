"""Organisers' judge pool: invitations, import, profiles and conflicts of interest."""
from __future__ import annotations

import zoneinfo
from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.models import Application, Role, User
from roadshow.services import conflicts, invitations, judge_import, judge_pool, spreadsheet_files
from roadshow.services.errors import Conflict as Clash, Invalid
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.organizer.judge_forms import AddConflictForm, InviteJudgeForm, JudgeProfileForm, LiftConflictForm
from roadshow.web.organizer.routes import managed_contest
from roadshow.web.organizer.screening_forms import ImportForm
from roadshow.web.spreadsheets import import_page_values, requested_language, spreadsheet_download

bp = Blueprint("organizer_judges", __name__, url_prefix="/organize/<slug>/judges")


def _index_page(contest, *, invite_form=None, editing=None, profile_form=None, status=200):
    return render_template(
        "organizer/judges.html", contest=contest, judges=judge_pool.pool(contest, by=current_user),
        invitations=judge_pool.pending_invitations(contest, by=current_user),
        invite_form=invite_form or InviteJudgeForm(locale=current_language()), confirm_form=ConfirmForm(),
        tracks={track.id: track for track in contest.tracks}, editing=editing, profile_form=profile_form,
    ), status


@bp.get("")
@login_required
def index(slug: str):
    return _index_page(managed_contest(slug))


@bp.post("/invite")
@login_required
def invite(slug: str):
    contest = managed_contest(slug)
    form = InviteJudgeForm()
    if not form.validate_on_submit():
        return _index_page(contest, invite_form=form, status=422)
    invitations.invite(contest, form.email.data, Role.JUDGE, by=current_user, locale=form.locale.data)
    db.session.commit()
    flash(_("An invitation has been sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for(".index", slug=slug))


@bp.route("/<int:user_id>/profile", methods=["GET", "POST"])
@login_required
def profile(slug: str, user_id: int):
    contest = managed_contest(slug)
    judge = judge_pool.judge_of(contest, user_id, by=current_user)
    existing = judge_pool.profile_of(contest, judge)
    form = JudgeProfileForm(contest, data=None if request.method == "POST" else {
        "institution": existing.institution if existing else "",
        "expertise": list(existing.expertise_track_ids or []) if existing else [],
        "max_load": existing.max_load if existing else None,
    })
    if form.validate_on_submit():
        try:
            judge_pool.update_by_organiser(contest, judge, by=current_user, institution=form.institution.data or "",
                                           expertise_track_ids=form.expertise.data or [], max_load=form.max_load.data)
        except Invalid as exc:
            db.session.rollback()
            for name, message in (exc.details or {}).items():
                target = {"expertise_track_ids": "expertise"}.get(name, name)
                if target in form:
                    form[target].errors = [*form[target].errors, message]
        else:
            db.session.commit()
            flash(_("The profile of %(name)s has been saved.", name=judge.display_name), "success")
            return redirect(url_for(".index", slug=slug))
    return _index_page(contest, editing=judge, profile_form=form, status=422 if form.is_submitted() else 200)


# --- import -----------------------------------------------------------------------------------


@bp.get("/template.<any(csv, xlsx):fmt>")
@login_required
def template(slug: str, fmt: str):
    contest = managed_contest(slug)
    header = judge_import.template_headers(requested_language())
    try:
        zone = zoneinfo.ZoneInfo(contest.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    name = f"{contest.slug}-judges-template-{datetime.now(zone):%Y%m%d}.{fmt}"
    return spreadsheet_download(fmt, header, [], sheet_title="Judges", filename=name)


def _import_page(contest, form, *, errors=(), error=None, status=200):
    return render_template(
        "organizer/judges_import.html", contest=contest, form=form,
        headers=judge_import.template_headers(current_language()), **import_page_values(errors, error),
    ), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_file(slug: str):
    contest = managed_contest(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(contest, form, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        rows = spreadsheet_files.read_rows(spreadsheet_files.read_upload(upload.stream))
        result = judge_import.import_judges(contest, rows, by=current_user, locale=current_language(),
                                          filename=(upload.filename or "")[:120])
    except judge_import.ImportRejected as exc:
        db.session.rollback()
        return _import_page(contest, form, errors=exc.errors, error=exc.message, status=exc.status)
    except (spreadsheet_files.FileTooLarge, spreadsheet_files.NotASpreadsheet) as exc:
        db.session.rollback()
        return _import_page(contest, form, error=exc.message, status=exc.status)
    db.session.commit()
    flash(_("Judges imported: %(added)d added, %(updated)d updated, %(invited)d invited, %(pending)d already "
            "invited.", added=len(result.added), updated=len(result.updated), invited=len(result.invited),
            pending=len(result.already_invited)), "success")
    return redirect(url_for(".index", slug=slug))


# --- conflicts --------------------------------------------------------------------------------


def _projects(contest):
    return list(db.session.scalars(
        select(Application).where(Application.contest_id == contest.id,
                                  Application.status.not_in(conflicts.EXCLUDED_STATUSES))
        .order_by(Application.project_name, Application.id)
    ))


def _judges(contest):
    return [entry.user for entry in judge_pool.pool(contest, by=current_user)]


def _lift_form(conflict_id: int) -> LiftConflictForm:
    return LiftConflictForm(prefix=f"lift-{conflict_id}")


def _conflicts_page(contest, *, add_form=None, lift_forms=None, status=200):
    rows = conflicts.for_contest(contest)
    lift_forms = lift_forms or {}
    return render_template(
        "organizer/conflicts.html", contest=contest, rows=rows, confirm_form=ConfirmForm(),
        add_form=add_form or AddConflictForm(_judges(contest), _projects(contest)),
        lift_forms={row.conflict.id: lift_forms.get(row.conflict.id) or _lift_form(row.conflict.id)
                    for row in rows if row.conflict.active},
    ), status


@bp.get("/conflicts", endpoint="conflicts")
@login_required
def conflicts_page(slug: str):
    return _conflicts_page(managed_contest(slug))


@bp.post("/conflicts/detect")
@login_required
def detect(slug: str):
    contest = managed_contest(slug)
    if not ConfirmForm().validate_on_submit():
        return _conflicts_page(contest, status=400)
    count = conflicts.detect(contest, by=current_user)
    db.session.commit()
    flash(ngettext("%(num)d conflict detected.", "%(num)d conflicts detected.", count), "success" if count else "info")
    return redirect(url_for(".conflicts", slug=slug))


@bp.post("/conflicts/add")
@login_required
def add_conflict(slug: str):
    contest = managed_contest(slug)
    form = AddConflictForm(_judges(contest), _projects(contest))
    if not form.validate_on_submit():
        return _conflicts_page(contest, add_form=form, status=422)
    try:
        added = conflicts.add(contest, db.session.get(User, form.judge_id.data),
                              db.session.get(Application, form.application_id.data), form.reason.data,
                              by=current_user)
    except (Invalid, Clash) as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, exc.message]
        return _conflicts_page(contest, add_form=form, status=exc.status)
    rounds = [round_.localized("name", current_language()) for round_ in added.assigned_rounds]
    db.session.commit()
    flash(_("The conflict has been recorded."), "success")
    if rounds:
        flash(_("This judge is already assigned to the project in: %(rounds)s. The project is hidden from them; "
                "reassign it.", rounds=", ".join(rounds)), "warning")
    return redirect(url_for(".conflicts", slug=slug))


@bp.post("/conflicts/<int:conflict_id>/lift")
@login_required
def lift(slug: str, conflict_id: int):
    contest = managed_contest(slug)
    conflict = conflicts.get(contest, conflict_id)
    form = _lift_form(conflict_id)
    if not form.validate_on_submit():
        return _conflicts_page(contest, lift_forms={conflict_id: form}, status=422)
    try:
        conflicts.lift(conflict, form.reason.data, by=current_user)
    except (Invalid, Clash) as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, exc.message]
        return _conflicts_page(contest, lift_forms={conflict_id: form}, status=exc.status)
    db.session.commit()
    flash(_("The conflict has been lifted."), "info")
    return redirect(url_for(".conflicts", slug=slug))


__all__ = ["bp"]
