"""A judge's profile in a contest: institution, expertise, short bio."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.policy import Action, authorize
from roadshow.services import contests, judge_pool
from roadshow.services.errors import Invalid
from roadshow.web.judge.forms import ProfileForm

bp = Blueprint("judge_profile", __name__, url_prefix="/judge")


@bp.route("/<slug>/profile", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    contest = contests.get_by_slug(slug)
    authorize(current_user, Action.CONTEST_JUDGE, contest, conceal=True)
    existing = judge_pool.profile_of(contest, current_user)
    form = ProfileForm(contest, data=None if request.method == "POST" else {
        "institution": existing.institution if existing else "",
        "expertise": list(existing.expertise_track_ids or []) if existing else [],
        "bio": existing.bio if existing else "",
    })
    if form.validate_on_submit():
        try:
            judge_pool.update_own(contest, current_user, institution=form.institution.data or "",
                                  expertise_track_ids=form.expertise.data or [], bio=form.bio.data or "")
        except Invalid as exc:
            db.session.rollback()
            for name, message in (exc.details or {}).items():
                target = {"expertise_track_ids": "expertise"}.get(name, name)
                if target in form:
                    form[target].errors = [*form[target].errors, message]
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for(".edit", slug=slug))
    return render_template("judge/profile.html", contest=contest, form=form), 422 if form.is_submitted() else 200
