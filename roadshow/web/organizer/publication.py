"""Organisers advance projects to the next round and publish or unpublish a round's results."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_publication", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/publication")
