"""Forms of the contest setup pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from roadshow.models import QuestionKind
from roadshow.web.admin.forms import parse_bilingual_lines
from roadshow.web.fields import choices
from roadshow.web.labels import QUESTION_KIND_LABELS, ROUND_KIND_LABELS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class TrackForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=120)])


class RoundForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(ROUND_KIND_LABELS.items()))
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=120)])
    opens_at = DateTimeLocalField(_l("Opens (contest time)"), format=DATETIME_FORMAT, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes (contest time)"), format=DATETIME_FORMAT, validators=[Optional()])

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The round must close after it opens."))


class DeadlineForm(FlaskForm):
    deadline = DateTimeLocalField(_l("Application deadline (contest time)"), format=DATETIME_FORMAT,
                                  validators=[Optional()],
                                  description=_l("Teams can edit and upload until then. Leave empty for no deadline."))
    quota_mb = IntegerField(_l("Storage per application (MB)"), validators=[InputRequired(), NumberRange(1, 20480)])


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(QUESTION_KIND_LABELS.items()))
    label_zh = StringField(_l("Question (Chinese)"), validators=[DataRequired(), Length(max=300)])
    label_en = StringField(_l("Question (English)"), validators=[Length(max=300)])
    help_zh = TextAreaField(_l("Help text (Chinese)"), validators=[Length(max=2000)])
    help_en = TextAreaField(_l("Help text (English)"), validators=[Length(max=2000)])
    options = TextAreaField(_l("Options"), validators=[Length(max=10000)],
                            description=_l("For choice questions: one option a line, Chinese | English."))
    required = BooleanField(_l("Required"))

    def validate_options(self, field):
        if self.kind.data in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            if len([zh for zh, _ in parse_bilingual_lines(field.data) if zh]) < 2:
                raise ValidationError(_l("A choice question needs at least two options."))


class EditQuestionForm(QuestionForm):
    """The kind of an existing question does not change (answers depend on it)."""

    kind = None


class MaterialRuleForm(FlaskForm):
    required = BooleanField(_l("Required"))
    max_mb = IntegerField(_l("Size limit (MB)"), validators=[InputRequired(), NumberRange(1, 10 * 1024)])
