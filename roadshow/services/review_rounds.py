"""A scored round's review set-up: its settings, its projects (round entries) and opening scoring.

Rounds themselves are created with the contest set-up (:mod:`roadshow.services.contest_setup`);
here only rounds judges score (``round.is_scored``) are concerned.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationStatus, Assignment, Contest, Criterion, Round, RoundEntry, ScoreSheet, SheetStatus, User,
    utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.services.audit import record
from roadshow.services.errors import Conflict, Invalid, NotFound

MIN_K, MAX_K = 1, 20
ENTERABLE = (ApplicationStatus.SCREENED_IN, ApplicationStatus.ADVANCED)


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    projects: int
    judges: int  # distinct judges with at least one assignment in the round
    assignments: int
    criteria: int


def get_round(contest: Contest, round_id: int, by: User) -> Round:
    """A scored round of ``contest`` that ``by`` manages; any other id is not found."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id or not round_.is_scored:
        raise NotFound(_l("Not found."))
    authorize(by, Action.ROUND_MANAGE, round_)
    return round_


def _count(query) -> int:
    return db.session.scalar(query) or 0


def overview(contest: Contest, by: User) -> list[RoundSummary]:
    """The contest's scored rounds in order, with their counts."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    summaries = []
    for round_ in sorted(contest.rounds, key=lambda r: r.position):
        if not round_.is_scored:
            continue
        summaries.append(RoundSummary(
            round=round_,
            projects=_count(select(func.count()).select_from(RoundEntry).where(RoundEntry.round_id == round_.id)),
            judges=_count(select(func.count(func.distinct(Assignment.judge_id))).where(
                Assignment.round_id == round_.id)),
            assignments=_count(select(func.count()).select_from(Assignment).where(Assignment.round_id == round_.id)),
            criteria=_count(select(func.count()).select_from(Criterion).where(Criterion.round_id == round_.id)),
        ))
    return summaries


def entries(round_: Round) -> list[RoundEntry]:
    """The round's projects, by project name."""
    return list(db.session.scalars(
        select(RoundEntry).join(RoundEntry.application).where(RoundEntry.round_id == round_.id)
        .options(selectinload(RoundEntry.application).selectinload(Application.track))
        .order_by(Application.project_name, Application.id)
    ))


def entered_ids(round_: Round) -> set[int]:
    return set(db.session.scalars(select(RoundEntry.application_id).where(RoundEntry.round_id == round_.id)))


def is_entered(round_: Round, application_id: int) -> bool:
    return db.session.scalar(select(RoundEntry.id).where(RoundEntry.round_id == round_.id,
                                                         RoundEntry.application_id == application_id)) is not None


def enter_screened_in(round_: Round, *, by: User) -> int:
    """Enter every application of the contest screened in or advanced that is not in the round yet;
    returns how many were entered."""
    authorize(by, Action.ROUND_MANAGE, round_)
    already = select(RoundEntry.application_id).where(RoundEntry.round_id == round_.id)
    candidates = list(db.session.scalars(
        select(Application.id).where(Application.contest_id == round_.contest_id, Application.status.in_(ENTERABLE),
                                     Application.id.not_in(already)).order_by(Application.id)))
    for application_id in candidates:
        db.session.add(RoundEntry(round_id=round_.id, application_id=application_id, entered_by_id=by.id,
                                  reason="screened in"))
    db.session.flush()
    if candidates:
        record("round.entries_added", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id,
               new={"application_ids": candidates, "count": len(candidates)}, actor=by)
    return len(candidates)


def remove_entry(round_: Round, application_id: int, *, by: User) -> None:
    """Take a project out of the round, with its assignments there. Refused (409) once a judge has
    submitted a sheet for it in this round; draft sheets are kept (hidden, as unassigned)."""
    authorize(by, Action.ROUND_MANAGE, round_)
    entry = db.session.scalar(select(RoundEntry).where(RoundEntry.round_id == round_.id,
                                                       RoundEntry.application_id == application_id))
    if entry is None:
        raise NotFound(_l("Not found."))
    submitted = _count(select(func.count()).select_from(ScoreSheet).where(
        ScoreSheet.round_id == round_.id, ScoreSheet.application_id == application_id,
        ScoreSheet.status == SheetStatus.SUBMITTED))
    if submitted:
        raise Conflict(_l("Judges have already submitted %(n)d sheet(s) for this project in this round; "
                          "it cannot be removed.", n=submitted))
    assignments = list(db.session.scalars(select(Assignment).where(
        Assignment.round_id == round_.id, Assignment.application_id == application_id)))
    for assignment in assignments:
        record("assignment.removed", obj_type="assignment", obj_id=assignment.id, contest_id=round_.contest_id,
               old={"round_id": round_.id, "judge_id": assignment.judge_id, "application_id": application_id,
                    "source": assignment.source},
               new={"reason": "project removed from the round"}, actor=by)
        db.session.delete(assignment)
    record("round.entry_removed", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id,
           old={"application_id": application_id, "assignments": len(assignments)}, actor=by)
    db.session.delete(entry)
    db.session.flush()


def update_settings(round_: Round, *, by: User, judges_per_project: int, judges_see_peer_scores: bool) -> None:
    authorize(by, Action.ROUND_MANAGE, round_)
    if isinstance(judges_per_project, bool) or not isinstance(judges_per_project, int) \
            or not MIN_K <= judges_per_project <= MAX_K:
        raise Invalid(_l("Judges per project is a whole number from %(min)d to %(max)d.", min=MIN_K, max=MAX_K),
                      field="judges_per_project")
    old = {"judges_per_project": round_.judges_per_project, "judges_see_peer_scores": round_.judges_see_peer_scores}
    new = {"judges_per_project": judges_per_project, "judges_see_peer_scores": bool(judges_see_peer_scores)}
    if old == new:
        return
    round_.judges_per_project = judges_per_project
    round_.judges_see_peer_scores = bool(judges_see_peer_scores)
    db.session.flush()
    record("round.settings_changed", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id,
           old=old, new=new, actor=by)


def open_scoring(round_: Round, *, by: User) -> None:
    """Open the round's scoring: judges may fill sheets, and the rubric is frozen from now on."""
    authorize(by, Action.ROUND_MANAGE, round_)
    if round_.rubric_frozen:
        raise Conflict(_l("Scoring of this round is already open."))
    count = _count(select(func.count()).select_from(Criterion).where(Criterion.round_id == round_.id))
    if not count:
        raise Invalid(_l("The rubric has no criteria: add at least one before opening scoring."))
    round_.scoring_opened_at = utcnow()
    db.session.flush()
    record("round.scoring_opened", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id,
           new={"scoring_opened_at": round_.scoring_opened_at, "criteria": count}, actor=by)


__all__ = ["ENTERABLE", "MAX_K", "MIN_K", "RoundSummary", "enter_screened_in", "entered_ids", "entries", "get_round",
           "is_entered", "open_scoring", "overview", "remove_entry", "update_settings"]
