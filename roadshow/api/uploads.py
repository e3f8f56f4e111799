"""``/api/v1/uploads/``: resumable uploads of pitch materials over tus 1.0, so that any tus client
works (tus-js-client in the browser, tuspy from scripts).

Extensions: creation, termination, checksum (sha256, and sha1 which the protocol requires every
server to know), expiration. Metadata (``Upload-Metadata``): ``application`` (id), ``kind`` (a
material kind), ``filename``; optionally ``sha256`` (hex) of the whole file. Authentication is the
API's: a Bearer token, or the browser session with its CSRF token in ``X-CSRFToken``.

Answers beyond the protocol's: 423 while another request appends to the same upload (tus clients
retry), 413 for a size past the kind's limit, the quota or the upload's length, 415 for content that
is not allowed (the upload is then deleted), 403 once the application can no longer be changed, 404
for someone else's upload. A request whose connection dies holds its upload until the server sees
the socket fail: behind a proxy, keep a body read timeout (nginx's client_body_timeout) so that a
connection that vanished silently lets the client resume within a minute.

Not in the OpenAPI document, whose schemas are JSON; the protocol is https://tus.io/protocols/resumable-upload.
"""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.http import http_date

from roadshow.api.auth import protect, require_user
from roadshow.extensions import db
from roadshow.models import Upload
from roadshow.services import uploads
from roadshow.services.errors import DomainError
from roadshow.services.materials import UnsupportedType

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
MAX_METADATA_BYTES = 4096

bp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads")


class TusVersionUnsupported(DomainError):
    status, code = 412, "tus_version"


@bp.before_request
def _allow_large_bodies() -> None:
    """Chunks of an upload may be larger than the app's form limit; the upload's own length
    bounds them (checked on Content-Length before reading)."""
    request.max_content_length = uploads.max_upload_bytes()


@bp.before_request
def _require_tus() -> None:
    if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusVersionUnsupported(_l("This server speaks tus %(version)s; send Tus-Resumable: %(version)s.",
                                       version=TUS_VERSION))


protect(bp)  # after the two above: token or session (+ CSRF), and Cache-Control: no-store


@bp.after_request
def _tus_headers(response: Response) -> Response:
    response.headers["Tus-Resumable"] = TUS_VERSION
    if response.status_code == 412:
        response.headers["Tus-Version"] = TUS_VERSION
    return response


@bp.route("/", methods=["OPTIONS"], provide_automatic_options=False, strict_slashes=False)
@bp.route("/<upload_id>", methods=["OPTIONS"], provide_automatic_options=False)
def options(upload_id: str | None = None):
    """What this server supports (no authentication needed)."""
    return Response(status=204, headers={
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": TUS_EXTENSIONS,
        "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUM_ALGORITHMS),
        "Tus-Max-Size": str(uploads.max_upload_bytes()),
    })


@bp.post("/", strict_slashes=False, endpoint="collection")
def create():
    """tus creation: POST to the collection."""
    user = require_user()
    length = _int_header("Upload-Length")
    metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    try:
        application_id = int(metadata.get("application", ""))
    except ValueError:
        raise uploads.BadUploadRequest(_l("Upload-Metadata must name the application (its id).")) from None
    upload = uploads.create(user, application_id=application_id, kind=metadata.get("kind"),
                            filename=metadata.get("filename"), length=length, sha256=metadata.get("sha256"))
    db.session.commit()
    return Response(status=201, headers={
        "Location": url_for(".upload", upload_id=upload.id),
        "Upload-Offset": "0",
        **_expiry_header(upload),
    })


@bp.route("/<upload_id>", methods=["HEAD"])
def upload(upload_id: str):
    upload = uploads.get(require_user(), upload_id)
    offset = uploads.offset_of(upload)
    return Response(status=200, headers={
        "Upload-Offset": str(offset),
        "Upload-Length": str(upload.length),
        "Upload-Metadata": _encode_metadata(upload),
        "Cache-Control": "no-store",
        **_expiry_header(upload),
    })


@bp.patch("/<upload_id>")
def append(upload_id: str):
    user = require_user()
    if request.mimetype != OFFSET_CONTENT_TYPE:
        raise UnsupportedType(_l("Send chunks as %(type)s.", type=OFFSET_CONTENT_TYPE))
    offset = _int_header("Upload-Offset")
    checksum = uploads.parse_checksum(request.headers.get("Upload-Checksum"))
    upload = uploads.append(user, upload_id, offset=offset, body=request.stream,
                            content_length=request.content_length, checksum=checksum,
                            commit=db.session.commit)
    return Response(status=204, headers={"Upload-Offset": str(upload.offset), **_expiry_header(upload)})


@bp.delete("/<upload_id>")
def terminate(upload_id: str):
    uploads.terminate(require_user(), upload_id)
    db.session.commit()
    return Response(status=204)


def _int_header(name: str) -> int:
    value = request.headers.get(name, "").strip()
    if not value.isascii() or not value.isdigit():
        raise uploads.BadUploadRequest(_l("The %(header)s header must be a non-negative integer.", header=name))
    return int(value)


def _metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (values UTF-8)."""
    if len(header) > MAX_METADATA_BYTES:
        raise uploads.BadUploadRequest(_l("Upload-Metadata is too long."))
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = item.partition(" ")
        if not key or key in pairs:
            raise uploads.BadUploadRequest(_l("Upload-Metadata is malformed."))
        try:
            pairs[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            raise uploads.BadUploadRequest(_l("Upload-Metadata values must be base64.")) from None
    return pairs


def _encode_metadata(upload: Upload) -> str:
    values = {"filename": upload.filename, "kind": upload.kind.value, "application": str(upload.application_id)}
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def _expiry_header(upload: Upload) -> dict[str, str]:
    if upload.completed_at is not None:
        return {}
    return {"Upload-Expires": http_date(upload.expires_at)}
