"""Organisers' exports of a round's results (CSV, XLSX, PDF) and the import of paper score sheets."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_result_files", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/result-files")
