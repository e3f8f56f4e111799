"""The one place that answers "may this user do this to that object?".

Every route, API endpoint and socket event asks :func:`can` or :func:`authorize`. Rules are plain
functions of the user (possibly anonymous) and the target, registered per action, so that a test
can check exactly who may do what.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, Assignment, Conflict, ConflictDeclaration, Contest, ContestRole, Publication, Role,
    Round, ScoreSheet, SheetStatus, User, utcnow,
)
from roadshow.services.errors import Forbidden, NotAuthenticated, NotFound


class Action(StrEnum):
    CONTEST_VIEW = "contest.view"
    CONTEST_CREATE = "contest.create"
    CONTEST_MANAGE = "contest.manage"
    CONTEST_INVITE = "contest.invite"
    CONTEST_JUDGE = "contest.judge"
    CONTEST_OBSERVE = "contest.observe"
    CONTEST_COMPETE = "contest.compete"
    APPLICATION_START = "application.start"
    APPLICATION_VIEW = "application.view"
    APPLICATION_EDIT = "application.edit"
    APPLICATION_SCREEN = "application.screen"
    MATERIAL_VIEW = "material.view"
    OUTBOX_READ = "outbox.read"
    USERS_MANAGE = "users.manage"
    ACCOUNT_USE = "account.use"
    AUDIT_READ = "audit.read"
    ROUND_MANAGE = "round.manage"
    ROUND_DECLARE = "round.declare"
    ROUND_REVIEW = "round.review"
    PROJECT_REVIEW = "project.review"
    SHEET_EDIT = "sheet.edit"
    SHEET_PEERS_VIEW = "sheet.peers_view"
    RESULTS_MANAGE = "results.manage"
    RESULTS_VIEW_PUBLISHED = "results.view_published"
    RESULT_VIEW_OWN = "result.view_own"
    LIVE_MANAGE = "live.manage"
    LIVE_VIEW = "live.view"
    LIVE_PARTICIPATE = "live.participate"


Rule = Callable[[Any, Any], bool]
_rules: dict[Action, Rule] = {}


def rule(action: Action) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        _rules[action] = fn
        return fn

    return register


def signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return signed_in(user) and user.is_admin


_ROLES_KEY = "policy_roles"   # in the session's ``info``: (user id, contest id) -> roles, this transaction


def roles_in(user, contest: Contest) -> set[Role]:
    """The roles ``user`` holds in ``contest`` (empty for anonymous users).

    Asked once per (user, contest) and transaction: a single check such as "which view does this
    person get" runs several rules that each need the roles. The memo is dropped at every flush,
    bulk statement, commit and rollback, so a role granted or removed is seen by the next check.
    """
    if not signed_in(user):
        return set()
    memo = db.session.info.setdefault(_ROLES_KEY, {})
    key = (user.id, contest.id)
    if key not in memo:
        memo[key] = frozenset(db.session.scalars(
            select(ContestRole.role).where(ContestRole.user_id == user.id, ContestRole.contest_id == contest.id)))
    return set(memo[key])


def preload_roles(user_ids: list[int], contest: Contest) -> None:
    """Ask the roles of many users in ``contest`` at once, for the checks that follow in this
    transaction (e.g. the live room's periodic re-check of every viewer)."""
    found: dict[int, set] = {user_id: set() for user_id in user_ids}
    for start in range(0, len(user_ids), 500):
        for user_id, role in db.session.execute(
                select(ContestRole.user_id, ContestRole.role)
                .where(ContestRole.contest_id == contest.id, ContestRole.user_id.in_(user_ids[start:start + 500]))):
            found[user_id].add(role)
    db.session.info.setdefault(_ROLES_KEY, {}).update(((user_id, contest.id), frozenset(roles)) for user_id, roles in found.items())


def _forget_roles(session, *_args) -> None:
    session.info.pop(_ROLES_KEY, None)


def _forget_roles_on_write(execute_state) -> None:
    if not execute_state.is_select:
        _forget_roles(execute_state.session)


def init_app(app) -> None:
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _forget_roles):
        for name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
            event.listen(session_class, name, _forget_roles)
        event.listen(session_class, "do_orm_execute", _forget_roles_on_write)


def contest_ids_with_role(user: User, role: Role) -> list[int]:
    return list(
        db.session.scalars(
            select(ContestRole.contest_id).where(ContestRole.user_id == user.id, ContestRole.role == role)
        )
    )


@rule(Action.CONTEST_VIEW)
def _view_contest(user, contest: Contest) -> bool:
    return contest.is_public or is_admin(user) or bool(roles_in(user, contest))


@rule(Action.CONTEST_CREATE)
def _create_contest(user, _target) -> bool:
    return is_admin(user)


@rule(Action.CONTEST_MANAGE)
def _manage_contest(user, contest: Contest) -> bool:
    return is_admin(user) or Role.ORGANIZER in roles_in(user, contest)


_rules[Action.CONTEST_INVITE] = _manage_contest
_rules[Action.AUDIT_READ] = _manage_contest


@rule(Action.CONTEST_JUDGE)
def _judge_contest(user, contest: Contest) -> bool:
    return Role.JUDGE in roles_in(user, contest)


@rule(Action.CONTEST_OBSERVE)
def _observe_contest(user, contest: Contest) -> bool:
    return bool(roles_in(user, contest) & {Role.OBSERVER, Role.ORGANIZER}) or is_admin(user)


@rule(Action.CONTEST_COMPETE)
def _compete(user, contest: Contest) -> bool:
    return Role.TEAM_MEMBER in roles_in(user, contest)


def is_member(user, application: Application) -> bool:
    """Whether ``user`` belongs to the team of ``application``."""
    if not signed_in(user):
        return False
    return db.session.scalar(
        select(ApplicationMember.id).where(
            ApplicationMember.application_id == application.id, ApplicationMember.user_id == user.id
        )
    ) is not None


@rule(Action.APPLICATION_START)
def _start_application(user, contest: Contest) -> bool:
    return signed_in(user) and contest.accepts_applications(utcnow())


@rule(Action.APPLICATION_VIEW)
def _view_application(user, application: Application) -> bool:
    return is_member(user, application) or _manage_contest(user, application.contest)


@rule(Action.APPLICATION_EDIT)
def _edit_application(user, application: Application) -> bool:
    """Team members edit until the deadline, while the application is a draft or submitted."""
    return (
        is_member(user, application)
        and application.is_editable_status
        and application.contest.accepts_applications(utcnow())
    )


@rule(Action.APPLICATION_SCREEN)
def _screen_application(user, application: Application) -> bool:
    return _manage_contest(user, application.contest)


# -- expert review -------------------------------------------------------------------------------
# A judge sees a round's project list to declare conflicts; after declaring, the projects assigned to
# them that they are not conflicted on; never anything of a conflicted project, whatever assignment
# an organiser may have forced.

def has_conflict(user, application: Application) -> bool:
    """Whether ``user`` has an active conflict of interest with ``application``."""
    return db.session.scalar(
        select(Conflict.id).where(Conflict.judge_id == user.id, Conflict.application_id == application.id,
                                  Conflict.active.is_(True))
    ) is not None


def has_declared(user, round_: Round) -> bool:
    return db.session.scalar(
        select(ConflictDeclaration.id).where(ConflictDeclaration.round_id == round_.id,
                                             ConflictDeclaration.judge_id == user.id)
    ) is not None


def is_assigned(user, round_: Round, application: Application) -> bool:
    return db.session.scalar(
        select(Assignment.id).where(Assignment.round_id == round_.id, Assignment.judge_id == user.id,
                                    Assignment.application_id == application.id)
    ) is not None


@rule(Action.ROUND_MANAGE)
def _manage_round(user, round_: Round) -> bool:
    return _manage_contest(user, round_.contest)


@rule(Action.ROUND_DECLARE)
def _declare_in_round(user, round_: Round) -> bool:
    """Judges of the contest declare their conflicts for a scored round."""
    return round_.is_scored and _judge_contest(user, round_.contest)


@rule(Action.ROUND_REVIEW)
def _review_round(user, round_: Round) -> bool:
    """The round's workspace opens to its judges once they have declared their conflicts."""
    return _declare_in_round(user, round_) and has_declared(user, round_)


@rule(Action.PROJECT_REVIEW)
def _review_project(user, target: tuple[Round, Application]) -> bool:
    """Assigned, declared and not conflicted: the judge may read the project and score it."""
    round_, application = target
    return (
        application.contest_id == round_.contest_id
        and _review_round(user, round_)
        and is_assigned(user, round_, application)
        and not has_conflict(user, application)
    )


@rule(Action.SHEET_EDIT)
def _edit_sheet(user, sheet: ScoreSheet) -> bool:
    """The sheet's own judge, while they may still review the project (the sheet's status decides
    what an edit may do: a submitted sheet is a 409, not a 403)."""
    return signed_in(user) and sheet.judge_id == user.id and _review_project(user, (sheet.round, sheet.application))


@rule(Action.SHEET_PEERS_VIEW)
def _view_peer_sheets(user, target: tuple[Round, Application]) -> bool:
    """Other judges' sheets of a project: organisers; a judge only where the round allows it and
    after submitting their own sheet of that project."""
    round_, application = target
    if _manage_round(user, round_):
        return True
    if not (round_.judges_see_peer_scores and _review_project(user, target)):
        return False
    return db.session.scalar(
        select(ScoreSheet.id).where(ScoreSheet.round_id == round_.id, ScoreSheet.judge_id == user.id,
                                    ScoreSheet.application_id == application.id,
                                    ScoreSheet.status == SheetStatus.SUBMITTED)
    ) is not None


def _review_any_round(user, application: Application) -> bool:
    if not signed_in(user):
        return False
    rounds = db.session.scalars(
        select(Round).join(Assignment, Assignment.round_id == Round.id).where(
            Assignment.judge_id == user.id, Assignment.application_id == application.id)
    )
    return any(_review_project(user, (round_, application)) for round_ in rounds)


# -- results ---------------------------------------------------------------------------------------
# Before publication nothing of a ranking reaches anyone but the contest's organisers.

_rules[Action.RESULTS_MANAGE] = _manage_round


def is_published(round_: Round) -> bool:
    return db.session.scalar(select(Publication.id).where(Publication.round_id == round_.id)) is not None


@rule(Action.RESULTS_VIEW_PUBLISHED)
def _view_published(user, round_: Round) -> bool:
    """A published round's public results: anyone who may see the contest."""
    return is_published(round_) and _view_contest(user, round_.contest)


@rule(Action.RESULT_VIEW_OWN)
def _view_own_result(user, target: tuple[Round, Application]) -> bool:
    """A team's own result and the judges' (anonymised) comments, once the round is published."""
    round_, application = target
    return application.contest_id == round_.contest_id and is_member(user, application) and is_published(round_)


# -- the live room ---------------------------------------------------------------------------------

_rules[Action.LIVE_MANAGE] = _manage_contest   # target: the session's contest


@rule(Action.LIVE_VIEW)
def _view_live(user, contest: Contest) -> bool:
    """The room (stream, timer, approved questions): anyone signed in who may see the contest."""
    return signed_in(user) and _view_contest(user, contest)


@rule(Action.LIVE_PARTICIPATE)
def _participate_live(user, contest: Contest) -> bool:
    """Asking, upvoting and marking interest: the contest's people (organisers, judges, observers,
    teams) and any signed-in user of a public contest."""
    return _view_live(user, contest)


@rule(Action.MATERIAL_VIEW)
def _view_material(user, application: Application) -> bool:
    """The team and organisers; judges who may review the project in some round."""
    return _view_application(user, application) or _review_any_round(user, application)


@rule(Action.OUTBOX_READ)
def _read_outbox(user, _target) -> bool:
    return is_admin(user)


_rules[Action.USERS_MANAGE] = _read_outbox


@rule(Action.ACCOUNT_USE)
def _use_account(user, _target) -> bool:
    return signed_in(user)


def can(user, action: Action, target: Any = None) -> bool:
    return _rules[action](user, target)


def authorize(user, action: Action, target: Any = None, *, conceal: bool = False) -> None:
    """Raise unless ``user`` may do ``action`` to ``target``.

    Anonymous users get :class:`NotAuthenticated` (the UI sends them to log in). With
    ``conceal=True`` a refusal is a 404, for objects whose existence must not leak.
    """
    if can(user, action, target):
        return
    if conceal:
        raise NotFound(_l("Not found."))
    if not signed_in(user):
        raise NotAuthenticated(_l("Please log in to continue."))
    raise Forbidden(_l("You do not have permission to do that."))
