"""Outgoing email.

Every message is rendered in the recipient's language and recorded in the outbox table. With
``MAIL_SERVER`` set it is then delivered over SMTP once the transaction commits; without it, it
stays in the outbox (readable by administrators in the UI) and is written to the log.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale

from roadshow.database import intend_to_write
from roadshow.extensions import db, socketio
from roadshow.models import DeliveryStatus, OutboxMessage, utcnow
from roadshow.transaction import after_commit

log = logging.getLogger(__name__)


def send_mail(to: str, subject_template: str, body_template: str, *, locale: str | None, **context) -> OutboxMessage:
    """Render ``templates/email/<body_template>`` and ``<subject_template>`` in ``locale`` and send."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_template(f"email/{subject_template}", **context).strip()
        body = render_template(f"email/{body_template}", **context)
    smtp = bool(current_app.config.get("MAIL_SERVER"))
    message = OutboxMessage(
        to_email=to,
        subject=subject,
        body_text=body,
        status=DeliveryStatus.PENDING if smtp else DeliveryStatus.OUTBOX,
    )
    db.session.add(message)
    db.session.flush()
    if smtp:
        app, message_id = current_app._get_current_object(), message.id
        after_commit(lambda: socketio.start_background_task(_deliver, app, message_id))
    else:
        log.info("Email to %s (outbox #%s): %s\n%s", to, message.id, subject, body)
    return message


def _deliver(app, message_id: int) -> None:
    """Send one outbox message over SMTP and record the outcome in a transaction of its own."""
    with app.app_context():
        intend_to_write()
        message = db.session.get(OutboxMessage, message_id)
        config = app.config
        email = EmailMessage()
        email["From"] = config["MAIL_DEFAULT_SENDER"]
        email["To"] = message.to_email
        email["Subject"] = message.subject
        email.set_content(message.body_text)
        try:
            smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
            with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
                if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("Email #%s to %s failed: %s", message.id, message.to_email, exc)
            message.status, message.error = DeliveryStatus.FAILED, str(exc)
        else:
            message.status, message.sent_at = DeliveryStatus.SENT, utcnow()
        db.session.commit()
