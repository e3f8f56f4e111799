"""First-page thumbnails of PDF materials, drawn in a child process under a time limit.

A PDF is whatever its uploader made it, and PDFium is a large C++ parser, so the page is never
drawn inside the web worker: :mod:`roadshow.pdf_thumbnail` runs as ``python -I`` in a child process
that caps its own memory and output, and the parent kills it at ``THUMBNAIL_TIMEOUT`` seconds
(default :data:`DEFAULT_TIMEOUT`). Its PNG (at most 320 px wide) is checked and stored under a new
storage key, recorded in ``Material.thumbnail_key``.

A PDF that cannot be drawn (the child failed, crashed, timed out or wrote something that is not a
small PNG) gets a copy of the placeholder ``static/img/thumbnail-unavailable.png`` as its thumbnail,
and the failure is logged, never raised. The placeholder is recorded like a real thumbnail, so a
hostile PDF costs one child process, not one per page view.

Drawing is slow and touches no database; recording is one conditional UPDATE. They are separate
(:func:`render_thumbnail`, :func:`record_thumbnail`) so that a caller can draw outside a write
transaction (on SQLite a write transaction holds the database's only write lock); :func:`make_thumbnail`
does both, for callers that need not care.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from roadshow import pdf_thumbnail
from roadshow.config import PROJECT_ROOT
from roadshow.extensions import db
from roadshow.models import Material
from roadshow.services.material_access import PDF
from roadshow.storage import storage
from roadshow.transaction import after_commit

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = pdf_thumbnail.MAX_OUTPUT
PLACEHOLDER = PROJECT_ROOT / "static" / "img" / "thumbnail-unavailable.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ThumbnailFailed(Exception):
    """The child process did not produce a usable thumbnail."""


def applies_to(material: Material) -> bool:
    """Only PDFs have thumbnails; other kinds are shown with a type label."""
    return material.content_type == PDF


def available(material: Material) -> bool:
    return bool(material.thumbnail_key) and storage().exists(material.thumbnail_key)


def renderer_command(source: Path, target: Path) -> list[str]:
    """The child process: this interpreter, isolated (no PYTHON* variables, no user site, no
    current directory on the path), running the renderer script by its path."""
    return [sys.executable, "-I", str(Path(pdf_thumbnail.__file__)), str(source), str(target)]


def render(source: Path, target: Path, timeout: float) -> None:
    """Draw the first page of ``source`` into ``target``, or raise :class:`ThumbnailFailed`."""
    try:
        result = subprocess.run(
            renderer_command(source, target), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ThumbnailFailed(f"timed out after {timeout:g} s") from None
    except OSError as exc:
        raise ThumbnailFailed(f"could not start the renderer: {exc}") from None
    if result.returncode != 0:
        last_line = (result.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ThumbnailFailed(f"renderer exited with status {result.returncode}: {last_line[0][:300]}")
    try:
        size = target.stat().st_size
        with target.open("rb") as handle:
            head = handle.read(len(PNG_SIGNATURE))
    except OSError:
        raise ThumbnailFailed("renderer wrote no thumbnail") from None
    if size > MAX_BYTES or head != PNG_SIGNATURE:
        raise ThumbnailFailed("renderer wrote something that is not a small PNG")


def render_thumbnail(material: Material) -> str:
    """Draw ``material``'s thumbnail (or copy the placeholder) under a new storage key; return it.
    Touches no database, and logs rather than raises when the PDF cannot be drawn."""
    store = storage()
    key = store.new_key()
    temp = store.temp_dir() / f"{key}.png.part"
    timeout = float(current_app.config.get("THUMBNAIL_TIMEOUT", DEFAULT_TIMEOUT))
    try:
        try:
            render(store.path(material.storage_key), temp, timeout)
        except ThumbnailFailed as exc:
            log.warning("no thumbnail for material %s (%s); using the placeholder", material.id, exc)
            shutil.copyfile(PLACEHOLDER, temp)
        store.adopt(temp, key)
    finally:
        temp.unlink(missing_ok=True)
    return key


def record_thumbnail(material: Material, key: str, replacing: str | None) -> str:
    """Make ``key`` the thumbnail of ``material`` if its thumbnail is still ``replacing``, and
    return the thumbnail in effect. Of two requests that drew the same thumbnail at once, the
    first to record wins and the other's file is deleted."""
    condition = Material.thumbnail_key.is_(None) if replacing is None else Material.thumbnail_key == replacing
    won = db.session.execute(
        update(Material).where(Material.id == material.id, condition).values(thumbnail_key=key)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(material, ["thumbnail_key"])
    store = storage()
    if won != 1:
        store.delete(key)
    elif replacing is not None:
        after_commit(lambda: store.delete(replacing))
    return material.thumbnail_key


def make_thumbnail(material: Material) -> str | None:
    """Draw and record the thumbnail of a stored PDF material (flushes, never commits); ``None``
    for other types. For the upload code to call once a PDF is stored; the thumbnail route calls
    the two halves itself when a thumbnail is missing.

    On SQLite, calling this inside a write transaction holds the write lock while the page is
    drawn (up to ``THUMBNAIL_TIMEOUT``); a caller that minds calls :func:`render_thumbnail` first.
    """
    if not applies_to(material):
        return None
    if material.id is None:
        db.session.flush()
    replacing = material.thumbnail_key
    return record_thumbnail(material, render_thumbnail(material), replacing)
