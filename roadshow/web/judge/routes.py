"""The judge's pages. The review workspace of each contest grows here with the review issue."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from roadshow.models import Role
from roadshow.services import contests

bp = Blueprint("judge", __name__, url_prefix="/judge")


@bp.get("/")
@login_required
def index():
    judged = [m.contest for m in contests.memberships_of(current_user) if m.role == Role.JUDGE]
    return render_template("judge/index.html", contests=judged)
