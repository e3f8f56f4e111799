"""Forms of the organisers' progress board: reminding judges and unlocking a submitted sheet."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length

MAX_REASON_LENGTH = 2000


class RemindForm(FlaskForm):
    """Judges ticked on the board. The "remind all" button sends ``scope=all`` and needs no ticks;
    which of the ticked judges actually get an email is for the service to decide."""

    judge_ids = SelectMultipleField(_l("Judges"), coerce=int, validate_choice=False)


class UnlockForm(FlaskForm):
    reason = TextAreaField(_l("Reason for unlocking"), validators=[DataRequired(), Length(max=MAX_REASON_LENGTH)],
                           filters=[lambda value: value.strip() if value else value],
                           description=_l("The judge receives this reason by email."),
                           render_kw={"rows": 3})
