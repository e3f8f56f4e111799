"""``/api/v1``: JSON resources with an OpenAPI 3 document generated from the code (flask-smorest)."""
from __future__ import annotations

from flask_smorest import Api


class RoadshowApi(Api):
    """flask-smorest's Api, leaving error answers to ``roadshow.web.errors`` so that every JSON
    error of the app has one shape: ``{"error": {"code", "message"}}``."""

    def _register_error_handlers(self):
        pass


def init_app(app) -> None:
    """One Api (and so one OpenAPI document) per application."""
    from roadshow.api.applications import blp as applications_blp
    from roadshow.api.contests import blp as contests_blp
    from roadshow.api.me import blp as me_blp
    from roadshow.api.results import blp as results_blp
    from roadshow.api.reviews import blp as reviews_blp

    api = RoadshowApi(app, spec_kwargs={
        "info": {"description": "Roadshow: online roadshows and expert scoring."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal access token (rs_...)."}
    )
    for blueprint in (me_blp, contests_blp, applications_blp, reviews_blp, results_blp):
        api.register_blueprint(blueprint, url_prefix=f"/api/v1/{blueprint.name}")

    from roadshow.api.uploads import bp as uploads_bp  # tus, not JSON: a plain blueprint

    app.register_blueprint(uploads_bp)
