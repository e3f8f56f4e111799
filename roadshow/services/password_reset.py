"""Password reset by a single-use, expiring link sent by email."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from roadshow import security
from roadshow.extensions import db
from roadshow.mail import send_mail
from roadshow.models import PasswordReset, User, utcnow
from roadshow.services import accounts
from roadshow.services.errors import Gone


def request_reset(email: str) -> None:
    """Mail a reset link if an active account has this email; say nothing either way."""
    user = User.by_email(email)
    if user is None or not user.active:
        return
    token = security.new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordReset(user=user, token_hash=security.token_digest(token), expires_at=utcnow() + timedelta(hours=hours))
    )
    send_mail(
        user.email, "password_reset_subject.txt", "password_reset.txt", locale=user.locale,
        user=user, link=url_for("auth.reset_password", token=token, _external=True), hours=hours,
    )


def find_valid(token: str) -> PasswordReset:
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == security.token_digest(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.user.active:
        raise Gone(_l("This password reset link is invalid, expired or already used."))
    return reset


def reset_password(token: str, new_password: str) -> User:
    reset = find_valid(token)
    accounts.check_password_strength(new_password)
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:  # another request used it first
        raise Gone(_l("This password reset link is invalid, expired or already used."))
    accounts.set_password(reset.user, new_password)
    return reset.user
