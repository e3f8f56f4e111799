"""One project's sheets for organisers: the drill-down (every judge's sheet, with values) and unlocking a
submitted sheet so that its judge can change it (with a reason; the judge is told by email and live)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from roadshow.extensions import db
from roadshow.mail import send_mail
from roadshow.models import Application, Assignment, Round, RoundEntry, ScoreSheet, SheetStatus, User, utcnow
from roadshow.policy import Action, authorize
from roadshow.realtime.publish import publish, user_room
from roadshow.services import audit
from roadshow.services.conflicts import conflicted_pairs
from roadshow.services.errors import Conflict, Invalid, NotFound
from roadshow.services.review_progress import (
    CONFLICT, NOT_STARTED, deadline_text, judge_link, judge_locale, sheets_by_pair,
)

USER_NAMESPACE = "/user"


# -- one project's sheets --------------------------------------------------------------------------

@dataclass
class SheetRow:
    judge: User
    sheet: ScoreSheet | None
    conflict: bool
    assigned: bool

    @property
    def state(self) -> str:
        if self.conflict:
            return CONFLICT
        return NOT_STARTED if self.sheet is None else self.sheet.status.value


def project_sheets(round_: Round, application_id: int, *, by: User) -> tuple[Application, list[SheetRow]]:
    """Every judge's sheet of one project of the round, with values (organisers only)."""
    authorize(by, Action.ROUND_MANAGE, round_)
    application = db.session.get(Application, application_id)
    if application is None or application.contest_id != round_.contest_id:
        raise NotFound(_l("Not found."))
    sheets = {judge_id: sheet for (judge_id, app_id), sheet in sheets_by_pair(round_).items()
              if app_id == application_id}
    assigned = set(db.session.scalars(select(Assignment.judge_id).where(
        Assignment.round_id == round_.id, Assignment.application_id == application_id)))
    entered = db.session.scalar(select(RoundEntry.id).where(
        RoundEntry.round_id == round_.id, RoundEntry.application_id == application_id)) is not None
    if not (entered or assigned or sheets):
        raise NotFound(_l("Not found."))
    conflicts = {judge_id for judge_id, app_id in conflicted_pairs(round_.contest) if app_id == application_id}
    judge_ids = assigned | set(sheets)
    users = db.session.scalars(select(User).where(User.id.in_(judge_ids))) if judge_ids else []
    rows = [SheetRow(user, sheets.get(user.id), user.id in conflicts, user.id in assigned) for user in users]
    rows.sort(key=lambda row: (row.judge.display_name.casefold(), row.judge.id))
    return application, rows


# -- unlocking a submitted sheet -------------------------------------------------------------------

def get_sheet(round_: Round, sheet_id: int) -> ScoreSheet:
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None or sheet.round_id != round_.id:
        raise NotFound(_l("Not found."))
    return sheet


def unlock(sheet: ScoreSheet, reason: str, *, by: User) -> ScoreSheet:
    """Reopen a submitted sheet for its judge, with a reason; the judge is told by email and live."""
    round_ = sheet.round
    authorize(by, Action.ROUND_MANAGE, round_)
    if sheet.status != SheetStatus.SUBMITTED:
        raise Conflict(_l("Only a submitted sheet can be unlocked."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Give a reason for unlocking the sheet."), field="reason",
                      details={"reason": [str(_l("This field is required."))]})
    old = {"status": sheet.status, "total": sheet.total, "scores": dict(sheet.scores or {}),
           "submitted_at": sheet.submitted_at}
    now = utcnow()
    # A conditional update: of two organisers unlocking at once, or an unlock racing anything else
    # that changes the sheet, exactly one wins and the other gets a conflict.
    changed = db.session.execute(
        update(ScoreSheet)
        .where(ScoreSheet.id == sheet.id, ScoreSheet.status == SheetStatus.SUBMITTED,
               ScoreSheet.version == sheet.version)
        .values(status=SheetStatus.DRAFT, unlocked_at=now, unlock_reason=reason, submit_key=None,
                version=ScoreSheet.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(_l("The sheet changed in the meantime. Reload and try again."))
    db.session.refresh(sheet)
    audit.record("sheet.unlocked", obj_type="score_sheet", obj_id=sheet.id, contest_id=round_.contest_id,
                 old=old, new={"status": sheet.status, "reason": reason}, actor=by)
    judge = sheet.judge
    locale = judge_locale(judge)
    link = judge_link("judge_workspace.project", round_id=round_.id, application_id=sheet.application_id)
    send_mail(judge.email, "sheet_unlocked_subject.txt", "sheet_unlocked.txt", locale=locale, judge=judge,
              round=round_, contest=round_.contest, application=sheet.application, reason=reason, link=link,
              deadline=deadline_text(round_, locale))
    publish("sheet_unlocked", {"round_id": round_.id, "application_id": sheet.application_id, "sheet_id": sheet.id,
                               "reason": reason, "url": link}, to=user_room(judge.id), namespace=USER_NAMESPACE)
    return sheet

