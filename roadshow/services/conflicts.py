"""Conflicts of interest between judges and projects: detected, declared by judges, added or lifted
by organisers.

One :class:`~roadshow.models.Conflict` row per (judge, project), whatever its source. Detection
never re-creates a pair that already has a row, so a conflict an organiser lifted stays lifted; a
judge's own declaration always wins, and brings back a lifted conflict with the judge's reason.
Every change is in the audit log with its old and new values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, ApplicationStatus, Assignment, Conflict, ConflictDeclaration, ConflictSource,
    Contest, ContestRole, JudgeProfile, Role, Round, RoundEntry, User, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.services import audit
from roadshow.services.errors import Conflict as Clash, Invalid, NotFound

MAX_REASON_LENGTH = 500
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "qq.com", "163.com", "126.com", "outlook.com", "hotmail.com", "yahoo.com", "foxmail.com",
    "sina.com", "icloud.com",
})
EXCLUDED_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def _values(conflict: Conflict) -> dict:
    return {"judge_id": conflict.judge_id, "application_id": conflict.application_id, "source": conflict.source,
            "reason": conflict.reason, "active": conflict.active, "lift_reason": conflict.lift_reason}


def _record(action: str, conflict: Conflict, *, old: dict | None, by: User | None) -> None:
    audit.record(action, obj_type="conflict", obj_id=conflict.id, contest_id=conflict.contest_id, old=old,
                 new=_values(conflict), actor=by)


def _clean_reason(reason: str | None, field_name: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid(_l("Give a reason."), field=field_name, details={field_name: str(_l("Give a reason."))})
    if len(text) > MAX_REASON_LENGTH:
        message = str(_l("At most %(n)d characters.", n=MAX_REASON_LENGTH))
        raise Invalid(message, field=field_name, details={field_name: message})
    return text


def _domain(email: str | None) -> str:
    _local, at, domain = (email or "").strip().lower().rpartition("@")
    return domain if at and domain and domain not in PUBLIC_MAIL_DOMAINS else ""


def _institution(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def judge_ids(contest: Contest) -> list[int]:
    return list(db.session.scalars(
        select(ContestRole.user_id).where(ContestRole.contest_id == contest.id, ContestRole.role == Role.JUDGE)
    ))


def _existing_row(judge_id: int, application_id: int) -> Conflict | None:
    return db.session.scalar(
        select(Conflict).where(Conflict.judge_id == judge_id, Conflict.application_id == application_id)
    )


# --- detection --------------------------------------------------------------------------------


def _detected_reasons(judge: User, institution: str, application: Application) -> list[str]:
    reasons = []
    member_users = [member.user for member in application.members]
    if any(user.id == judge.id for user in member_users):
        reasons.append(_("The judge is a member of the team."))
    if institution and institution == _institution(application.leader_institution):
        reasons.append(_("Same institution as the team leader: %(name)s", name=application.leader_institution.strip()))
    domain = _domain(judge.email)
    if domain and domain in {_domain(email) for email in [application.contact_email,
                                                           *(user.email for user in member_users)]}:
        reasons.append(_("Same email domain as the team: %(domain)s", domain=domain))
    return reasons


def detect(contest: Contest, *, by: User | None = None) -> int:
    """Add a detected conflict for every judge and project of ``contest`` (drafts and withdrawn
    applications aside) where the judge's institution is the team leader's, the judge's email
    domain (big public mail services aside) is a team member's or the contact's, or the judge is on
    the team. Pairs that already have a row, active or lifted, are left alone. Returns how many were
    added; running it again adds none."""
    if by is not None:
        authorize(by, Action.CONTEST_MANAGE, contest)
    judges = list(db.session.scalars(select(User).where(User.id.in_(judge_ids(contest)))))
    if not judges:
        return 0
    institutions = {user_id: institution for user_id, institution in db.session.execute(
        select(JudgeProfile.user_id, JudgeProfile.institution).where(JudgeProfile.contest_id == contest.id))}
    applications = list(db.session.scalars(
        select(Application).where(Application.contest_id == contest.id, Application.status.not_in(EXCLUDED_STATUSES))
        .options(selectinload(Application.members).selectinload(ApplicationMember.user)).order_by(Application.id)
    ))
    taken = {tuple(row) for row in db.session.execute(
        select(Conflict.judge_id, Conflict.application_id).where(Conflict.contest_id == contest.id))}
    created = 0
    for judge in judges:
        institution = _institution(institutions.get(judge.id))
        for application in applications:
            if (judge.id, application.id) in taken:
                continue
            reasons = _detected_reasons(judge, institution, application)
            if not reasons:
                continue
            conflict = Conflict(contest_id=contest.id, judge_id=judge.id, application_id=application.id,
                                source=ConflictSource.DETECTED, reason=" ".join(reasons), active=True,
                                created_by_id=by.id if by is not None else None)
            db.session.add(conflict)
            db.session.flush()
            _record("conflict.detected", conflict, old=None, by=by)
            created += 1
    return created


# --- the judge's declaration ------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationProject:
    """What a judge may know of a project before declaring: no materials, no scores."""

    application_id: int
    title: str
    leader: str
    institution: str


def projects_for_declaration(round_: Round) -> list[DeclarationProject]:
    rows = db.session.execute(
        select(Application.id, Application.project_name, Application.leader_name, Application.leader_institution)
        .join(RoundEntry, RoundEntry.application_id == Application.id)
        .where(RoundEntry.round_id == round_.id)
        .order_by(Application.project_name, Application.id)
    )
    return [DeclarationProject(*row) for row in rows]


def declared_conflicts(round_: Round, judge: User) -> list[Conflict]:
    """The judge's active conflicts with projects of the round (whatever their source)."""
    return list(db.session.scalars(
        select(Conflict).join(RoundEntry, RoundEntry.application_id == Conflict.application_id)
        .where(RoundEntry.round_id == round_.id, Conflict.judge_id == judge.id, Conflict.active.is_(True))
        .order_by(Conflict.id)
    ))


def declare(round_: Round, judge: User, declarations: dict[int, str], *, by: User) -> list[Conflict]:
    """Record ``judge``'s conflicts in ``round_`` (application id -> reason) and that they have
    declared. Every entry is checked first; any problem raises :class:`Invalid` with ``details`` by
    application id and nothing is stored. Declaring again later adds conflicts. Returns the
    conflicts added or changed."""
    authorize(by, Action.ROUND_DECLARE, round_, conceal=True)
    if by.id != judge.id:
        raise NotFound(_l("Not found."))
    entries = set(db.session.scalars(select(RoundEntry.application_id).where(RoundEntry.round_id == round_.id)))
    errors: dict[str, str] = {}
    reasons: dict[int, str] = {}
    for application_id, reason in declarations.items():
        if application_id not in entries:
            errors[str(application_id)] = str(_l("This project is not part of the round."))
            continue
        try:
            reasons[application_id] = _clean_reason(reason)
        except Invalid as exc:
            errors[str(application_id)] = exc.message
    if errors:
        raise Invalid(_l("Some declarations are not valid: nothing was saved."), details=errors)
    changed = []
    for application_id, reason in sorted(reasons.items()):
        conflict = _existing_row(judge.id, application_id)
        if conflict is None:
            conflict = Conflict(contest_id=round_.contest_id, judge_id=judge.id, application_id=application_id,
                                source=ConflictSource.DECLARED, reason=reason, active=True, created_by_id=by.id)
            db.session.add(conflict)
            db.session.flush()
            old = None
        else:
            if conflict.active and conflict.source == ConflictSource.DECLARED and conflict.reason == reason:
                continue
            old = _values(conflict)
            conflict.source, conflict.reason, conflict.active = ConflictSource.DECLARED, reason, True
            conflict.lifted_at, conflict.lifted_by_id, conflict.lift_reason = None, None, ""
        _record("conflict.declared", conflict, old=old, by=by)
        changed.append(conflict)
    declaration = db.session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.round_id == round_.id, ConflictDeclaration.judge_id == judge.id))
    if declaration is None:
        declaration = ConflictDeclaration(round_id=round_.id, judge_id=judge.id)
        db.session.add(declaration)
        db.session.flush()
    audit.record("conflict.declaration_made", obj_type="conflict_declaration", obj_id=declaration.id,
                 contest_id=round_.contest_id, actor=by,
                 new={"round_id": round_.id, "judge_id": judge.id, "conflicts": [c.application_id for c in changed]})
    return changed


# --- organisers -------------------------------------------------------------------------------


@dataclass
class Added:
    conflict: Conflict
    assigned_rounds: list[Round] = field(default_factory=list)  # where the judge is already assigned


def add(contest: Contest, judge: User | None, application: Application | None, reason: str, *, by: User) -> Added:
    """An organiser records a conflict (a lifted one comes back). If the judge is already assigned
    to the project, the assignments stay (the policy hides the project from the judge) and the
    rounds are returned so the organiser can reassign."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    if application is None or application.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    if judge is None or judge.id not in judge_ids(contest):
        raise Invalid(_l("Choose one of the contest's judges."), field="judge_id")
    reason = _clean_reason(reason)
    conflict = _existing_row(judge.id, application.id)
    if conflict is not None and conflict.active:
        raise Clash(_l("This judge already has a conflict with this project."))
    if conflict is None:
        conflict = Conflict(contest_id=contest.id, judge_id=judge.id, application_id=application.id,
                            source=ConflictSource.ORGANIZER, reason=reason, active=True, created_by_id=by.id)
        db.session.add(conflict)
        db.session.flush()
        old = None
    else:
        old = _values(conflict)
        conflict.source, conflict.reason, conflict.active = ConflictSource.ORGANIZER, reason, True
        conflict.lifted_at, conflict.lifted_by_id, conflict.lift_reason = None, None, ""
        conflict.created_by_id = by.id
    _record("conflict.added", conflict, old=old, by=by)
    rounds = list(db.session.scalars(
        select(Round).join(Assignment, Assignment.round_id == Round.id)
        .where(Assignment.judge_id == judge.id, Assignment.application_id == application.id)
        .order_by(Round.position)
    ))
    return Added(conflict, rounds)


def get(contest: Contest, conflict_id: int) -> Conflict:
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or conflict.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    return conflict


def lift(conflict: Conflict, reason: str, *, by: User) -> Conflict:
    """An organiser lifts a conflict, with a reason; the row stays so detection leaves it lifted."""
    authorize(by, Action.CONTEST_MANAGE, db.session.get(Contest, conflict.contest_id))
    reason = _clean_reason(reason)
    if not conflict.active:
        raise Clash(_l("This conflict has already been lifted."))
    old = _values(conflict)
    conflict.active, conflict.lifted_at, conflict.lifted_by_id, conflict.lift_reason = False, utcnow(), by.id, reason
    db.session.flush()
    _record("conflict.lifted", conflict, old=old, by=by)
    return conflict


# --- reading ----------------------------------------------------------------------------------


def conflicted_judges(application_id: int) -> set[int]:
    """The judges with an active conflict of interest with the application."""
    return set(db.session.scalars(select(Conflict.judge_id).where(Conflict.application_id == application_id,
                                                                  Conflict.active.is_(True))))


def conflicted_applications(judge_id: int, contest_id: int) -> set[int]:
    """The applications of the contest the judge has an active conflict of interest with."""
    return set(db.session.scalars(select(Conflict.application_id).where(
        Conflict.judge_id == judge_id, Conflict.contest_id == contest_id, Conflict.active.is_(True))))


def conflicted_pairs(contest: Contest) -> set[tuple[int, int]]:
    """The (judge id, application id) pairs of the contest's active conflicts."""
    return {tuple(row) for row in db.session.execute(
        select(Conflict.judge_id, Conflict.application_id)
        .where(Conflict.contest_id == contest.id, Conflict.active.is_(True)))}


@dataclass(frozen=True)
class ConflictRow:
    conflict: Conflict
    created_by: User | None
    lifted_by: User | None


def for_contest(contest: Contest) -> list[ConflictRow]:
    """Every conflict of the contest for the organisers' page: active first, then by project and judge."""
    conflicts = list(db.session.scalars(
        select(Conflict).where(Conflict.contest_id == contest.id)
        .options(selectinload(Conflict.judge), selectinload(Conflict.application))
        .join(Application, Application.id == Conflict.application_id).join(User, User.id == Conflict.judge_id)
        .order_by(Conflict.active.desc(), Application.project_name, User.display_name, Conflict.id)
    ))
    ids = {c.created_by_id for c in conflicts} | {c.lifted_by_id for c in conflicts}
    ids.discard(None)
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [ConflictRow(c, people.get(c.created_by_id), people.get(c.lifted_by_id)) for c in conflicts]


__all__ = ["Added", "ConflictRow", "DeclarationProject", "MAX_REASON_LENGTH", "PUBLIC_MAIL_DOMAINS", "add",
           "conflicted_pairs", "declare", "declared_conflicts", "detect", "for_contest", "get", "judge_ids", "lift",
           "projects_for_declaration"]
