"""Judges' assignments and score sheets."""
from __future__ import annotations

from flask_smorest import Blueprint

from roadshow.api.auth import protect

blp = Blueprint("reviews", __name__, description="Judges: their assignments and score sheets.")
protect(blp)
