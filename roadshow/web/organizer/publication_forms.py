"""Forms of the organisers' advancement and publication page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from roadshow.services.advancement import HAND_PICKED, THRESHOLD, TOP_OVERALL, TOP_PER_TRACK
from roadshow.web.fields import MultiCheckboxField, choices

MAX_REASON_LENGTH = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AdvanceForm(FlaskForm):
    """How to cut: the first N overall or per track, everyone above a threshold, or the projects
    ticked in the ranking (with the organiser's reason). Sent once to preview the cut and its
    warnings, then again with ``confirm=1`` and the previewed ``application_ids``."""

    mode = SelectField(_l("Advance"), choices=choices([
        (TOP_OVERALL, _l("The top N overall")),
        (TOP_PER_TRACK, _l("The top N of each track")),
        (THRESHOLD, _l("Everyone with a score of at least")),
        (HAND_PICKED, _l("The projects ticked in the ranking")),
    ]), default=TOP_OVERALL)
    n = IntegerField(_l("N"), validators=[Optional(), NumberRange(min=1, max=10000)])
    threshold = DecimalField(_l("Score threshold"), validators=[Optional()], places=None)
    to_round = SelectField(_l("To round"), coerce=int, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=MAX_REASON_LENGTH)], filters=[_strip],
                           description=_l("Required for hand-picked projects; otherwise the rule of the cut is "
                                          "recorded as the reason."), render_kw={"rows": 2})
    application_ids = SelectMultipleField(_l("Projects"), coerce=int, validate_choice=False)
    confirm = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.mode.data in (TOP_OVERALL, TOP_PER_TRACK) and self.n.data is None and not self.n.errors:
            self.n.errors = [*self.n.errors, _l("Say how many projects advance.")]
            ok = False
        if self.mode.data == THRESHOLD and self.threshold.data is None and not self.threshold.errors:
            self.threshold.errors = [*self.threshold.errors, _l("Give the score threshold.")]
            ok = False
        if self.mode.data == HAND_PICKED and not self.reason.data:
            self.reason.errors = [*self.reason.errors, _l("Say why these projects advance.")]
            ok = False
        if self.mode.data == HAND_PICKED and not self.application_ids.data:
            self.application_ids.errors = [*self.application_ids.errors, _l("Tick the projects to advance.")]
            ok = False
        return ok


class PublishForm(FlaskForm):
    snapshot_id = SelectField(_l("Snapshot"), coerce=int, validators=[DataRequired()])
    public_fields = MultiCheckboxField(_l("Also shown to the public"), choices=choices([
        ("team", _l("Team")), ("track", _l("Track")), ("score", _l("Score")),
    ]), description=_l("Rank and project are always shown."))


class UnpublishForm(FlaskForm):
    reason = TextAreaField(_l("Reason for unpublishing"), validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)],
                           filters=[_strip], description=_l("Recorded in the audit log."), render_kw={"rows": 2})
