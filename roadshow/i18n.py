"""Languages and time zones: which ones a viewer gets, and the helpers templates use.

The locale comes from the signed-in user's setting, else the language chosen with the switch (kept
in the session), else the browser's Accept-Language, else Chinese. Times are stored in UTC and shown
in the viewer's time zone.
"""
from __future__ import annotations

import zoneinfo
from functools import cache

from flask import current_app, g, has_request_context, request, session
from flask_babel import LazyString, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from roadshow.catalogues import catalogue_name
from roadshow.extensions import babel

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def _escaped_html(self: LazyString) -> Markup:
    """Flask-Babel's lazy strings tell Jinja their text is safe HTML (``__html__`` returns it as is).
    Ours are plain text into which user input is interpolated (``_l("%(email)s is not a judge",
    email=...)``), so they are escaped like any other string wherever they are shown."""
    return escape(str(self))


LazyString.__html__ = _escaped_html


def _normalise(tag: str | None) -> str | None:
    if not tag:
        return None
    tag = tag.replace("-", "_")
    if tag.lower().startswith("zh"):
        return "zh_CN"
    if tag.lower().startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    user = g.get("api_user") or current_user  # an API token's owner, else the session's user
    if user and user.is_authenticated and _normalise(user.locale):
        return _normalise(user.locale)
    chosen = _normalise(session.get("locale"))
    if chosen:
        return chosen
    return _normalise(request.accept_languages.best_match(["zh-CN", "zh", "en"])) or default


def select_timezone() -> str:
    if has_request_context():
        if current_user and current_user.is_authenticated and current_user.timezone:
            return current_user.timezone
        if session.get("timezone"):
            return session["timezone"]
    return current_app.config["DEFAULT_TIMEZONE"]


def current_language() -> str:
    """``"zh_CN"`` or ``"en"``: the language of this response."""
    locale = get_locale()
    return catalogue_name(locale) if locale is not None else "zh_CN"


@cache
def timezone_names() -> tuple[str, ...]:
    """Region/City names, and UTC: what a person picks from a list."""
    regional = (name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/")))
    return ("UTC", *sorted(regional))


def is_timezone(name: str) -> bool:
    return name in timezone_names()


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
    )
    app.jinja_env.filters["localized"] = lambda obj, field: obj.localized(field, current_language())
