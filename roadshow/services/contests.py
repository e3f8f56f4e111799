"""Contests and the roles people hold in them."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from roadshow.extensions import db
from roadshow.models import (
    DEFAULT_MATERIAL_RULES, Contest, ContestRole, ContestStatus, MaterialRule, Role, Track, User,
)
from roadshow.policy import Action, authorize, is_admin
from roadshow.services import audit
from roadshow.services.errors import Conflict, Invalid, NotFound

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def get_by_slug(slug: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        raise NotFound(_l("Not found."))
    return contest


def visible_to(user) -> list[Contest]:
    """Public contests, plus the drafts the user organises (all of them for administrators)."""
    query = select(Contest).order_by(Contest.created_at.desc())
    if not is_admin(user):
        conditions = [Contest.status != ContestStatus.DRAFT]
        if getattr(user, "is_authenticated", False):
            conditions.append(Contest.id.in_(select(ContestRole.contest_id).where(ContestRole.user_id == user.id)))
        query = query.where(or_(*conditions))
    return list(db.session.scalars(query))


def public_contests() -> list[Contest]:
    return list(
        db.session.scalars(
            select(Contest)
            .where(Contest.status.in_([ContestStatus.OPEN, ContestStatus.CLOSED]))
            .order_by(Contest.created_at.desc())
        )
    )


def create_contest(*, by: User, slug: str, name_zh: str, name_en: str = "", description_zh: str = "",
                   description_en: str = "", timezone: str = "Asia/Shanghai",
                   status: ContestStatus = ContestStatus.DRAFT, tracks: list[tuple[str, str]] = ()) -> Contest:
    authorize(by, Action.CONTEST_CREATE)
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise Invalid(_l("Use lower-case letters, digits and hyphens."), field="slug")
    if db.session.scalar(select(Contest.id).where(Contest.slug == slug)) is not None:
        raise Conflict(_l("This short name is already taken."), field="slug")
    contest = Contest(
        slug=slug, name_zh=name_zh.strip(), name_en=name_en.strip(), description_zh=description_zh,
        description_en=description_en, timezone=timezone, status=status, created_by_id=by.id,
    )
    contest.tracks = [Track(name_zh=zh, name_en=en, position=i) for i, (zh, en) in enumerate(tracks)]
    contest.material_rules = [
        MaterialRule(kind=kind, required=required, max_bytes=max_bytes)
        for kind, (required, max_bytes) in DEFAULT_MATERIAL_RULES.items()
    ]
    db.session.add(contest)
    db.session.flush()
    grant_role(contest, by, Role.ORGANIZER, by=by)
    return contest


def update_contest(contest: Contest, *, by: User, name_zh: str, name_en: str, description_zh: str,
                   description_en: str, timezone: str, status: ContestStatus) -> None:
    authorize(by, Action.CONTEST_MANAGE, contest)
    contest.name_zh, contest.name_en = name_zh.strip(), name_en.strip()
    contest.description_zh, contest.description_en = description_zh, description_en
    contest.timezone, contest.status = timezone, status


def _role_values(membership: ContestRole, user: User) -> dict:
    return {"user_id": user.id, "email": user.email, "role": membership.role}


def grant_role(contest: Contest, user: User, role: Role, *, by: User | None = None) -> ContestRole:
    """Give ``user`` ``role`` in ``contest``; granting a role already held changes nothing.

    ``by`` is who granted it, for the audit log (None: the system, e.g. a command-line seed).
    """
    existing = db.session.scalar(
        select(ContestRole).where(
            ContestRole.contest_id == contest.id, ContestRole.user_id == user.id, ContestRole.role == role
        )
    )
    if existing is not None:
        return existing
    membership = ContestRole(contest_id=contest.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("role.granted", obj_type="contest_role", obj_id=membership.id, contest_id=contest.id,
                 new=_role_values(membership, user), actor=by)
    return membership


def revoke_role(contest: Contest, membership_id: int, *, by: User) -> None:
    authorize(by, Action.CONTEST_MANAGE, contest)
    membership = db.session.get(ContestRole, membership_id)
    if membership is None or membership.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    if membership.user_id == by.id and membership.role == Role.ORGANIZER:
        raise Invalid(_l("You cannot remove your own organiser role."))
    audit.record("role.revoked", obj_type="contest_role", obj_id=membership.id, contest_id=contest.id,
                 old=_role_values(membership, membership.user), actor=by)
    db.session.delete(membership)


def members(contest: Contest) -> list[ContestRole]:
    return list(
        db.session.scalars(
            select(ContestRole).join(ContestRole.user)
            .where(ContestRole.contest_id == contest.id)
            .order_by(ContestRole.role, User.display_name)
        )
    )


def memberships_of(user: User) -> list[ContestRole]:
    return list(
        db.session.scalars(
            select(ContestRole).join(ContestRole.contest)
            .where(ContestRole.user_id == user.id)
            .order_by(Contest.created_at.desc(), ContestRole.role)
        )
    )
