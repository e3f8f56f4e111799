"""Organisers' view of a contest's audit log: newest first, fifty a page, filterable by action."""
from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from roadshow.services import audit
from roadshow.web.organizer.routes import managed_contest

bp = Blueprint("organizer_audit", __name__, url_prefix="/organize/<slug>/audit")


@bp.app_template_filter("audit_values")
def audit_values(values) -> str:
    """Recorded values as compact JSON text (the template escapes it like any other text)."""
    if values is None:
        return "—"
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


@bp.get("")
@login_required
def index(slug: str):
    contest = managed_contest(slug)
    action = request.args.get("action", "").strip()[:64] or None
    listing = audit.for_contest(contest, current_user, action=action, page=request.args.get("page", 1, type=int))
    return render_template("organizer/audit.html", contest=contest, listing=listing, action=action,
                           actions=audit.actions_in(contest))
