"""Forms of the organisers' application pages: filtering the list, screening, importing a file."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SearchField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from roadshow.i18n import current_language
from roadshow.models import ApplicationStatus, Contest
from roadshow.web.fields import choices
from roadshow.web.labels import APPLICATION_STATUS_LABELS

MAX_REASON_LENGTH = 2000
OUTCOME_LABELS = {  # the outcomes services.applications.screen accepts
    ApplicationStatus.SCREENED_IN: _l("Screen in (pass)"),
    ApplicationStatus.SCREENED_OUT: _l("Screen out (fail)"),
}


class FilterForm(FlaskForm):
    """The list's filters, sent as a GET query: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Length(max=100)],
                    render_kw={"placeholder": _l("Project, leader, institution or email")})
    track = SelectField(_l("Track"))
    status = SelectField(_l("Status"))
    country = SelectField(_l("Country or region"))

    def __init__(self, contest: Contest, countries: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        any_label = _l("All")
        language = current_language()
        self.track.choices = choices([("", any_label)] + [(track.id, track.localized("name", language))
                                                          for track in contest.tracks])
        self.status.choices = choices([("", _l("All but drafts"))] + list(APPLICATION_STATUS_LABELS.items()))
        self.country.choices = choices([("", any_label)] + [(code, code) for code in countries])


class ScreenForm(FlaskForm):
    outcome = SelectField(_l("Decision"), choices=choices(OUTCOME_LABELS.items()), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=MAX_REASON_LENGTH)],
                           description=_l("Required to screen out. It is recorded on the application's timeline."))

    def validate_reason(self, field) -> None:
        if self.outcome.data == ApplicationStatus.SCREENED_OUT.value and not (field.data or "").strip():
            raise ValidationError(_l("Give a reason for screening out."))

    @property
    def decision(self) -> ApplicationStatus:
        return ApplicationStatus(self.outcome.data)


class BulkScreenForm(ScreenForm):
    """Screening the applications ticked in the list; ``next`` brings the organiser back to the
    same filtered page."""

    application_ids = SelectMultipleField(coerce=int, validate_choice=False)  # the list's checkboxes
    next = HiddenField()


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file."))],
                     render_kw={"accept": ".csv,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
