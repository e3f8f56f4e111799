from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from sqlalchemy import select

from roadshow.api.auth import protect, require_user
from roadshow.api.schemas import (
    ApplicationQuerySchema, ApplicationSaveSchema, ApplicationSchema, ApplicationSubmitSchema, MaterialSchema,
)
from roadshow.extensions import db
from roadshow.models import Application
from roadshow.policy import Action, can
from roadshow.services import applications, contests
from roadshow.services.application_fields import FieldErrors
from roadshow.services.errors import Invalid

blp = Blueprint("applications", __name__, description="Applications: a team's own, or all of a contest for its organisers.")
protect(blp)


@blp.route("")
class Applications(MethodView):
    @blp.arguments(ApplicationQuerySchema, location="query")
    @blp.response(200, ApplicationSchema(many=True))
    def get(self, query):
        """The caller's applications; with ``contest``, all of that contest's for its organisers."""
        user = require_user()
        if "contest" in query:
            contest = contests.get_by_slug(query["contest"])
            if can(user, Action.CONTEST_MANAGE, contest):
                statement = select(Application).where(Application.contest_id == contest.id)
                if "status" in query:
                    statement = statement.where(Application.status == query["status"])
                return list(db.session.scalars(statement.order_by(Application.id)))
            found = [a for a in applications.of_user(user) if a.contest_id == contest.id]
        else:
            found = applications.of_user(user)
        return [a for a in found if "status" not in query or a.status == query["status"]]


@blp.route("/<int:application_id>")
class ApplicationById(MethodView):
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(404, description="No such application, or not visible to the caller.")
    def get(self, application_id):
        """One application (its team, its contest's organisers)."""
        return applications.get(application_id, require_user())

    @blp.arguments(ApplicationSaveSchema)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(409, description="The version is stale: someone saved in between.")
    @blp.alt_response(422, description="A field is malformed; nothing was saved.")
    def patch(self, data, application_id):
        """Save some fields of a draft or submitted application (until the deadline)."""
        user = require_user()
        application = applications.get(application_id, user)
        try:
            applications.save(application, user, data["fields_"], data["version"])
        except FieldErrors as exc:
            raise Invalid(_l("Some of what you sent is not valid."), details=exc.errors) from exc
        db.session.commit()
        return application


@blp.route("/<int:application_id>/submit")
class ApplicationSubmit(MethodView):
    @blp.arguments(ApplicationSubmitSchema)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(422, description="Something required is missing (listed in error.details).")
    def post(self, data, application_id):
        """Submit: every required field, answer and material must be there."""
        user = require_user()
        application = applications.get(application_id, user)
        applications.submit(application, user, data["version"])
        db.session.commit()
        return application


@blp.route("/<int:application_id>/materials")
class ApplicationMaterials(MethodView):
    @blp.response(200, MaterialSchema(many=True))
    def get(self, application_id):
        """Metadata of the application's materials (files are fetched through the web routes)."""
        return applications.get(application_id, require_user()).materials
