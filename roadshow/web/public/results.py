"""Published results: the public ranking of a round, and a team's own result with the judges' comments."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public_results", __name__, url_prefix="/contests/<slug>/results")
