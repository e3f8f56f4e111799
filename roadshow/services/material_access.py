"""Finding a pitch material for someone who wants to see it, always through its application.

A material is never looked up by its own id alone: the route names the application, the policy
decides on the application (:data:`Action.MATERIAL_VIEW`), and the material must belong to it. So
whoever may see application A cannot reach a file of application B by changing the id in a URL,
whatever roles they hold elsewhere, and every refusal is the same 404 as a file that does not exist.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Application, Assignment, Material, Round
from roadshow.policy import Action, authorize, can
from roadshow.services.errors import NotFound

PDF = "application/pdf"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime"})


class Presentation(enum.StrEnum):
    """How a material is shown in the page. Decided by its verified type (sniffed from its bytes
    on upload), never by its file name."""

    PDF = "pdf"          # drawn by pdf.js from bytes fetched by script
    IMAGE = "image"      # an <img> of the image route
    VIDEO = "video"      # a <video> of the stream route
    DOWNLOAD = "download"  # PPTX and anything else: offered for download only


def presentation(material: Material) -> Presentation:
    if material.content_type == PDF:
        return Presentation.PDF
    if material.content_type in IMAGE_TYPES:
        return Presentation.IMAGE
    if material.content_type in VIDEO_TYPES:
        return Presentation.VIDEO
    return Presentation.DOWNLOAD


def get_material(application_id: int, material_id: int, user) -> Material:
    """The material ``material_id`` of application ``application_id``, if ``user`` may view the
    application's materials. Unknown ids, ids of another application's materials and refusals
    are all :class:`NotFound`, so nothing tells which files exist."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_l("Not found."))
    authorize(user, Action.MATERIAL_VIEW, application, conceal=True)
    material = db.session.scalar(
        select(Material).where(Material.id == material_id, Material.application_id == application.id)
    )
    if material is None:
        raise NotFound(_l("Not found."))
    return material


def get_presented_as(application_id: int, material_id: int, user, shown_as: Presentation) -> Material:
    """Like :func:`get_material`, for a route that serves only one kind of file inline (the image
    and stream routes): a material of any other type is not found there."""
    material = get_material(application_id, material_id, user)
    if presentation(material) is not shown_as:
        raise NotFound(_l("Not found."))
    return material


def review_round(user, application: Application) -> Round | None:
    """The latest round in which ``user`` may review ``application`` as a judge, if any."""
    rounds = db.session.scalars(
        select(Round).join(Assignment, Assignment.round_id == Round.id)
        .where(Assignment.judge_id == user.id, Assignment.application_id == application.id)
        .order_by(Round.id.desc()))
    return next((round_ for round_ in rounds if can(user, Action.PROJECT_REVIEW, (round_, application))), None)
