"""A judge declares conflicts of interest for a round before seeing anything else of it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import Round
from roadshow.policy import Action, authorize, has_declared
from roadshow.services import conflicts
from roadshow.services.errors import Invalid, NotFound
from roadshow.web.judge.forms import DeclarationForm

bp = Blueprint("judge_conflicts", __name__, url_prefix="/judge")


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_("Not found."))
    authorize(current_user, Action.ROUND_DECLARE, round_, conceal=True)
    return round_


def _page(round_, form, *, ticked=(), reasons=None, errors=None, error=None, status=200):
    declared = conflicts.declared_conflicts(round_, current_user)
    declared_ids = {conflict.application_id for conflict in declared}
    projects = conflicts.projects_for_declaration(round_)
    return render_template(
        "judge/declare.html", round=round_, contest=round_.contest, form=form,
        projects=[p for p in projects if p.application_id not in declared_ids],
        declared=[(p, next(c for c in declared if c.application_id == p.application_id))
                  for p in projects if p.application_id in declared_ids],
        already=has_declared(current_user, round_), ticked=set(ticked), reasons=reasons or {}, errors=errors or {},
        error=error, max_reason=conflicts.MAX_REASON_LENGTH,
    ), status


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


@bp.route("/rounds/<int:round_id>/conflicts", methods=["GET", "POST"])
@login_required
def declare(round_id: int):
    round_ = _round(round_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _page(round_, form, status=422 if form.is_submitted() else 200)
    ticked = request.form.getlist("conflict")
    reasons = {key: request.form.get(f"reason-{key}", "") for key in ticked}
    ids = {_int(key): reason for key, reason in reasons.items()}
    if None in ids:
        return _page(round_, form, ticked=ticked, reasons=reasons, error=_("Some declarations are not valid."),
                     status=422)
    try:
        conflicts.declare(round_, current_user, ids, by=current_user)
    except Invalid as exc:
        db.session.rollback()
        return _page(round_, form, ticked=ticked, reasons=reasons, errors=exc.details, error=exc.message,
                     status=422)
    db.session.commit()
    flash(_("Your declaration has been recorded."), "success")
    return redirect(url_for("judge_workspace.round", round_id=round_id))
