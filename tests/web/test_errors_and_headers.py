"""Error pages and JSON errors, security headers, cookies, caching, the health check."""
from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy.exc import OperationalError

from tests.helpers import login


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """A client of an app with routes that fail on purpose, to see every error page."""
    from roadshow import create_app
    from roadshow.config import TestConfig

    instance = tmp_path_factory.mktemp("errors")
    config = TestConfig(instance)
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'errors.db'}"
    app = create_app(config)

    @app.get("/_test/abort/<int:status>")
    def abort_with(status):
        abort(status)

    @app.get("/_test/contention/<kind>")
    def contention(kind):
        class SerializationFailure(Exception):
            sqlstate = "40001"

        orig = {"pg": SerializationFailure("could not serialize access"), "sqlite": Exception("database is locked")}
        raise OperationalError("UPDATE score_sheets ...", {}, orig.get(kind, Exception("connection refused")))

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("deliberate failure")

    return app.test_client()


@pytest.mark.parametrize("status", [400, 403, 404, 413, 415, 422, 429, 500])
def test_error_pages_in_html(failing, status):
    response = failing.get(f"/_test/abort/{status}")
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f">{status}<" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [400, 403, 404, 413, 415, 422, 429, 500])
def test_error_answers_in_json(failing, status):
    response = failing.get(f"/_test/abort/{status}", headers={"Accept": "application/json"})
    assert response.status_code == status
    assert set(response.json["error"]) >= {"code", "message"}


def test_unhandled_exception_is_a_500_page_without_details(failing):
    response = failing.get("/_test/boom")
    assert response.status_code == 500
    assert "deliberate failure" not in response.get_data(as_text=True)


def test_api_404_is_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_or_styles_in_pages(client, make_user):
    make_user(is_admin=True)
    login(client)
    for url in ("/", "/dashboard", "/account/", "/admin/contests/new", "/admin/users", "/admin/outbox"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "onclick=" not in html, url


def test_session_cookie_flags(client, make_user):
    make_user()
    response = login(client)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("roadshow_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP by default; PREFER_HTTPS turns it on


def test_secure_cookie_when_https_is_preferred(monkeypatch, tmp_path):
    from roadshow import create_app
    from roadshow.config import TestConfig

    monkeypatch.setenv("PREFER_HTTPS", "1")
    config = TestConfig(tmp_path)
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz", base_url="https://localhost")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_authenticated_pages_are_not_cached(client, make_user):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    make_user()
    login(client)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    from roadshow import create_app
    from roadshow.config import TestConfig

    config = TestConfig(tmp_path)
    config.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_oversized_request_is_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
        assert response.status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024



def test_database_contention_is_a_409_to_retry_not_a_500(failing):
    """A serialization failure (or SQLite's busy timeout) changed nothing: 409 with Retry-After."""
    for kind in ("pg", "sqlite"):
        response = failing.get(f"/_test/contention/{kind}", headers={"Accept": "application/json"})
        assert response.status_code == 409
        assert response.headers["Retry-After"] == "1"
        assert response.get_json()["error"]["code"] == "retry"


def test_other_database_failures_stay_500(failing):
    assert failing.get("/_test/contention/down", headers={"Accept": "application/json"}).status_code == 500
