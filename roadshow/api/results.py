"""Results of a round: organisers at any time, everyone once published; and their exports."""
from __future__ import annotations

from flask_smorest import Blueprint

from roadshow.api.auth import protect

blp = Blueprint("results", __name__, description="Results: rankings and their exports.")
protect(blp)
