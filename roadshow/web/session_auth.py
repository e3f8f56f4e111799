"""Browser sessions: Flask-Login wiring, login with session rotation, logout that revokes.

The session stores ``"<user id>:<session version>"``; revoking a user's sessions bumps the version,
so every cookie issued before (in any browser, and any socket opened with it) stops matching.
"""
from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from roadshow.extensions import login_manager
from roadshow.models import User
from roadshow.services import accounts
from roadshow.web.errors import wants_json, json_error

KEPT_ACROSS_LOGIN = ("locale", "timezone")


def start_session(user: User) -> None:
    """Log ``user`` in on a fresh session: nothing of the anonymous session (CSRF token included)
    survives but the chosen language, so a planted session id cannot be carried into an account."""
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user)


def end_session(user: User, reason: str = "logout") -> None:
    """Log out everywhere: revoke every session of ``user``, then clear this one."""
    accounts.revoke_sessions(user, reason)
    logout_user()
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)


def _unauthorized():
    if wants_json():
        return json_error(401, "unauthenticated", str(_l("Please log in to continue.")))
    flash(_l("Please log in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(User.from_session_id)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = None  # revocation is by session version, see the module doc
