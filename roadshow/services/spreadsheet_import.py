"""Applications collected offline, imported from the rows of a CSV or XLSX file: all or nothing.

Every row is checked before anything is saved: its form with ``clean`` (as an autosave would), its
completeness with ``missing`` (as a submission would, less the materials, which are collected
offline), and duplicates of project name + leader, against the contest and the file itself. Any
error rejects the whole file, listing every error by row (as the spreadsheet numbers it, the
header being row 1) and column. Imported applications are submitted, marked as imported, have a
timeline event saying so, and no members: nobody needs an account.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.models import (
    Application, ApplicationEvent, ApplicationQuestion, ApplicationSource, ApplicationStatus, Contest,
    ProjectStage, QuestionKind, User, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.services.application_fields import CORE_FIELDS, STAGE_LABELS, FieldErrors, clean, missing
from roadshow.services.errors import Invalid
from roadshow.services.spreadsheet_files import column_letter, unneutralise
from roadshow.services.spreadsheets import LANGUAGES, Column, headers, layout, norm, option_label

SEPARATORS = re.compile(r"[;；\n]")
TRACK_KEYS = ("track_zh", "track_en")


@dataclass(frozen=True)
class RowError:
    """A problem where the person sees it: ``row`` as the spreadsheet numbers it (``None`` for the
    file as a whole), the column's letter (empty when the column is absent) and its header."""

    row: int | None
    column: str
    header: str
    message: str


class ImportRejected(Invalid):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_l("Nothing was imported: correct the errors below and upload the file again."))
        self.errors = errors


@dataclass(frozen=True)
class ColumnHelp:
    header: str
    required: bool
    accepted: str


def _requires_track(contest: Contest) -> bool:
    return bool(contest.tracks)


def import_help(contest: Contest, language: str) -> list[ColumnHelp]:
    """The importable columns and what each accepts: the documented layout of the import page."""
    columns = layout(contest)
    titles = dict(zip((column.key for column in columns), headers(columns, language), strict=True))
    tracks = {key: " / ".join(getattr(track, f"name_{key[-2:]}") or track.name_zh for track in contest.tracks)
              for key in TRACK_KEYS}
    accepted = {
        "track_zh": _("One of: %(options)s (either track column is enough)", options=tracks["track_zh"]),
        "track_en": _("One of: %(options)s (either track column is enough)", options=tracks["track_en"]),
        "stage": _("One of: %(options)s", options=" / ".join(str(label) for label in STAGE_LABELS.values())),
        "funding_sought": _("A number"),
        "country": _("A two-letter code such as CN, US, DE"),
        "contact_email": _("An email address"),
    }
    helps = []
    for column in columns:
        if not column.importable:
            continue
        hint, question = accepted.get(column.key, ""), column.question
        if question is not None and question.is_choice:
            options = " / ".join(option_label(question, i, language) for i in range(len(question.options)))
            hint = _("One of: %(options)s", options=options) if question.kind == QuestionKind.SINGLE_CHOICE \
                else _("Any of: %(options)s, separated by semicolons", options=options)
        elif question is not None and question.kind == QuestionKind.NUMBER:
            hint = _("A number")
        required = column.required or (column.key in TRACK_KEYS and _requires_track(contest))
        helps.append(ColumnHelp(titles[column.key], required, hint))
    return helps


class _Vocabulary:
    """The names a person may write for a contest's tracks, stages and choice options, in either
    language, mapped to what is stored."""

    def __init__(self, contest: Contest) -> None:
        self.tracks: dict[str, int] = {}
        for track in contest.tracks:
            for name in (track.name_zh, track.name_en):
                if name:
                    self.tracks.setdefault(norm(name), track.id)
        self.stages: dict[str, str] = {norm(stage.value): stage.value for stage in ProjectStage}
        for language in LANGUAGES:
            with force_locale(language):
                self.stages.update({norm(label): stage.value for stage, label in STAGE_LABELS.items()})

    def track(self, cells: dict[str, str], errors: dict[str, str]) -> int | None:
        named = {key: cells[key] for key in TRACK_KEYS if cells.get(key)}
        found = set()
        for key, text in named.items():
            if norm(text) not in self.tracks:
                errors[key] = _("Choose one of the tracks.")
                return None
            found.add(self.tracks[norm(text)])
        if len(found) > 1:
            errors[next(iter(named))] = _("The two track columns name different tracks.")
            return None
        return found.pop() if found else None

    def stage(self, text: str, errors: dict[str, str]) -> str:
        if text and norm(text) not in self.stages:
            errors["stage"] = _("Choose one of the stages.")
        return self.stages.get(norm(text), "")

    @staticmethod
    def answer(question: ApplicationQuestion, text: str):
        """The answer as ``clean`` takes it: option indexes for the choice kinds."""
        if not question.is_choice:
            return text
        labels: dict[str, int] = {}
        for index, option in enumerate(question.options):
            for label in (option.values() if isinstance(option, dict) else [option]):
                labels.setdefault(norm(label), index)
        parts = [part for part in SEPARATORS.split(text) if part.strip()] \
            if question.kind == QuestionKind.MULTIPLE_CHOICE else [text] if text else []
        if any(norm(part) not in labels for part in parts):
            raise ValueError(_("Choose one of the options."))
        indexes = [labels[norm(part)] for part in parts]
        if question.kind == QuestionKind.SINGLE_CHOICE:
            return indexes[0] if indexes else None
        return indexes


def _header_columns(contest: Contest, cells: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    """Which layout column each column of the file is, from its header in either language."""
    columns = layout(contest)
    names: dict[str, Column] = {}
    for language in LANGUAGES:
        for column, title in zip(columns, headers(columns, language), strict=True):
            names.setdefault(norm(title), column)
    for column in columns:
        names.setdefault(norm(column.key), column)
    found: dict[int, Column] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        if not cell.strip():
            continue
        column = names.get(norm(cell.lstrip("\ufeff")))
        if column is None:
            errors.append(RowError(1, column_letter(index), cell, _("This column is not part of the layout.")))
        elif column in found.values():
            errors.append(RowError(1, column_letter(index), cell, _("This column appears twice.")))
        else:
            found[index] = column
    present = {column.key for column in found.values()}
    needed = [column for column in columns if column.importable and column.required]
    if _requires_track(contest) and not present & set(TRACK_KEYS):
        needed.insert(0, next(column for column in columns if column.key == "track_zh"))
    errors += [RowError(1, "", column.title(current_language()), _("This column is missing."))
               for column in needed if column.key not in present]
    return found, errors


def _existing_pairs(contest: Contest) -> set[tuple[str, str]]:
    rows = db.session.execute(
        select(Application.project_name, Application.leader_name)
        .where(Application.contest_id == contest.id, Application.status != ApplicationStatus.WITHDRAWN)
    )
    return {(norm(project), norm(leader)) for project, leader in rows}


def _application(contest: Contest, cells: dict[str, str], vocabulary: _Vocabulary, by: User
                 ) -> tuple[Application, dict[str, str]]:
    """The application one row describes (not yet in the session), and its errors by field."""
    errors: dict[str, str] = {}
    data: dict = {name: cells.get(name, "") for name in (
        *(field.name for field in CORE_FIELDS), "funding_sought", "country")}
    data["track_id"] = vocabulary.track(cells, errors)
    data["stage"] = vocabulary.stage(cells.get("stage", ""), errors)
    answers = {}
    for question in contest.questions:
        try:
            answers[str(question.id)] = vocabulary.answer(question, cells.get(f"q{question.id}", ""))
        except ValueError as exc:
            errors[f"q{question.id}"] = str(exc)
    data["answers"] = answers
    values = _clean(contest, data, errors)
    if values.get("contact_email") and not _is_email(values["contact_email"]):
        errors.setdefault("contact_email", _("Enter a valid email address."))
    application = Application(
        contest=contest, status=ApplicationStatus.SUBMITTED, source=ApplicationSource.IMPORTED,
        created_by_id=by.id, answers=values.pop("answers", {}), **values,
    )
    gaps = {key: message for key, message in missing(application).items() if not key.startswith("material_")}
    if errors.keys() & set(TRACK_KEYS):
        gaps.pop("track_id", None)
    for key, message in gaps.items():
        errors.setdefault(key, str(message))
    return application, errors


def _is_email(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _clean(contest: Contest, data: dict, errors: dict[str, str]) -> dict:
    """``clean`` the row, noting its errors; the fields it refuses are left out, so that what is
    missing can still be told of the rest of the row."""
    try:
        return clean(contest, data)
    except FieldErrors as exc:
        for key, message in exc.errors.items():
            errors.setdefault(key, message)
        kept = {key: value for key, value in data.items() if key not in exc.errors}
        kept["answers"] = {key: value for key, value in data["answers"].items() if f"q{key}" not in exc.errors}
        return clean(contest, kept)


def import_applications(contest: Contest, rows: list[tuple[int, list[str]]], *, by: User,
                        filename: str = "") -> list[Application]:
    """Add one submitted application per data row of ``rows`` (``(row number, cells)``, the header
    row first), or none: any error raises :class:`ImportRejected` listing every error found."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    if not rows:
        raise ImportRejected([RowError(None, "", "", _("The file is empty."))])
    (_header_number, header_cells), data_rows = rows[0], rows[1:]
    columns, errors = _header_columns(contest, header_cells)
    if errors:
        raise ImportRejected(errors)
    if not data_rows:
        raise ImportRejected([RowError(None, "", "", _("The file has a header row but no applications."))])
    where = {column.key: (index, header_cells[index]) for index, column in columns.items()}
    vocabulary, existing, seen = _Vocabulary(contest), _existing_pairs(contest), {}
    created: list[Application] = []
    for number, row in data_rows:
        cells = {column.key: unneutralise(row[index].strip()) if index < len(row) else ""
                 for index, column in columns.items() if column.importable}
        application, row_errors = _application(contest, cells, vocabulary, by)
        pair = (norm(application.project_name), norm(application.leader_name))
        if all(pair) and "project_name" not in row_errors:
            if pair in existing:
                row_errors["project_name"] = _("This contest already has this project with the same leader.")
            elif pair in seen:
                row_errors["project_name"] = _("Same project and leader as row %(row)d.", row=seen[pair])
            seen.setdefault(pair, number)
        errors += sorted((_locate(contest, where, number, key, message) for key, message in row_errors.items()),
                         key=lambda error: (error.column == "", len(error.column), error.column))
        created.append(application)
    if errors:
        raise ImportRejected(errors)
    note = _("Imported from %(file)s", file=filename) if filename else _("Imported")
    now = utcnow()
    for application in created:
        application.submitted_at = now
        application.events.append(ApplicationEvent(status=ApplicationStatus.SUBMITTED, actor_id=by.id, note=note))
        db.session.add(application)
    db.session.flush()
    return created


def _locate(contest: Contest, where: dict[str, tuple[int, str]], row: int, key: str, message) -> RowError:
    if key == "track_id":
        key = next((name for name in TRACK_KEYS if name in where), "track_zh")
    if key in where:
        index, header = where[key]
        return RowError(row, column_letter(index), header, str(message))
    title = next((column.title(current_language()) for column in layout(contest) if column.key == key), key)
    return RowError(row, "", title, str(message))


__all__ = ["ColumnHelp", "ImportRejected", "RowError", "import_applications", "import_help"]
