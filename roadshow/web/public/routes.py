"""Pages anyone may see, the signed-in person's dashboard, and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from roadshow.extensions import db
from roadshow.models import utcnow
from roadshow.policy import Action, authorize, can
from roadshow.services import applications, contests
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.labels import MATERIAL_LABELS

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html", contests=contests.public_contests())


@bp.get("/contests/<slug>")
def contest(slug: str):
    found = contests.get_by_slug(slug)
    authorize(current_user, Action.CONTEST_VIEW, found, conceal=True)
    mine = applications.of_user_in(found, current_user) if current_user.is_authenticated else None
    return render_template(
        "public/contest.html", contest=found, my_application=mine, confirm_form=ConfirmForm(),
        accepting=can(current_user, Action.APPLICATION_START, found) or (
            not current_user.is_authenticated and found.accepts_applications(utcnow())),
        required_materials=[MATERIAL_LABELS[rule.kind] for rule in found.material_rules if rule.required],
        published_rounds={r.id for r in found.rounds if can(current_user, Action.RESULTS_VIEW_PUBLISHED, r)},
    )


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
