"""Forms of the organisers' live pages: a session, its running order, and letters of intent.

The field checks that matter (format, stream address, amount) are the services' own, run here so the
form shows them next to the field; the services check again.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from roadshow.models import LetterStatus
from roadshow.services import live_sessions, matchmaking
from roadshow.services.errors import Invalid
from roadshow.web.fields import choices

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _service_check(check):
    def validate(form, field):
        try:
            check(field.data)
        except Invalid as exc:
            raise ValidationError(str(exc.message)) from None
    return validate


class SessionForm(FlaskForm):
    round_id = SelectField(_l("Round"), coerce=int, choices=[],
                           description=_l("The projects entered in this round make up the running order."))
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)], filters=[_strip])
    starts_at = DateTimeLocalField(_l("Starts (contest time)"), format=DATETIME_FORMAT, validators=[InputRequired()])
    format = StringField(_l("Format (minutes of pitch + Q&A)"), default="8+7", filters=[_strip],
                         validators=[_service_check(live_sessions.parse_format)],
                         description=_l('For example "8+7": 8 minutes of pitch or video, 7 of questions.'))
    stream_url = StringField(_l("Live stream (HLS .m3u8 address)"), filters=[_strip],
                             validators=[_service_check(live_sessions.check_stream_url)])
    meeting_url = StringField(_l("External meeting link"), filters=[_strip],
                              validators=[_service_check(live_sessions.check_meeting_url)])
    scored = BooleanField(_l("Judges score in this session"), default=True)

    def set_rounds(self, contest, language: str) -> SessionForm:
        self.round_id.choices = [(0, _l("No round"))] + [
            (r.id, r.localized("name", language)) for r in contest.rounds]
        return self


class DrawForm(FlaskForm):
    seed = IntegerField(_l("Seed (optional)"), validators=[Optional(), NumberRange(0, live_sessions.MAX_SEED)],
                        description=_l("Leave empty for a fresh random seed; it is recorded either way."))


class OrderForm(FlaskForm):
    order = StringField(_l("Order (project numbers, first to last)"), validators=[DataRequired(), Length(max=5000)],
                        description=_l("Separate the numbers with commas or spaces."))

    def application_ids(self) -> list[int]:
        tokens = [t for t in self.order.data.replace(",", " ").split() if t]
        if not all(t.isdigit() for t in tokens):
            raise Invalid(_l("The order is a list of project numbers."), field="order")
        return [int(t) for t in tokens]


LETTER_STATUS_CHOICES = [(status.value, matchmaking.STATUS_LABELS[status]) for status in LetterStatus]


class LetterForm(FlaskForm):
    application_id = SelectField(_l("Project"), coerce=int, choices=[], validate_choice=False)
    organisation = StringField(_l("Organisation"), filters=[_strip],
                               validators=[DataRequired(), Length(max=matchmaking.MAX_ORGANISATION)])
    status = SelectField(_l("Status"), choices=choices(LETTER_STATUS_CHOICES))
    amount = StringField(_l("Amount (CNY, optional)"), filters=[_strip],
                         validators=[_service_check(matchmaking.parse_amount)])
    note = TextAreaField(_l("Note"), validators=[Length(max=matchmaking.MAX_NOTE)], render_kw={"rows": 2})

    def set_projects(self, contest) -> LetterForm:
        self.application_id.choices = [(a.id, f"#{a.id} {a.project_name or '—'}")
                                       for a in matchmaking.projects(contest)]
        return self


class EditLetterForm(LetterForm):
    """The project of a letter does not change."""

    application_id = None
