"""Organisers set a contest up: tracks, rounds, the application deadline and form, materials."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationQuestion, Contest, MaterialKind, MaterialRule, QuestionKind, Round, RoundKind, Track,
    User,
)
from roadshow.policy import Action, authorize
from roadshow.services.errors import Conflict, Invalid, NotFound

MAX_OPTIONS = 50


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _owned(model, object_id: int, contest: Contest):
    item = db.session.get(model, object_id)
    if item is None or item.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    return item


def _next_position(model, contest: Contest) -> int:
    return (db.session.scalar(select(func.max(model.position)).where(model.contest_id == contest.id)) or 0) + 1


def add_track(contest: Contest, *, by: User, name_zh: str, name_en: str) -> Track:
    authorize(by, Action.CONTEST_MANAGE, contest)
    name_zh = _clean(name_zh)
    if any(track.name_zh == name_zh for track in contest.tracks):
        raise Conflict(_l("A track with this name already exists."), field="name_zh")
    track = Track(contest_id=contest.id, name_zh=name_zh, name_en=_clean(name_en),
                  position=_next_position(Track, contest))
    db.session.add(track)
    db.session.flush()
    return track


def update_track(contest: Contest, track_id: int, *, by: User, name_zh: str, name_en: str) -> Track:
    authorize(by, Action.CONTEST_MANAGE, contest)
    track = _owned(Track, track_id, contest)
    name_zh = _clean(name_zh)
    if any(other.id != track.id and other.name_zh == name_zh for other in contest.tracks):
        raise Conflict(_l("A track with this name already exists."), field="name_zh")
    track.name_zh, track.name_en = name_zh, _clean(name_en)
    return track


def delete_track(contest: Contest, track_id: int, *, by: User) -> None:
    """Remove a track no application has chosen yet."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    track = _owned(Track, track_id, contest)
    if db.session.scalar(select(func.count()).select_from(Application).where(Application.track_id == track.id)):
        raise Conflict(_l("Applications have chosen this track; it cannot be removed."))
    db.session.delete(track)


def _check_window(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise Invalid(_l("The round must close after it opens."), field="closes_at")


def add_round(contest: Contest, *, by: User, kind: RoundKind, name_zh: str, name_en: str,
              opens_at: datetime | None, closes_at: datetime | None) -> Round:
    authorize(by, Action.CONTEST_MANAGE, contest)
    _check_window(opens_at, closes_at)
    round_ = Round(contest_id=contest.id, position=_next_position(Round, contest), kind=kind,
                   name_zh=_clean(name_zh), name_en=_clean(name_en), opens_at=opens_at, closes_at=closes_at)
    db.session.add(round_)
    db.session.flush()
    return round_


def update_round(contest: Contest, round_id: int, *, by: User, kind: RoundKind, name_zh: str, name_en: str,
                 opens_at: datetime | None, closes_at: datetime | None) -> Round:
    authorize(by, Action.CONTEST_MANAGE, contest)
    round_ = _owned(Round, round_id, contest)
    _check_window(opens_at, closes_at)
    round_.kind, round_.name_zh, round_.name_en = kind, _clean(name_zh), _clean(name_en)
    round_.opens_at, round_.closes_at = opens_at, closes_at
    return round_


def delete_round(contest: Contest, round_id: int, *, by: User) -> None:
    authorize(by, Action.CONTEST_MANAGE, contest)
    db.session.delete(_owned(Round, round_id, contest))
    db.session.flush()
    for position, round_ in enumerate(sorted(contest.rounds, key=lambda r: r.position), start=1):
        round_.position = position


def move_round(contest: Contest, round_id: int, offset: int, *, by: User) -> None:
    """Swap a round with its neighbour (``offset`` -1 earlier, +1 later)."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    rounds = sorted(contest.rounds, key=lambda r: r.position)
    index = next((i for i, r in enumerate(rounds) if r.id == round_id), None)
    if index is None:
        raise NotFound(_l("Not found."))
    other = index + offset
    if 0 <= other < len(rounds):
        first, second = rounds[index], rounds[other]
        first_position, second_position = first.position, second.position
        first.position = -1  # the unique (contest, position) holds at every flush
        db.session.flush()
        second.position = first_position
        db.session.flush()
        first.position = second_position


def set_deadline(contest: Contest, *, by: User, deadline: datetime | None, quota_mb: int) -> None:
    authorize(by, Action.CONTEST_MANAGE, contest)
    if quota_mb < 1:
        raise Invalid(_l("The quota must be at least 1 MB."), field="quota_mb")
    contest.application_deadline = deadline
    contest.application_quota_bytes = quota_mb * 1024 * 1024


def _clean_options(kind: QuestionKind, options: list[tuple[str, str]]) -> list[dict]:
    if kind not in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return []
    cleaned = [{"zh": zh.strip(), "en": en.strip()} for zh, en in options if zh.strip()]
    if len(cleaned) < 2:
        raise Invalid(_l("A choice question needs at least two options."), field="options")
    if len(cleaned) > MAX_OPTIONS:
        raise Invalid(_l("At most %(n)d options.", n=MAX_OPTIONS), field="options")
    return cleaned


def add_question(contest: Contest, *, by: User, kind: QuestionKind, label_zh: str, label_en: str,
                 help_zh: str = "", help_en: str = "", required: bool = False,
                 options: list[tuple[str, str]] = ()) -> ApplicationQuestion:
    authorize(by, Action.CONTEST_MANAGE, contest)
    question = ApplicationQuestion(
        contest_id=contest.id, position=_next_position(ApplicationQuestion, contest), kind=kind,
        label_zh=_clean(label_zh), label_en=_clean(label_en), help_zh=_clean(help_zh), help_en=_clean(help_en),
        required=required, options=_clean_options(kind, list(options)),
    )
    db.session.add(question)
    db.session.flush()
    return question


def update_question(contest: Contest, question_id: int, *, by: User, label_zh: str, label_en: str,
                    help_zh: str, help_en: str, required: bool, options: list[tuple[str, str]]) -> ApplicationQuestion:
    """Change a question's wording; its kind stays, so existing answers keep their meaning."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    question = _owned(ApplicationQuestion, question_id, contest)
    new_options = _clean_options(question.kind, list(options))
    if len(new_options) < len(question.options) and _answered(question):
        raise Conflict(_l("Applicants have answered this question; options can be relabelled or added, not removed."))
    question.label_zh, question.label_en = _clean(label_zh), _clean(label_en)
    question.help_zh, question.help_en, question.required = _clean(help_zh), _clean(help_en), required
    question.options = new_options
    return question


def _answered(question: ApplicationQuestion) -> bool:
    key = str(question.id)
    return any(key in (answers or {}) for answers in db.session.scalars(
        select(Application.answers).where(Application.contest_id == question.contest_id)))


def delete_question(contest: Contest, question_id: int, *, by: User) -> None:
    authorize(by, Action.CONTEST_MANAGE, contest)
    question = _owned(ApplicationQuestion, question_id, contest)
    if _answered(question):
        raise Conflict(_l("Applicants have answered this question; it cannot be removed."))
    db.session.delete(question)


def set_material_rule(contest: Contest, kind: MaterialKind, *, by: User, required: bool, max_mb: int) -> MaterialRule:
    authorize(by, Action.CONTEST_MANAGE, contest)
    if not 1 <= max_mb <= 10 * 1024:
        raise Invalid(_l("Choose a size between 1 MB and 10 GB."), field="max_mb")
    rule = next((r for r in contest.material_rules if r.kind == kind), None)
    if rule is None:
        rule = MaterialRule(contest_id=contest.id, kind=kind)
        db.session.add(rule)
    rule.required, rule.max_bytes = required, max_mb * 1024 * 1024
    return rule
