"""A judge's profile in a contest: institution, expertise, short bio."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judge_profile", __name__, url_prefix="/judge")
