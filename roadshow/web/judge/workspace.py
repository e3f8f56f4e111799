"""The judge's review workspace: assigned projects, materials and the score sheet.

The pages only read. The sheet on the project page saves, submits and recuses through the review
API (``/api/v1/reviews/...``) with the browser's session and CSRF token (static/js/score-sheet.js),
so the browser and API clients follow exactly the same rules.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from roadshow.policy import Action, authorize, has_declared
from roadshow.scoring.sheets import decimal_text, maximum_total
from roadshow.services import judge_projects, peer_sheets, score_sheets
from roadshow.services.application_fields import STAGE_LABELS
from roadshow.services.material_access import presentation

bp = Blueprint("judge_workspace", __name__, url_prefix="/judge")


def declare_url(round_id: int) -> str:
    """Where a judge declares conflicts for a round, before anything else of it."""
    return url_for("judge_conflicts.declare", round_id=round_id)


@bp.get("/rounds/<int:round_id>")
@login_required
def round(round_id: int):  # noqa: A001 - the endpoint is judge_workspace.round
    round_ = judge_projects.get_round(round_id)
    authorize(current_user, Action.ROUND_DECLARE, round_, conceal=True)
    if not has_declared(current_user, round_):
        return redirect(declare_url(round_.id))
    lines = judge_projects.assigned_projects(round_, current_user)
    counts = {status: sum(1 for line in lines if line.status == status) for status in {line.status for line in lines}}
    return render_template("judge/round.html", round=round_, contest=round_.contest, lines=lines, counts=counts)


@bp.get("/rounds/<int:round_id>/projects/<int:application_id>")
@login_required
def project(round_id: int, application_id: int):
    round_ = judge_projects.get_round(round_id)
    application = judge_projects.get_project(round_, application_id, current_user)
    sheet = score_sheets.get_sheet(round_, application, current_user)
    lines = judge_projects.assigned_projects(round_, current_user)
    ids = [line.application.id for line in lines]
    position = ids.index(application.id) if application.id in ids else None
    neighbours = {
        "previous": ids[position - 1] if position else None,
        "next": ids[position + 1] if position is not None and position + 1 < len(ids) else None,
    }
    materials = sorted(application.materials, key=lambda m: (m.kind.value, m.id))
    shown = {m.id: presentation(m).value for m in materials}
    first_pdf = next((m for m in materials if shown[m.id] == "pdf"), None)
    videos = [m for m in materials if shown[m.id] == "video"]
    peers = peer_sheets.peer_sheets(round_, application, current_user) \
        if peer_sheets.may_see(round_, application, current_user) else None
    return render_template(
        "judge/project.html", round=round_, contest=round_.contest, application=application, sheet=sheet, peers=peers,
        criteria=round_.criteria, maximum_total=decimal_text(maximum_total(score_sheets.rubric(round_))),
        materials=materials, shown=shown, first_pdf=first_pdf, videos=videos, stage_labels=STAGE_LABELS,
        position=position, count=len(ids), neighbours=neighbours,
    )
