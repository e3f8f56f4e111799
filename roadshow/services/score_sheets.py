"""A judge's score sheets: saving drafts, submitting, recusing (the judge's list of projects of a round is
:mod:`roadshow.services.judge_projects`).

Every function asks the policy first (``PROJECT_REVIEW``, concealed: a project the judge may not
see, because they are unassigned, conflicted, undeclared or of another contest, is a 404 exactly
like one that does not exist).

Integrity rules:

* Scores are checked with :func:`roadshow.scoring.sheets.check_sheet`; any error is an
  :class:`Invalid` (422) whose details map criterion ids to error codes, and nothing is stored.
* The total is recomputed here from the clean scores; whatever total a client sends is ignored.
* ``version`` counts saves: a save based on another version is a :class:`Conflict` (409) whose
  details carry the server's sheet, so a second tab can show what the first one saved.
* A submitted or recused sheet is never changed by a save (409); only an organiser's unlock
  (``sheet_unlock.unlock``) makes it a draft again.
* A submit carries an idempotency key: repeating it returns the stored sheet unchanged; another
  key for an already submitted sheet is a 409.
* One sheet per (round, judge, project) is a unique constraint. The sheet is loaded ``FOR UPDATE``
  (PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), and the insert of a new sheet
  runs in a SAVEPOINT so that losing the race to create it is a re-read (or a 409), never a 500.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from roadshow.extensions import db
from roadshow.models import Application, AuditEntry, Round, ScoreSheet, SheetStatus, User, utcnow
from roadshow.policy import Action, authorize
from roadshow.scoring.sheets import MAX_COMMENT_LENGTH, CriterionRule, check_sheet, decimal_text, sheet_total
from roadshow.services import audit, live_scoring
from roadshow.services.errors import Conflict, Invalid

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_REASON_LENGTH = 2000
AUDIT_OBJECT = "score_sheet"


# -- lookups --------------------------------------------------------------------------------------

def rubric(round_: Round) -> list[CriterionRule]:
    return [CriterionRule(id=c.id, max_points=c.max_points, weight=c.weight, step=c.step,
                          comment_required=c.comment_required) for c in round_.criteria]


def get_sheet(round_: Round, application: Application, judge: User) -> ScoreSheet | None:
    authorize(judge, Action.PROJECT_REVIEW, (round_, application), conceal=True)
    return _find(round_, application, judge)


def _find(round_: Round, application: Application, judge: User, *, lock: bool = False) -> ScoreSheet | None:
    """The judge's own sheet (callers have authorised PROJECT_REVIEW for this judge and project,
    which is what SHEET_EDIT asks of one's own sheet); ``lock`` takes a row lock on PostgreSQL."""
    query = select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.judge_id == judge.id,
                                     ScoreSheet.application_id == application.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


# -- what a client sees of a sheet ----------------------------------------------------------------

def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def sheet_data(sheet: ScoreSheet | None) -> dict[str, Any] | None:
    """The sheet as plain JSON (also the ``sheet`` of a 409's details)."""
    if sheet is None:
        return None
    return {
        "id": sheet.id,
        "round_id": sheet.round_id,
        "application_id": sheet.application_id,
        "status": sheet.status.value,
        "scores": dict(sheet.scores or {}),
        "comments": dict(sheet.comments or {}),
        "overall_comment": sheet.overall_comment or "",
        "total": None if sheet.total is None else decimal_text(sheet.total),
        "version": sheet.version,
        "updated_at": _iso(sheet.updated_at),
        "submitted_at": _iso(sheet.submitted_at),
        "recusal_reason": sheet.recusal_reason or "",
        "unlocked_at": _iso(sheet.unlocked_at),
        "unlock_reason": sheet.unlock_reason or "",
    }


def _conflict(message, sheet: ScoreSheet | None) -> Conflict:
    return Conflict(message, details={"sheet": sheet_data(sheet)})


# -- checks ---------------------------------------------------------------------------------------

def _require_open(round_: Round) -> None:
    if round_.scoring_opened_at is None:
        raise Conflict(_l("Scoring of this round has not opened yet: nothing can be saved before it does."))


def _checked(round_: Round, scores, comments, overall_comment, *, complete: bool):
    if not isinstance(scores, dict):
        raise Invalid(_l("Some of what you sent is not valid."), details={"scores": "not_an_object"})
    if comments is None:
        comments = {}
    if not isinstance(comments, dict):
        raise Invalid(_l("Some of what you sent is not valid."), details={"comments": "not_an_object"})
    if overall_comment is None:
        overall_comment = ""
    if not isinstance(overall_comment, str):
        raise Invalid(_l("Some of what you sent is not valid."), details={"overall_comment": "not_text"})
    if len(overall_comment) > MAX_COMMENT_LENGTH:
        raise Invalid(_l("Some of what you sent is not valid."), details={"overall_comment": "comment_too_long"})
    rules = rubric(round_)
    checked = check_sheet(rules, scores, comments, complete=complete)
    if not checked.ok:
        details = {("overall_comment" if cid is None else str(cid)): code for cid, code in checked.errors.items()}
        message = (_l("The sheet cannot be submitted: check the criteria marked.") if complete
                   else _l("Some scores are not valid: nothing was saved."))
        raise Invalid(message, details=details)
    return rules, checked, overall_comment


def _store(sheet: ScoreSheet, rules, checked, overall_comment: str) -> None:
    sheet.scores = {str(cid): decimal_text(value) for cid, value in checked.scores.items()}
    sheet.comments = {str(cid): text for cid, text in checked.comments.items()}
    sheet.overall_comment = overall_comment
    sheet.total = sheet_total(rules, checked.scores)
    sheet.updated_at = utcnow()


def _create(round_: Round, application: Application, judge: User, fill) -> ScoreSheet | None:
    """Insert a new sheet (filled by ``fill``) in a SAVEPOINT; None if another request created the
    sheet first (the unique constraint refused ours)."""
    sheet = ScoreSheet(round_id=round_.id, judge_id=judge.id, application_id=application.id,
                       status=SheetStatus.DRAFT, version=0)
    fill(sheet)
    try:
        with db.session.begin_nested():
            db.session.add(sheet)
            db.session.flush()
    except IntegrityError:
        return None
    return sheet


# -- changes --------------------------------------------------------------------------------------

def save_draft(round_: Round, application: Application, judge: User, *, scores, comments=None,
               overall_comment: str = "", base_version: int) -> ScoreSheet:
    """Save the judge's draft (the whole sheet as the form holds it) over version ``base_version``
    (0 when the judge has no sheet yet). Returns the sheet with its new version."""
    authorize(judge, Action.PROJECT_REVIEW, (round_, application), conceal=True)
    _require_open(round_)
    if isinstance(base_version, bool) or not isinstance(base_version, int):
        raise Invalid(_l("Some of what you sent is not valid."), details={"version": "not_an_integer"})
    rules, checked, overall_comment = _checked(round_, scores, comments, overall_comment, complete=False)

    def fill(sheet: ScoreSheet) -> None:
        _store(sheet, rules, checked, overall_comment)
        sheet.version += 1

    sheet = _find(round_, application, judge, lock=True)
    if sheet is None:
        if base_version != 0:
            raise _conflict(_l("This sheet changed in the meantime."), None)
        sheet = _create(round_, application, judge, fill)
        if sheet is None:
            raise _conflict(_l("Another tab or device saved this sheet first. Reload it to see what was saved."),
                            _find(round_, application, judge))
        return sheet
    if sheet.status != SheetStatus.DRAFT:
        raise _conflict(_refusal(sheet), sheet)
    if base_version != sheet.version:
        raise _conflict(_l("Another tab or device saved this sheet in the meantime (version %(version)s).",
                           version=sheet.version), sheet)
    fill(sheet)
    db.session.flush()
    return sheet


def _refusal(sheet: ScoreSheet):
    if sheet.status == SheetStatus.SUBMITTED:
        return _l("This sheet has been submitted and can no longer be changed.")
    return _l("You have recused yourself from this project: the sheet can no longer be changed.")


def submit(round_: Round, application: Application, judge: User, *, scores, comments=None,
           overall_comment: str = "", idempotency_key: str, base_version: int | None = None) -> ScoreSheet:
    """Check every criterion and lock the sheet. Repeating a submit with the same key returns the
    stored sheet unchanged; another key for a submitted sheet is a 409."""
    if not isinstance(idempotency_key, str) or not IDEMPOTENCY_KEY.match(idempotency_key):
        raise Invalid(_l("Some of what you sent is not valid."), details={"idempotency_key": "invalid"})
    authorize(judge, Action.PROJECT_REVIEW, (round_, application), conceal=True)
    _require_open(round_)
    if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)):
        raise Invalid(_l("Some of what you sent is not valid."), details={"version": "not_an_integer"})

    sheet = _find(round_, application, judge, lock=True)
    if sheet is not None and sheet.status != SheetStatus.DRAFT:
        return _already_done(sheet, idempotency_key)
    if sheet is not None and sheet.submit_key == idempotency_key:
        # A late retry of the submit that locked the sheet before an organiser unlocked it.
        raise _conflict(_l("This submit was already made, before the organisers unlocked the sheet. "
                           "Submit again to submit the sheet as it is now."), sheet)
    rules, checked, overall_comment = _checked(round_, scores, comments, overall_comment, complete=True)
    if sheet is not None and base_version is not None and base_version != sheet.version:
        raise _conflict(_l("Another tab or device saved this sheet in the meantime (version %(version)s).",
                           version=sheet.version), sheet)
    now = utcnow()

    def fill(target: ScoreSheet) -> None:
        _store(target, rules, checked, overall_comment)
        target.version += 1
        target.status = SheetStatus.SUBMITTED
        target.submitted_at = now
        target.submit_key = idempotency_key

    old = None
    if sheet is None:
        sheet = _create(round_, application, judge, fill)
        if sheet is None:  # lost the race to create it: answer as the winner left it
            sheet = _find(round_, application, judge, lock=True)
            if sheet is None or sheet.status == SheetStatus.DRAFT:
                raise _conflict(_l("Another tab or device saved this sheet first. Reload it and submit again."), sheet)
            return _already_done(sheet, idempotency_key)
    else:
        if sheet.unlocked_at is not None:
            old = _last_submitted_values(sheet)
        fill(sheet)
        db.session.flush()
    audit.record("sheet.submitted", obj_type=AUDIT_OBJECT, obj_id=sheet.id, contest_id=round_.contest_id,
                 old=old, new={"round_id": round_.id, "application_id": application.id, "judge_id": judge.id,
                               "scores": sheet.scores, "total": decimal_text(sheet.total)}, actor=judge)
    live_scoring.notify_sheet_submitted(sheet)  # live rooms showing the project: new counts after commit
    return sheet


def _already_done(sheet: ScoreSheet, idempotency_key: str) -> ScoreSheet:
    if sheet.status == SheetStatus.SUBMITTED and sheet.submit_key == idempotency_key:
        return sheet
    raise _conflict(_refusal(sheet), sheet)


def _last_submitted_values(sheet: ScoreSheet) -> dict | None:
    """What the sheet held when it was last submitted (before an organiser unlocked it)."""
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "sheet.submitted", AuditEntry.object_type == AUDIT_OBJECT,
                                 AuditEntry.object_id == sheet.id).order_by(AuditEntry.id.desc()).limit(1))
    if entry is None or not entry.new_values:
        return None
    return {"scores": entry.new_values.get("scores"), "total": entry.new_values.get("total"),
            "unlocked_at": _iso(sheet.unlocked_at), "unlock_reason": sheet.unlock_reason}


def recuse(round_: Round, application: Application, judge: User, reason: str) -> ScoreSheet:
    """The judge steps back from the project, with a reason; refused once the sheet is submitted."""
    authorize(judge, Action.PROJECT_REVIEW, (round_, application), conceal=True)
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else None
    if not reason:
        raise Invalid(_l("Say why you recuse yourself from this project."), details={"reason": "required"})
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid(_l("The reason is too long."), details={"reason": "too_long"})

    def fill(sheet: ScoreSheet) -> None:
        sheet.status = SheetStatus.RECUSED
        sheet.recusal_reason = reason
        sheet.version += 1
        sheet.updated_at = utcnow()

    sheet = _find(round_, application, judge, lock=True)
    if sheet is None:
        sheet = _create(round_, application, judge, fill)
        if sheet is None:
            raise _conflict(_l("This sheet changed in the meantime. Reload it and try again."),
                            _find(round_, application, judge))
    elif sheet.status == SheetStatus.RECUSED:
        return sheet
    elif sheet.status == SheetStatus.SUBMITTED:
        raise _conflict(_l("This sheet has been submitted: you can no longer recuse yourself from the project."), sheet)
    else:
        fill(sheet)
        db.session.flush()
    audit.record("sheet.recused", obj_type=AUDIT_OBJECT, obj_id=sheet.id, contest_id=round_.contest_id,
                 new={"round_id": round_.id, "application_id": application.id, "judge_id": judge.id,
                      "reason": reason}, actor=judge)
    return sheet
