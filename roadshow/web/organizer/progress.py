"""Organisers' progress board of a round's review: reminders and unlocking sheets."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import Round
from roadshow.services import review_progress, sheet_unlock
from roadshow.services.errors import NotFound
from roadshow.web.organizer.progress_forms import RemindForm, UnlockForm
from roadshow.web.organizer.routes import managed_contest

bp = Blueprint("organizer_progress", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>")


def _assignments_url(slug: str, round_id: int) -> str:
    """Where organisers reassign judges."""
    return url_for("organizer_assignments.index", slug=slug, round_id=round_id)


def managed_round(slug: str, round_id: int):
    """The contest of ``slug`` (if the user organises it) and its round ``round_id`` (else 404)."""
    contest = managed_contest(slug)
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    return contest, round_


@bp.get("/progress")
@login_required
def index(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    board = review_progress.board(round_, by=current_user)
    return render_template("organizer/progress.html", contest=contest, round=round_, board=board,
                           remind_form=RemindForm(), assignments_url=_assignments_url(slug, round_id))


@bp.get("/progress.json")
@login_required
def data(slug: str, round_id: int):
    _, round_ = managed_round(slug, round_id)
    response = jsonify(review_progress.board(round_, by=current_user).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/progress/remind")
@login_required
def remind(slug: str, round_id: int):
    _, round_ = managed_round(slug, round_id)
    form = RemindForm()
    if not form.validate_on_submit():
        flash(_l("The selection could not be read. Reload the page and try again."), "danger")
        return redirect(url_for("organizer_progress.index", slug=slug, round_id=round_id))
    if request.form.get("scope") == "all":
        judge_ids = review_progress.remindable(round_, by=current_user)
    else:
        judge_ids = form.judge_ids.data or []
        if not judge_ids:
            flash(_l("Tick the judges to remind first."), "warning")
            return redirect(url_for("organizer_progress.index", slug=slug, round_id=round_id))
    sent = review_progress.remind(round_, judge_ids, by=current_user)
    db.session.commit()
    skipped = len(set(judge_ids)) - sent
    if sent:
        flash(_l("Reminders sent: %(sent)d.", sent=sent), "success")
    if skipped:
        flash(_l("Skipped %(skipped)d judge(s) with nothing left to do or already reminded within the hour.",
                 skipped=skipped), "info")
    if not sent and not skipped:
        flash(_l("Nobody needs a reminder right now."), "info")
    return redirect(url_for("organizer_progress.index", slug=slug, round_id=round_id))


def _project_page(contest, round_, application_id: int, *, unlock_form=None, unlock_sheet_id=None, status=200):
    application, rows = sheet_unlock.project_sheets(round_, application_id, by=current_user)
    unlock_forms = {row.sheet.id: unlock_form if row.sheet.id == unlock_sheet_id else UnlockForm(formdata=None)
                    for row in rows if row.sheet is not None}
    return render_template("organizer/progress_project.html", contest=contest, round=round_,
                           application=application, rows=rows, criteria=round_.criteria,
                           unlock_forms=unlock_forms,
                           assignments_url=_assignments_url(contest.slug, round_.id)), status


@bp.get("/progress/projects/<int:application_id>")
@login_required
def project(slug: str, round_id: int, application_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _project_page(contest, round_, application_id)


@bp.post("/progress/projects/<int:application_id>/sheets/<int:sheet_id>/unlock")
@login_required
def unlock(slug: str, round_id: int, application_id: int, sheet_id: int):
    contest, round_ = managed_round(slug, round_id)
    sheet = sheet_unlock.get_sheet(round_, sheet_id)
    if sheet.application_id != application_id:
        raise NotFound(_l("Not found."))
    form = UnlockForm()
    if not form.validate_on_submit():
        return _project_page(contest, round_, application_id, unlock_form=form, unlock_sheet_id=sheet.id, status=422)
    sheet_unlock.unlock(sheet, form.reason.data, by=current_user)
    db.session.commit()
    flash(_l("The sheet of %(judge)s is open again; they have been told why.", judge=sheet.judge.display_name),
          "success")
    return redirect(url_for("organizer_progress.project", slug=slug, round_id=round_id, application_id=application_id))
