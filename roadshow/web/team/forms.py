"""The application form, built per contest: the fixed core fields and the contest's own questions.

Field names are the names ``services.application_fields.clean`` understands, with ``q<id>`` for
the answer to question ``id``. The form renders and carries the CSRF token; values are checked by
the service, since a draft may be incomplete.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from roadshow.i18n import current_language
from roadshow.models import Application, Contest, QuestionKind
from roadshow.services.application_fields import CORE_FIELDS, STAGE_LABELS
from roadshow.web.fields import MultiCheckboxField, choices


def country_choices() -> list:
    names = get_locale().territories
    codes = sorted((code for code in names if len(code) == 2 and code.isalpha()), key=lambda c: names[c])
    return choices([("", _l("Choose a country")), *((code, names[code]) for code in codes)])


def _question_field(question, language: str):
    label = question.localized("label", language) + (" *" if question.required else "")
    description = question.localized("help", language)
    options = [(str(i), option["en" if language == "en" else "zh"] or option["zh"]) for i, option in enumerate(question.options)]
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return RadioField(label, choices=choices(options), description=description, validate_choice=False)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return MultiCheckboxField(label, choices=choices(options), description=description, validate_choice=False)
    if question.kind == QuestionKind.LONG_TEXT:
        return TextAreaField(label, description=description, render_kw={"rows": 5})
    if question.kind == QuestionKind.NUMBER:
        return StringField(label, description=description, render_kw={"inputmode": "decimal"})
    return StringField(label, description=description)


def application_form(contest: Contest, application: Application, formdata=None):
    """The form of ``contest`` filled with ``application`` (or with ``formdata`` after a post)."""
    language = current_language()
    core = {field.name: field for field in CORE_FIELDS}

    def label(name, text=None):
        field = core.get(name)
        text = text or field.label
        required = field.required if field else True
        return f"{text} *" if required else str(text)

    class ApplicationForm(FlaskForm):
        version = HiddenField()
        project_name = StringField(label("project_name"), validators=[Length(max=200)])
        track_id = SelectField(label("track_id", _l("Track")), choices=choices(
            [("", _l("Choose a track"))] + [(track.id, track.localized("name", language)) for track in contest.tracks]),
            validate_choice=False)
        summary = TextAreaField(label("summary"), render_kw={"rows": 5},
                                description=_l("One paragraph: the problem, your solution, why your team."))
        stage = SelectField(label("stage", _l("Stage")), choices=choices(
            [("", _l("Choose a stage")), *STAGE_LABELS.items()]), validate_choice=False)
        funding_sought = StringField(label("funding_sought", _l("Funding sought (CNY)")),
                                     render_kw={"inputmode": "decimal"})
        leader_name = StringField(label("leader_name"))
        leader_title = StringField(label("leader_title"))
        leader_degree = StringField(label("leader_degree"))
        leader_institution = StringField(label("leader_institution"))
        country = SelectField(label("country", _l("Country or region where the team works")),
                              choices=country_choices(), validate_choice=False)
        contact_email = EmailField(label("contact_email"), validators=[Email()])
        contact_phone = StringField(label("contact_phone"))
        team_members = TextAreaField(label("team_members"), render_kw={"rows": 4},
                                     description=_l("One a line: name, role, institution."))

    for question in contest.questions:
        setattr(ApplicationForm, f"q{question.id}", _question_field(question, language))

    if formdata is not None:
        return ApplicationForm(formdata=formdata)
    data = {field.name: getattr(application, field.name) for field in CORE_FIELDS}
    data.update(
        version=application.version, track_id=str(application.track_id or ""),
        stage=application.stage.value if application.stage else "",
        funding_sought="" if application.funding_sought is None else str(application.funding_sought),
        country=application.country or "",
    )
    for question in contest.questions:
        answer = (application.answers or {}).get(str(question.id))
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            data[f"q{question.id}"] = [str(i) for i in (answer or [])]
        else:
            data[f"q{question.id}"] = "" if answer is None else str(answer)
    return ApplicationForm(formdata=None, data=data)


def submitted_values(contest: Contest, form) -> dict:
    """What a posted application form says, in the shape ``application_fields.clean`` takes."""
    data = {name: form.get(name) for name in
            [field.name for field in CORE_FIELDS] + ["track_id", "stage", "funding_sought", "country"]
            if name in form}
    answers = {}
    for question in contest.questions:
        key = f"q{question.id}"
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            answers[str(question.id)] = form.getlist(key)
        elif key in form:
            answers[str(question.id)] = form.get(key)
    data["answers"] = answers
    return data


def base_version(form) -> int | None:
    value = form.get("version", "")
    return int(value) if value.isdigit() else None


class CoMemberForm(FlaskForm):
    email = EmailField(_l("Email of your co-member"), validators=[DataRequired(), Email(), Length(max=254)])
