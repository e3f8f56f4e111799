"""Forms of the organisers' review set-up: round settings, rubric criteria, assignments."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from roadshow.services.assignments import MAX_REASON, MAX_SEED
from roadshow.services.review_rounds import MAX_K, MIN_K
from roadshow.services.rubrics import MAX_DESCRIPTION, MAX_NAME
from roadshow.web.fields import choices


class SettingsForm(FlaskForm):
    judges_per_project = IntegerField(
        _l("Judges per project (k)"), validators=[InputRequired(), NumberRange(MIN_K, MAX_K)],
        description=_l("How many judges the solver gives each project, from %(min)d to %(max)d.", min=MIN_K, max=MAX_K))
    judges_see_peer_scores = BooleanField(_l("A judge who has submitted a sheet may see the other judges' sheets "
                                             "of that project"))


class CriterionForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=MAX_NAME)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=MAX_NAME)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=MAX_DESCRIPTION)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=MAX_DESCRIPTION)])
    max_points = StringField(_l("Maximum points"), validators=[DataRequired(), Length(max=20)], default="10",
                             description=_l("Above 0, at most 1000, a multiple of the step."))
    weight = StringField(_l("Weight"), validators=[DataRequired(), Length(max=20)], default="1",
                         description=_l("The total is the sum of weight × score."))
    step = SelectField(_l("Score step"), choices=choices([("1", "1"), ("0.5", "0.5")]), default="1")
    descriptors = TextAreaField(
        _l("Score levels"), validators=[Length(max=20000)],
        description=_l("Optional. One level a line: score | 中文 | English, e.g. \"8 | 良好 | Good\"."))
    comment_required = BooleanField(_l("A comment is required for this criterion"))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "name_zh", "name_en", "description_zh", "description_en", "max_points", "weight", "step", "descriptors",
            "comment_required")}


class SolverForm(FlaskForm):
    seed = IntegerField(_l("Seed (optional)"), validators=[Optional(), NumberRange(0, MAX_SEED - 1)],
                        description=_l("Leave empty for a random seed. The same seed on the same data gives the "
                                       "same assignment."))


class AssignForm(FlaskForm):
    judge_id = SelectField(_l("Judge"), coerce=int, validate_choice=False)
    application_id = SelectField(_l("Project"), coerce=int, validate_choice=False)
    override_reason = TextAreaField(
        _l("Reason to override a conflict of interest"), validators=[Length(max=MAX_REASON)],
        description=_l("Only if the judge has a conflict with the project. The override is logged, and the judge "
                       "still cannot see the project while the conflict is active."))


class PairForm(FlaskForm):
    judge_id = HiddenField(validators=[DataRequired()])
    application_id = HiddenField(validators=[DataRequired()])


class ReassignForm(FlaskForm):
    application_id = SelectField(_l("Project"), coerce=int, validate_choice=False)
    from_judge_id = SelectField(_l("From judge"), coerce=int, validate_choice=False)
    to_judge_id = SelectField(_l("To judge"), coerce=int, validate_choice=False)
    override_reason = TextAreaField(
        _l("Reason to override a conflict of interest"), validators=[Length(max=MAX_REASON)],
        description=_l("Only if the new judge has a conflict with the project; the judge still cannot see it."))
