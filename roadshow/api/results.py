"""Results of a round: organisers at any time, everyone once published; and their exports.

``GET /rounds/<round_id>``: the contest's organisers get the live computation with the round's
saved method; anyone else who may see the contest gets the published snapshot's public fields
only, once the round is published. Before publication a signed-in non-organiser gets a 404 (the
same as for a round that does not exist, so nothing leaks) and an anonymous caller a 401.
Answers are never cached (``Cache-Control: no-store``, set by :func:`roadshow.api.auth.protect`).
"""
from __future__ import annotations

import math

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from roadshow.api.auth import api_user, protect
from roadshow.api.result_schemas import RoundResultsSchema
from roadshow.extensions import db
from roadshow.models import Round
from roadshow.policy import Action, can, signed_in
from roadshow.services import publication, results
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
