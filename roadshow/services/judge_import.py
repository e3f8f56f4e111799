"""Judges imported from a spreadsheet into a contest's pool.

Importing is all or nothing, like the import of applications: every row is checked first (email,
tracks, duplicates) and any error rejects the file, listing the errors by row and column. A person
who already has an account becomes a judge of the contest with the row's institution and expertise
in their profile. Anyone else is sent a judge invitation that keeps the row's institution and
expertise (``Invitation.judge_profile``): they become the judge's profile when the invitation is
accepted (:func:`roadshow.services.judge_pool.apply_invited_profile`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from roadshow.models import Contest, Invitation, Role, User, normalise_email
from roadshow.services import audit, contests, invitations, judge_pool
from roadshow.services.judge_pool import MAX_INSTITUTION_LENGTH
from roadshow.services.spreadsheet_files import column_letter, unneutralise
from roadshow.services.spreadsheet_import import ImportRejected, RowError
from roadshow.services.spreadsheets import LANGUAGES, norm

MAX_NAME_LENGTH = 120
TRACK_SEPARATORS = re.compile(r"[;,；，、\n]")
COLUMNS = ("name", "email", "institution", "tracks")
REQUIRED_COLUMNS = ("name", "email")
COLUMN_TITLES = {
    "name": _l("Name"),
    "email": _l("Email"),
    "institution": _l("Institution"),
    "tracks": _l("Expertise tracks"),
}
EXTRA_HEADERS = {  # other ways people head these columns
    "name": ("姓名", "name"), "email": ("邮箱", "电子邮件", "email", "e-mail"),
    "institution": ("单位", "工作单位", "institution"), "tracks": ("擅长赛道", "专长赛道", "赛道", "tracks", "expertise"),
}


def template_headers(language: str) -> list[str]:
    with force_locale(language):
        return [str(COLUMN_TITLES[key]) for key in COLUMNS]


def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in LANGUAGES:
        for key, title in zip(COLUMNS, template_headers(language), strict=True):
            names.setdefault(norm(title), key)
    for key, extra in EXTRA_HEADERS.items():
        for title in extra:
            names.setdefault(norm(title), key)
    return names


@dataclass
class ImportResult:
    added: list[User] = field(default_factory=list)       # existing accounts made judges
    updated: list[User] = field(default_factory=list)     # judges already, profile updated
    invited: list[str] = field(default_factory=list)      # emails sent an invitation
    already_invited: list[str] = field(default_factory=list)  # a pending judge invitation exists


@dataclass(frozen=True)
class _Row:
    number: int
    name: str
    email: str
    institution: str
    track_ids: list[int]


def _track_names(contest: Contest) -> dict[str, int]:
    names: dict[str, int] = {}
    for track in contest.tracks:
        for name in (track.name_zh, track.name_en):
            if name:
                names.setdefault(norm(name), track.id)
    return names


def _email_ok(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _parse(contest: Contest, rows: list[tuple[int, list[str]]]) -> list[_Row]:
    if not rows:
        raise ImportRejected([RowError(None, "", "", _("The file is empty."))])
    (_number, header), data_rows = rows[0], rows[1:]
    names, where, errors = _header_names(), {}, []
    for index, cell in enumerate(header):
        if not cell.strip():
            continue
        key = names.get(norm(cell.lstrip("\ufeff")))
        if key is None:
            errors.append(RowError(1, column_letter(index), cell, _("This column is not part of the layout.")))
        elif key in where:
            errors.append(RowError(1, column_letter(index), cell, _("This column appears twice.")))
        else:
            where[key] = (index, cell)
    errors += [RowError(1, "", str(COLUMN_TITLES[key]), _("This column is missing."))
               for key in REQUIRED_COLUMNS if key not in where]
    if errors:
        raise ImportRejected(errors)
    if not data_rows:
        raise ImportRejected([RowError(None, "", "", _("The file has a header row but no judges."))])
    tracks, seen, parsed = _track_names(contest), {}, []
    for number, row in data_rows:
        cells = {key: unneutralise(row[index].strip()) if index < len(row) else ""
                 for key, (index, _title) in where.items()}
        row_errors: dict[str, str] = {}
        name, email = " ".join(cells.get("name", "").split()), cells.get("email", "")
        if not name:
            row_errors["name"] = _("Enter a name.")
        elif len(name) > MAX_NAME_LENGTH:
            row_errors["name"] = _("At most %(n)d characters.", n=MAX_NAME_LENGTH)
        if not _email_ok(email):
            row_errors["email"] = _("Enter a valid email address.")
        else:
            email = normalise_email(email)
            if email in seen:
                row_errors["email"] = _("Same email as row %(row)d.", row=seen[email])
            seen.setdefault(email, number)
        institution = " ".join(cells.get("institution", "").split())
        if len(institution) > MAX_INSTITUTION_LENGTH:
            row_errors["institution"] = _("At most %(n)d characters.", n=MAX_INSTITUTION_LENGTH)
        track_ids = []
        for part in (p for p in TRACK_SEPARATORS.split(cells.get("tracks", "")) if p.strip()):
            if norm(part) not in tracks:
                row_errors["tracks"] = _("Unknown track: %(name)s", name=part.strip())
                break
            if tracks[norm(part)] not in track_ids:
                track_ids.append(tracks[norm(part)])
        for key, message in row_errors.items():
            index, title = where.get(key, (None, str(COLUMN_TITLES[key])))
            errors.append(RowError(number, column_letter(index) if index is not None else "", title, str(message)))
        parsed.append(_Row(number, name, email, institution, track_ids))
    if errors:
        raise ImportRejected(errors)
    return parsed


def import_judges(contest: Contest, rows: list[tuple[int, list[str]]], *, by: User, locale: str | None = None,
                  filename: str = "") -> ImportResult:
    """Add the judges of ``rows`` (``(row number, cells)``, the header row first), or none: any
    error raises :class:`ImportRejected` listing every error found."""
    judge_pool.managed(contest, by)
    parsed = _parse(contest, rows)
    pending: dict[str, list[Invitation]] = {}
    for invitation in judge_pool.pending_invitations(contest, by=by):
        if invitation.state == "pending":
            pending.setdefault(invitation.email, []).append(invitation)
    result, invited_rows = ImportResult(), []
    for row in parsed:
        user = User.by_email(row.email)
        if user is None:
            profile = {"institution": row.institution, "expertise_track_ids": row.track_ids}
            if row.email in pending:
                for invitation in pending[row.email]:  # what the row leaves blank, an earlier import may give
                    earlier = invitation.judge_profile or {}
                    invitation.judge_profile = {key: value or earlier.get(key, value) for key, value in profile.items()}
                result.already_invited.append(row.email)
            else:
                invitations.invite(contest, row.email, Role.JUDGE, by=by, locale=locale, judge_profile=profile)
                result.invited.append(row.email)
            invited_rows.append({"email": row.email, "name": row.name, "institution": row.institution,
                                 "expertise_track_ids": row.track_ids})
            continue
        (result.updated if judge_pool.is_judge(contest, user) else result.added).append(user)
        contests.grant_role(contest, user, Role.JUDGE, by=by)
        judge_pool.save_imported(contest, user, row.institution, row.track_ids, by=by)
    audit.record("judges.imported", obj_type="contest", obj_id=contest.id, contest_id=contest.id, actor=by,
                 new={"file": filename, "added": [u.id for u in result.added],
                      "updated": [u.id for u in result.updated], "invited": invited_rows,
                      "already_invited": result.already_invited})
    return result


__all__ = ["COLUMNS", "ImportRejected", "ImportResult", "RowError", "import_judges", "template_headers"]
