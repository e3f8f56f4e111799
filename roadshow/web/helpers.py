"""Small helpers shared by the views."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, request, url_for

from roadshow.extensions import db


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return fallback


def commit_and_redirect(endpoint: str, **values):
    """The request's single commit, then a redirect (post/redirect/get)."""
    db.session.commit()
    return redirect(url_for(endpoint, **values))


def back_or(fallback_endpoint: str):
    return redirect(safe_next(request.form.get("next") or request.args.get("next"), url_for(fallback_endpoint)))
