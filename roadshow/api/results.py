"""Results of a round: organisers at any time, everyone once published; and their exports.

``GET /rounds/<round_id>``: the contest's organisers get the live computation with the round's
saved method; anyone else who may see the contest gets the published snapshot's public fields
only, once the round is published. Before publication a signed-in non-organiser gets a 404 (the
same as for a round that does not exist, so nothing leaks) and an anonymous caller a 401.
Answers are never cached (``Cache-Control: no-store``, set by :func:`roadshow.api.auth.protect`).
"""
from __future__ import annotations

import math

from flask import Response, request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from roadshow.api.auth import api_user, protect
from roadshow.api.result_schemas import RoundResultsSchema
from roadshow.extensions import db
from roadshow.models import Round
from roadshow.policy import Action, can, signed_in
from roadshow.i18n import current_language
from roadshow.services import publication, result_exports, results
from roadshow.services.errors import NotAuthenticated, NotFound

blp = Blueprint("results", __name__, description="Results: rankings and their exports.")
protect(blp)


def _finite(value):
    """``value`` with NaN and infinities as None, so the answer stays valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _published(round_: Round) -> dict:
    ranking = publication.public_ranking(round_)
    return {"round_id": round_.id, "view": "published", "rows": [dict(row) for row in ranking.rows],
            "public_fields": list(ranking.fields), "content_hash": ranking.content_hash,
            "published_at": ranking.published_at, "snapshot_number": ranking.snapshot_number}


@blp.route("/rounds/<int:round_id>")
class RoundResults(MethodView):
    @blp.response(200, RoundResultsSchema)
    @blp.alt_response(401, description="Not signed in, and the round's results are not public.")
    @blp.alt_response(404, description="No such round, or its results are not published (and the caller "
                                       "is not one of its organisers).")
    def get(self, round_id: int):
        """A round's results: live for its organisers, the published fields for everyone else."""
        user = api_user()
        round_ = db.session.get(Round, round_id)
        if round_ is None or not round_.is_scored:
            if not signed_in(user):
                raise NotAuthenticated(_l("Please log in to continue."))
            raise NotFound(_l("Not found."))
        if can(user, Action.RESULTS_MANAGE, round_):
            return _finite({**results.live_dict(round_, by=user), "view": "live"})
        if can(user, Action.RESULTS_VIEW_PUBLISHED, round_):
            return _finite(_published(round_))
        if not signed_in(user):
            raise NotAuthenticated(_l("Please log in to continue."))
        raise NotFound(_l("Not found."))


@blp.route("/rounds/<int:round_id>/export.<any(csv, xlsx, pdf):fmt>")
class RoundResultsExport(MethodView):
    @blp.doc(parameters=[{"name": "snapshot", "in": "query", "required": False, "schema": {"type": "integer"},
                          "description": "Export this sealed snapshot (its number) instead of the live ranking."}],
             responses={"200": {"description": "The ranking as CSV, the workbook (XLSX: ranking, score matrix, "
                                               "one sheet per criterion, flags, method) or the PDF report.",
                                "content": {"text/csv": {}, result_exports.XLSX_TYPE: {}, "application/pdf": {}}}})
    @blp.alt_response(401, description="Not signed in.")
    @blp.alt_response(404, description="No such round or snapshot, or the caller is not one of its organisers.")
    def get(self, round_id: int, fmt: str):
        """A round's results as a file, for its organisers (published or not)."""
        user = api_user()
        if not signed_in(user):
            raise NotAuthenticated(_l("Please log in to continue."))
        round_ = db.session.get(Round, round_id)
        if round_ is None or not round_.is_scored or not can(user, Action.RESULTS_MANAGE, round_):
            raise NotFound(_l("Not found."))
        raw = request.args.get("snapshot", "")
        if raw and not raw.isdigit():
            raise NotFound(_l("Not found."))
        export = result_exports.export_for(round_, by=user, snapshot=int(raw) if raw else None)
        body, mimetype, filename = result_exports.render(export, fmt, current_language())
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
