"""Team applications: start, autosave, submit, withdraw, co-members, and screening by organisers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationEvent, ApplicationMember, ApplicationStatus, Contest, Role, User, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.services import audit, contests
from roadshow.services.application_fields import FieldErrors, clean, missing
from roadshow.services.errors import Conflict, Invalid, NotFound

SCREENING_OUTCOMES = (ApplicationStatus.SCREENED_IN, ApplicationStatus.SCREENED_OUT)


class IncompleteApplication(Invalid):
    def __init__(self, gaps: dict[str, str]) -> None:
        super().__init__(_l("Some required information is missing."), details=gaps)
        self.gaps = gaps


def get(application_id: int, user) -> Application:
    """An application the user may see; any other id is simply not found."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_l("Not found."))
    authorize(user, Action.APPLICATION_VIEW, application, conceal=True)
    return application


def of_user(user: User) -> list[Application]:
    return list(db.session.scalars(
        select(Application).join(ApplicationMember)
        .where(ApplicationMember.user_id == user.id)
        .order_by(Application.created_at.desc())
    ))


def of_user_in(contest: Contest, user: User) -> Application | None:
    return db.session.scalar(
        select(Application).join(ApplicationMember)
        .where(ApplicationMember.user_id == user.id, Application.contest_id == contest.id,
               Application.status != ApplicationStatus.WITHDRAWN)
    )


def _record(application: Application, status: ApplicationStatus, actor: User | None, note: str = "") -> None:
    application.events.append(ApplicationEvent(status=status, actor_id=actor.id if actor else None, note=note))


def start(contest: Contest, user: User) -> Application:
    """The user's application to ``contest``: the one in progress, or a new draft they lead."""
    authorize(user, Action.APPLICATION_START, contest)
    existing = of_user_in(contest, user)
    if existing is not None:
        return existing
    application = Application(contest=contest, created_by_id=user.id, status=ApplicationStatus.DRAFT,
                              contact_email=user.email, leader_name=user.display_name, answers={})
    application.members.append(ApplicationMember(user_id=user.id, is_leader=True))
    _record(application, ApplicationStatus.DRAFT, user)
    db.session.add(application)
    db.session.flush()
    contests.grant_role(contest, user, Role.TEAM_MEMBER, by=user)
    return application


def _bump(application: Application, base_version: int | None) -> None:
    """Claim the next version, refusing a change based on anything but the current one.

    The conditional UPDATE makes the check hold across processes: of two saves based on the same
    version, exactly one wins and the other is a conflict.
    """
    if base_version is None:
        base_version = application.version
    won = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.version == base_version)
        .values(version=base_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise Conflict(_l("Someone else changed this application in the meantime. Reload to see their changes."))
    db.session.refresh(application, ["version", "updated_at"])


def save(application: Application, user: User, data: dict, base_version: int | None) -> Application:
    """Autosave: store the well-formed fields of ``data``; completeness is checked on submit."""
    authorize(user, Action.APPLICATION_EDIT, application)
    values = clean(application.contest, data)
    _bump(application, base_version)
    answers = values.pop("answers", None)
    for name, value in values.items():
        setattr(application, name, value)
    if answers is not None:
        application.answers = {**(application.answers or {}), **answers}
    return application


def submit(application: Application, user: User, base_version: int | None) -> Application:
    authorize(user, Action.APPLICATION_EDIT, application)
    gaps = missing(application)
    if gaps:
        raise IncompleteApplication(gaps)
    _bump(application, base_version)
    if application.status == ApplicationStatus.DRAFT:
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = utcnow()
        _record(application, ApplicationStatus.SUBMITTED, user)
    return application


def withdraw(application: Application, user: User) -> None:
    authorize(user, Action.APPLICATION_EDIT, application)
    _bump(application, None)
    application.status = ApplicationStatus.WITHDRAWN
    _record(application, ApplicationStatus.WITHDRAWN, user)


def add_member(application: Application, user: User) -> None:
    """Make ``user`` a co-member (on accepting a team invitation)."""
    if any(member.user_id == user.id for member in application.members):
        return
    application.members.append(ApplicationMember(user_id=user.id, is_leader=False))
    contests.grant_role(application.contest, user, Role.TEAM_MEMBER, by=user)


def screen(applications: list[Application], outcome: ApplicationStatus, reason: str, *, by: User) -> int:
    """Screen submitted applications in or out, with the reason recorded on each timeline."""
    if outcome not in SCREENING_OUTCOMES:
        raise Invalid(_l("Choose screened in or screened out."))
    reason = (reason or "").strip()
    if outcome == ApplicationStatus.SCREENED_OUT and not reason:
        raise Invalid(_l("Give a reason for screening out."), field="reason")
    for application in applications:
        authorize(by, Action.APPLICATION_SCREEN, application)
        if application.status not in (ApplicationStatus.SUBMITTED, *SCREENING_OUTCOMES):
            raise Invalid(_l("Only submitted applications can be screened: %(name)s is not.",
                             name=application.project_name or f"#{application.id}"))
    for application in applications:
        old = {"status": application.status, "reason": application.screening_reason}
        application.status = outcome
        application.screening_reason = reason
        application.screened_by_id = by.id
        application.screened_at = utcnow()
        application.version += 1
        _record(application, outcome, by, reason)
        audit.record("application.screened", obj_type="application", obj_id=application.id,
                     contest_id=application.contest_id, old=old, new={"status": outcome, "reason": reason}, actor=by)
    return len(applications)


__all__ = ["FieldErrors", "IncompleteApplication", "add_member", "get", "of_user", "of_user_in", "save",
           "screen", "start", "submit", "withdraw"]
