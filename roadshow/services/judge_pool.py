"""A contest's judge pool: its judges and their profiles (edited by organisers and by the judges), and
the profile a judge import gives (the import itself is :mod:`roadshow.services.judge_import`).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Contest, ContestRole, Invitation, JudgeProfile, Role, User, utcnow
from roadshow.policy import Action, authorize
from roadshow.services import audit, invitations
from roadshow.services.errors import Invalid, NotFound

MAX_BIO_LENGTH = 1000
MAX_INSTITUTION_LENGTH = 200


# --- the pool -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolJudge:
    user: User
    profile: JudgeProfile | None


def managed(contest: Contest, by: User) -> None:
    """Refuse (403/404) anyone who does not manage ``contest``."""
    authorize(by, Action.CONTEST_MANAGE, contest)


def pool(contest: Contest, *, by: User) -> list[PoolJudge]:
    """The contest's judges by name, each with their profile (None until one is saved)."""
    managed(contest, by)
    judges = list(db.session.scalars(
        select(User).join(ContestRole, ContestRole.user_id == User.id)
        .where(ContestRole.contest_id == contest.id, ContestRole.role == Role.JUDGE)
        .order_by(User.display_name, User.id)
    ))
    profiles = {profile.user_id: profile for profile in db.session.scalars(
        select(JudgeProfile).where(JudgeProfile.contest_id == contest.id))}
    return [PoolJudge(user, profiles.get(user.id)) for user in judges]


def pending_invitations(contest: Contest, *, by: User) -> list[Invitation]:
    managed(contest, by)
    return [invitation for invitation in invitations.pending_for(contest) if invitation.role == Role.JUDGE]


def is_judge(contest: Contest, user: User) -> bool:
    return db.session.scalar(select(ContestRole.id).where(
        ContestRole.contest_id == contest.id, ContestRole.user_id == user.id, ContestRole.role == Role.JUDGE
    )) is not None


def judge_of(contest: Contest, user_id: int, *, by: User) -> User:
    """A judge of the contest, for an organiser (404 for anyone else's id)."""
    managed(contest, by)
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
    managed(contest, by)
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


# --- what an import gives a judge ---------------------------------------------------------------


def save_imported(contest: Contest, user: User, institution: str, track_ids: list[int], *,
                  by: User) -> JudgeProfile:
    """Give a judge the institution and tracks of an import: a new profile takes them as they are, an
    existing one keeps what the import leaves blank."""
    fresh = profile_of(contest, user) is None
    values = {}
    if track_ids or fresh:
        values["expertise_track_ids"] = track_ids
    if institution or fresh:
        values["institution"] = institution
    return _save_profile(contest, user, values, by=by)


def apply_invited_profile(contest: Contest, user: User, data: dict) -> JudgeProfile:
    """The profile an import stored on a judge's invitation (``Invitation.judge_profile``), given to the
    judge who accepts it; tracks removed from the contest since are dropped."""
    known = {track.id for track in contest.tracks}
    institution = " ".join(str(data.get("institution") or "").split())[:MAX_INSTITUTION_LENGTH]
    track_ids = [track_id for track_id in data.get("expertise_track_ids") or [] if track_id in known]
    return save_imported(contest, user, institution, track_ids, by=user)


__all__ = ["MAX_BIO_LENGTH", "MAX_INSTITUTION_LENGTH", "PoolJudge", "apply_invited_profile", "is_judge", "judge_of",
           "managed", "pending_invitations", "pool", "profile_of", "save_imported", "update_by_organiser",
           "update_own"]
