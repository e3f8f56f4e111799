"""Registration, login, logout, password reset and invitation links."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db, limiter
from roadshow.i18n import select_locale
from roadshow.models import Role
from roadshow.services import accounts, invitations, password_reset
from roadshow.services.errors import DomainError
from roadshow.web.auth.forms import (
    AcceptInvitationForm, ConfirmForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm,
)
from roadshow.web.helpers import safe_next
from roadshow.web.session_auth import end_session, start_session

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower() or "-"


def _show_field_error(form, exc: DomainError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("public.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data, form.display_name.data,
                                        locale=select_locale())
        except DomainError as exc:
            db.session.rollback()
            _show_field_error(form, exc)
        else:
            start_session(user)
            db.session.commit()
            flash(_l("Welcome to Roadshow, %(name)s.", name=user.display_name), "success")
            return redirect(url_for("public.dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, key_func=_submitted_email, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), url_for("public.dashboard")))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            flash(_l("The email or password is not correct."), "danger")
            return render_template("auth/login.html", form=form), 401
        start_session(user)
        db.session.commit()
        return redirect(safe_next(form.next.data, url_for("public.dashboard")))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("public.index"))
    end_session(current_user._get_current_object())
    db.session.commit()
    flash(_l("You have been logged out on every device."), "info")
    return redirect(url_for("public.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data)
        db.session.commit()
        flash(_l("If an account uses that email, a reset link is on its way. It is valid for %(hours)d hours.",
                 hours=current_app.config["PASSWORD_RESET_HOURS"]), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    password_reset.find_valid(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.password.data)
        except DomainError as exc:
            if exc.status == 410:
                raise
            db.session.rollback()
            _show_field_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = invitations.find_valid(token)
    signed_in_as_invitee = current_user.is_authenticated and current_user.email == invitation.email
    form = ConfirmForm() if signed_in_as_invitee else AcceptInvitationForm()
    account_exists = not signed_in_as_invitee and accounts.email_taken(invitation.email)
    if not account_exists and form.validate_on_submit():
        try:
            if signed_in_as_invitee:
                user = invitations.accept(token, user=current_user._get_current_object())
            else:
                user = invitations.accept(token, display_name=form.display_name.data, password=form.password.data)
        except DomainError as exc:
            if exc.status == 410:
                raise
            db.session.rollback()
            _show_field_error(form, exc)
        else:
            if not signed_in_as_invitee:
                start_session(user)
            db.session.commit()
            flash(_l("Welcome, you have joined %(contest)s.", contest=invitation.contest.localized("name", select_locale())),
                  "success")
            if invitation.application_id is not None:
                return redirect(url_for("team.application", application_id=invitation.application_id))
            if invitation.role == Role.JUDGE:
                return redirect(url_for("judge.index"))
            return redirect(url_for("public.contest", slug=invitation.contest.slug))
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation,
        signed_in_as_invitee=signed_in_as_invitee, account_exists=account_exists,
    ), 422 if form.errors else 200
