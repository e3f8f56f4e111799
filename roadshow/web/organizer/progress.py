"""Organisers' progress board of a round's review: reminders and unlocking sheets."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_progress", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/progress")
