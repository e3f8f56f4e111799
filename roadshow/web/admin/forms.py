from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from roadshow.i18n import is_timezone, timezone_names
from roadshow.models import ContestStatus
from roadshow.services.contests import SLUG_PATTERN
from roadshow.web.fields import choices
from roadshow.web.labels import STATUS_LABELS

def parse_bilingual_lines(text: str) -> list[tuple[str, str]]:
    """One item a line, ``Chinese | English`` (the English part is optional): tracks, options."""
    tracks = []
    for line in (text or "").splitlines():
        if line.strip():
            zh, _, en = line.partition("|")
            tracks.append((zh.strip(), en.strip()))
    return tracks


class ContestForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=20000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=20000)])
    timezone = SelectField(_l("Time zone of the contest"), default="Asia/Shanghai")
    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS.items()), default=ContestStatus.DRAFT.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((name, name) for name in timezone_names())

    def validate_timezone(self, field):
        if not is_timezone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


class NewContestForm(ContestForm):
    slug = StringField(
        _l("Short name"), validators=[DataRequired(), Length(max=64),
                                      Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and hyphens."))],
        description=_l("Used in web addresses, e.g. talent-2026."),
    )
    tracks = TextAreaField(_l("Tracks"), description=_l("One a line: Chinese name | English name."),
                           validators=[Length(max=5000)])

    def validate_tracks(self, field):
        names = [zh for zh, _ in parse_bilingual_lines(field.data)]
        if any(not name for name in names):
            raise ValidationError(_l("Every track needs a Chinese name."))
        if len(set(names)) != len(names):
            raise ValidationError(_l("Track names must be different."))
