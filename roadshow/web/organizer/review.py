"""Organisers' review set-up of a round: projects, rubric, settings and assignments."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import Application, User
from roadshow.services import assignments, review_rounds, rubrics, spreadsheet_files
from roadshow.services.errors import DomainError, Invalid, NotFound
from roadshow.services.spreadsheet_import import ImportRejected
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.fields import choices
from roadshow.web.headers import content_disposition
from roadshow.web.organizer.review_forms import (
    AssignForm, CriterionForm, PairForm, ReassignForm, SettingsForm, SolverForm,
)
from roadshow.web.organizer.routes import managed_contest
from roadshow.web.organizer.screening_forms import ImportForm

bp = Blueprint("organizer_review", __name__, url_prefix="/organize/<slug>/rounds")
MAX_SHOWN_ERRORS = 200


def _round(slug: str, round_id: int):
    contest = managed_contest(slug)
    return contest, review_rounds.get_round(contest, round_id, current_user)


def _form_status(form) -> int:
    return 400 if "csrf_token" in form.errors else 422


def _show_details(form, exc: DomainError) -> None:
    """Put a service's field errors on the form's fields (the rest is flashed)."""
    flash(exc.message, "danger")
    for name, message in (exc.details or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]


# -- the contest's scored rounds -----------------------------------------------------------------

@bp.get("")
@login_required
def index(slug: str):
    contest = managed_contest(slug)
    return render_template("organizer/review_index.html", contest=contest,
                           summaries=review_rounds.overview(contest, current_user))


# -- one round: settings, opening scoring, projects ----------------------------------------------

def _round_page(contest, round_, *, settings_form=None, status=200):
    settings_form = settings_form or SettingsForm(
        formdata=None, judges_per_project=round_.judges_per_project,
        judges_see_peer_scores=round_.judges_see_peer_scores)
    return render_template(
        "organizer/review_round.html", contest=contest, round=round_, settings_form=settings_form,
        confirm_form=ConfirmForm(), entries=review_rounds.entries(round_), criteria=rubrics.criteria(round_),
        per_project=_per_project(round_),
    ), status


def _per_project(round_) -> dict[int, int]:
    counts: dict[int, int] = {}
    for row in assignments.of_round(round_):
        counts[row.application_id] = counts.get(row.application_id, 0) + 1
    return counts


@bp.get("/<int:round_id>", endpoint="round")
@login_required
def round_page(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    return _round_page(contest, round_)


def _confirmed(contest, round_, change, message, endpoint: str, page):
    """Run ``change`` behind a CSRF-only form; a refusal re-renders ``page`` with its status."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Reload the page and try again."), "danger")
        return page(status=400)
    try:
        result = change()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return page(status=exc.status)
    db.session.commit()
    flash(message(result) if callable(message) else message, "success")
    return redirect(url_for(endpoint, slug=contest.slug, round_id=round_.id))


@bp.post("/<int:round_id>/settings")
@login_required
def update_settings(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _round_page(contest, round_, settings_form=form, status=_form_status(form))
    try:
        review_rounds.update_settings(round_, by=current_user, judges_per_project=form.judges_per_project.data,
                                      judges_see_peer_scores=form.judges_see_peer_scores.data)
    except DomainError as exc:
        db.session.rollback()
        _show_details(form, exc)
        return _round_page(contest, round_, settings_form=form, status=exc.status)
    db.session.commit()
    flash(_("The review settings have been saved."), "success")
    return redirect(url_for(".round", slug=slug, round_id=round_id))


@bp.post("/<int:round_id>/open")
@login_required
def open_scoring(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    return _confirmed(contest, round_, lambda: review_rounds.open_scoring(round_, by=current_user),
                      _("Scoring is open; the rubric is now frozen."), ".round",
                      lambda status: _round_page(contest, round_, status=status))


@bp.post("/<int:round_id>/entries")
@login_required
def enter_screened_in(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    return _confirmed(contest, round_, lambda: review_rounds.enter_screened_in(round_, by=current_user),
                      lambda n: ngettext("%(num)d project entered in the round.",
                                         "%(num)d projects entered in the round.", n),
                      ".round", lambda status: _round_page(contest, round_, status=status))


@bp.post("/<int:round_id>/entries/<int:application_id>/remove")
@login_required
def remove_entry(slug: str, round_id: int, application_id: int):
    contest, round_ = _round(slug, round_id)
    return _confirmed(contest, round_,
                      lambda: review_rounds.remove_entry(round_, application_id, by=current_user),
                      _("The project has been taken out of the round."), ".round",
                      lambda status: _round_page(contest, round_, status=status))


# -- the rubric ----------------------------------------------------------------------------------

def _edit_form(criterion) -> CriterionForm:
    return CriterionForm(formdata=None, prefix=f"c{criterion.id}", obj=criterion,
                         max_points=rubrics.format_score(criterion.max_points),
                         weight=rubrics.format_score(criterion.weight), step=rubrics.format_score(criterion.step),
                         descriptors=rubrics.descriptors_text(criterion))


def _rubric_page(contest, round_, *, add_form=None, edited=None, status=200):
    criteria = rubrics.criteria(round_)
    edit_forms = {c.id: _edit_form(c) for c in criteria}
    if edited is not None:
        edit_forms[edited[0]] = edited[1]
    return render_template(
        "organizer/rubric.html", contest=contest, round=round_, criteria=criteria, edit_forms=edit_forms,
        edited_id=edited[0] if edited else None, add_form=add_form or CriterionForm(formdata=None),
        confirm_form=ConfirmForm(), maximum=rubrics.maximum(round_), format_score=rubrics.format_score,
    ), status


@bp.get("/<int:round_id>/rubric")
@login_required
def rubric(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    return _rubric_page(contest, round_)


def _save_criterion(contest, round_, form, change, message, *, edited_id=None):
    def page(status):
        if edited_id is None:
            return _rubric_page(contest, round_, add_form=form, status=status)
        return _rubric_page(contest, round_, edited=(edited_id, form), status=status)

    if round_.rubric_frozen:
        flash(str(rubrics.frozen_error().message), "danger")
        return page(409)
    if not form.validate_on_submit():
        return page(_form_status(form))
    try:
        change(form.values())
    except DomainError as exc:
        db.session.rollback()
        _show_details(form, exc)
        return page(exc.status)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".rubric", slug=contest.slug, round_id=round_.id))


@bp.post("/<int:round_id>/rubric/criteria")
@login_required
def add_criterion(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    return _save_criterion(contest, round_, CriterionForm(),
                           lambda values: rubrics.add_criterion(round_, by=current_user, **values),
                           _("The criterion has been added."))


@bp.post("/<int:round_id>/rubric/criteria/<int:criterion_id>")
@login_required
def update_criterion(slug: str, round_id: int, criterion_id: int):
    contest, round_ = _round(slug, round_id)
    if criterion_id not in {c.id for c in round_.criteria}:
        raise NotFound(_("Not found."))
    return _save_criterion(contest, round_, CriterionForm(prefix=f"c{criterion_id}"),
                           lambda values: rubrics.update_criterion(round_, criterion_id, by=current_user, **values),
                           _("The criterion has been saved."), edited_id=criterion_id)


@bp.post("/<int:round_id>/rubric/criteria/<int:criterion_id>/delete")
@login_required
def remove_criterion(slug: str, round_id: int, criterion_id: int):
    contest, round_ = _round(slug, round_id)
    return _confirmed(contest, round_, lambda: rubrics.remove_criterion(round_, criterion_id, by=current_user),
                      _("The criterion has been removed."), ".rubric",
                      lambda status: _rubric_page(contest, round_, status=status))


@bp.post("/<int:round_id>/rubric/criteria/<int:criterion_id>/<any(up, down):direction>")
@login_required
def move_criterion(slug: str, round_id: int, criterion_id: int, direction: str):
    contest, round_ = _round(slug, round_id)
    offset = -1 if direction == "up" else 1
    return _confirmed(contest, round_, lambda: rubrics.move_criterion(round_, criterion_id, offset, by=current_user),
                      _("The criterion has been moved."), ".rubric",
                      lambda status: _rubric_page(contest, round_, status=status))


# -- assignments ---------------------------------------------------------------------------------

def _choices(contest, round_):
    pool = assignments.judges(contest.id)
    judge_choices = choices((u.id, f"{u.display_name} <{u.email}>") for u in pool)
    project_choices = choices((e.application_id, f"#{e.application_id} {e.application.project_name}")
                              for e in review_rounds.entries(round_))
    return pool, judge_choices, project_choices


def _assignments_page(contest, round_, *, assign_form=None, reassign_form=None, solver_form=None, import_form=None,
                      import_errors=(), import_error=None, status=200):
    pool, judge_choices, project_choices = _choices(contest, round_)
    assign_form = assign_form or AssignForm(formdata=None)
    reassign_form = reassign_form or ReassignForm(formdata=None)
    assign_form.judge_id.choices = reassign_form.from_judge_id.choices = judge_choices
    reassign_form.to_judge_id.choices = judge_choices
    assign_form.application_id.choices = reassign_form.application_id.choices = project_choices
    runs = assignments.runs(round_)
    authors = {u.id: u for u in db.session.query(User).filter(
        User.id.in_({r.created_by_id for r in runs if r.created_by_id}))} if runs else {}
    profiles = assignments.profiles(contest.id)
    tracks = {t.id: t for t in contest.tracks}
    coverage = assignments.coverage(round_)
    return render_template(
        "organizer/assignments.html", contest=contest, round=round_, coverage=coverage,
        short=[row for row in coverage if row.missing or row.conflicted], judges=pool, loads=assignments.loads(round_),
        profiles=profiles, tracks=tracks, runs=runs, authors=authors, reason_labels=assignments.REASON_LABELS,
        conflicts=assignments.active_conflicts(contest.id),
        assign_form=assign_form, reassign_form=reassign_form, solver_form=solver_form or SolverForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None), pair_form=PairForm(formdata=None),
        import_errors=list(import_errors)[:MAX_SHOWN_ERRORS], import_error_count=len(import_errors),
        import_error=import_error,
    ), status


@bp.get("/<int:round_id>/assignments", endpoint="assignments")
@login_required
def assignments_page(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    return _assignments_page(contest, round_)


def _to_assignments(contest, round_):
    return redirect(url_for(".assignments", slug=contest.slug, round_id=round_.id))


def _pair(contest, round_, judge_id, application_id) -> tuple[User, Application]:
    judge = db.session.get(User, int(judge_id)) if str(judge_id).isdigit() else None
    application = db.session.get(Application, int(application_id)) if str(application_id).isdigit() else None
    if judge is None:
        raise Invalid(_("Choose a judge."), field="judge_id")
    if application is None or application.contest_id != contest.id:
        raise Invalid(_("Choose a project of this round."), field="application_id")
    return judge, application


def _assignment_change(contest, round_, form, change, message, *, shown_as: str):
    if not form.validate_on_submit():
        if shown_as == "pair_form":
            flash(_("The form has expired. Reload the page and try again."), "danger")
            return _assignments_page(contest, round_, status=_form_status(form))
        return _assignments_page(contest, round_, status=_form_status(form), **{shown_as: form})
    try:
        change(form)
    except DomainError as exc:
        db.session.rollback()
        _show_details(form, exc)
        shown = {} if shown_as == "pair_form" else {shown_as: form}
        return _assignments_page(contest, round_, status=exc.status, **shown)
    db.session.commit()
    flash(message, "success")
    return _to_assignments(contest, round_)


@bp.post("/<int:round_id>/assignments/assign")
@login_required
def assign(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)

    def change(form):
        judge, application = _pair(contest, round_, form.judge_id.data, form.application_id.data)
        assignments.assign(round_, judge, application, by=current_user, override_reason=form.override_reason.data)

    return _assignment_change(contest, round_, AssignForm(), change, _("The judge has been assigned."),
                              shown_as="assign_form")


@bp.post("/<int:round_id>/assignments/unassign")
@login_required
def unassign(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)

    def change(form):
        judge, application = _pair(contest, round_, form.judge_id.data, form.application_id.data)
        assignments.unassign(round_, judge, application, by=current_user)

    return _assignment_change(contest, round_, PairForm(), change, _("The assignment has been removed."),
                              shown_as="pair_form")


@bp.post("/<int:round_id>/assignments/reassign")
@login_required
def reassign(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)

    def change(form):
        judge, application = _pair(contest, round_, form.from_judge_id.data, form.application_id.data)
        to_judge, _application = _pair(contest, round_, form.to_judge_id.data, form.application_id.data)
        assignments.reassign(round_, application, judge, to_judge, by=current_user,
                             override_reason=form.override_reason.data)

    return _assignment_change(contest, round_, ReassignForm(), change, _("The project has been reassigned."),
                              shown_as="reassign_form")


@bp.post("/<int:round_id>/assignments/solver")
@login_required
def run_solver(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    form = SolverForm()
    if not form.validate_on_submit():
        return _assignments_page(contest, round_, solver_form=form, status=_form_status(form))
    try:
        run = assignments.run_solver(round_, by=current_user, seed=form.seed.data)
    except DomainError as exc:
        db.session.rollback()
        _show_details(form, exc)
        return _assignments_page(contest, round_, solver_form=form, status=exc.status)
    db.session.commit()
    summary = run.summary
    flash(_("The solver (seed %(seed)d) added %(added)d assignment(s); %(short)d project(s) remain short of "
            "%(k)d judges.", seed=run.seed, added=summary["added"], short=len(summary["shortfalls"]),
            k=run.judges_per_project), "success")
    return _to_assignments(contest, round_)


@bp.post("/<int:round_id>/assignments/import")
@login_required
def import_file(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _assignments_page(contest, round_, import_form=form, status=_form_status(form))
    try:
        rows = spreadsheet_files.read_rows(spreadsheet_files.read_upload(form.file.data.stream))
        outcome = assignments.import_rows(round_, rows, by=current_user)
    except ImportRejected as exc:
        db.session.rollback()
        return _assignments_page(contest, round_, import_form=form, import_errors=exc.errors,
                                 import_error=exc.message, status=exc.status)
    except DomainError as exc:
        db.session.rollback()
        return _assignments_page(contest, round_, import_form=form, import_error=exc.message, status=exc.status)
    db.session.commit()
    flash(_("%(added)d assignment(s) imported; %(skipped)d already there.", added=len(outcome.added),
            skipped=outcome.skipped), "success")
    return _to_assignments(contest, round_)


@bp.get("/<int:round_id>/assignments/template.<any(csv, xlsx):fmt>")
@login_required
def template(slug: str, round_id: int, fmt: str):
    contest, round_ = _round(slug, round_id)
    header, rows = assignments.template_rows(round_)
    if fmt == "csv":
        body, mimetype = spreadsheet_files.write_csv(header, rows), spreadsheet_files.CSV_TYPE
    else:
        body, mimetype = spreadsheet_files.write_xlsx(header, rows, "Assignments"), spreadsheet_files.XLSX_TYPE
    name = f"{contest.slug}-round{round_.id}-assignments.{fmt}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition("attachment", name, name)
    response.headers["Cache-Control"] = "no-store"
    return response
