"""Marshmallow schemas of the results API: the organisers' live computation and the public one.

Both answers share :class:`RoundResultsSchema`; ``view`` says which it is. A published answer has
only ``rows`` (each with just the fields the organiser chose to publish), ``public_fields``,
``content_hash``, ``published_at`` and ``snapshot_number``; a live one has everything of
:class:`roadshow.scoring.model.RoundResult` plus the projects' and judges' names.
"""
from __future__ import annotations

from marshmallow import Schema, fields


class MethodSchema(Schema):
    aggregation = fields.String(metadata={"enum": ["mean", "median", "trimmed_mean"]})
    trim = fields.Integer()
    fallback = fields.String(metadata={"enum": ["mean", "median"]})
    normalise = fields.Boolean()
    normalise_min_projects = fields.Integer()
    scale_min = fields.Float()
    scale_max = fields.Float(metadata={"description": "The rubric's maximum total."})
    tie_breaks = fields.List(fields.String(), metadata={"description": "aggregate, median, lot or criterion:<id>"})
    lot_seed = fields.Integer()
    top_n = fields.Integer()
    disagreement_threshold = fields.Float(allow_none=True)
    bootstrap_resamples = fields.Integer()
    bootstrap_seed = fields.Integer()


class ResultRowSchema(Schema):
    """One ranked project. Public answers carry only the published fields: ``rank``, ``project``
    (its name), ``team``, ``track`` and ``score``."""

    rank = fields.Integer()
    project = fields.Raw(metadata={"description": "Live: the application id. Published: the project's name."})
    project_name = fields.String(metadata={"description": "Live only."})
    team = fields.String(metadata={"description": "Published only, when chosen: the team leader's name."})
    score = fields.Float(allow_none=True, metadata={"description": "Published only, when chosen: the aggregate."})
    track = fields.Raw(allow_none=True, metadata={"description": "Live: the track id. Published: its names."})
    n_sheets = fields.Integer()
    raw_mean = fields.Float(allow_none=True)
    aggregate = fields.Float(allow_none=True)
    normalised = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    spread = fields.Float(allow_none=True)
    rank_low = fields.Integer()
    rank_high = fields.Integer()
    p_top_n = fields.Float()
    loo_max_shift = fields.Integer()
    decided_by = fields.String(allow_none=True)
    flags = fields.List(fields.String())


class JudgeStatSchema(Schema):
    judge = fields.Integer()
    n_sheets = fields.Integer()
    mean = fields.Float()
    harshness = fields.Float()
    consensus = fields.Float(allow_none=True)
    normalised = fields.Boolean()
    outlier = fields.Boolean()


class ProjectNameSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    track = fields.Integer(allow_none=True)


class RoundResultsSchema(Schema):
    round_id = fields.Integer()
    view = fields.String(metadata={"enum": ["live", "published"]})
    rows = fields.List(fields.Nested(ResultRowSchema))
    # live only
    by_track = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(ResultRowSchema)),
                           metadata={"description": "Live only: per-track rankings, keyed by track id or 'none'."})
    judges = fields.List(fields.Nested(JudgeStatSchema), metadata={"description": "Live only."})
    judge_names = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "Live only."})
    projects = fields.List(fields.Nested(ProjectNameSchema), metadata={"description": "Live only."})
    kendalls_w = fields.Float(allow_none=True, metadata={"description": "Live only."})
    icc = fields.Float(allow_none=True, metadata={"description": "Live only."})
    method = fields.Nested(MethodSchema, metadata={"description": "Live only."})
    # published only
    public_fields = fields.List(fields.String(), metadata={"description": "Published only."})
    content_hash = fields.String(metadata={"description": "Published only: SHA-256 of the sealed snapshot."})
    published_at = fields.DateTime(metadata={"description": "Published only."})
    snapshot_number = fields.Integer(metadata={"description": "Published only."})
