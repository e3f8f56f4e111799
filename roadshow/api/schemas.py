"""Marshmallow schemas of the API's resources; the OpenAPI document is generated from them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from roadshow.models import ApplicationStatus, ContestStatus, MaterialKind, ProjectStage, Role
from roadshow.services.contests import SLUG_PATTERN


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Raw()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class MembershipSchema(Schema):
    contest = fields.Function(lambda m: m.contest.slug, metadata={"description": "The contest's slug."})
    role = fields.Enum(Role, by_value=True)


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.Email()
    display_name = fields.String()
    locale = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)
    is_admin = fields.Boolean()
    roles = fields.List(fields.Nested(MembershipSchema))


class TrackSchema(Schema):
    id = fields.Integer(dump_only=True)
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=120))
    name_en = fields.String(load_default="", validate=validate.Length(max=120))


class ContestSchema(Schema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(required=True, validate=[validate.Length(max=64), validate.Regexp(SLUG_PATTERN)])
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(load_default="", validate=validate.Length(max=200))
    description_zh = fields.String(load_default="")
    description_en = fields.String(load_default="")
    timezone = fields.String(load_default="Asia/Shanghai")
    status = fields.Enum(ContestStatus, by_value=True, load_default=ContestStatus.DRAFT)
    tracks = fields.List(fields.Nested(TrackSchema), load_default=list)
    created_at = fields.DateTime(dump_only=True)


class MemberSchema(Schema):
    display_name = fields.Function(lambda m: m.user.display_name)
    email = fields.Function(lambda m: m.user.email)
    is_leader = fields.Boolean()


class MaterialSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(MaterialKind, by_value=True)
    original_filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


class ApplicationSchema(Schema):
    """An application as its team and its organisers see it."""

    id = fields.Integer(dump_only=True)
    contest = fields.Function(lambda a: a.contest.slug, dump_only=True)
    status = fields.Enum(ApplicationStatus, by_value=True, dump_only=True)
    version = fields.Integer(metadata={"description": "Send it back when saving: a stale version is a 409."})
    track_id = fields.Integer(allow_none=True)
    project_name = fields.String()
    summary = fields.String()
    stage = fields.Enum(ProjectStage, by_value=True, allow_none=True)
    funding_sought = fields.Decimal(as_string=True, allow_none=True)
    leader_name = fields.String()
    leader_title = fields.String()
    leader_degree = fields.String()
    leader_institution = fields.String()
    country = fields.String(metadata={"description": "ISO 3166 two-letter code"})
    contact_email = fields.String()
    contact_phone = fields.String()
    team_members = fields.String()
    answers = fields.Dict(keys=fields.String(), metadata={"description": "question id -> text, number, option index or list of indexes"})
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    members = fields.List(fields.Nested(MemberSchema), dump_only=True)
    materials = fields.List(fields.Nested(MaterialSchema), dump_only=True)


class ApplicationSaveSchema(Schema):
    """A partial save: the fields present are checked and stored, the others stay as they are."""

    version = fields.Integer(required=True)
    fields_ = fields.Dict(data_key="fields", load_default=dict,
                          metadata={"description": "core fields by name, and answers under 'answers'"})


class ApplicationSubmitSchema(Schema):
    version = fields.Integer(required=True)


class ApplicationQuerySchema(Schema):
    contest = fields.String(metadata={"description": "slug; organisers then see every application of it"})
    status = fields.Enum(ApplicationStatus, by_value=True)
