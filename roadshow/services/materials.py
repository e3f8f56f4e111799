"""Pitch materials: size limits and the application's quota, and a finished, validated file
becoming the application's material of its kind.

A business plan, slides and a pitch video are one per application: a new one replaces the old
(whose file is deleted only once the replacement is committed). Supporting documents may be many.
The quota counts every material of the application, less the one a new file would replace.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import DEFAULT_MATERIAL_RULES, Application, Material, MaterialKind, MaterialRule, User
from roadshow.policy import Action, authorize
from roadshow.services.errors import DomainError
from roadshow.storage import storage
from roadshow.transaction import after_commit

MB = 1024 * 1024


class TooLarge(DomainError):
    status, code = 413, "too_large"


class UnsupportedType(DomainError):
    status, code = 415, "unsupported_media_type"


def human_size(size: int) -> str:
    if size >= 1024 * MB:
        return f"{size / (1024 * MB):.1f} GB"
    return f"{size / MB:.0f} MB" if size >= MB else f"{size} bytes"


def max_bytes_for(application: Application, kind: MaterialKind) -> int:
    """The contest's size limit for ``kind`` (the default rule when the contest has none)."""
    limit = db.session.scalar(
        select(MaterialRule.max_bytes).where(MaterialRule.contest_id == application.contest_id,
                                             MaterialRule.kind == kind)
    )
    return limit if limit is not None else DEFAULT_MATERIAL_RULES[kind][1]


def replaced_by_new(application: Application, kind: MaterialKind) -> list[Material]:
    """The materials a new ``kind`` material replaces: the current one, except for supporting
    documents, which accumulate."""
    if kind == MaterialKind.SUPPORTING:
        return []
    return list(db.session.scalars(
        select(Material).where(Material.application_id == application.id, Material.kind == kind)
    ))


def quota_used(application: Application) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Material.size_bytes), 0)).where(Material.application_id == application.id)
    )


def check_size(application: Application, kind: MaterialKind, size: int, *, reserved: int = 0) -> None:
    """Refuse ``size`` bytes of ``kind`` past the kind's limit or the application's quota.

    ``reserved`` counts bytes already promised to other uploads in progress.
    """
    limit = max_bytes_for(application, kind)
    if size > limit:
        raise TooLarge(_l("This material may be at most %(limit)s.", limit=human_size(limit)))
    freed = sum(material.size_bytes for material in replaced_by_new(application, kind))
    quota = application.contest.application_quota_bytes
    if quota_used(application) - freed + reserved + size > quota:
        raise TooLarge(_l("This file would take the application past its storage quota of %(quota)s. "
                          "Remove a material first.", quota=human_size(quota)))


def attach(application: Application, kind: MaterialKind, *, storage_key: str, filename: str,
           content_type: str, size: int, sha256: str, by: User | None) -> Material:
    """Record a file already adopted under ``storage_key`` as the application's ``kind`` material.

    The caller has checked the content and :func:`check_size`. The application row is locked
    (on PostgreSQL; SQLite writes one at a time anyway) so that two uploads finishing together
    still leave one material per single kind.
    """
    db.session.execute(select(Application.id).where(Application.id == application.id).with_for_update())
    for old in replaced_by_new(application, kind):
        _delete_after_commit(old)
        db.session.delete(old)
    material = Material(application_id=application.id, kind=kind, original_filename=filename,
                        storage_key=storage_key, content_type=content_type, size_bytes=size, sha256=sha256,
                        uploaded_by_id=by.id if by is not None else None)
    db.session.add(material)
    db.session.flush()
    return material


def remove(material: Material, user: User) -> None:
    """Delete a material (its file goes once the deletion is committed)."""
    authorize(user, Action.APPLICATION_EDIT, material.application)
    _delete_after_commit(material)
    db.session.delete(material)
    db.session.flush()


def _delete_after_commit(material: Material) -> None:
    keys = [key for key in (material.storage_key, material.thumbnail_key) if key]

    def delete_files() -> None:
        files = storage()
        for key in keys:
            files.delete(key)

    after_commit(delete_files)
