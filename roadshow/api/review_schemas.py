"""Marshmallow schemas of the judges' review API (assignments and score sheets).

Scores and comments are free-form maps (criterion id -> value): they are checked against the
round's rubric by :func:`roadshow.scoring.sheets.check_sheet`, whose error codes come back in a
422's ``details``. Unknown fields (a client's ``total``, say) are ignored: the server computes the
total itself.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class SheetSaveSchema(_Lenient):
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict,
                         metadata={"description": "criterion id -> score (a number or a decimal string; empty "
                                                  "for not yet scored)"})
    comments = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict,
                           metadata={"description": "criterion id -> comment"})
    overall_comment = fields.Raw(load_default="", allow_none=True, metadata={"type": "string"})
    version = fields.Integer(required=True, strict=True,
                             metadata={"description": "The version the edit is based on (0 for a new sheet); "
                                                      "a stale version is a 409."})


class SheetSubmitSchema(SheetSaveSchema):
    version = fields.Integer(load_default=None, allow_none=True, strict=True,
                             metadata={"description": "Optional: the version the submit is based on."})
    idempotency_key = fields.String(required=True, metadata={
        "description": "8-64 characters of A-Z a-z 0-9 _ -, chosen once per submit attempt; a retry with the "
                       "same key returns the first result."})


class RecuseSchema(_Lenient):
    reason = fields.Raw(load_default="", metadata={"type": "string", "description": "Required."})


class DescriptorSchema(Schema):
    score = fields.String()
    zh = fields.String()
    en = fields.String()


class CriterionSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    max_points = fields.Decimal(as_string=True)
    weight = fields.Decimal(as_string=True)
    step = fields.Decimal(as_string=True)
    descriptors = fields.List(fields.Dict())
    comment_required = fields.Boolean()


class SheetSchema(Schema):
    id = fields.Integer(allow_none=True)
    round_id = fields.Integer()
    application_id = fields.Integer()
    status = fields.String(allow_none=True, metadata={"description": "null (not started), draft, submitted or recused"})
    scores = fields.Dict(keys=fields.String(), values=fields.String())
    comments = fields.Dict(keys=fields.String(), values=fields.String())
    overall_comment = fields.String()
    total = fields.String(allow_none=True, metadata={"description": "Computed by the server: sum of weight x score."})
    version = fields.Integer(metadata={"description": "Send it back when saving (0: no sheet yet)."})
    updated_at = fields.String(allow_none=True)
    submitted_at = fields.String(allow_none=True)
    recusal_reason = fields.String()
    unlocked_at = fields.String(allow_none=True)
    unlock_reason = fields.String()


class SheetWithRubricSchema(SheetSchema):
    maximum_total = fields.String()
    criteria = fields.List(fields.Nested(CriterionSchema))


class AssignmentSchema(Schema):
    round_id = fields.Integer()
    round_name = fields.String()
    contest = fields.String(metadata={"description": "The contest's slug."})
    application_id = fields.Integer()
    project_name = fields.String()
    track = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "null (not started), draft, submitted or recused"})
    total = fields.String(allow_none=True)


class PeerSheetSchema(Schema):
    label = fields.String(metadata={"description": "Judge A, B, C... in the order the sheets were submitted."})
    total = fields.Decimal(as_string=True, allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.String())
    comments = fields.Dict(keys=fields.String(), values=fields.String())
    overall_comment = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
