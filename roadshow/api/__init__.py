"""``/api/v1``: JSON resources with an OpenAPI 3 document generated from the code (flask-smorest)."""
from __future__ import annotations

from flask_smorest import Api

from roadshow.api import auth


class RoadshowApi(Api):
    """flask-smorest's Api, leaving error answers to ``roadshow.web.errors`` so that every JSON
    error of the app has one shape: ``{"error": {"code", "message"}}``."""

    def _register_error_handlers(self):
        pass


api = RoadshowApi(
    spec_kwargs={
        "info": {"description": "Roadshow: online roadshows and expert scoring."},
        "servers": [{"url": "/"}],
    }
)


def init_app(app) -> None:
    from roadshow.api.contests import blp as contests_blp
    from roadshow.api.me import blp as me_blp

    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal access token (rs_...)."}
    )
    api.spec.options["security"] = [{"bearerAuth": []}]
    for blueprint in (me_blp, contests_blp):
        auth.protect(blueprint)
        api.register_blueprint(blueprint, url_prefix=f"/api/v1/{blueprint.name}")
