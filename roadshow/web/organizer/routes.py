"""Organisers' pages of a contest: its settings, its people and their invitations."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.models import ContestStatus, Role
from roadshow.policy import Action, authorize
from roadshow.services import contests, invitations
from roadshow.web.admin.forms import ContestForm
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.organizer.forms import InviteForm

bp = Blueprint("organizer", __name__, url_prefix="/organize")


def managed_contest(slug: str):
    """The contest of ``slug`` if the current user organises it (404 if they cannot even see it)."""
    contest = contests.get_by_slug(slug)
    authorize(current_user, Action.CONTEST_VIEW, contest, conceal=True)
    authorize(current_user, Action.CONTEST_MANAGE, contest)
    return contest


def _page(contest, *, settings_form=None, invite_form=None, status=200):
    return render_template(
        "organizer/contest.html", contest=contest, members=contests.members(contest),
        invitations=invitations.pending_for(contest),
        settings_form=settings_form or ContestForm(obj=contest),
        invite_form=invite_form or InviteForm(locale=current_language()), confirm_form=ConfirmForm(),
    ), status


@bp.get("/<slug>")
@login_required
def contest(slug: str):
    return _page(managed_contest(slug))


@bp.post("/<slug>/settings")
@login_required
def update_settings(slug: str):
    contest = managed_contest(slug)
    form = ContestForm()
    if not form.validate_on_submit():
        return _page(contest, settings_form=form, status=422)
    contests.update_contest(
        contest, by=current_user, name_zh=form.name_zh.data, name_en=form.name_en.data,
        description_zh=form.description_zh.data, description_en=form.description_en.data,
        timezone=form.timezone.data, status=ContestStatus(form.status.data),
    )
    db.session.commit()
    flash(_l("The contest has been saved."), "success")
    return redirect(url_for("organizer.contest", slug=slug))


@bp.post("/<slug>/invitations")
@login_required
def invite(slug: str):
    contest = managed_contest(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(contest, invite_form=form, status=422)
    invitations.invite(contest, form.email.data, Role(form.role.data), by=current_user, locale=form.locale.data)
    db.session.commit()
    flash(_l("An invitation has been sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for("organizer.contest", slug=slug))


@bp.post("/<slug>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(slug: str, invitation_id: int):
    contest = managed_contest(slug)
    if ConfirmForm().validate_on_submit():
        invitations.revoke(contest, invitation_id, by=current_user)
        db.session.commit()
        flash(_l("The invitation has been withdrawn."), "info")
    return redirect(url_for("organizer.contest", slug=slug))


@bp.post("/<slug>/members/<int:membership_id>/remove")
@login_required
def remove_member(slug: str, membership_id: int):
    contest = managed_contest(slug)
    if ConfirmForm().validate_on_submit():
        contests.revoke_role(contest, membership_id, by=current_user)
        db.session.commit()
        flash(_l("The role has been removed."), "info")
    return redirect(url_for("organizer.contest", slug=slug))
