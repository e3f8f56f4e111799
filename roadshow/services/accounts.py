"""Accounts: registration, authentication, profile, passwords, revocation and deactivation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadshow import security
from roadshow.extensions import db
from roadshow.models import User, normalise_email, utcnow
from roadshow.realtime.publish import disconnect_user
from roadshow.services import audit
from roadshow.services.errors import Conflict, Invalid

MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password")


def email_taken(email: str) -> bool:
    return User.by_email(email) is not None


def create_user(email: str, password: str | None, display_name: str, *, locale: str | None = None,
                timezone: str | None = None, is_admin: bool = False) -> User:
    if User.by_email(email) is not None:
        raise Conflict(_l("An account with this email already exists."), field="email")
    if password is not None:
        check_password_strength(password)
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=security.hash_password(password) if password is not None else None,
        locale=locale,
        timezone=timezone,
        is_admin=is_admin,
        active=True,
        session_version=1,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None; unknown email and wrong password look alike."""
    user = User.by_email(email)
    if not security.verify_password(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = utcnow()
    return user


def revoke_sessions(user: User, reason: str = "revoked") -> None:
    """End every session of ``user``: HTTP cookies stop matching and open sockets are dropped."""
    user.session_version += 1
    disconnect_user(user.id, reason)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not security.verify_password(user.password_hash, current_password):
        raise Invalid(_l("The current password is not correct."), field="current_password")
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    check_password_strength(new_password)
    user.password_hash = security.hash_password(new_password)
    revoke_sessions(user, "password_changed")


def update_profile(user: User, *, display_name: str, locale: str | None, timezone: str | None) -> None:
    user.display_name = display_name.strip()
    user.locale = locale or None
    user.timezone = timezone or None


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def set_active(user: User, active: bool, *, by: User) -> None:
    if user.id == by.id and not active:
        raise Invalid(_l("You cannot deactivate your own account."))
    if user.active != active:
        audit.record("user.activated" if active else "user.deactivated", obj_type="user", obj_id=user.id,
                     old={"active": user.active, "email": user.email}, new={"active": active}, actor=by)
    user.active = active
    if not active:
        revoke_sessions(user, "deactivated")
