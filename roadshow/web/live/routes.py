"""The live room's pages by role: audience, judge, presenter, organiser console and projector."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("live", __name__, url_prefix="/live")
