"""Forms of the judge's pages: their profile in a contest and their declaration of conflicts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from roadshow.models import Contest
from roadshow.services.judge_pool import MAX_BIO_LENGTH, MAX_INSTITUTION_LENGTH
from roadshow.web.fields import MultiCheckboxField, track_choices


class ProfileForm(FlaskForm):
    institution = StringField(_l("Institution"), validators=[Length(max=MAX_INSTITUTION_LENGTH)])
    expertise = MultiCheckboxField(_l("Expertise tracks"), coerce=int)
    bio = TextAreaField(_l("Short bio"), validators=[Length(max=MAX_BIO_LENGTH)],
                        description=_l("At most %(n)d characters.", n=MAX_BIO_LENGTH))

    def __init__(self, contest: Contest, **kwargs) -> None:
        super().__init__(**kwargs)
        self.expertise.choices = track_choices(contest)


class DeclarationForm(FlaskForm):
    """The confirmation of a declaration; the ticked projects and their reasons are read from the
    request by the view (one checkbox ``conflict`` and one ``reason-<id>`` per project)."""

    confirm = BooleanField(_l("I have declared every conflict of interest I have with the projects of this round."),
                           validators=[DataRequired(_l("Confirm your declaration."))])
