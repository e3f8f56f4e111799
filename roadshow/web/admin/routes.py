"""Site administration: contests, people, and the outbox of emails."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import ContestStatus
from roadshow.policy import Action, authorize
from roadshow.services import accounts, contests, users
from roadshow.services.errors import DomainError
from roadshow.web.admin.forms import NewContestForm, parse_bilingual_lines
from roadshow.web.auth.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _administrators_only():
    authorize(current_user, Action.USERS_MANAGE)


@bp.get("/contests")
def contests_index():
    return render_template("admin/contests.html", contests=contests.visible_to(current_user))


@bp.route("/contests/new", methods=["GET", "POST"])
def new_contest():
    form = NewContestForm()
    if form.validate_on_submit():
        try:
            contest = contests.create_contest(
                by=current_user, slug=form.slug.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                description_zh=form.description_zh.data, description_en=form.description_en.data,
                timezone=form.timezone.data, status=ContestStatus(form.status.data),
                tracks=parse_bilingual_lines(form.tracks.data),
            )
        except DomainError as exc:
            db.session.rollback()
            getattr(form, exc.field or "slug").errors.append(exc.message)
        else:
            db.session.commit()
            flash(_l("The contest has been created."), "success")
            return redirect(url_for("organizer.contest", slug=contest.slug))
    return render_template("admin/new_contest.html", form=form), 422 if form.errors else 200


@bp.get("/users")
def users_index():
    query = request.args.get("q", "")
    page = max(request.args.get("page", 1, type=int), 1)
    found, total = users.search(current_user, query, page)
    return render_template("admin/users.html", users=found, total=total, query=query, page=page,
                           page_size=users.PAGE_SIZE, form=ConfirmForm())


@bp.post("/users/<int:user_id>/<any(activate, deactivate):action>")
def set_user_active(user_id: int, action: str):
    user = users.get(current_user, user_id)
    if ConfirmForm().validate_on_submit():
        accounts.set_active(user, action == "activate", by=current_user)
        db.session.commit()
        if action == "activate":
            flash(_l("%(name)s can log in again.", name=user.display_name), "success")
        else:
            flash(_l("%(name)s has been deactivated and logged out everywhere.", name=user.display_name), "info")
    return redirect(url_for("admin.users_index"))


@bp.get("/outbox")
def outbox():
    page = max(request.args.get("page", 1, type=int), 1)
    messages, total = users.outbox(current_user, page)
    return render_template("admin/outbox.html", messages=messages, total=total, page=page, page_size=users.PAGE_SIZE)


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    return render_template("admin/outbox_message.html", message=users.outbox_message(current_user, message_id))
