"""Which judges review which projects of a round: by hand, from a spreadsheet, or by the solver.

* A judge must hold the judge role in the contest and the project must be entered in the round.
* A pair with an active conflict of interest is refused, unless an organiser gives a reason to
  override it (stored on the assignment and logged). The policy still hides a conflicted project from
  the judge, so such an assignment only takes effect if the conflict is lifted.
* Assignments can also come from a spreadsheet: see :mod:`roadshow.services.assignment_import`.
* The solver (:mod:`roadshow.assignment`) is fed the round from the database and only ever adds
  pairs: settled pairs never move. A settled pair that is a conflict is not counted by the solver
  (the judge cannot see the project), so it refills that slot; the pair stays in the database, is
  listed in the run's summary, and the organiser decides whether to remove it.
* Every change is in the audit log: ``assignment.added``, ``assignment.removed``,
  ``assignment.override``, ``assignment.solver_run``.
"""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from roadshow import assignment as solver
from roadshow.extensions import db
from roadshow.models import (
    Application, Assignment, AssignmentRun, AssignmentSource, Conflict, ConflictSource, ContestRole, JudgeProfile,
    Role, Round, ScoreSheet, SheetStatus, User,
)
from roadshow.policy import Action, authorize
from roadshow.services import conflicts as conflict_service
from roadshow.services.audit import record
from roadshow.services.errors import Conflict as ConflictError, Invalid, NotFound
from roadshow.services.review_rounds import entries, is_entered

MAX_SEED = 2**31
MAX_REASON = 2000
REASON_NOT_ASSIGNED = "not assigned yet"
REASON_LABELS = {
    solver.REASON_TOO_FEW_JUDGES: _l("Fewer judges in the contest than judges per project."),
    solver.REASON_CONFLICTS: _l("Not enough judges without a conflict of interest."),
    solver.REASON_LOAD_CAP: _l("The judges free to take it have reached their load cap."),
    REASON_NOT_ASSIGNED: _l("Not assigned yet: run the solver or assign by hand."),
}


# -- reading -------------------------------------------------------------------------------------

def judges(contest_id: int) -> list[User]:
    """The contest's judges, by name."""
    return list(db.session.scalars(
        select(User).join(ContestRole, ContestRole.user_id == User.id)
        .where(ContestRole.contest_id == contest_id, ContestRole.role == Role.JUDGE)
        .order_by(User.display_name, User.email)))


def profiles(contest_id: int) -> dict[int, JudgeProfile]:
    return {p.user_id: p for p in db.session.scalars(select(JudgeProfile).where(JudgeProfile.contest_id == contest_id))}


def of_round(round_: Round) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.round_id == round_.id)
        .options(selectinload(Assignment.judge)).order_by(Assignment.application_id, Assignment.id)))


def runs(round_: Round, limit: int = 10) -> list[AssignmentRun]:
    return list(db.session.scalars(select(AssignmentRun).where(AssignmentRun.round_id == round_.id)
                                   .order_by(AssignmentRun.id.desc()).limit(limit)))


def active_conflicts(contest_id: int) -> dict[tuple[int, int], Conflict]:
    return {(c.judge_id, c.application_id): c for c in db.session.scalars(
        select(Conflict).where(Conflict.contest_id == contest_id, Conflict.active.is_(True)))}


def _active_conflict(judge_id: int, application_id: int) -> Conflict | None:
    return db.session.scalar(select(Conflict).where(Conflict.judge_id == judge_id,
                                                    Conflict.application_id == application_id,
                                                    Conflict.active.is_(True)))


def _is_judge(contest_id: int, user_id: int) -> bool:
    return db.session.scalar(select(ContestRole.id).where(
        ContestRole.contest_id == contest_id, ContestRole.user_id == user_id, ContestRole.role == Role.JUDGE)
    ) is not None


def _find(round_: Round, judge_id: int, application_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.round_id == round_.id,
                                                      Assignment.judge_id == judge_id,
                                                      Assignment.application_id == application_id))


def conflict_message(conflict: Conflict, judge: User, application: Application) -> str:
    what = {
        ConflictSource.DECLARED: _("%(judge)s has declared a conflict of interest with %(project)s"),
        ConflictSource.DETECTED: _("%(judge)s was detected to have a conflict of interest with %(project)s"),
        ConflictSource.ORGANIZER: _("An organiser recorded a conflict of interest between %(judge)s and %(project)s"),
    }[conflict.source] % {"judge": judge.display_name, "project": application.project_name}
    return f"{what}: {conflict.reason}" if conflict.reason else what


def _audit_values(round_: Round, judge_id: int, application_id: int, a: Assignment | None = None) -> dict:
    values = {"round_id": round_.id, "judge_id": judge_id, "application_id": application_id}
    if a is not None:
        values.update(source=a.source, run_id=a.run_id, override_reason=a.override_reason or None)
    return values


# -- by hand -------------------------------------------------------------------------------------

def _check_pair(round_: Round, judge: User, application: Application) -> None:
    if application.contest_id != round_.contest_id or not is_entered(round_, application.id):
        raise Invalid(_l("%(project)s is not entered in this round.", project=application.project_name),
                      field="application_id")
    if not _is_judge(round_.contest_id, judge.id):
        raise Invalid(_l("%(name)s is not a judge of this contest.", name=judge.display_name), field="judge_id")


def assign(round_: Round, judge: User, application: Application, *, by: User, override_reason: str | None = None,
           source: AssignmentSource = AssignmentSource.MANUAL, run_id: int | None = None) -> Assignment:
    """Assign ``judge`` to review ``application`` in ``round_``.

    Refused: a judge who is not one (422), a project not in the round (422), a pair already
    assigned (409), a pair with an active conflict of interest (422, naming the conflict) unless
    ``override_reason`` is given, which is stored and logged as ``assignment.override``.
    """
    authorize(by, Action.ROUND_MANAGE, round_)
    if source == AssignmentSource.MANUAL:
        conflict_service.detect(round_.contest)
    _check_pair(round_, judge, application)
    if _find(round_, judge.id, application.id) is not None:
        raise ConflictError(_l("%(judge)s is already assigned to %(project)s.", judge=judge.display_name,
                               project=application.project_name))
    reason = (override_reason or "").strip()[:MAX_REASON]
    conflict = _active_conflict(judge.id, application.id)
    if conflict is not None and not reason:
        raise Invalid(conflict_message(conflict, judge, application)
                      + " " + _("Give a reason to override it, or choose another judge."), field="judge_id")
    if conflict is None:
        reason = ""
    row = Assignment(round_id=round_.id, judge_id=judge.id, application_id=application.id, source=source,
                     run_id=run_id, override_reason=reason, created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    record("assignment.added", obj_type="assignment", obj_id=row.id, contest_id=round_.contest_id,
           new=_audit_values(round_, judge.id, application.id, row), actor=by)
    if conflict is not None:
        record("assignment.override", obj_type="assignment", obj_id=row.id, contest_id=round_.contest_id,
               new={**_audit_values(round_, judge.id, application.id), "conflict_id": conflict.id,
                    "conflict_source": conflict.source, "conflict_reason": conflict.reason,
                    "override_reason": reason}, actor=by)
    return row


def unassign(round_: Round, judge: User, application: Application, *, by: User) -> None:
    """Remove an assignment; refused (409) once the judge has submitted a sheet for it. A draft sheet
    is kept (the judge no longer sees it; assigning them again brings it back)."""
    authorize(by, Action.ROUND_MANAGE, round_)
    row = _find(round_, judge.id, application.id)
    if row is None:
        raise NotFound(_l("%(judge)s is not assigned to %(project)s.", judge=judge.display_name,
                          project=application.project_name))
    submitted = db.session.scalar(select(ScoreSheet.id).where(
        ScoreSheet.round_id == round_.id, ScoreSheet.judge_id == judge.id, ScoreSheet.application_id == application.id,
        ScoreSheet.status == SheetStatus.SUBMITTED))
    if submitted is not None:
        raise ConflictError(_l("%(judge)s has already submitted a sheet for %(project)s; unlock it first if it "
                               "must go.", judge=judge.display_name, project=application.project_name))
    record("assignment.removed", obj_type="assignment", obj_id=row.id, contest_id=round_.contest_id,
           old=_audit_values(round_, judge.id, application.id, row), actor=by)
    db.session.delete(row)
    db.session.flush()


def reassign(round_: Round, application: Application, from_judge: User, to_judge: User, *, by: User,
             override_reason: str | None = None) -> Assignment:
    """Move ``application`` from one judge to another in one transaction (the caller's)."""
    if from_judge.id == to_judge.id:
        raise Invalid(_l("Choose another judge to take the project over."), field="to_judge_id")
    unassign(round_, from_judge, application, by=by)
    return assign(round_, to_judge, application, by=by, override_reason=override_reason)


# -- the solver ----------------------------------------------------------------------------------

def _tracks(profile: JudgeProfile | None) -> frozenset:
    if profile is None:
        return frozenset()
    tracks = set()
    for value in profile.expertise_track_ids or ():
        try:
            tracks.add(int(value))
        except (TypeError, ValueError):
            continue
    return frozenset(tracks)


def build_request(round_: Round, seed: int = 0) -> tuple[solver.Request, list[Assignment]]:
    """The solver's request for the round as it stands, and the round's assignments (settled).

    Judges who hold a settled pair but are no longer judges of the contest are kept in the request
    with no room left (max_load 0), so that their pairs stay settled; pairs on projects no longer
    entered are left out (removing an entry removes its assignments).
    """
    contest_id = round_.contest_id
    pool = judges(contest_id)
    judge_profiles = profiles(contest_id)
    projects = {e.application_id: e.application for e in entries(round_)}
    current = [a for a in of_round(round_) if a.application_id in projects]
    people = [solver.Judge(u.id, _tracks(judge_profiles.get(u.id)),
                           judge_profiles[u.id].max_load if u.id in judge_profiles else None) for u in pool]
    known = {u.id for u in pool}
    people += [solver.Judge(j, frozenset(), 0) for j in sorted({a.judge_id for a in current} - known)]
    request = solver.Request(
        judges=tuple(people),
        projects=tuple(solver.Project(a.id, a.track_id) for a in projects.values()),
        k=round_.judges_per_project,
        conflicts=frozenset(active_conflicts(contest_id)),
        settled=frozenset((a.judge_id, a.application_id) for a in current),
        seed=seed,
    )
    return request, current


def _shortfalls(request: solver.Request, shortfalls, names: dict[int, str]) -> list[dict]:
    rows = []
    for short in shortfalls:
        reason = short.reason
        on_it = request.k - short.needed
        free = len(request.judges) - short.conflicted - on_it - short.capped
        if reason == solver.REASON_LOAD_CAP and free > 0:
            reason = REASON_NOT_ASSIGNED  # someone could take it: nobody has assigned them yet
        rows.append({"application_id": short.project_id, "project_name": names.get(short.project_id, ""),
                     "needed": short.needed, "reason": reason, "conflicted": short.conflicted,
                     "capped": short.capped})
    return rows


def run_solver(round_: Round, *, by: User, seed: int | None = None) -> AssignmentRun:
    """Give every project of the round up to k judges with the solver, keeping what is assigned.

    Records an :class:`AssignmentRun` (seed, k, summary) and one solver-made assignment per new pair.
    """
    authorize(by, Action.ROUND_MANAGE, round_)
    conflict_service.detect(round_.contest)  # a judge whose institution or team changed since
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < MAX_SEED:
        raise Invalid(_l("The seed is a whole number from 0 to %(max)d.", max=MAX_SEED - 1), field="seed")
    request, _current = build_request(round_, seed)
    if not request.projects:
        raise Invalid(_l("No projects are entered in this round yet."))
    if not any(j.max_load != 0 for j in request.judges):
        raise Invalid(_l("The contest has no judges to assign."))
    result = solver.solve(request)
    names = {e.application_id: e.application.project_name for e in entries(round_)}
    pool = {u.id for u in judges(round_.contest_id)}
    loads = [result.loads[j] for j in pool] or [0]
    experts = {j.id: j for j in request.judges}
    tracks = {p.id: p for p in request.projects}
    summary = {
        "added": len(result.added),
        "kept": len(request.settled - result.conflicted_settled),
        "projects": len(request.projects),
        "judges": len(pool),
        "k": request.k,
        "expert_pairs": sum(solver.is_expert(experts[j], tracks[p]) for j, p in result.added),
        "loads": {"min": min(loads), "max": max(loads)},
        "shortfalls": _shortfalls(request, result.shortfalls, names),
        "conflicted_settled": [{"judge_id": j, "application_id": p, "project_name": names.get(p, "")}
                               for j, p in sorted(result.conflicted_settled)],
    }
    run = AssignmentRun(round_id=round_.id, seed=seed, judges_per_project=request.k, created_by_id=by.id,
                        summary=summary)
    db.session.add(run)
    db.session.flush()
    for judge_id, application_id in sorted(result.added):
        db.session.add(Assignment(round_id=round_.id, judge_id=judge_id, application_id=application_id,
                                  source=AssignmentSource.SOLVER, run_id=run.id, created_by_id=by.id))
    db.session.flush()
    record("assignment.solver_run", obj_type="assignment_run", obj_id=run.id, contest_id=round_.contest_id,
           new={"round_id": round_.id, "seed": seed, "k": request.k, "added": summary["added"],
                "kept": summary["kept"], "shortfalls": len(summary["shortfalls"]),
                "pairs": [list(pair) for pair in sorted(result.added)]}, actor=by)
    return run


# -- coverage ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    """One project of the round: its judges (those who can review it, and those assigned despite
    a conflict, who cannot), against k; ``reason`` (a key of REASON_LABELS) when short."""

    application: Application
    judges: list[Assignment]
    conflicted: list[Assignment]
    k: int
    reason: str | None = None
    conflicted_judges: int = 0  # judges of the contest in conflict with it
    capped_judges: int = 0

    @property
    def count(self) -> int:
        return len(self.judges)

    @property
    def missing(self) -> int:
        return max(0, self.k - self.count)


def coverage(round_: Round) -> list[Coverage]:
    """Every project of the round, with how many judges can review it against k, and why it is short."""
    request, current = build_request(round_)
    conflicts = request.conflicts
    effective = frozenset(request.settled - conflicts)
    loads = Counter(j for j, _p in effective)
    shortfalls = {s["application_id"]: s for s in _shortfalls(
        request, solver.coverage(request, effective, {j.id: loads[j.id] for j in request.judges}), {})}
    by_project: dict[int, list[Assignment]] = {}
    for row in current:
        by_project.setdefault(row.application_id, []).append(row)
    rows = []
    for entry in entries(round_):
        assigned = by_project.get(entry.application_id, [])
        short = shortfalls.get(entry.application_id)
        rows.append(Coverage(
            application=entry.application,
            judges=[a for a in assigned if (a.judge_id, a.application_id) not in conflicts],
            conflicted=[a for a in assigned if (a.judge_id, a.application_id) in conflicts],
            k=request.k,
            reason=short["reason"] if short else None,
            conflicted_judges=short["conflicted"] if short else 0,
            capped_judges=short["capped"] if short else 0,
        ))
    return rows


def loads(round_: Round) -> dict[int, int]:
    """How many projects of the round each judge is assigned (conflicted pairs included)."""
    return dict(Counter(a.judge_id for a in of_round(round_)))


__all__ = ["Coverage", "REASON_LABELS", "active_conflicts", "assign", "build_request", "conflict_message",
           "coverage", "judges", "loads", "of_round", "profiles", "reassign", "run_solver", "runs", "unassign"]
