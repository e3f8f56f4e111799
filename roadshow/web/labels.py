"""How enum values read to people, in both languages; available to every template."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from roadshow.models import (
    ApplicationStatus, AssignmentSource, ConflictSource, ContestStatus, DeliveryStatus, MaterialKind, QuestionKind, Role,
    RoundKind, SheetStatus,
)

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

APPLICATION_STATUS_LABELS = {
    ApplicationStatus.DRAFT: _l("Draft"),
    ApplicationStatus.SUBMITTED: _l("Submitted"),
    ApplicationStatus.SCREENED_IN: _l("Screened in"),
    ApplicationStatus.SCREENED_OUT: _l("Screened out"),
    ApplicationStatus.ADVANCED: _l("Advanced"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}


MATERIAL_LABELS = {
    MaterialKind.BUSINESS_PLAN: _l("Business plan"),
    MaterialKind.SLIDES: _l("Slides"),
    MaterialKind.PITCH_VIDEO: _l("Pitch video"),
    MaterialKind.SUPPORTING: _l("Supporting documents"),
}

MATERIAL_TYPES = {
    MaterialKind.BUSINESS_PLAN: "PDF",
    MaterialKind.SLIDES: "PDF, PPTX",
    MaterialKind.PITCH_VIDEO: "MP4, WebM, MOV",
    MaterialKind.SUPPORTING: "PDF, PNG, JPEG",
}


MATERIAL_ACCEPT = {
    MaterialKind.BUSINESS_PLAN: ".pdf,application/pdf",
    MaterialKind.SLIDES: ".pdf,.pptx,application/pdf,application/vnd.openxmlformats-officedocument.presentationml.presentation",
    MaterialKind.PITCH_VIDEO: ".mp4,.webm,.mov,video/mp4,video/webm,video/quicktime",
    MaterialKind.SUPPORTING: ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg",
}


ROUND_KIND_LABELS = {
    RoundKind.SCREENING: _l("Screening"),
    RoundKind.ONLINE_REVIEW: _l("Online review"),
    RoundKind.LIVE_ROADSHOW: _l("Live roadshow"),
    RoundKind.FINAL: _l("Final"),
}

QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SINGLE_CHOICE: _l("Single choice"),
    QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
    QuestionKind.NUMBER: _l("Number"),
}

SHEET_STATUS_LABELS = {
    None: _l("Not started"),
    SheetStatus.DRAFT: _l("Draft"),
    SheetStatus.SUBMITTED: _l("Submitted"),
    SheetStatus.RECUSED: _l("Recused"),
}

CONFLICT_SOURCE_LABELS = {
    ConflictSource.DECLARED: _l("Declared by the judge"),
    ConflictSource.DETECTED: _l("Detected"),
    ConflictSource.ORGANIZER: _l("Added by an organiser"),
}

ASSIGNMENT_SOURCE_LABELS = {
    AssignmentSource.MANUAL: _l("By hand"),
    AssignmentSource.IMPORTED: _l("Imported from a spreadsheet"),
    AssignmentSource.SOLVER: _l("Automatic"),
}


def init_app(app) -> None:
    app.jinja_env.globals.update(role_labels=ROLE_LABELS, status_labels=STATUS_LABELS,
                                 delivery_labels=DELIVERY_LABELS, material_labels=MATERIAL_LABELS,
                                 material_types=MATERIAL_TYPES, material_accept=MATERIAL_ACCEPT,
                                 application_status_labels=APPLICATION_STATUS_LABELS,
                                 round_kind_labels=ROUND_KIND_LABELS, question_kind_labels=QUESTION_KIND_LABELS,
                                 sheet_status_labels=SHEET_STATUS_LABELS, conflict_source_labels=CONFLICT_SOURCE_LABELS,
                                 assignment_source_labels=ASSIGNMENT_SOURCE_LABELS)
