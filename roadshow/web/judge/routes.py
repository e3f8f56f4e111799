"""The judge's pages: the contests they judge and, in each, the scored rounds with a link to the
round's workspace (or to the declaration of conflicts that comes first)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required

from roadshow.models import Role, Round
from roadshow.policy import Action, can, has_declared
from roadshow.services import contests, judge_projects
from roadshow.web.judge.workspace import declare_url

bp = Blueprint("judge", __name__, url_prefix="/judge")


@dataclass(frozen=True)
class RoundLine:
    round: Round
    declared: bool
    url: str
    assigned: int = 0
    submitted: int = 0


def _rounds_of(contest) -> list[RoundLine]:
    lines = []
    for round_ in contest.rounds:
        if not can(current_user, Action.ROUND_DECLARE, round_):
            continue
        if has_declared(current_user, round_):
            projects = judge_projects.assigned_projects(round_, current_user)
            lines.append(RoundLine(round_, True, url_for("judge_workspace.round", round_id=round_.id), len(projects),
                                   sum(1 for p in projects if p.status is not None and p.status.value == "submitted")))
        else:
            lines.append(RoundLine(round_, False, declare_url(round_.id)))
    return lines


@bp.get("/")
@login_required
def index():
    judged = [m.contest for m in contests.memberships_of(current_user) if m.role == Role.JUDGE]
    return render_template("judge/index.html", contests=judged, rounds={c.id: _rounds_of(c) for c in judged})
