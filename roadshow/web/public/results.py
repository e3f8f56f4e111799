"""Published results: the public ranking of a round, and a team's own result with the judges' comments.

Both pages are 404 until the round is published and again once it is unpublished, and are never
stored by a browser or a proxy (``no-store``): an unpublished ranking must not linger in a cache.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.models import Application, Round
from roadshow.policy import Action, authorize, can
from roadshow.services import applications, contests, publication
from roadshow.services.errors import NotFound

bp = Blueprint("public_results", __name__, url_prefix="/contests/<slug>/results")


@bp.after_request
def _never_stored(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _round(slug: str, round_id: int):
    contest = contests.get_by_slug(slug)
    authorize(current_user, Action.CONTEST_VIEW, contest, conceal=True)
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    return contest, round_


def _track(value) -> str:
    if not value:
        return "—"
    language = current_language()
    preferred, fallback = (value.get("en"), value.get("zh")) if language.startswith("en") else (
        value.get("zh"), value.get("en"))
    return preferred or fallback or "—"


@bp.get("/<int:round_id>", endpoint="round")
def round_page(slug: str, round_id: int):
    contest, round_ = _round(slug, round_id)
    authorize(current_user, Action.RESULTS_VIEW_PUBLISHED, round_, conceal=True)
    ranking = publication.public_ranking(round_)
    mine = applications.of_user_in(contest, current_user) if current_user.is_authenticated else None
    own = mine if mine is not None and can(current_user, Action.RESULT_VIEW_OWN, (round_, mine)) else None
    return render_template("public/results.html", contest=contest, round=round_, ranking=ranking,
                           track_name=_track, own_application=own)


@bp.get("/<int:round_id>/applications/<int:application_id>")
def team(slug: str, round_id: int, application_id: int):
    contest, round_ = _round(slug, round_id)
    application = db.session.get(Application, application_id)
    if application is None or application.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    result = publication.team_result(round_, application, current_user)
    return render_template("public/team_result.html", contest=contest, round=round_, application=application,
                           result=result, criteria={str(c.id): c for c in round_.criteria})
