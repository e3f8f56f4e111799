"""Teams: their applications, the form that saves itself, co-members, submit and withdraw."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.policy import Action, can, is_member
from roadshow.services import applications, contests, invitations, materials, publication
from roadshow.services.material_access import get_material
from roadshow.services.application_fields import FieldErrors
from roadshow.services.applications import IncompleteApplication
from roadshow.services.errors import Conflict, DomainError
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.errors import wants_json
from roadshow.web.labels import MATERIAL_LABELS
from roadshow.web.team.forms import CoMemberForm, application_form, base_version, submitted_values

bp = Blueprint("team", __name__)


@bp.get("/team/")
@login_required
def index():
    return render_template("team/index.html", applications=applications.of_user(current_user))


@bp.post("/contests/<slug>/apply")
@login_required
def apply(slug: str):
    contest = contests.get_by_slug(slug)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("public.contest", slug=slug))
    application = applications.start(contest, current_user)
    db.session.commit()
    return redirect(url_for("team.application", application_id=application.id))


def _page(application, *, form=None, gaps=None, member_form=None, status=200):
    editable = can(current_user, Action.APPLICATION_EDIT, application)
    form = form or application_form(application.contest, application)
    return render_template(
        "team/application.html", application=application, contest=application.contest, form=form,
        editable=editable, gaps=_labelled(gaps or {}, form), confirm_form=ConfirmForm(),
        member_form=member_form or CoMemberForm(formdata=None),
        rules={rule.kind: rule for rule in application.contest.material_rules},
        pending_members=invitations.pending_for_application(application) if editable else [],
        result_rounds=publication.own_result_rounds(application, current_user),
    ), status


def _labelled(gaps: dict[str, str], form) -> list[tuple[str, str, str]]:
    """``(field name, what the person sees it called, message)`` for each gap of a submission."""
    def label(name: str) -> str:
        if name in form:
            return form[name].label.text
        kind = name.removeprefix("material_")
        return str(MATERIAL_LABELS.get(kind, name))

    return [(name, label(name), message) for name, message in gaps.items()]


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    found = applications.get(application_id, current_user)
    if not is_member(current_user, found):  # an organiser: their view of the application
        return redirect(url_for("organizer_applications.application", slug=found.contest.slug,
                                application_id=found.id))
    return _page(found)


@bp.post("/applications/<int:application_id>/save")
@login_required
def save(application_id: int):
    """Save the form: the page's autosave (JSON answers) and the plain Save button alike."""
    found = applications.get(application_id, current_user)
    if not ConfirmForm().validate_on_submit():  # the CSRF token of the posted form
        return _save_refused(found, 400, "csrf_failed", _l("The form has expired. Reload the page."))
    try:
        applications.save(found, current_user, submitted_values(found.contest, request.form),
                          base_version(request.form))
    except FieldErrors as exc:
        db.session.rollback()
        if wants_json():
            return jsonify(error={"code": "invalid", "message": str(_l("Some of what you typed is not valid.")),
                                  "details": exc.errors}), 422
        return _page(found, form=application_form(found.contest, found, request.form), gaps=exc.errors, status=422)
    except Conflict as exc:
        db.session.rollback()
        db.session.refresh(found)
        return _save_refused(found, 409, "conflict", exc.message)
    db.session.commit()
    if wants_json():
        return jsonify(version=found.version, saved_at=found.updated_at.isoformat())
    flash(_l("Saved."), "success")
    return redirect(url_for("team.application", application_id=found.id))


def _save_refused(application, status, code, message):
    if wants_json():
        return jsonify(error={"code": code, "message": str(message)}, version=application.version), status
    flash(message, "danger")
    return _page(application, form=application_form(application.contest, application, request.form), status=status)


@bp.post("/applications/<int:application_id>/submit")
@login_required
def submit(application_id: int):
    found = applications.get(application_id, current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("team.application", application_id=found.id))
    try:
        applications.submit(found, current_user, base_version(request.form))
    except IncompleteApplication as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(found, gaps=exc.gaps, status=422)
    db.session.commit()
    flash(_l("Your application has been submitted. You can still edit it until the deadline."), "success")
    return redirect(url_for("team.application", application_id=found.id))


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    found = applications.get(application_id, current_user)
    if ConfirmForm().validate_on_submit():
        applications.withdraw(found, current_user)
        db.session.commit()
        flash(_l("Your application has been withdrawn."), "info")
    return redirect(url_for("team.application", application_id=found.id))


@bp.post("/applications/<int:application_id>/materials/<int:material_id>/delete")
@login_required
def remove_material(application_id: int, material_id: int):
    material = get_material(application_id, material_id, current_user)
    if ConfirmForm().validate_on_submit():
        materials.remove(material, current_user)
        db.session.commit()
        flash(_l("The file has been removed."), "info")
    return redirect(url_for("team.application", application_id=application_id, _anchor="materials"))


@bp.post("/applications/<int:application_id>/members")
@login_required
def invite_member(application_id: int):
    found = applications.get(application_id, current_user)
    form = CoMemberForm()
    if not form.validate_on_submit():
        return _page(found, member_form=form, status=422)
    try:
        invitations.invite_team_member(found, form.email.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.email.errors.append(exc.message)
        return _page(found, member_form=form, status=exc.status)
    db.session.commit()
    flash(_l("An invitation has been sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for("team.application", application_id=found.id, _anchor="team"))

