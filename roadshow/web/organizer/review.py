"""Organisers' review set-up of a round: projects, rubric, settings and assignments."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_review", __name__, url_prefix="/organize/<slug>/rounds")
