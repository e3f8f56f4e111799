"""How enum values read to people, in both languages; available to every template."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadshow.models import ContestStatus, DeliveryStatus, Role

ROLE_LABELS = {
    Role.ORGANIZER: _l("Organiser"),
    Role.JUDGE: _l("Judge"),
    Role.TEAM_MEMBER: _l("Team member"),
    Role.OBSERVER: _l("Observer"),
}

STATUS_LABELS = {
    ContestStatus.DRAFT: _l("Draft (only organisers see it)"),
    ContestStatus.OPEN: _l("Open"),
    ContestStatus.CLOSED: _l("Closed"),
    ContestStatus.ARCHIVED: _l("Archived"),
}

DELIVERY_LABELS = {
    DeliveryStatus.OUTBOX: _l("In the outbox (no mail server)"),
    DeliveryStatus.PENDING: _l("Sending"),
    DeliveryStatus.SENT: _l("Sent"),
    DeliveryStatus.FAILED: _l("Failed"),
}


def init_app(app) -> None:
    app.jinja_env.globals.update(role_labels=ROLE_LABELS, status_labels=STATUS_LABELS,
                                 delivery_labels=DELIVERY_LABELS)
