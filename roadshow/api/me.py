from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from roadshow.api.auth import protect, require_user
from roadshow.api.schemas import MeSchema
from roadshow.services import contests

blp = Blueprint("me", __name__, description="The authenticated caller.")
protect(blp)


@blp.route("")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.alt_response(401, description="No valid token or session.")
    def get(self):
        """The caller's account and their roles in each contest."""
        user = require_user()
        return {
            "id": user.id, "email": user.email, "display_name": user.display_name, "locale": user.locale,
            "timezone": user.timezone, "is_admin": user.is_admin, "roles": contests.memberships_of(user),
        }
