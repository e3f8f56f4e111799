"""A judge declares conflicts of interest for a round before seeing anything else of it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judge_conflicts", __name__, url_prefix="/judge")
