from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from roadshow.i18n import LANGUAGE_NAMES, is_timezone, timezone_names
from roadshow.web.auth.forms import new_password_fields
from roadshow.web.fields import choices


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=choices([("", _l("As my browser prefers")), *LANGUAGE_NAMES.items()]))
    timezone = SelectField(_l("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices([("", _l("Default (Asia/Shanghai)"))] + [(name, name) for name in timezone_names()])

    def validate_timezone(self, field):
        if field.data and not is_timezone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password, confirm = new_password_fields()


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, e.g. \"results export script\"."))


class LanguageForm(FlaskForm):
    locale = HiddenField(validators=[AnyOf(list(LANGUAGE_NAMES))])
    next = HiddenField()
