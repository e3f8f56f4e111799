"""Judges' assignments and score sheets.

The browser's score sheet uses these same endpoints (with its session and a CSRF header), so the
rules are the same for people and scripts: :mod:`roadshow.services.score_sheets`.

JSON bodies are parsed strictly: ``NaN``, ``Infinity`` and numbers too large for a float
(``1e309``) are refused with a 422 before anything else happens (Python's json module would
otherwise accept them). Database lock timeouts and serialisation failures become a 409, so a client
retries instead of seeing a 500.
"""
from __future__ import annotations

import json
import math

from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from sqlalchemy import select

from roadshow.api.auth import api_user, protect, require_user
from roadshow.api.review_schemas import (
    AssignmentSchema, PeerSheetSchema, RecuseSchema, SheetSaveSchema, SheetSchema, SheetSubmitSchema,
    SheetWithRubricSchema,
)
from roadshow.extensions import db
from roadshow.models import Application, Assignment, Round
from roadshow.policy import Action, can
from roadshow.scoring.sheets import decimal_text, maximum_total
from roadshow.services import judge_projects, peer_sheets, score_sheets
from roadshow.services.errors import Invalid, NotFound

blp = Blueprint("reviews", __name__, description="Judges: their assignments and score sheets.")
protect(blp)



def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large")
    return value


def strict_json(raw: bytes | str):
    """``raw`` parsed as JSON without NaN, Infinity or numbers that overflow a float."""
    return json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)


@blp.before_request
def _check_json_body():
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return
    if not api_user().is_authenticated:
        return  # the view answers 401
    raw = request.get_data(cache=True)
    if not raw:
        return
    try:
        strict_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(_l("The request body is not valid JSON (NaN, Infinity and numbers too large are refused)."),
                      details={"body": str(exc)[:200]}) from None


def _criterion(criterion) -> dict:
    return {"id": criterion.id, "position": criterion.position, "name_zh": criterion.name_zh,
            "name_en": criterion.name_en, "description_zh": criterion.description_zh,
            "description_en": criterion.description_en, "max_points": criterion.max_points,
            "weight": criterion.weight, "step": criterion.step, "descriptors": criterion.descriptors or [],
            "comment_required": criterion.comment_required}


def empty_sheet(round_, application) -> dict:
    return {"id": None, "round_id": round_.id, "application_id": application.id, "status": None, "scores": {},
            "comments": {}, "overall_comment": "", "total": None, "version": 0, "updated_at": None,
            "submitted_at": None, "recusal_reason": "", "unlocked_at": None, "unlock_reason": ""}


def _target(round_id: int, application_id: int, user):
    """The round and the project, if ``user`` may review it (else 404)."""
    round_ = judge_projects.get_round(round_id)
    return round_, judge_projects.get_project(round_, application_id, user)


def _committed(answer: dict) -> dict:
    """Commit, answering with what was read before: reading the sheet again after the commit would
    open a second transaction (on SQLite a second turn at the write lock) for nothing."""
    db.session.commit()
    return answer


def _round_and_application(round_id: int, application_id: int):
    """The round and the application, for the writes: their services authorise the judge (404 for
    a project they may not review), so checking here too would only run the same queries twice."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_l("Not found."))
    return judge_projects.get_round(round_id), application


@blp.route("/assignments")
class Assignments(MethodView):
    @blp.response(200, AssignmentSchema(many=True))
    def get(self):
        """The caller's assigned projects in every round they may review (declared, not conflicted)."""
        user = require_user()
        rounds = db.session.scalars(
            select(Round).where(Round.id.in_(select(Assignment.round_id).where(Assignment.judge_id == user.id)))
            .order_by(Round.contest_id, Round.position)
        )
        found = []
        for round_ in rounds:
            if not can(user, Action.ROUND_REVIEW, round_):
                continue
            for line in judge_projects.assigned_projects(round_, user):
                found.append({
                    "round_id": round_.id, "round_name": round_.name_en or round_.name_zh,
                    "contest": round_.contest.slug, "application_id": line.application.id,
                    "project_name": line.title,
                    "track": (line.track.name_en or line.track.name_zh) if line.track else None,
                    "status": line.status.value if line.status else None,
                    "total": score_sheets.sheet_data(line.sheet)["total"] if line.sheet else None,
                })
        return found


@blp.route("/rounds/<int:round_id>/sheets/<int:application_id>")
class Sheet(MethodView):
    @blp.response(200, SheetWithRubricSchema)
    @blp.alt_response(404, description="No such project, or the caller may not review it.")
    def get(self, round_id, application_id):
        """The caller's sheet of the project (version 0 when not started) and the round's rubric."""
        user = require_user()
        round_, application = _target(round_id, application_id, user)
        sheet = score_sheets.get_sheet(round_, application, user)
        body = score_sheets.sheet_data(sheet) or empty_sheet(round_, application)
        body["criteria"] = [_criterion(c) for c in round_.criteria]
        body["maximum_total"] = decimal_text(maximum_total(score_sheets.rubric(round_)))
        return body

    @blp.arguments(SheetSaveSchema)
    @blp.response(200, SheetSchema)
    @blp.alt_response(409, description="Stale version, submitted or recused sheet, or scoring not open; "
                                        "error.details.sheet is the server's sheet.")
    @blp.alt_response(422, description="A score or comment is not valid (error.details: criterion id -> code); "
                                       "nothing was saved.")
    def put(self, data, round_id, application_id):
        """Save a draft over the given version. The total is computed by the server."""
        user = require_user()
        round_, application = _round_and_application(round_id, application_id)
        sheet = score_sheets.save_draft(round_, application, user, scores=data["scores"],
                                        comments=data["comments"], overall_comment=data["overall_comment"],
                                        base_version=data["version"])
        return _committed(score_sheets.sheet_data(sheet))


@blp.route("/rounds/<int:round_id>/sheets/<int:application_id>/submit")
class SheetSubmit(MethodView):
    @blp.arguments(SheetSubmitSchema)
    @blp.response(200, SheetSchema)
    @blp.alt_response(409, description="Already submitted with another key, recused, or scoring not open.")
    @blp.alt_response(422, description="A criterion is missing or invalid, or the idempotency key is malformed.")
    def post(self, data, round_id, application_id):
        """Submit and lock the sheet. A retry with the same idempotency key returns the same sheet."""
        user = require_user()
        round_, application = _round_and_application(round_id, application_id)
        sheet = score_sheets.submit(round_, application, user, scores=data["scores"], comments=data["comments"],
                                    overall_comment=data["overall_comment"],
                                    idempotency_key=data["idempotency_key"], base_version=data["version"])
        return _committed(score_sheets.sheet_data(sheet))


@blp.route("/rounds/<int:round_id>/sheets/<int:application_id>/recuse")
class SheetRecuse(MethodView):
    @blp.arguments(RecuseSchema)
    @blp.response(200, SheetSchema)
    @blp.alt_response(409, description="The sheet is already submitted.")
    @blp.alt_response(422, description="No reason given.")
    def post(self, data, round_id, application_id):
        """Recuse yourself from the project, with a reason."""
        user = require_user()
        round_, application = _round_and_application(round_id, application_id)
        sheet = score_sheets.recuse(round_, application, user, data["reason"])
        return _committed(score_sheets.sheet_data(sheet))


@blp.route("/rounds/<int:round_id>/sheets/<int:application_id>/peers")
class PeerSheets(MethodView):
    @blp.response(200, PeerSheetSchema(many=True))
    @blp.alt_response(404, description="Not visible: the round does not let judges see each other's sheets, "
                                       "or the caller has not submitted their own sheet of the project.")
    def get(self, round_id, application_id):
        """The other judges' submitted sheets of the project, anonymised (where the round allows it,
        once the caller has submitted their own)."""
        user = require_user()
        round_, application = _round_and_application(round_id, application_id)
        return peer_sheets.peer_sheets(round_, application, user)
