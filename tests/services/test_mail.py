"""Email: the outbox always keeps a copy; SMTP delivers after commit when MAIL_SERVER is set."""
from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.mail import send_mail
from roadshow.models import DeliveryStatus, OutboxMessage, User
from tests.helpers import wait_for


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if FakeSMTP.fail:
            raise smtplib.SMTPException("relay refused")
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.fail = [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "smtp.example.com"
    yield FakeSMTP
    app.config["MAIL_SERVER"] = None


def send_reset_mail(app, make_user):
    make_user(locale="en")
    with app.test_request_context():
        user = User.by_email("team@example.com")
        send_mail(user.email, "password_reset_subject.txt", "password_reset.txt", locale="en", user=user,
                  link="http://localhost/x", hours=2)
        db.session.commit()


def message_status(app):
    with app.app_context():
        return db.session.scalar(select(OutboxMessage)).status


def test_without_mail_server_the_message_stays_in_the_outbox(app, make_user):
    send_reset_mail(app, make_user)
    assert message_status(app) == DeliveryStatus.OUTBOX


def test_smtp_delivery_after_commit(app, make_user, smtp):
    send_reset_mail(app, make_user)
    assert wait_for(lambda: message_status(app) == DeliveryStatus.SENT)
    assert smtp.sent[0]["To"] == "team@example.com"
    assert smtp.sent[0]["Subject"] == "Reset your Roadshow password"


def test_smtp_failure_is_recorded_not_lost(app, make_user, smtp):
    smtp.fail = True
    send_reset_mail(app, make_user)
    assert wait_for(lambda: message_status(app) == DeliveryStatus.FAILED)
    with app.app_context():
        assert "relay refused" in db.session.scalar(select(OutboxMessage)).error


def test_nothing_is_sent_when_the_transaction_rolls_back(app, make_user, smtp):
    make_user()
    with app.test_request_context():
        user = User.by_email("team@example.com")
        send_mail(user.email, "password_reset_subject.txt", "password_reset.txt", locale="en", user=user,
                  link="http://localhost/x", hours=2)
        db.session.rollback()
    import time

    time.sleep(0.2)
    assert smtp.sent == []
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []
