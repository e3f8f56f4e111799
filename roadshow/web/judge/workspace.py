"""The judge's review workspace: assigned projects, materials and the score sheet."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judge_workspace", __name__, url_prefix="/judge")
