from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from roadshow.api.auth import api_user, protect, require_user
from roadshow.api.schemas import ContestSchema
from roadshow.extensions import db
from roadshow.i18n import is_timezone
from roadshow.policy import Action, authorize
from roadshow.services import contests
from roadshow.services.errors import Invalid

blp = Blueprint("contests", __name__, description="Contests visible to the caller.")
protect(blp)


@blp.route("")
class Contests(MethodView):
    @blp.response(200, ContestSchema(many=True))
    def get(self):
        """Public contests, plus the drafts the caller organises."""
        return contests.visible_to(api_user())

    @blp.arguments(ContestSchema)
    @blp.response(201, ContestSchema)
    @blp.alt_response(403, description="Only site administrators create contests.")
    @blp.alt_response(409, description="The slug is taken.")
    def post(self, data):
        """Create a contest (site administrators)."""
        user = require_user()
        if not is_timezone(data["timezone"]):
            raise Invalid(_l("Choose a time zone from the list."), field="timezone")
        contest = contests.create_contest(
            by=user, slug=data["slug"], name_zh=data["name_zh"], name_en=data["name_en"],
            description_zh=data["description_zh"], description_en=data["description_en"],
            timezone=data["timezone"], status=data["status"],
            tracks=[(t["name_zh"], t["name_en"]) for t in data["tracks"]],
        )
        db.session.commit()
        return contest


@blp.route("/<slug>")
class ContestBySlug(MethodView):
    @blp.response(200, ContestSchema)
    @blp.alt_response(404, description="No such contest, or not visible to the caller.")
    def get(self, slug):
        """One contest, with its tracks."""
        contest = contests.get_by_slug(slug)
        authorize(api_user(), Action.CONTEST_VIEW, contest, conceal=True)
        return contest
