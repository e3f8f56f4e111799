"""Who is calling the API: a personal access token (``Authorization: Bearer rs_...``) or the
browser session. Token requests need no CSRF token; session requests that change state do."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user
from werkzeug.exceptions import Unauthorized

from roadshow.database import intend_to_write
from roadshow.extensions import csrf, db
from roadshow.services import api_tokens


def api_user():
    """The caller: the token's owner, else the session's user (possibly anonymous)."""
    return g.get("api_user") or current_user._get_current_object()


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        found = api_tokens.find(token.strip())
        if found is None:
            raise Unauthorized("Unknown or revoked API token.")
        if api_tokens.use_is_stale(found):
            _record_use(found.id)
        g.api_user = found.user
    elif request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _record_use(token_id: int) -> None:
    """Record the token's use in a short transaction of its own, at most once a minute, so that the
    request's reads stay reads (on SQLite, a writing transaction takes the one write lock)."""
    db.session.rollback()
    intend_to_write()
    api_tokens.mark_used(token_id)
    db.session.commit()


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def protect(blueprint) -> None:
    csrf.exempt(blueprint)
    blueprint.before_request(_authenticate)
    blueprint.after_request(_no_store)


def require_user():
    user = api_user()
    if not user.is_authenticated:
        raise Unauthorized("Authentication required.")
    return user
