"""A round's ranking for organisers: its declared method, the sheets that count, and the computation.

What counts (:func:`inputs`): the SUBMITTED sheets of the projects entered in the round (a
``RoundEntry``), written by a judge who is ASSIGNED to that project in this round and has no ACTIVE
conflict of interest with it. Drafts, recusals, sheets of judges since unassigned and sheets of
conflicted judges never reach :func:`roadshow.scoring.results.compute`, whatever their values.

The method comes from the round's ``ResultSettings`` (:mod:`roadshow.services.result_settings`).

Every function that reveals a ranking authorises ``RESULTS_MANAGE``: before publication nothing of
it is for anyone but the contest's organisers.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, Assignment, Round, RoundEntry, ScoreSheet, SheetStatus, Track, User,
)
from roadshow.policy import Action, authorize
from roadshow.scoring import model
from roadshow.services.conflicts import conflicted_pairs
from roadshow.services.errors import NotFound
from roadshow.services.result_settings import method_for

# -- what counts --------------------------------------------------------------------------------------

def entered_ids(round_: Round) -> list[int]:
    return list(db.session.scalars(select(RoundEntry.application_id).where(RoundEntry.round_id == round_.id)
                                   .order_by(RoundEntry.application_id)))


def _assigned_pairs(round_: Round) -> set[tuple[int, int]]:
    return {tuple(row) for row in db.session.execute(
        select(Assignment.judge_id, Assignment.application_id).where(Assignment.round_id == round_.id))}


def _criteria_floats(scores: Mapping[str, Any] | None) -> dict[int, float]:
    found = {}
    for key, raw in (scores or {}).items():
        try:
            found[int(key)] = float(Decimal(str(raw)))
        except (ValueError, InvalidOperation):
            continue
    return found


EXCLUDED_DRAFT, EXCLUDED_RECUSED = "draft", "recused"
EXCLUDED_UNASSIGNED, EXCLUDED_CONFLICT, EXCLUDED_NO_TOTAL = "unassigned", "conflict", "no_total"


def exclusion(sheet: ScoreSheet, assigned: set[tuple[int, int]], conflicts: set[tuple[int, int]]) -> str | None:
    """Why ``sheet`` does not count (None when it does). The project's entry is checked by the caller."""
    pair = (sheet.judge_id, sheet.application_id)
    if sheet.status == SheetStatus.DRAFT:
        return EXCLUDED_DRAFT
    if sheet.status == SheetStatus.RECUSED:
        return EXCLUDED_RECUSED
    if pair in conflicts:
        return EXCLUDED_CONFLICT
    if pair not in assigned:
        return EXCLUDED_UNASSIGNED
    if sheet.total is None:
        return EXCLUDED_NO_TOTAL
    return None


def inputs(round_: Round) -> tuple[list[model.Sheet], list[model.Project]]:
    """The sheets that count and the projects entered in the round, as the pure scoring takes them
    (sorted by project, then judge; totals and criterion scores as floats)."""
    entered = entered_ids(round_)
    tracks = {app_id: track_id for app_id, track_id in db.session.execute(
        select(Application.id, Application.track_id).where(Application.id.in_(entered)))} if entered else {}
    projects = [model.Project(id=application_id, track=tracks.get(application_id)) for application_id in entered]
    if not entered:
        return [], projects
    assigned, conflicts = _assigned_pairs(round_), conflicted_pairs(round_.contest)
    rows = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED,
                                 ScoreSheet.application_id.in_(entered))
        .order_by(ScoreSheet.application_id, ScoreSheet.judge_id))
    sheets = [model.Sheet(judge=sheet.judge_id, project=sheet.application_id, total=float(sheet.total),
                          criteria=_criteria_floats(sheet.scores))
              for sheet in rows if exclusion(sheet, assigned, conflicts) is None]
    return sheets, projects


def _compute(sheets, projects, method):
    from roadshow.scoring import results as scoring_results  # R1's module; imported when first used

    return scoring_results.compute(sheets, projects, method)


def compute_round(round_: Round, *, by: User, method: model.Method | None = None) -> model.RoundResult:
    """The round's ranking with its stored method (or ``method``), organisers only."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    sheets, projects = inputs(round_)
    return _compute(sheets, projects, method or method_for(round_))


# -- the organisers' page ----------------------------------------------------------------------------

@dataclass
class ResultView:
    """A computed ranking with what a page needs to show it: names, tracks and the sheets' totals."""

    round: Round
    result: model.RoundResult
    sheets: list[model.Sheet]
    applications: dict[int, Application]
    judges: dict[int, User]
    tracks: list[Track]
    totals: dict[int, list[float]] = field(default_factory=dict)  # project -> its counted totals

    def track_keys(self) -> list[int | None]:
        """Track ids present in the per-track rankings, in the contest's track order (no track last)."""
        order = {track.id: index for index, track in enumerate(self.tracks)}
        return sorted(self.result.by_track, key=lambda key: (key is None, order.get(key, len(order)), key or 0))


def result_view(round_: Round, *, by: User, method: model.Method | None = None) -> ResultView:
    authorize(by, Action.RESULTS_MANAGE, round_)
    sheets, projects = inputs(round_)
    result = _compute(sheets, projects, method or method_for(round_))
    ids = [project.id for project in projects]
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))} \
        if ids else {}
    judge_ids = sorted({sheet.judge for sheet in sheets})
    judges = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(judge_ids)))} if judge_ids else {}
    totals: dict[int, list[float]] = {}
    for sheet in sheets:
        totals.setdefault(sheet.project, []).append(sheet.total)
    tracks = sorted(round_.contest.tracks, key=lambda track: (track.position, track.id))
    return ResultView(round_, result, sheets, applications, judges, tracks, totals)


def live_dict(round_: Round, *, by: User) -> dict:
    """The live computation as JSON-able values, with the projects' names and the judges' names."""
    view = result_view(round_, by=by)
    data = view.result.as_dict()
    names = {app_id: application.project_name for app_id, application in view.applications.items()}
    for row in data["rows"]:
        row["project_name"] = names.get(row["project"], "")
    for rows in data["by_track"].values():
        for row in rows:
            row["project_name"] = names.get(row["project"], "")
    data["projects"] = [{"id": a.id, "name": a.project_name, "track": a.track_id}
                        for a in sorted(view.applications.values(), key=lambda a: a.id)]
    data["judge_names"] = {str(uid): user.display_name for uid, user in view.judges.items()}
    data["round_id"] = round_.id
    return data


# -- one project's sheets (the drill-down) -----------------------------------------------------------

@dataclass
class DrillSheet:
    sheet: ScoreSheet
    judge: User
    excluded: str | None          # why it does not count, or None

    @property
    def counted(self) -> bool:
        return self.excluded is None


def project_sheets(round_: Round, application_id: int, *, by: User) -> tuple[Application, list[DrillSheet]]:
    """Every sheet of one project entered in the round, with the judge, the scores, comments, total
    and source, and whether (or why not) it counts; organisers only. Counted sheets come first."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    application = db.session.get(Application, application_id)
    if application is None or application.contest_id != round_.contest_id \
            or application_id not in set(entered_ids(round_)):
        raise NotFound(_l("Not found."))
    assigned, conflicts = _assigned_pairs(round_), conflicted_pairs(round_.contest)
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id,
                                                         ScoreSheet.application_id == application_id))
    rows = [DrillSheet(sheet, sheet.judge, exclusion(sheet, assigned, conflicts)) for sheet in sheets]
    rows.sort(key=lambda row: (not row.counted, row.judge.display_name.casefold(), row.judge.id))
    return application, rows


__all__ = ["DrillSheet", "ResultView", "compute_round", "entered_ids", "exclusion", "inputs", "live_dict",
           "project_sheets", "result_view"]
