"""A contest's judge pool: its judges and their profiles, and judges imported from a spreadsheet.

Importing is all or nothing, like the import of applications: every row is checked first (email,
tracks, duplicates) and any error rejects the file, listing the errors by row and column. A person
who already has an account becomes a judge of the contest with the row's institution and expertise
in their profile. Anyone else is sent a judge invitation; their profile is theirs to fill in once
they have accepted it (an invitation has nowhere to keep a profile: see the note of issue 4).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Contest, ContestRole, Invitation, JudgeProfile, Role, User, normalise_email, utcnow
from roadshow.policy import Action, authorize
from roadshow.services import audit, contests, invitations
from roadshow.services.errors import Invalid, NotFound
from roadshow.services.spreadsheet_files import FORMULA_PREFIXES, column_letter
from roadshow.services.spreadsheet_import import ImportRejected, RowError
from roadshow.services.spreadsheets import LANGUAGES, norm

MAX_BIO_LENGTH = 1000
MAX_INSTITUTION_LENGTH = 200
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


# --- the pool -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolJudge:
    user: User
    profile: JudgeProfile | None


def _managed(contest: Contest, by: User) -> None:
    authorize(by, Action.CONTEST_MANAGE, contest)


def pool(contest: Contest, *, by: User) -> list[PoolJudge]:
    """The contest's judges by name, each with their profile (None until one is saved)."""
    _managed(contest, by)
    judges = list(db.session.scalars(
        select(User).join(ContestRole, ContestRole.user_id == User.id)
        .where(ContestRole.contest_id == contest.id, ContestRole.role == Role.JUDGE)
        .order_by(User.display_name, User.id)
    ))
    profiles = {profile.user_id: profile for profile in db.session.scalars(
        select(JudgeProfile).where(JudgeProfile.contest_id == contest.id))}
    return [PoolJudge(user, profiles.get(user.id)) for user in judges]


def pending_invitations(contest: Contest, *, by: User) -> list[Invitation]:
    _managed(contest, by)
    return [invitation for invitation in invitations.pending_for(contest) if invitation.role == Role.JUDGE]


def is_judge(contest: Contest, user: User) -> bool:
    return db.session.scalar(select(ContestRole.id).where(
        ContestRole.contest_id == contest.id, ContestRole.user_id == user.id, ContestRole.role == Role.JUDGE
    )) is not None


def judge_of(contest: Contest, user_id: int, *, by: User) -> User:
    """A judge of the contest, for an organiser (404 for anyone else's id)."""
    _managed(contest, by)
    user = db.session.get(User, user_id)
    if user is None or not is_judge(contest, user):
        raise NotFound(_l("Not found."))
    return user


def profile_of(contest: Contest, user: User) -> JudgeProfile | None:
    return db.session.scalar(select(JudgeProfile).where(JudgeProfile.contest_id == contest.id,
                                                        JudgeProfile.user_id == user.id))


def _profile_values(profile: JudgeProfile) -> dict:
    return {"user_id": profile.user_id, "institution": profile.institution,
            "expertise_track_ids": list(profile.expertise_track_ids or []), "bio": profile.bio,
            "max_load": profile.max_load}


def _checked(contest: Contest, institution: str | None, track_ids: list[int] | None, bio: str | None,
             max_load: int | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    if institution is not None:
        values["institution"] = " ".join(institution.split())
        if len(values["institution"]) > MAX_INSTITUTION_LENGTH:
            errors["institution"] = str(_l("At most %(n)d characters.", n=MAX_INSTITUTION_LENGTH))
    if track_ids is not None:
        known = [track.id for track in contest.tracks]
        if any(track_id not in known for track_id in track_ids):
            errors["expertise_track_ids"] = str(_l("Choose among the contest's tracks."))
        values["expertise_track_ids"] = [track_id for track_id in known if track_id in set(track_ids)]
    if bio is not None:
        values["bio"] = bio.strip()
        if len(values["bio"]) > MAX_BIO_LENGTH:
            errors["bio"] = str(_l("At most %(n)d characters.", n=MAX_BIO_LENGTH))
    if max_load is not None and max_load < 0:
        errors["max_load"] = str(_l("Enter zero or more."))
    if errors:
        raise Invalid(_l("Please correct the fields marked below."), field=next(iter(errors)), details=errors)
    return values


def _save_profile(contest: Contest, user: User, values: dict, *, by: User | None) -> JudgeProfile:
    profile = profile_of(contest, user)
    old = None
    if profile is None:
        profile = JudgeProfile(contest_id=contest.id, user_id=user.id, institution="", expertise_track_ids=[], bio="")
        db.session.add(profile)
    else:
        old = _profile_values(profile)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.updated_at = utcnow()
    db.session.flush()
    new = _profile_values(profile)
    if new != old:
        audit.record("judge_profile.updated", obj_type="judge_profile", obj_id=profile.id, contest_id=contest.id,
                     old=old, new=new, actor=by)
    return profile


def update_by_organiser(contest: Contest, judge: User, *, by: User, institution: str, expertise_track_ids: list[int],
                        max_load: int | None) -> JudgeProfile:
    """An organiser edits a judge's institution, expertise and load cap (the bio is the judge's)."""
    _managed(contest, by)
    if not is_judge(contest, judge):
        raise NotFound(_l("Not found."))
    values = _checked(contest, institution, expertise_track_ids, None, max_load)
    values["max_load"] = max_load
    return _save_profile(contest, judge, values, by=by)


def update_own(contest: Contest, judge: User, *, institution: str, expertise_track_ids: list[int],
               bio: str) -> JudgeProfile:
    """A judge edits their own institution, expertise and short bio."""
    authorize(judge, Action.CONTEST_JUDGE, contest, conceal=True)
    values = _checked(contest, institution, expertise_track_ids, bio, None)
    return _save_profile(contest, judge, values, by=judge)


# --- import -------------------------------------------------------------------------------------


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


def _unneutralise(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text.startswith(FORMULA_PREFIXES, 1):
        return text[1:]
    return text


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
        cells = {key: _unneutralise(row[index].strip()) if index < len(row) else ""
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
    _managed(contest, by)
    parsed = _parse(contest, rows)
    pending = {invitation.email for invitation in pending_invitations(contest, by=by) if invitation.state == "pending"}
    result, invited_rows = ImportResult(), []
    for row in parsed:
        user = User.by_email(row.email)
        if user is None:
            if row.email in pending:
                result.already_invited.append(row.email)
            else:
                invitations.invite(contest, row.email, Role.JUDGE, by=by, locale=locale)
                result.invited.append(row.email)
            invited_rows.append({"email": row.email, "name": row.name, "institution": row.institution,
                                 "expertise_track_ids": row.track_ids})
            continue
        (result.updated if is_judge(contest, user) else result.added).append(user)
        contests.grant_role(contest, user, Role.JUDGE, by=by)
        fresh = profile_of(contest, user) is None
        values = {}
        if row.track_ids or fresh:
            values["expertise_track_ids"] = row.track_ids
        if row.institution or fresh:
            values["institution"] = row.institution
        _save_profile(contest, user, values, by=by)
    audit.record("judges.imported", obj_type="contest", obj_id=contest.id, contest_id=contest.id, actor=by,
                 new={"file": filename, "added": [u.id for u in result.added],
                      "updated": [u.id for u in result.updated], "invited": invited_rows,
                      "already_invited": result.already_invited})
    return result


__all__ = ["COLUMNS", "ImportRejected", "ImportResult", "MAX_BIO_LENGTH", "PoolJudge", "RowError", "import_judges",
           "is_judge", "judge_of", "pending_invitations", "pool", "profile_of", "template_headers",
           "update_by_organiser", "update_own"]
