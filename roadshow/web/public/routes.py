"""Pages anyone may see, the signed-in person's dashboard, and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from roadshow.extensions import db
from roadshow.policy import Action, authorize
from roadshow.services import contests

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html", contests=contests.public_contests())


@bp.get("/contests/<slug>")
def contest(slug: str):
    found = contests.get_by_slug(slug)
    authorize(current_user, Action.CONTEST_VIEW, found, conceal=True)
    return render_template("public/contest.html", contest=found)


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template(
        "public/dashboard.html", memberships=contests.memberships_of(current_user),
        open_contests=contests.public_contests(),
    )


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is not reachable
        db.session.rollback()
        return jsonify(status="error", database="unreachable", detail=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")
