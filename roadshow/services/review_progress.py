"""Organisers' oversight of a round's review: the progress board and reminders (one project's sheets and
unlocking them are in :mod:`roadshow.services.sheet_unlock`).

The board counts sheets per judge and per project; it never shows score values (the drill-down of
one project does, for organisers). An assignment whose judge has an active conflict with the
project is not expected to produce a sheet: it is flagged for reassignment instead.

Reminders are rate-limited per judge and round (one an hour) from the audit log: each reminder
run records a ``review.reminded`` entry on the round listing the judges it emailed, and the entries
of the last hour say who may not be reminded again yet. The audit log is append-only and tied to
the round, so it is the record of who was reminded; the outbox knows only addresses and subjects.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, url_for
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.mail import send_mail
from roadshow.models import (
    Application, Assignment, AuditEntry, Round, RoundEntry, ScoreSheet, SheetStatus, User, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.services import audit
from roadshow.services.conflicts import conflicted_pairs

DUE_SOON = timedelta(hours=48)
REMIND_INTERVAL = timedelta(hours=1)
CONFLICT = "conflict"
NOT_STARTED = "not_started"


# -- the board -----------------------------------------------------------------------------------

@dataclass
class JudgeProgress:
    judge_id: int
    name: str
    email: str
    assigned: int = 0
    not_started: int = 0
    draft: int = 0
    submitted: int = 0
    recused: int = 0
    conflicts: int = 0
    last_activity: datetime | None = None
    late: bool = False
    due_soon: bool = False

    @property
    def expected(self) -> int:
        """Assignments that should end in a submitted or recused sheet (conflicted ones excluded)."""
        return self.assigned - self.conflicts

    @property
    def done(self) -> int:
        return self.submitted + self.recused

    @property
    def outstanding(self) -> int:
        return self.not_started + self.draft


@dataclass
class ProjectProgress:
    application_id: int
    name: str
    k: int
    assigned: int = 0
    not_started: int = 0
    draft: int = 0
    submitted: int = 0
    recused: int = 0
    conflicted_judges: list[int] = field(default_factory=list)

    @property
    def expected(self) -> int:
        """Judges expected to score the project: assigned, not conflicted, not recused."""
        return self.assigned - len(self.conflicted_judges) - self.recused

    @property
    def missing(self) -> int:
        """How many more judges the project needs to reach k."""
        return max(0, self.k - self.expected)


@dataclass
class Board:
    round_id: int
    closes_at: datetime | None
    judges: list[JudgeProgress]
    projects: list[ProjectProgress]
    expected: int = 0
    submitted: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 0

    def as_json(self) -> dict:
        def judge(row: JudgeProgress) -> dict:
            data = asdict(row)
            data["last_activity"] = row.last_activity.isoformat() if row.last_activity else None
            data.update(expected=row.expected, done=row.done, outstanding=row.outstanding)
            return data

        def project(row: ProjectProgress) -> dict:
            return {**asdict(row), "expected": row.expected, "missing": row.missing}

        return {
            "round_id": self.round_id,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
            "totals": {"expected": self.expected, "submitted": self.submitted, "percent": self.percent},
            "judges": [judge(row) for row in self.judges],
            "projects": [project(row) for row in self.projects],
        }


def _assignments(round_: Round) -> list[tuple[int, int]]:
    """(judge id, application id) of the round's assignments."""
    return [(judge_id, application_id) for judge_id, application_id in db.session.execute(
        select(Assignment.judge_id, Assignment.application_id).where(Assignment.round_id == round_.id)
        .order_by(Assignment.id))]


def sheets_by_pair(round_: Round) -> dict[tuple[int, int], ScoreSheet]:
    return {(sheet.judge_id, sheet.application_id): sheet
            for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id))}


def _assignment_state(pair: tuple[int, int], sheets, conflicts) -> str:
    if pair in conflicts:
        return CONFLICT
    sheet = sheets.get(pair)
    return NOT_STARTED if sheet is None else sheet.status.value


def board(round_: Round, *, by: User, now: datetime | None = None) -> Board:
    """Counts and statuses of the round's sheets, per judge and per project (no score values)."""
    authorize(by, Action.ROUND_MANAGE, round_)
    now = now or utcnow()
    sheets, conflicts = sheets_by_pair(round_), conflicted_pairs(round_.contest)
    assignments = _assignments(round_)
    judge_ids = sorted({judge_id for judge_id, _ in assignments})
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(judge_ids)))}
    judges = {judge_id: JudgeProgress(judge_id, users[judge_id].display_name, users[judge_id].email)
              for judge_id in judge_ids}
    entries = db.session.execute(
        select(Application.id, Application.project_name).join(RoundEntry, RoundEntry.application_id == Application.id)
        .where(RoundEntry.round_id == round_.id).order_by(Application.project_name, Application.id)
    ).all()
    projects = {app_id: ProjectProgress(app_id, name, round_.judges_per_project) for app_id, name in entries}
    totals = Board(round_.id, round_.closes_at, [], [])
    for judge_id, application_id in assignments:
        state = _assignment_state((judge_id, application_id), sheets, conflicts)
        judge = judges[judge_id]
        project = projects.get(application_id)
        if project is None:  # assigned without being entered in the round: still show it
            application = db.session.get(Application, application_id)
            project = projects[application_id] = ProjectProgress(application_id, application.project_name,
                                                                 round_.judges_per_project)
        judge.assigned += 1
        project.assigned += 1
        if state == CONFLICT:
            judge.conflicts += 1
            project.conflicted_judges.append(judge_id)
            continue
        setattr(judge, state, getattr(judge, state) + 1)
        setattr(project, state, getattr(project, state) + 1)
        sheet = sheets.get((judge_id, application_id))
        if sheet is not None and (judge.last_activity is None or sheet.updated_at > judge.last_activity):
            judge.last_activity = sheet.updated_at
        if state != SheetStatus.RECUSED:
            totals.expected += 1
        if state == SheetStatus.SUBMITTED:
            totals.submitted += 1
    for judge in judges.values():
        if judge.outstanding and round_.closes_at is not None:
            judge.late = round_.closes_at <= now
            judge.due_soon = not judge.late and round_.closes_at - now <= DUE_SOON
    totals.judges = sorted(judges.values(), key=lambda row: (row.name.casefold(), row.judge_id))
    totals.projects = list(projects.values())
    return totals


# -- links and dates in emails ---------------------------------------------------------------------

def judge_link(endpoint: str, **values) -> str:
    """An absolute link into the judge's workspace."""
    return url_for(endpoint, _external=True, **values)


def deadline_text(round_: Round, locale: str) -> str | None:
    if round_.closes_at is None:
        return None
    tz = round_.contest.timezone
    try:
        text = format_datetime(round_.closes_at, format="medium", tzinfo=ZoneInfo(tz), locale=locale)
    except (ValueError, LookupError):
        text = format_datetime(round_.closes_at, format="medium", tzinfo=ZoneInfo(tz), locale="en")
    return f"{text} ({tz})"


def judge_locale(user: User) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


# -- reminders -------------------------------------------------------------------------------------

def recently_reminded(round_: Round, *, now: datetime | None = None) -> set[int]:
    """Judges reminded of ``round_`` within the last hour, from the ``review.reminded`` audit entries."""
    since = (now or utcnow()) - REMIND_INTERVAL
    entries = db.session.scalars(select(AuditEntry.new_values).where(
        AuditEntry.action == "review.reminded", AuditEntry.object_type == "round",
        AuditEntry.object_id == round_.id, AuditEntry.at >= since))
    return {int(judge_id) for values in entries for judge_id in (values or {}).get("judge_ids", [])}


def _outstanding(round_: Round) -> dict[int, int]:
    """Judge id -> assignments of the round not yet submitted or recused (conflicted ones excluded)."""
    sheets, conflicts = sheets_by_pair(round_), conflicted_pairs(round_.contest)
    counts: dict[int, int] = {}
    for pair in _assignments(round_):
        if _assignment_state(pair, sheets, conflicts) in (NOT_STARTED, SheetStatus.DRAFT):
            counts[pair[0]] = counts.get(pair[0], 0) + 1
    return counts


def remindable(round_: Round, *, by: User, now: datetime | None = None) -> list[int]:
    """Judges with outstanding sheets who have not been reminded within the hour ("remind all")."""
    authorize(by, Action.ROUND_MANAGE, round_)
    skip = recently_reminded(round_, now=now)
    return sorted(judge_id for judge_id in _outstanding(round_) if judge_id not in skip)


def remind(round_: Round, judge_ids, *, by: User) -> int:
    """Email each selected judge who still has sheets to finish; returns how many were emailed.

    Judges with nothing outstanding, judges not assigned in the round and judges reminded of this
    round within the last hour are skipped.
    """
    authorize(by, Action.ROUND_MANAGE, round_)
    # Two organisers reminding at once: on PostgreSQL the round's row lock makes the second wait for
    # the first's audit entry (on SQLite the write transaction already serialises them).
    db.session.execute(select(Round.id).where(Round.id == round_.id).with_for_update())
    outstanding = _outstanding(round_)
    skip = recently_reminded(round_)
    selected = sorted({int(judge_id) for judge_id in judge_ids} & set(outstanding) - skip)
    if not selected:
        return 0
    link = judge_link("judge_workspace.round", round_id=round_.id)
    for judge in db.session.scalars(select(User).where(User.id.in_(selected)).order_by(User.id)):
        locale = judge_locale(judge)
        send_mail(judge.email, "review_reminder_subject.txt", "review_reminder.txt", locale=locale,
                  judge=judge, round=round_, contest=round_.contest, outstanding=outstanding[judge.id],
                  deadline=deadline_text(round_, locale), link=link)
    audit.record("review.reminded", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id,
                 new={"judge_ids": selected}, actor=by)
    return len(selected)
