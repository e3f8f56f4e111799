"""A person's own account: profile, language and time zone, password, API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.services import accounts, api_tokens
from roadshow.services.errors import DomainError
from roadshow.web.account.forms import ApiTokenForm, ChangePasswordForm, LanguageForm, ProfileForm
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.helpers import safe_next
from roadshow.web.session_auth import start_session

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        accounts.update_profile(current_user, display_name=form.display_name.data, locale=form.locale.data,
                                timezone=form.timezone.data)
        db.session.commit()
        flash(_l("Your settings have been saved."), "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            getattr(form, exc.field or "current_password").errors.append(exc.message)
        else:
            start_session(user)  # every other session is revoked; this browser stays signed in
            db.session.commit()
            flash(_l("Your password has been changed and your other sessions have been logged out."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = api_tokens.create(current_user, form.name.data)
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    return render_template("account/tokens.html", form=form, new_token=new_token, revoke_form=ConfirmForm(),
                           tokens=current_user.api_tokens), 422 if form.errors else 200


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if ConfirmForm().validate_on_submit():
        api_tokens.revoke(current_user, token_id)
        db.session.commit()
        flash(_l("The token has been revoked."), "info")
    return redirect(url_for("account.tokens"))


@bp.post("/language")
def set_language():
    """The language switch on every page; it also becomes a signed-in user's setting."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(current_user, form.locale.data)
            db.session.commit()
    return redirect(safe_next(form.next.data, url_for("public.index")))
