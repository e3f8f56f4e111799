"""Resumable uploads (tus 1.0) of pitch materials: create, append at an offset, finish into a
material, terminate, expire. The API layer speaks the protocol; this module deals in uploads,
offsets and bytes.

**The offset rule.** An upload's ``offset`` in the database counts bytes that are fsynced in its
partial file and were acknowledged to the client. An append writes and fsyncs first, commits the
new offset second; after a crash between the two the file is longer than the offset, and the
extra bytes, never acknowledged, are cut off (the client sends them again). The file can be
shorter only if the disk lost fsynced data, and then the file is what we have. So the offset in
force is always ``min(database offset, file size)``, and the file is truncated to it. This is
done under the partial file's lock, so an append in progress is never cut.

**Two transactions per append.** Bytes from a slow link take minutes to arrive; holding a
database transaction that long would block every other writer (SQLite has one). So an append
checks everything, ends the transaction through the ``commit`` it is given, streams the body to
disk, then records the new offset (and, when the file is complete, the material) in a second
transaction, committed before the file's lock is released.
"""
from __future__ import annotations

import base64
import binascii
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from roadshow import sniff
from roadshow.extensions import db
from roadshow.models import Application, MaterialKind, Upload, User, utcnow
from roadshow.policy import Action, can
from roadshow.services import applications, materials
from roadshow.services.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound
from roadshow.services.materials import TooLarge, UnsupportedType
from roadshow.services.upload_files import (  # noqa: F401  (Checksum, ChecksumMismatch, UploadBusy: part of this API)
    CHECKSUM_ALGORITHMS, READ_SIZE, Checksum, ChecksumMismatch, UploadBusy, locked, receive, reconcile,
    running_digests, sha256_of, truncate, unlink_unless_locked,
)
from roadshow.storage import KEY_PATTERN, LocalStorage, storage
from roadshow.transaction import after_commit

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024**3
DEFAULT_EXPIRY_DAYS = 7
ORPHAN_GRACE_SECONDS = 3600
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_EXTENSIONS = {
    MaterialKind.BUSINESS_PLAN: "pdf", MaterialKind.SLIDES: "pdf",
    MaterialKind.PITCH_VIDEO: "mp4", MaterialKind.SUPPORTING: "pdf",
}


class BadUploadRequest(DomainError):
    """A malformed tus request (400)."""


class Interrupted(DomainError):
    """The body ended before its Content-Length: what arrived is kept unless it had a checksum."""

    code = "interrupted"


def max_upload_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def expiry() -> timedelta:
    return timedelta(days=int(current_app.config.get("UPLOAD_EXPIRY_DAYS", DEFAULT_EXPIRY_DAYS)))


def is_expired(upload: Upload) -> bool:
    return upload.expires_at <= utcnow()


# -- create ----------------------------------------------------------------------------------------

def create(user: User, *, application_id: int, kind: str | None, filename: str | None, length: int,
           sha256: str | None = None) -> Upload:
    """A new upload of ``length`` bytes of ``kind`` for an application the user may edit.

    Refuses an unknown kind, an empty file, a size past the kind's limit or the application's
    quota (counting the other uploads in progress), and applications the user cannot change.
    A new upload of a single kind (business plan, slides, video) supersedes unfinished ones of
    the same kind: only the last file chosen would count.
    """
    application = applications.get(application_id, user)
    require_editable(user, application)
    kind = _material_kind(kind)
    if length <= 0:
        raise Invalid(_l("The file is empty."), field="length")
    if length > max_upload_bytes():
        raise TooLarge(_l("Files may be at most %(limit)s.", limit=materials.human_size(max_upload_bytes())))
    if sha256 is not None and not SHA256_HEX.match(sha256.lower()):
        raise BadUploadRequest(_l("The sha256 metadata must be 64 hexadecimal digits."))
    pending = _pending_uploads(application)
    superseded = [u for u in pending if u.kind == kind and kind != MaterialKind.SUPPORTING]
    reserved = sum(u.length for u in pending if u not in superseded)
    materials.check_size(application, kind, length, reserved=reserved)
    for old in superseded:
        _discard(old)
    now = utcnow()
    upload = Upload(
        id=LocalStorage.new_key(), application_id=application.id, kind=kind, length=length, offset=0,
        filename=sniff.clean_filename(filename, default=f"file.{DEFAULT_EXTENSIONS[kind]}"),
        upload_metadata={"filename_given": bool(sniff.clean_filename(filename, default="")),
                         "sha256": sha256.lower() if sha256 else None},
        created_by_id=user.id, created_at=now, updated_at=now, expires_at=now + expiry(),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def _material_kind(kind: str | None) -> MaterialKind:
    try:
        return MaterialKind(kind)
    except ValueError:
        raise Invalid(_l("Unknown kind of material."), field="kind") from None


def _pending_uploads(application: Application) -> list[Upload]:
    return list(db.session.scalars(
        select(Upload).where(Upload.application_id == application.id, Upload.completed_at.is_(None),
                             Upload.expires_at > utcnow())
    ))


def require_editable(user: User, application: Application) -> None:
    """Refuse (403) unless ``user`` may still change ``application``, saying why."""
    if can(user, Action.APPLICATION_EDIT, application):
        return
    if not application.contest.accepts_applications(utcnow()):
        raise Forbidden(_l("The deadline has passed: materials can no longer be uploaded."))
    raise Forbidden(_l("This application can no longer be changed."))


# -- find ------------------------------------------------------------------------------------------

def get(user: User, upload_id: str) -> Upload:
    """An upload of an application the user may edit.

    Unknown ids, and uploads of applications the user cannot see, are 404; an expired upload is
    410; an application that can no longer be changed is 403. Checked on every request.
    """
    upload = db.session.get(Upload, upload_id) if KEY_PATTERN.match(upload_id or "") else None
    if upload is None or not can(user, Action.APPLICATION_VIEW, upload.application):
        raise NotFound(_l("Not found."))
    if is_expired(upload):
        raise Gone(_l("This upload has expired. Start it again."))
    require_editable(user, upload.application)
    return upload


def offset_of(upload: Upload) -> int:
    """The offset in force (see the module's offset rule), for HEAD.

    While an append holds the file, its later bytes are not acknowledged yet: the smaller of the
    database's offset and the file's size is still right, and nothing is truncated.
    """
    if upload.completed_at is not None:
        return upload.length
    try:
        with locked(_partial_path(upload)) as handle:
            return reconcile(upload, handle)
    except UploadBusy:
        path = _partial_path(upload)
        return min(upload.offset, path.stat().st_size if path.exists() else 0)


# -- append ----------------------------------------------------------------------------------------

def parse_checksum(header: str | None) -> Checksum | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadUploadRequest(_l("Unsupported checksum algorithm."))
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadUploadRequest(_l("The checksum is not valid base64.")) from None
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm]().digest_size:
        raise BadUploadRequest(_l("The checksum has the wrong length."))
    return Checksum(algorithm, digest)


def append(user: User, upload_id: str, *, offset: int, body: BinaryIO, content_length: int | None,
           checksum: Checksum | None, commit: Callable[[], None]) -> Upload:
    """Write ``body`` at ``offset``; when the upload is then complete, turn it into a material.

    ``commit`` is the caller's commit: this use case spans two transactions (see the module doc).
    Refusals: 409 when ``offset`` is not the upload's offset, 413 when the body would run past
    the upload's length (checked on Content-Length before a byte is read), 460 when the chunk's
    checksum does not match (the chunk is discarded), 423 while another append runs. On
    completion, 415 for content that is not allowed for the kind and 413 past the size limit or
    quota: the file and the upload are then deleted and no material is created.
    """
    upload = get(user, upload_id)
    if upload.completed_at is not None:
        if offset == upload.length and not content_length:
            return upload
        raise Conflict(_l("This upload is already complete."))
    with locked(_partial_path(upload)) as handle:
        start = reconcile(upload, handle)
        if offset != start:
            raise Conflict(_l("The upload is at byte %(offset)s, not %(given)s.", offset=start, given=offset))
        remaining = upload.length - start
        if content_length is not None and content_length > remaining:
            raise TooLarge(_l("The body runs past the end of the upload."))
        upload_id, recorded_offset = upload.id, upload.offset
        running = running_digests.take(upload_id, start, handle)
        commit()  # nothing is held in the database while the bytes arrive
        received, interrupted, running = receive(handle, start, body, content_length, remaining, checksum, running)
        upload = _record(upload_id, recorded_offset, start + received)
        complete = upload.offset == upload.length and not interrupted
        if complete:
            _finish(upload, user, handle, commit, running)
        commit()
        if not complete:
            running_digests.keep(upload_id, upload.offset, handle, running)
        if interrupted:
            raise Interrupted(_l("The connection dropped; %(received)s bytes were kept. Resume from %(offset)s.",
                                 received=received, offset=upload.offset))
    return upload


def _record(upload_id: str, recorded_offset: int, new_offset: int) -> Upload:
    """Store the new offset, unless the upload was terminated or changed meanwhile."""
    now = utcnow()
    changed = db.session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.offset == recorded_offset, Upload.completed_at.is_(None))
        .values(offset=new_offset, updated_at=now, expires_at=now + expiry())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise NotFound(_l("This upload was cancelled meanwhile."))
    return db.session.get(Upload, upload_id, populate_existing=True)


def _finish(upload: Upload, user: User, handle: BinaryIO, commit: Callable[[], None], running) -> None:
    """Validate the complete file and make it the application's material, or delete it.

    ``running`` is the file's sha256 when this process received all of it; else it is read again.
    """
    path = _partial_path(upload)
    application = upload.application
    require_editable(user, application)
    try:
        detected = sniff.check(path, upload.kind)
    except sniff.RejectedContent as exc:
        _refuse(upload, commit, UnsupportedType(refusal_message(exc)))
    digest = running.hexdigest() if running is not None else sha256_of(handle)
    expected = (upload.upload_metadata or {}).get("sha256")
    if expected and digest != expected:
        _refuse(upload, commit, ChecksumMismatch(_l("The file's sha256 does not match the one announced.")))
    try:
        materials.check_size(application, upload.kind, upload.length)
    except TooLarge as exc:
        _refuse(upload, commit, exc)
    files = storage()
    key = files.new_key()
    files.adopt(path, key)
    filename = upload.filename if (upload.upload_metadata or {}).get("filename_given") else f"file.{detected.extension}"
    try:
        material = materials.attach(application, upload.kind, storage_key=key, filename=filename,
                                    content_type=detected.mime, size=upload.length, sha256=digest, by=user)
        upload.material_id = material.id
        upload.completed_at = utcnow()
        commit()
    except BaseException:
        db.session.rollback()
        files.delete(key)  # never committed: nobody refers to it
        raise


REFUSALS = {
    "empty": _l("The file is empty."),
    "damaged": _l("The file is damaged or not of an accepted type."),
    "not_accepted": _l("The type of this file is not recognised or not accepted."),
    "markup": _l("The file contains web markup (HTML, script or SVG) and is refused."),
    "markup_file": _l("HTML, SVG and XML files are not accepted."),
    "zip_appended": _l("The file has a zip archive appended to it and is refused."),
    "truncated": _l("The file is truncated or has data after its end."),
    "not_video": _l("This is not an MP4, MOV or WebM video."),
    "not_pptx": _l("The file is not a PowerPoint presentation (PPTX)."),
    "macros": _l("Presentations with macros are not accepted."),
    "zip_bomb": _l("The package is compressed beyond any real document (a zip bomb) and is refused."),
    "package_limits": _l("The presentation has too many parts or would expand to more than 500 MB."),
    "package_unsafe": _l("The presentation contains unsafe, duplicate or encrypted parts."),
}


def refusal_message(exc: sniff.RejectedContent):
    """The sniffer's refusal in the reader's language."""
    if exc.code == "wrong_kind":
        return _l("This file is %(found)s; this material must be %(allowed)s.", **exc.params)
    return REFUSALS.get(exc.code, exc.reason)


def _refuse(upload: Upload, commit: Callable[[], None], error: DomainError):
    """Delete the upload and its file, commit that, and raise ``error``."""
    _discard(upload)
    commit()
    raise error


def terminate(user: User, upload_id: str) -> None:
    """tus termination: forget the upload and delete its partial file (a material made from a
    completed upload stays)."""
    _discard(get(user, upload_id))


def _discard(upload: Upload) -> None:
    """Delete the upload's row, and its partial file once that is committed."""
    path = None if upload.completed_at is not None else _partial_path(upload)
    db.session.delete(upload)
    db.session.flush()
    if path is not None:
        after_commit(lambda: path.unlink(missing_ok=True))


def cleanup() -> list[str]:
    """Remove expired uploads (their rows and partial files) and partial files that have no row.

    Idempotent. A file without a row is left alone for an hour, since an upload being created
    gets its row committed just after; a file another request is appending to is left alone.
    Returns one line per thing removed.
    """
    removed: list[str] = []
    now = utcnow()
    for upload in list(db.session.scalars(select(Upload).where(Upload.expires_at <= now).order_by(Upload.expires_at))):
        state = "completed" if upload.completed_at else f"{upload.offset} of {upload.length} bytes"
        removed.append(f"expired upload {upload.id} ({upload.filename}, {state})")
        _discard(upload)
    known = set(db.session.scalars(select(Upload.id)))
    partial_dir = storage().root / "partial"
    if partial_dir.is_dir():
        deadline = time.time() - ORPHAN_GRACE_SECONDS
        for path in sorted(partial_dir.iterdir()):
            if path.name in known or not path.is_file() or path.stat().st_mtime > deadline:
                continue
            if unlink_unless_locked(path):
                removed.append(f"orphan partial file {path.name}")
    return removed


# -- the partial file ------------------------------------------------------------------------------

def _partial_path(upload: Upload) -> Path:
    return storage().partial_path(upload.id)


