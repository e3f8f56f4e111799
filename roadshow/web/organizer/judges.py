"""Organisers' judge pool: invitations, import, profiles and conflicts of interest."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organizer_judges", __name__, url_prefix="/organize/<slug>/judges")
