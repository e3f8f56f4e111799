"""What a judge reviews in a round: the round and a project they may review (404 otherwise, concealed like
one that does not exist), and their list of assigned projects, shuffled per judge, each with their sheet."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import (
    Application, Assignment, Conflict as ConflictOfInterest, Round, ScoreSheet, SheetStatus, User,
)
from roadshow.policy import Action, authorize
from roadshow.services.errors import NotFound


@dataclass(frozen=True)
class AssignedProject:
    """One line of a judge's list: the project and the judge's sheet of it (None if not started)."""

    application: Application
    sheet: ScoreSheet | None

    @property
    def status(self) -> SheetStatus | None:
        return self.sheet.status if self.sheet is not None else None

    @property
    def title(self) -> str:
        return self.application.project_name

    @property
    def track(self):
        return self.application.track


def get_round(round_id: int) -> Round:
    found = db.session.get(Round, round_id)
    if found is None:
        raise NotFound(_l("Not found."))
    return found


def get_project(round_: Round, application_id: int, judge: User) -> Application:
    """The application ``application_id`` if ``judge`` may review it in ``round_``, else 404."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_l("Not found."))
    authorize(judge, Action.PROJECT_REVIEW, (round_, application), conceal=True)
    return application


def _order_key(round_: Round, judge: User, application_id: int) -> str:
    return hashlib.sha256(f"{round_.id}:{judge.id}:{application_id}".encode()).hexdigest()


def assigned_projects(round_: Round, judge: User) -> list[AssignedProject]:
    """The judge's assigned projects of ``round_`` that they are not conflicted on, in an order
    shuffled per judge (stable across visits), each with the judge's sheet."""
    authorize(judge, Action.ROUND_REVIEW, round_, conceal=True)
    conflicted = set(db.session.scalars(
        select(ConflictOfInterest.application_id).where(ConflictOfInterest.judge_id == judge.id,
                                                        ConflictOfInterest.active.is_(True))
    ))
    applications = db.session.scalars(
        select(Application).options(selectinload(Application.track))
        .join(Assignment, Assignment.application_id == Application.id).where(
            Assignment.round_id == round_.id, Assignment.judge_id == judge.id,
            Application.contest_id == round_.contest_id)
    ).all()
    sheets = {
        sheet.application_id: sheet for sheet in db.session.scalars(
            select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.judge_id == judge.id))
    }
    visible = [a for a in applications if a.id not in conflicted]
    visible.sort(key=lambda a: _order_key(round_, judge, a.id))
    return [AssignedProject(a, sheets.get(a.id)) for a in visible]


__all__ = ["AssignedProject", "assigned_projects", "get_project", "get_round"]
