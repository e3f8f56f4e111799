"""A contest's applications as a spreadsheet: the column layout, and the export.

The layout is one for both directions (see :func:`layout`): ID, status, source, the track in both
languages, every core field, the submission time in the contest's time zone (ISO 8601 with its
offset), one column per question of the contest (choices as their labels in the export's
language), member emails, material counts per kind and the screening reason. Headers are written in
the export's language; an import (:mod:`roadshow.services.spreadsheet_import`) recognises the
headers of either language, or the column keys, and ignores the read-only columns, so an export can
be filled in and imported back. Turning rows into file bytes is :mod:`roadshow.services.spreadsheet_files`.
"""
from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import timezone

from flask_babel import force_locale, lazy_gettext as _l

from roadshow.i18n import LANGUAGE_NAMES
from roadshow.models import (
    Application, ApplicationQuestion, ApplicationSource, Contest, MaterialKind, QuestionKind,
)
from roadshow.services.application_fields import CORE_FIELDS, STAGE_LABELS

LANGUAGES = tuple(LANGUAGE_NAMES)
MULTIPLE_SEPARATOR = "; "

SOURCE_LABELS = {ApplicationSource.ONLINE: _l("Online"), ApplicationSource.IMPORTED: _l("Imported")}
MATERIAL_KIND_LABELS = {
    MaterialKind.BUSINESS_PLAN: _l("Business plan"),
    MaterialKind.SLIDES: _l("Slides"),
    MaterialKind.PITCH_VIDEO: _l("Pitch video"),
    MaterialKind.SUPPORTING: _l("Supporting documents"),
}


@dataclass(frozen=True)
class Column:
    """One column of the layout. ``importable`` columns are read on import; the others are ignored."""

    key: str
    label: object = None
    importable: bool = False
    required: bool = False
    question: ApplicationQuestion | None = None

    def title(self, language: str) -> str:
        if self.question is not None:
            return self.question.localized("label", language)
        with force_locale(language):
            return str(self.label)


def layout(contest: Contest) -> list[Column]:
    columns = [
        Column("id", _l("ID")),
        Column("status", _l("Status")),
        Column("source", _l("Source")),
        Column("track_zh", _l("Track (Chinese)"), importable=True),
        Column("track_en", _l("Track (English)"), importable=True),
    ]
    columns += [Column(field.name, field.label, importable=True, required=field.required) for field in CORE_FIELDS]
    columns += [
        Column("stage", _l("Project stage"), importable=True, required=True),
        Column("funding_sought", _l("Funding sought"), importable=True, required=True),
        Column("country", _l("Country or region (two-letter code)"), importable=True, required=True),
        Column("submitted_at", _l("Submitted at")),
    ]
    columns += [Column(f"q{question.id}", importable=True, required=question.required, question=question)
                for question in contest.questions]
    columns.append(Column("member_emails", _l("Member emails")))
    columns += [Column(f"materials_{kind.value}", _l("Files: %(kind)s", kind=label))
                for kind, label in MATERIAL_KIND_LABELS.items()]
    columns.append(Column("screening_reason", _l("Screening reason")))
    return columns


def headers(columns: list[Column], language: str) -> list[str]:
    """The header row in ``language``; a title used twice (two questions alike) gets its key appended."""
    titles, seen = [], set()
    for column in columns:
        title = column.title(language).strip() or column.key
        if norm(title) in seen:
            title = f"{title} ({column.key})"
        seen.add(norm(title))
        titles.append(title)
    return titles


def norm(text) -> str:
    """Text compared the way a person would: spacing and case do not matter."""
    return " ".join(str(text or "").split()).casefold()


# --- export -----------------------------------------------------------------------------------


def option_label(question: ApplicationQuestion, index, language: str) -> str:
    try:
        option = question.options[int(index)]
    except (TypeError, ValueError, IndexError):
        return str(index)
    if not isinstance(option, dict):
        return str(option)
    first, second = ("en", "zh") if language == "en" else ("zh", "en")
    return option.get(first) or option.get(second) or str(index)


def answer_text(question: ApplicationQuestion, value, language: str) -> str:
    """An answer as a person reads it: a choice's label in ``language``, not its stored index."""
    if value in (None, "", []):
        return ""
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return option_label(question, value, language)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else [value]
        return MULTIPLE_SEPARATOR.join(option_label(question, item, language) for item in values)
    return str(value)


def _zone(contest: Contest):
    try:
        return zoneinfo.ZoneInfo(contest.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _value(column: Column, application: Application, language: str, status_labels: dict, zone):
    key = column.key
    if column.question is not None:
        return answer_text(column.question, (application.answers or {}).get(str(column.question.id)), language)
    if key == "status":
        return str(status_labels.get(application.status, application.status.value))
    if key == "source":
        return str(SOURCE_LABELS[application.source])
    if key in ("track_zh", "track_en"):
        return getattr(application.track, f"name_{key[-2:]}", "") if application.track else ""
    if key == "stage":
        return str(STAGE_LABELS[application.stage]) if application.stage else ""
    if key == "submitted_at":
        return application.submitted_at.astimezone(zone).isoformat(timespec="seconds") \
            if application.submitted_at else ""
    if key == "member_emails":
        return MULTIPLE_SEPARATOR.join(member.user.email for member in application.members)
    if key.startswith("materials_"):
        kind = MaterialKind(key.removeprefix("materials_"))
        return sum(1 for material in application.materials if material.kind == kind)
    value = getattr(application, key)
    return "" if value is None else value


def export_table(contest: Contest, applications: list[Application], language: str,
                 status_labels: dict | None = None) -> tuple[list[str], list[list]]:
    """The header row and one row per application, values as Python objects (text, int, Decimal)."""
    columns, zone = layout(contest), _zone(contest)
    with force_locale(language):
        rows = [[_value(column, application, language, status_labels or {}, zone) for column in columns]
                for application in applications]
    return headers(columns, language), rows


def template_headers(contest: Contest, language: str) -> list[str]:
    return headers(layout(contest), language)


__all__ = ["Column", "LANGUAGES", "MATERIAL_KIND_LABELS", "SOURCE_LABELS", "answer_text", "export_table", "headers",
           "layout", "norm", "option_label", "template_headers"]
