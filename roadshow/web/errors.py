"""Error answers: an HTML page for people, ``{"error": {"code", "message"}}`` for JSON clients."""
from __future__ import annotations

import logging

from flask import jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException

from roadshow.extensions import db
from roadshow.services.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in to continue."),
    403: _l("You do not have permission to do that."),
    404: _l("The page you asked for does not exist."),
    405: _l("That method is not allowed here."),
    409: _l("That conflicts with a change made in the meantime. Reload and try again."),
    410: _l("This link is no longer valid."),
    413: _l("What you sent is too large."),
    415: _l("That type of file or content is not accepted."),
    422: _l("Some of what you sent is not valid."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
}
TITLES = {
    400: _l("Bad request"), 401: _l("Not logged in"), 403: _l("Forbidden"), 404: _l("Not found"),
    405: _l("Method not allowed"), 409: _l("Conflict"), 410: _l("Link expired"), 413: _l("Too large"),
    415: _l("Unsupported type"), 422: _l("Invalid input"), 429: _l("Too many requests"),
    500: _l("Server error"),
}
CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "rate_limited", 500: "server_error",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_error(status: int, code: str, message: str, details=None):
    body = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    response = jsonify(body)
    response.status_code = status
    return response


def error_response(status: int, code: str | None = None, message: str | None = None, details=None):
    message = str(message or MESSAGES.get(status, MESSAGES[500]))
    code = code or CODES.get(status, "error")
    if wants_json():
        return json_error(status, code, message, details)
    return render_template("errors/error.html", status=status, title=TITLES.get(status, TITLES[500]),
                           message=message), status


def _http_error(exc: HTTPException):
    status = exc.code or 500
    details = None
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("messages"):  # webargs validation errors
        details = data["messages"]
    message = None
    if isinstance(exc, CSRFError):
        message = _l("The form has expired or did not come from this site. Reload the page and try again.")
        code = "csrf_failed"
    else:
        code = None
    response = error_response(status, code, message, details)
    if status == 429 or status == 405:
        response = _with_headers(response, exc)
    return response


def _with_headers(response, exc: HTTPException):
    response = make_response(response)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _domain_error(exc: DomainError):
    db.session.rollback()
    return error_response(exc.status, exc.code, str(exc.message), exc.details)


def _integrity_error(exc: IntegrityError):
    db.session.rollback()
    log.warning("integrity error turned into 409: %s", exc.orig)
    return error_response(409)


# Concurrency failures a client should simply retry: PostgreSQL's serialization failure, deadlock and
# lock-not-available (SQLSTATE 40001, 40P01, 55P03), and SQLite's busy timeout running out.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return sqlstate in RETRYABLE_SQLSTATES or "database is locked" in str(exc.orig)


def _database_error(exc: DBAPIError):
    """Contention is a 409 with Retry-After (the change did not happen; sending it again is safe);
    anything else from the database is a 500 as before."""
    if not is_retryable(exc):
        return _server_error(exc)
    db.session.rollback()
    log.warning("database contention turned into 409: %s", exc.orig)
    response = make_response(error_response(
        409, "retry", _l("The system is busy with the same record. Nothing was changed; please try again.")))
    response.headers["Retry-After"] = "1"
    return response


def _server_error(exc: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def init_app(app) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _server_error)
