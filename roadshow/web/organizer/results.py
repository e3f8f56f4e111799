"""Organisers' results of a round: the method, the ranking with its stability and flags, drill-down and charts."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_results", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/results")
