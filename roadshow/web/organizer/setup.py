"""Contest setup for organisers: tracks, rounds, the deadline, the application form, materials."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.models import MaterialKind, QuestionKind, RoundKind
from roadshow.services import contest_setup
from roadshow.services.errors import DomainError
from roadshow.web.admin.forms import parse_bilingual_lines
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.fields import contest_time_to_utc, utc_to_contest_time
from roadshow.web.organizer.routes import managed_contest
from roadshow.web.organizer.setup_forms import (
    DeadlineForm, EditQuestionForm, MaterialRuleForm, QuestionForm,
    RoundForm, TrackForm,
)

bp = Blueprint("organizer_setup", __name__, url_prefix="/organize/<slug>/setup")
SECTIONS = ("tracks", "rounds", "form", "materials")


def _page(contest, status=200, **forms):
    tz = contest.timezone
    defaults = {
        "track_form": TrackForm(formdata=None),
        "round_form": RoundForm(formdata=None),
        "deadline_form": DeadlineForm(formdata=None, deadline=utc_to_contest_time(contest.application_deadline, tz),
                                      quota_mb=contest.application_quota_bytes // (1024 * 1024)),
        "question_form": QuestionForm(formdata=None),
    }
    defaults.update(forms)
    return render_template(
        "organizer/setup.html", contest=contest, confirm_form=ConfirmForm(),
        material_kinds=list(MaterialKind), rule_forms=_rule_forms(contest),
        round_edit_forms={r.id: RoundForm(formdata=None, prefix=f"round{r.id}", kind=r.kind.value, name_zh=r.name_zh,
                                          name_en=r.name_en, opens_at=utc_to_contest_time(r.opens_at, tz),
                                          closes_at=utc_to_contest_time(r.closes_at, tz))
                          for r in contest.rounds},
        question_edit_forms={q.id: EditQuestionForm(formdata=None, prefix=f"question{q.id}", obj=q,
                                                    options="\n".join(f"{o['zh']} | {o['en']}" for o in q.options))
                             for q in contest.questions},
        **defaults,
    ), status


def _rule_forms(contest):
    rules = {rule.kind: rule for rule in contest.material_rules}
    return {
        kind: MaterialRuleForm(formdata=None, prefix=f"rule-{kind.value}",
                               required=rules[kind].required if kind in rules else False,
                               max_mb=(rules[kind].max_bytes // (1024 * 1024)) if kind in rules else 50)
        for kind in MaterialKind
    }


def _apply(contest, form, change, message, section: str, *, shown_as: str | None = None):
    """Validate ``form``, call ``change(form)``, commit and go back to ``section``.

    A refusal re-renders the page: with the posted form under ``shown_as`` when it is one of the
    page's forms, else with a flashed message (the edit forms inside a list).
    """
    forms = {shown_as: form} if shown_as else {}
    if not form.validate_on_submit():
        if not shown_as:
            flash(_l("Please correct the fields and try again."), "danger")
        return _page(contest, 400 if form.form_errors or "csrf_token" in form.errors else 422, **forms)
    try:
        change(form)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(contest, exc.status, **forms)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("organizer_setup.index", slug=contest.slug, _anchor=section))


@bp.get("/")
@login_required
def index(slug: str):
    return _page(managed_contest(slug))


@bp.post("/tracks")
@login_required
def add_track(slug: str):
    contest = managed_contest(slug)
    return _apply(contest, TrackForm(), lambda form: contest_setup.add_track(
        contest, by=current_user, name_zh=form.name_zh.data, name_en=form.name_en.data),
        _l("The track has been added."), "tracks", shown_as="track_form")


@bp.post("/tracks/<int:track_id>/delete")
@login_required
def delete_track(slug: str, track_id: int):
    contest = managed_contest(slug)
    return _apply(contest, ConfirmForm(), lambda form: contest_setup.delete_track(contest, track_id, by=current_user),
                  _l("The track has been removed."), "tracks")


def _round_values(form, contest) -> dict:
    return dict(kind=RoundKind(form.kind.data), name_zh=form.name_zh.data, name_en=form.name_en.data,
                opens_at=contest_time_to_utc(form.opens_at.data, contest.timezone),
                closes_at=contest_time_to_utc(form.closes_at.data, contest.timezone))


@bp.post("/rounds")
@login_required
def add_round(slug: str):
    contest = managed_contest(slug)
    return _apply(contest, RoundForm(), lambda form: contest_setup.add_round(
        contest, by=current_user, **_round_values(form, contest)),
        _l("The round has been added."), "rounds", shown_as="round_form")


@bp.post("/rounds/<int:round_id>")
@login_required
def update_round(slug: str, round_id: int):
    contest = managed_contest(slug)
    return _apply(contest, RoundForm(prefix=f"round{round_id}"), lambda form: contest_setup.update_round(
        contest, round_id, by=current_user, **_round_values(form, contest)),
        _l("The round has been saved."), "rounds")


@bp.post("/rounds/<int:round_id>/<any(up, down):direction>")
@login_required
def move_round(slug: str, round_id: int, direction: str):
    contest = managed_contest(slug)
    return _apply(contest, ConfirmForm(), lambda form: contest_setup.move_round(
        contest, round_id, -1 if direction == "up" else 1, by=current_user),
        _l("The rounds have been reordered."), "rounds")


@bp.post("/rounds/<int:round_id>/delete")
@login_required
def delete_round(slug: str, round_id: int):
    contest = managed_contest(slug)
    return _apply(contest, ConfirmForm(), lambda form: contest_setup.delete_round(contest, round_id, by=current_user),
                  _l("The round has been removed."), "rounds")


@bp.post("/deadline")
@login_required
def set_deadline(slug: str):
    contest = managed_contest(slug)
    return _apply(contest, DeadlineForm(), lambda form: contest_setup.set_deadline(
        contest, by=current_user, quota_mb=form.quota_mb.data,
        deadline=contest_time_to_utc(form.deadline.data, contest.timezone)),
        _l("The deadline has been saved."), "form", shown_as="deadline_form")


def _question_values(form) -> dict:
    return dict(label_zh=form.label_zh.data, label_en=form.label_en.data, help_zh=form.help_zh.data,
                help_en=form.help_en.data, required=form.required.data,
                options=parse_bilingual_lines(form.options.data))


@bp.post("/questions")
@login_required
def add_question(slug: str):
    contest = managed_contest(slug)
    return _apply(contest, QuestionForm(), lambda form: contest_setup.add_question(
        contest, by=current_user, kind=QuestionKind(form.kind.data), **_question_values(form)),
        _l("The question has been added."), "form", shown_as="question_form")


@bp.post("/questions/<int:question_id>")
@login_required
def update_question(slug: str, question_id: int):
    contest = managed_contest(slug)
    return _apply(contest, EditQuestionForm(prefix=f"question{question_id}"), lambda form: contest_setup.update_question(
        contest, question_id, by=current_user, **_question_values(form)),
        _l("The question has been saved."), "form")


@bp.post("/questions/<int:question_id>/delete")
@login_required
def delete_question(slug: str, question_id: int):
    contest = managed_contest(slug)
    return _apply(contest, ConfirmForm(), lambda form: contest_setup.delete_question(
        contest, question_id, by=current_user), _l("The question has been removed."), "form")


@bp.post("/materials/<any(business_plan, slides, pitch_video, supporting):kind>")
@login_required
def set_material_rule(slug: str, kind: str):
    contest = managed_contest(slug)
    return _apply(contest, MaterialRuleForm(prefix=f"rule-{kind}"), lambda form: contest_setup.set_material_rule(
        contest, MaterialKind(kind), by=current_user, required=form.required.data, max_mb=form.max_mb.data),
        _l("The material settings have been saved."), "materials")
