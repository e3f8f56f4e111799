"""Organisers' review set-up of a round: projects, rubric and settings (assignments are in
:mod:`roadshow.web.organizer.assignments`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.scoring.sheets import decimal_text
from roadshow.services import assignments, review_rounds, rubrics
from roadshow.services.errors import DomainError, NotFound
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.organizer.review_forms import CriterionForm, SettingsForm
from roadshow.web.organizer.routes import managed_contest

bp = Blueprint("organizer_review", __name__, url_prefix="/organize/<slug>/rounds")


def managed_round(slug: str, round_id: int):
    """The contest (managed by the current user) and its scored round ``round_id``, or 404/403."""
    contest = managed_contest(slug)
    return contest, review_rounds.get_round(contest, round_id, current_user)


def form_status(form) -> int:
    return 400 if "csrf_token" in form.errors else 422


def show_details(form, exc: DomainError) -> None:
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
    contest, round_ = managed_round(slug, round_id)
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
    contest, round_ = managed_round(slug, round_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _round_page(contest, round_, settings_form=form, status=form_status(form))
    try:
        review_rounds.update_settings(round_, by=current_user, judges_per_project=form.judges_per_project.data,
                                      judges_see_peer_scores=form.judges_see_peer_scores.data)
    except DomainError as exc:
        db.session.rollback()
        show_details(form, exc)
        return _round_page(contest, round_, settings_form=form, status=exc.status)
    db.session.commit()
    flash(_("The review settings have been saved."), "success")
    return redirect(url_for(".round", slug=slug, round_id=round_id))


@bp.post("/<int:round_id>/open")
@login_required
def open_scoring(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _confirmed(contest, round_, lambda: review_rounds.open_scoring(round_, by=current_user),
                      _("Scoring is open; the rubric is now frozen."), ".round",
                      lambda status: _round_page(contest, round_, status=status))


@bp.post("/<int:round_id>/entries")
@login_required
def enter_screened_in(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _confirmed(contest, round_, lambda: review_rounds.enter_screened_in(round_, by=current_user),
                      lambda n: ngettext("%(num)d project entered in the round.",
                                         "%(num)d projects entered in the round.", n),
                      ".round", lambda status: _round_page(contest, round_, status=status))


@bp.post("/<int:round_id>/entries/<int:application_id>/remove")
@login_required
def remove_entry(slug: str, round_id: int, application_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _confirmed(contest, round_,
                      lambda: review_rounds.remove_entry(round_, application_id, by=current_user),
                      _("The project has been taken out of the round."), ".round",
                      lambda status: _round_page(contest, round_, status=status))


# -- the rubric ----------------------------------------------------------------------------------

def _edit_form(criterion) -> CriterionForm:
    return CriterionForm(formdata=None, prefix=f"c{criterion.id}", obj=criterion,
                         max_points=decimal_text(criterion.max_points), weight=decimal_text(criterion.weight),
                         step=decimal_text(criterion.step),
                         descriptors=rubrics.descriptors_text(criterion))


def _rubric_page(contest, round_, *, add_form=None, edited=None, status=200):
    criteria = rubrics.criteria(round_)
    edit_forms = {c.id: _edit_form(c) for c in criteria}
    if edited is not None:
        edit_forms[edited[0]] = edited[1]
    return render_template(
        "organizer/rubric.html", contest=contest, round=round_, criteria=criteria, edit_forms=edit_forms,
        edited_id=edited[0] if edited else None, add_form=add_form or CriterionForm(formdata=None),
        confirm_form=ConfirmForm(), maximum=rubrics.maximum(round_),
    ), status


@bp.get("/<int:round_id>/rubric")
@login_required
def rubric(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
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
        return page(form_status(form))
    try:
        change(form.values())
    except DomainError as exc:
        db.session.rollback()
        show_details(form, exc)
        return page(exc.status)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".rubric", slug=contest.slug, round_id=round_.id))


@bp.post("/<int:round_id>/rubric/criteria")
@login_required
def add_criterion(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _save_criterion(contest, round_, CriterionForm(),
                           lambda values: rubrics.add_criterion(round_, by=current_user, **values),
                           _("The criterion has been added."))


@bp.post("/<int:round_id>/rubric/criteria/<int:criterion_id>")
@login_required
def update_criterion(slug: str, round_id: int, criterion_id: int):
    contest, round_ = managed_round(slug, round_id)
    if criterion_id not in {c.id for c in round_.criteria}:
        raise NotFound(_("Not found."))
    return _save_criterion(contest, round_, CriterionForm(prefix=f"c{criterion_id}"),
                           lambda values: rubrics.update_criterion(round_, criterion_id, by=current_user, **values),
                           _("The criterion has been saved."), edited_id=criterion_id)


@bp.post("/<int:round_id>/rubric/criteria/<int:criterion_id>/delete")
@login_required
def remove_criterion(slug: str, round_id: int, criterion_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _confirmed(contest, round_, lambda: rubrics.remove_criterion(round_, criterion_id, by=current_user),
                      _("The criterion has been removed."), ".rubric",
                      lambda status: _rubric_page(contest, round_, status=status))


@bp.post("/<int:round_id>/rubric/criteria/<int:criterion_id>/<any(up, down):direction>")
@login_required
def move_criterion(slug: str, round_id: int, criterion_id: int, direction: str):
    contest, round_ = managed_round(slug, round_id)
    offset = -1 if direction == "up" else 1
    return _confirmed(contest, round_, lambda: rubrics.move_criterion(round_, criterion_id, offset, by=current_user),
                      _("The criterion has been moved."), ".rubric",
                      lambda status: _rubric_page(contest, round_, status=status))
