"""Password reset by a single-use, expiring emailed link."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import OutboxMessage, PasswordReset, utcnow
from tests.helpers import login, post_form

NEW_PASSWORD = "a whole new password"


def reset_link(app) -> str:
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        return re.search(r"http://localhost(/password/reset/\S+)", message.body_text).group(1)


def outbox_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(OutboxMessage)).all())


def test_reset_by_emailed_link_then_login(client, app, make_user):
    make_user()
    response = post_form(client, "/password/forgot", {"email": "TEAM@example.com"})
    assert response.status_code == 302
    link = reset_link(app)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    login(client, password=NEW_PASSWORD)


def test_reset_link_works_once(client, app, make_user):
    make_user()
    post_form(client, "/password/forgot", {"email": "team@example.com"})
    link = reset_link(app)
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(link).status_code == 410
    token = client.get("/login")  # a page with a CSRF token
    response = post_form(client, link, {"password": "yet another password", "confirm": "yet another password"},
                         token_from="/login")
    assert response.status_code == 410
    assert token.status_code == 200
    login(client, password=NEW_PASSWORD)


def test_expired_reset_link_is_refused(client, app, make_user):
    make_user()
    post_form(client, "/password/forgot", {"email": "team@example.com"})
    link = reset_link(app)
    with app.app_context():
        for reset in db.session.scalars(select(PasswordReset)):
            reset.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get(link).status_code == 410
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from="/login")
    assert response.status_code == 410


def test_unknown_email_gets_the_same_answer_and_no_mail(client, app):
    response = post_form(client, "/password/forgot", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert outbox_count(app) == 0


def test_reset_revokes_existing_sessions(app, make_user):
    make_user()
    victim_browser, owner = app.test_client(), app.test_client()
    login(victim_browser)
    post_form(owner, "/password/forgot", {"email": "team@example.com"})
    link = reset_link(app)
    post_form(owner, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert victim_browser.get("/account/").status_code == 302


def test_reset_email_is_in_the_users_language(client, app, make_user):
    make_user(locale="en")
    post_form(client, "/password/forgot", {"email": "team@example.com"})
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.subject == "Reset your Roadshow password"
