"""A contest's live sessions for viewers: times in their own time zone, an .ics file, and each session's timeline."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("live_schedule", __name__, url_prefix="/contests/<slug>/live")
