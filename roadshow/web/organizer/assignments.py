"""Organisers' assignments of a round: who reviews which project, by hand, from a spreadsheet or by the
solver, and how well every project is covered."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import Application, User
from roadshow.services import assignment_import, assignments, review_rounds, spreadsheet_files
from roadshow.services.errors import DomainError, Invalid
from roadshow.services.spreadsheet_import import ImportRejected
from roadshow.web.fields import choices
from roadshow.web.organizer.review import form_status, managed_round, show_details
from roadshow.web.organizer.review_forms import AssignForm, PairForm, ReassignForm, SolverForm
from roadshow.web.organizer.screening_forms import ImportForm
from roadshow.web.spreadsheets import spreadsheet_download

bp = Blueprint("organizer_assignments", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/assignments")
MAX_SHOWN_ERRORS = 200


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


@bp.get("")
@login_required
def index(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _assignments_page(contest, round_)


def _to_assignments(contest, round_):
    return redirect(url_for(".index", slug=contest.slug, round_id=round_.id))


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
            return _assignments_page(contest, round_, status=form_status(form))
        return _assignments_page(contest, round_, status=form_status(form), **{shown_as: form})
    try:
        change(form)
    except DomainError as exc:
        db.session.rollback()
        show_details(form, exc)
        shown = {} if shown_as == "pair_form" else {shown_as: form}
        return _assignments_page(contest, round_, status=exc.status, **shown)
    db.session.commit()
    flash(message, "success")
    return _to_assignments(contest, round_)


@bp.post("/assign")
@login_required
def assign(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)

    def change(form):
        judge, application = _pair(contest, round_, form.judge_id.data, form.application_id.data)
        assignments.assign(round_, judge, application, by=current_user, override_reason=form.override_reason.data)

    return _assignment_change(contest, round_, AssignForm(), change, _("The judge has been assigned."),
                              shown_as="assign_form")


@bp.post("/unassign")
@login_required
def unassign(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)

    def change(form):
        judge, application = _pair(contest, round_, form.judge_id.data, form.application_id.data)
        assignments.unassign(round_, judge, application, by=current_user)

    return _assignment_change(contest, round_, PairForm(), change, _("The assignment has been removed."),
                              shown_as="pair_form")


@bp.post("/reassign")
@login_required
def reassign(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)

    def change(form):
        judge, application = _pair(contest, round_, form.from_judge_id.data, form.application_id.data)
        to_judge, _application = _pair(contest, round_, form.to_judge_id.data, form.application_id.data)
        assignments.reassign(round_, application, judge, to_judge, by=current_user,
                             override_reason=form.override_reason.data)

    return _assignment_change(contest, round_, ReassignForm(), change, _("The project has been reassigned."),
                              shown_as="reassign_form")


@bp.post("/solver")
@login_required
def run_solver(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = SolverForm()
    if not form.validate_on_submit():
        return _assignments_page(contest, round_, solver_form=form, status=form_status(form))
    try:
        run = assignments.run_solver(round_, by=current_user, seed=form.seed.data)
    except DomainError as exc:
        db.session.rollback()
        show_details(form, exc)
        return _assignments_page(contest, round_, solver_form=form, status=exc.status)
    db.session.commit()
    summary = run.summary
    flash(_("The solver (seed %(seed)d) added %(added)d assignment(s); %(short)d project(s) remain short of "
            "%(k)d judges.", seed=run.seed, added=summary["added"], short=len(summary["shortfalls"]),
            k=run.judges_per_project), "success")
    return _to_assignments(contest, round_)


@bp.post("/import")
@login_required
def import_file(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _assignments_page(contest, round_, import_form=form, status=form_status(form))
    try:
        rows = spreadsheet_files.read_rows(spreadsheet_files.read_upload(form.file.data.stream))
        outcome = assignment_import.import_rows(round_, rows, by=current_user)
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


@bp.get("/template.<any(csv, xlsx):fmt>")
@login_required
def template(slug: str, round_id: int, fmt: str):
    contest, round_ = managed_round(slug, round_id)
    header, rows = assignment_import.template_rows(round_)
    name = f"{contest.slug}-round{round_.id}-assignments.{fmt}"
    return spreadsheet_download(fmt, header, rows, sheet_title="Assignments", filename=name)
