"""Organisers' live sessions: schedule, running order, stream, and the letters of intent that follow."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_live", __name__, url_prefix="/organize/<slug>/live")
