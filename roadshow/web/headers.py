"""Security headers on every response, and no caching of pages shown to a signed-in user."""
from __future__ import annotations

from urllib.parse import quote

from flask_login import current_user
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Stored files (materials, thumbnails) leave with this policy instead of the page policy above: a
# document opened from one can load nothing, run nothing, and is an opaque origin of its own.
FILE_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"
FILE_CACHE_CONTROL = "private, no-store"


ATTR_CHARS = "!#$&+-.^_`|~"  # RFC 5987 attr-char besides letters and digits: left as they are


def content_disposition(disposition: str, filename: str, fallback: str) -> str:
    """``attachment`` or ``inline`` named ``filename``: ``filename*`` in UTF-8 (RFC 6266 and 5987),
    with ``fallback``, already plain ASCII, for clients that only read ``filename``."""
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe=ATTR_CHARS)}"


def file_response(response, *, cache_control: str = FILE_CACHE_CONTROL):
    """Mark ``response`` as carrying a stored file: whatever runs after the view (Talisman, the
    signed-in no-store), it leaves with the sandboxing CSP, nosniff and ``cache_control``."""
    response.file_headers = {
        "Content-Security-Policy": FILE_CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": cache_control,
    }
    return response


def _apply_file_headers(response):
    for name, value in getattr(response, "file_headers", {}).items():
        response.headers[name] = value
    return response


def _no_store_when_signed_in(response):
    if current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Vary"] = "Cookie"
    return response


def init_app(app) -> None:
    https = app.config["PREFER_HTTPS"]
    app.after_request(_apply_file_headers)  # after_request hooks run last-registered first: this one ends
    Talisman(  # one per app: Talisman keeps its settings on the instance
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    app.after_request(_no_store_when_signed_in)
