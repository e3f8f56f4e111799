"""Pitch materials, seen safely: a viewer page, and the routes that send a material's bytes.

Every route is scoped to the application (``/applications/<a>/materials/<m>/...``) and finds the
material through :func:`material_access.get_material`, which asks the policy: a refusal, an
unknown id and another application's material are the same 404. Anonymous visitors are sent to
log in, or get a 401 JSON answer when they ask for JSON (as the PDF viewer's fetch does).

What is sent, and why it is safe on our own origin:

- ``download``: any material, always ``Content-Disposition: attachment``, so the browser saves it
  and never renders it as a document of this site. The PDF viewer fetches its bytes here.
- ``image``: PNG and JPEG only, inline, with their exact type.
- ``stream``: videos only, inline (a ``<video>`` needs that), answering Range requests (206 with
  Content-Range, 416 when unsatisfiable) so the player can seek. Serving inline is safe because
  the type is a ``video/*`` verified from the file's magic bytes on upload, never taken from the
  uploader, and with nosniff the browser will not reinterpret the bytes as anything else.
- ``thumbnail``: the first page of a PDF as a PNG we drew ourselves (see services/thumbnails.py).

All of them leave with ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy:
default-src 'none'; sandbox`` (applied after Talisman, see :func:`headers.file_response`): opened as
a document, a file can load nothing, run nothing, and is an opaque origin without our cookies.

Caching is ``Cache-Control: private, no-store``. Materials are confidential business plans, access
can end at any time (a member leaves the team, a judge is unassigned) and a shared computer's
browser should keep no copy; the price is fetching a file again on each view. A strong ETag (the
file's SHA-256, the thumbnail's key) is still sent, so that If-Range keeps a resumed range request
from mixing two versions of a file.

The person's file name appears in the Content-Disposition header only: RFC 6266 ``filename*``
(UTF-8, so Chinese names survive) and an ASCII ``filename`` for old clients. Storage paths come
from generated keys.
"""
from __future__ import annotations

import logging
import re
import unicodedata

from flask import Blueprint, Response, render_template, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from roadshow.database import intend_to_write
from roadshow.extensions import db
from roadshow.models import Application, Material
from roadshow.policy import Action, can, is_member
from roadshow.services import material_access, thumbnails
from roadshow.services.errors import NotFound
from roadshow.services.material_access import Presentation, presentation
from roadshow.storage import storage
from roadshow.web.headers import content_disposition, file_response

log = logging.getLogger(__name__)

bp = Blueprint("materials", __name__)

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TYPE_LABELS = {
    "application/pdf": (_l("PDF document"), "PDF"),
    "image/png": (_l("PNG image"), "PNG"),
    "image/jpeg": (_l("JPEG image"), "JPEG"),
    "video/mp4": (_l("MP4 video"), "MP4"),
    "video/webm": (_l("WebM video"), "WebM"),
    "video/quicktime": (_l("QuickTime video"), "MOV"),
    PPTX: (_l("PowerPoint presentation"), "PPTX"),
}
UNKNOWN_TYPE = (_l("File"), _l("File"))

# RFC 5987 attr-char, besides letters and digits: what filename* may carry unencoded.
UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 200

ROUTE = "/applications/<int:application_id>/materials/<int:material_id>"


@bp.app_template_global()
def material_type_label(material: Material) -> str:
    return str(TYPE_LABELS.get(material.content_type, UNKNOWN_TYPE)[0])


@bp.app_template_global()
def material_type_code(material: Material) -> str:
    return str(TYPE_LABELS.get(material.content_type, UNKNOWN_TYPE)[1])


@bp.get(ROUTE)
@login_required
def view(application_id: int, material_id: int):
    material = material_access.get_material(application_id, material_id, current_user)
    return render_template("materials/view.html", material=material, application=material.application,
                           shown_as=presentation(material), back_link=back_link(material.application))


def back_link(application: Application) -> str | None:
    """Where the viewer goes back to, by who views: the team to its application, an organiser to the
    organisers' page of the application, a judge to the project in a round they review it in."""
    if is_member(current_user, application):
        return url_for("team.application", application_id=application.id, _anchor="materials")
    if can(current_user, Action.APPLICATION_SCREEN, application):
        return url_for("organizer_applications.application", slug=application.contest.slug,
                       application_id=application.id)
    round_ = material_access.review_round(current_user, application)
    if round_ is not None:
        return url_for("judge_workspace.project", round_id=round_.id, application_id=application.id)
    return None


@bp.get(ROUTE + "/download")
@login_required
def download(application_id: int, material_id: int):
    material = material_access.get_material(application_id, material_id, current_user)
    return send_material(material, "attachment")


@bp.get(ROUTE + "/image")
@login_required
def image(application_id: int, material_id: int):
    material = material_access.get_presented_as(application_id, material_id, current_user, Presentation.IMAGE)
    return send_material(material, "inline")


@bp.get(ROUTE + "/stream")
@login_required
def stream(application_id: int, material_id: int):
    """A video, inline, with Range requests; see the module's docstring for why inline is safe."""
    material = material_access.get_presented_as(application_id, material_id, current_user, Presentation.VIDEO)
    return send_material(material, "inline")


@bp.get(ROUTE + "/thumbnail")
@login_required
def thumbnail(application_id: int, material_id: int):
    """A PDF's first page as a PNG, drawn on the first request if the upload did not draw it."""
    material = material_access.get_presented_as(application_id, material_id, current_user, Presentation.PDF)
    if not thumbnails.available(material):
        _draw_thumbnail(material)
    return _send(material.thumbnail_key, "image/png", etag=material.thumbnail_key)


def _draw_thumbnail(material: Material) -> None:
    """Draw while only reading, then record in a write transaction of its own.

    The rollback only ends the read transaction (nothing was changed): on SQLite the write then
    begins IMMEDIATE, instead of trying to upgrade a snapshot that another writer may have
    overtaken while the page was drawn, and no write lock is held while drawing.
    """
    replacing = material.thumbnail_key
    key = thumbnails.render_thumbnail(material)
    db.session.rollback()
    intend_to_write()
    thumbnails.record_thumbnail(material, key, replacing)
    db.session.commit()


def send_material(material: Material, disposition: str) -> Response:
    """The stored file of ``material`` (``attachment`` or ``inline``), with Range support and its
    sha256 as the ETag."""
    return _send(material.storage_key, material.content_type, etag=material.sha256,
                 disposition=material_disposition(disposition, material))


def _send(key: str, mimetype: str, *, etag: str, disposition: str | None = None) -> Response:
    try:
        response = send_file(storage().path(key), mimetype=mimetype, conditional=True, etag=etag)
    except FileNotFoundError:
        log.error("stored file %s is missing", key)
        raise NotFound(_l("Not found.")) from None
    except RequestedRangeNotSatisfiable as exc:
        response = Response(status=416)
        response.headers["Content-Range"] = f"bytes */{exc.length}"
        response.headers["Accept-Ranges"] = "bytes"
    if disposition and response.status_code != 416:
        response.headers["Content-Disposition"] = disposition
    return file_response(response)


def material_disposition(disposition: str, material: Material) -> str:
    """``attachment`` or ``inline`` with the person's file name, cleaned, and an ASCII fallback."""
    name = display_name(material)
    return content_disposition(disposition, name, ascii_fallback(name, material.id))


def display_name(material: Material) -> str:
    """The uploader's file name, without any directory part or control character."""
    name = re.split(r"[/\\]", material.original_filename or "")[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    return name[-MAX_NAME:] or f"material-{material.id}"


def ascii_fallback(name: str, material_id: int) -> str:
    """``name`` reduced to letters, digits, ``.``, ``_`` and ``-``; ``material-<id>.<ext>`` when
    nothing of its stem survives (a name written in Chinese, say)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    stem, extension = _ascii(stem) or f"material-{material_id}", _ascii(extension)
    return f"{stem}.{extension}" if extension else stem


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return UNSAFE_ASCII.sub("_", text).strip("._")
