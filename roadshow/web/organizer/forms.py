from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Email, Length

from roadshow.i18n import LANGUAGE_NAMES
from roadshow.models import Role
from roadshow.web.fields import choices
from roadshow.web.labels import ROLE_LABELS

class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=choices((role, ROLE_LABELS[role]) for role in (Role.JUDGE, Role.OBSERVER)))
    locale = SelectField(_l("Language of the email"), choices=choices(LANGUAGE_NAMES.items()))
