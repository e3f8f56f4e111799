"""Forms of the organisers' judge pool and conflicts pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from roadshow.i18n import LANGUAGE_NAMES
from roadshow.models import Contest
from roadshow.services.conflicts import MAX_REASON_LENGTH
from roadshow.services.judge_pool import MAX_INSTITUTION_LENGTH
from roadshow.web.fields import MultiCheckboxField, choices, track_choices


class JudgeProfileForm(FlaskForm):
    """What an organiser may set of a judge's profile (the bio is the judge's own)."""

    institution = StringField(_l("Institution"), validators=[Length(max=MAX_INSTITUTION_LENGTH)])
    expertise = MultiCheckboxField(_l("Expertise tracks"), coerce=int)
    max_load = IntegerField(_l("Most projects per round"), validators=[Optional(), NumberRange(min=0, max=1000)],
                            description=_l("Leave empty for no limit."))

    def __init__(self, contest: Contest, **kwargs) -> None:
        super().__init__(**kwargs)
        self.expertise.choices = track_choices(contest)


class InviteJudgeForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    locale = SelectField(_l("Language of the email"), choices=choices(LANGUAGE_NAMES.items()))


class AddConflictForm(FlaskForm):
    judge_id = SelectField(_l("Judge"), coerce=int, validators=[InputRequired()])
    application_id = SelectField(_l("Project"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")),
                                                     Length(max=MAX_REASON_LENGTH)])

    def __init__(self, judges, projects, **kwargs) -> None:
        super().__init__(**kwargs)
        self.judge_id.choices = [(user.id, f"{user.display_name} <{user.email}>") for user in judges]
        self.application_id.choices = [
            (application.id, " — ".join(part for part in (application.project_name or f"#{application.id}",
                                                           application.leader_name) if part))
            for application in projects]


class LiftConflictForm(FlaskForm):
    reason = TextAreaField(_l("Reason for lifting"), validators=[DataRequired(_l("Give a reason.")),
                                                                 Length(max=MAX_REASON_LENGTH)])
