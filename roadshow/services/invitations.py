"""Invitations of judges and observers to a contest, by a single-use link sent by email."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from roadshow import security
from roadshow.extensions import db
from roadshow.mail import send_mail
from roadshow.models import Application, Contest, Invitation, Role, User, normalise_email, utcnow
from roadshow.policy import Action, authorize
from roadshow.services import accounts, applications, audit, contests
from roadshow.services.errors import Conflict, Gone, Invalid, NotFound

INVITABLE_ROLES = (Role.JUDGE, Role.OBSERVER)


def invite(contest: Contest, email: str, role: Role, *, by: User, locale: str | None = None,
           judge_profile: dict | None = None) -> Invitation:
    """Invite ``email`` to ``contest`` as a judge or observer. ``judge_profile`` (a judge's institution and
    expertise tracks, from the judge import) becomes the judge's profile when they accept."""
    authorize(by, Action.CONTEST_INVITE, contest)
    if role not in INVITABLE_ROLES:
        raise Invalid(_l("Only judges and observers are invited."), field="role")
    token = security.new_token()
    invitation = Invitation(
        contest=contest, email=normalise_email(email), role=role, token_hash=security.token_digest(token),
        invited_by_id=by.id, expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
        judge_profile=judge_profile if role == Role.JUDGE else None,
    )
    db.session.add(invitation)
    db.session.flush()
    existing = User.by_email(email)
    send_mail(
        invitation.email, "invitation_subject.txt", "invitation.txt",
        locale=(existing.locale if existing else None) or locale,
        invitation=invitation, contest=contest, inviter=by,
        link=url_for("auth.accept_invitation", token=token, _external=True),
        days=current_app.config["INVITATION_DAYS"],
    )
    return invitation


def invite_team_member(application: Application, email: str, *, by: User) -> Invitation:
    """Invite a co-member to a team's application; they join it (and the contest as a team member)."""
    authorize(by, Action.APPLICATION_EDIT, application)
    email = normalise_email(email)
    if any(member.user.email == email for member in application.members):
        raise Conflict(_l("%(email)s is already a member of this team.", email=email), field="email")
    token = security.new_token()
    invitation = Invitation(
        contest=application.contest, application_id=application.id, email=email, role=Role.TEAM_MEMBER,
        token_hash=security.token_digest(token), invited_by_id=by.id,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    existing = User.by_email(email)
    send_mail(
        email, "team_invitation_subject.txt", "team_invitation.txt",
        locale=(existing.locale if existing else None) or by.locale,
        invitation=invitation, contest=application.contest, application=application, inviter=by,
        link=url_for("auth.accept_invitation", token=token, _external=True),
        days=current_app.config["INVITATION_DAYS"],
    )
    return invitation


def pending_for(contest: Contest) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.contest_id == contest.id, Invitation.application_id.is_(None),
                   Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )


def pending_for_application(application: Application) -> list[Invitation]:
    return [invitation for invitation in db.session.scalars(
        select(Invitation).where(Invitation.application_id == application.id).order_by(Invitation.created_at)
    ) if invitation.state == "pending"]


def revoke(contest: Contest, invitation_id: int, *, by: User) -> None:
    authorize(by, Action.CONTEST_INVITE, contest)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    if invitation.accepted_at is None:
        invitation.revoked_at = utcnow()


def find_valid(token: str) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == security.token_digest(token)))
    if invitation is None or invitation.state != "pending":
        raise Gone(_l("This invitation link is invalid, expired or already used."))
    return invitation


def accept(token: str, *, user: User | None = None, display_name: str = "", password: str = "") -> User:
    """Accept an invitation: as the signed-in ``user``, or by creating the invitee's account.

    The invitation is claimed with a conditional update, so two concurrent uses cannot both win.
    """
    invitation = find_valid(token)
    if user is None:
        if User.by_email(invitation.email) is not None:
            raise Invalid(_l("An account with this email already exists: log in to accept the invitation."))
        user = accounts.create_user(invitation.email, password, display_name)
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
    ).rowcount
    if claimed != 1:
        raise Gone(_l("This invitation link is invalid, expired or already used."))
    if invitation.application_id is not None:
        applications.add_member(db.session.get(Application, invitation.application_id), user)
    else:
        contests.grant_role(invitation.contest, user, invitation.role, by=user)
        if invitation.role == Role.JUDGE and invitation.judge_profile:
            from roadshow.services import judge_pool  # judge_pool sends invitations: imported here, not above

            judge_pool.apply_invited_profile(invitation.contest, user, invitation.judge_profile)
    audit.record("invitation.accepted", obj_type="invitation", obj_id=invitation.id, contest_id=invitation.contest_id,
                 new={"email": invitation.email, "role": invitation.role, "application_id": invitation.application_id},
                 actor=user)
    return user
