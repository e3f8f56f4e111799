"""Fixtures shared by the whole suite.

The suite runs once on SQLite and once on PostgreSQL + Redis (``make test`` sets ``DATABASE_URL``
and ``REDIS_URL`` for the second pass). The schema is built once per run by the real migrations;
every test starts from empty tables and fresh rate limits.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from roadshow import create_app
from roadshow.config import TestConfig
from roadshow.extensions import db, limiter
from tests.helpers import create_user, login, make_contest


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    config = TestConfig(instance)
    if not os.environ.get("DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'test.db'}"
    app = create_app(config)
    with app.app_context():
        _fresh_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_schema() -> None:
    from flask_migrate import upgrade

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and reset rate limits after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        limiter.reset()
    from roadshow.services import live_state

    live_state.forget_all()   # the process's cached rooms describe the rows just deleted


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def make_user(app):
    def make(email="team@example.com", **kwargs):
        return create_user(app, email, **kwargs)

    return make


@pytest.fixture
def organiser(app, make_user):
    """A signed-in organiser of the contest ``demo``."""
    make_user("org@example.com")
    make_contest(app, organiser_email="org@example.com")
    client = app.test_client()
    login(client, "org@example.com")
    return client
