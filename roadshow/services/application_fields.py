"""The fields of an application form and how a submitted value is cleaned and checked.

``clean`` checks form (types, lengths, choices) and is used on every autosave, so a draft never
holds a malformed value; ``missing`` checks completeness and is used on submit.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from roadshow.models import Application, ApplicationQuestion, Contest, ProjectStage, QuestionKind

MAX_LONG_TEXT = 5000


@dataclass(frozen=True)
class CoreField:
    name: str
    label: object
    max_length: int = 200
    required: bool = True
    long: bool = False


CORE_FIELDS = (
    CoreField("project_name", _l("Project name")),
    CoreField("summary", _l("One-paragraph summary"), max_length=MAX_LONG_TEXT, long=True),
    CoreField("leader_name", _l("Team leader's name"), max_length=120),
    CoreField("leader_title", _l("Team leader's title"), max_length=120),
    CoreField("leader_degree", _l("Team leader's highest degree"), max_length=120),
    CoreField("leader_institution", _l("Team leader's institution"), max_length=200),
    CoreField("contact_email", _l("Contact email"), max_length=254),
    CoreField("contact_phone", _l("Contact phone"), max_length=40, required=False),
    CoreField("team_members", _l("Team members"), max_length=MAX_LONG_TEXT, required=False, long=True),
)
CORE_NAMES = {field.name for field in CORE_FIELDS}
STAGE_LABELS = {
    ProjectStage.IDEA: _l("Idea"),
    ProjectStage.PROTOTYPE: _l("Prototype"),
    ProjectStage.EARLY_REVENUE: _l("Early revenue"),
    ProjectStage.GROWTH: _l("Growth"),
    ProjectStage.MATURE: _l("Mature"),
}


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _text(value, max_length: int) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > max_length:
        raise ValueError(_l("At most %(n)d characters.", n=max_length))
    return text


def _number(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(_l("Enter a number.")) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e14"):
        raise ValueError(_l("Enter a number between 0 and 99,999,999,999,999."))
    return number


def clean_answer(question: ApplicationQuestion, value):
    """The stored form of an answer: text, a number, an option index, or a list of indexes."""
    if question.kind == QuestionKind.NUMBER:
        number = _number(value)
        return None if number is None else str(number)
    if question.kind == QuestionKind.SINGLE_CHOICE:
        if value in (None, ""):
            return None
        index = _option_index(question, value)
        return index
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        return sorted({_option_index(question, item) for item in values})
    return _text(value, MAX_LONG_TEXT if question.kind == QuestionKind.LONG_TEXT else 500)


def _option_index(question: ApplicationQuestion, value) -> int:
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise ValueError(_l("Choose one of the options.")) from None
    if not 0 <= index < len(question.options):
        raise ValueError(_l("Choose one of the options."))
    return index


def clean(contest: Contest, data: dict) -> dict:
    """Checked values for the fields present in ``data`` (a partial save leaves the others as
    they are). Raises :class:`FieldErrors` naming each bad field."""
    values, errors = {}, {}
    for field in CORE_FIELDS:
        if field.name in data:
            try:
                values[field.name] = _text(data[field.name], field.max_length)
            except ValueError as exc:
                errors[field.name] = str(exc)
    if "track_id" in data:
        track_ids = {track.id for track in contest.tracks}
        try:
            track_id = int(data["track_id"]) if data["track_id"] not in (None, "") else None
            if track_id is not None and track_id not in track_ids:
                raise ValueError
            values["track_id"] = track_id
        except (TypeError, ValueError):
            errors["track_id"] = str(_l("Choose one of the tracks."))
    if "stage" in data:
        stage = data["stage"] or None
        if stage is not None and stage not in {s.value for s in ProjectStage}:
            errors["stage"] = str(_l("Choose one of the stages."))
        else:
            values["stage"] = ProjectStage(stage) if stage else None
    if "funding_sought" in data:
        try:
            values["funding_sought"] = _number(data["funding_sought"])
        except ValueError as exc:
            errors["funding_sought"] = str(exc)
    if "country" in data:
        country = ("" if data["country"] is None else str(data["country"])).strip().upper()
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            errors["country"] = str(_l("Choose a country."))
        else:
            values["country"] = country
    answers = data.get("answers")
    if answers is not None:
        if not isinstance(answers, dict):
            errors["answers"] = str(_l("Answers must be a mapping of question to answer."))
        else:
            questions = {str(q.id): q for q in contest.questions}
            cleaned = {}
            for key, value in answers.items():
                question = questions.get(str(key))
                if question is None:
                    errors[f"q{key}"] = str(_l("Unknown question."))
                    continue
                try:
                    cleaned[str(key)] = clean_answer(question, value)
                except ValueError as exc:
                    errors[f"q{key}"] = str(exc)
            values["answers"] = cleaned
    if errors:
        raise FieldErrors(errors)
    return values


def _is_blank(value) -> bool:
    return value in (None, "", [])


def missing(application: Application) -> dict[str, str]:
    """What a submission still lacks: required fields, answers and materials, by field name."""
    required = str(_l("This field is required."))
    gaps = {field.name: required for field in CORE_FIELDS
            if field.required and _is_blank(getattr(application, field.name))}
    for name in ("track_id", "stage", "funding_sought", "country"):
        if getattr(application, name) is None or getattr(application, name) == "":
            gaps[name] = required
    if not application.contest.tracks:
        gaps.pop("track_id", None)
    for question in application.contest.questions:
        if question.required and _is_blank(application.answers.get(str(question.id))):
            gaps[f"q{question.id}"] = required
    present = {material.kind for material in application.materials}
    for rule in application.contest.material_rules:
        if rule.required and rule.kind not in present:
            gaps[f"material_{rule.kind.value}"] = str(_l("This material is required."))
    return gaps
