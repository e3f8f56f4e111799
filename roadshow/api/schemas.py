"""Marshmallow schemas of the API's resources; the OpenAPI document is generated from them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from roadshow.models import ContestStatus, Role
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
