"""Organisers' live sessions: schedule, running order, stream, and the letters of intent that follow."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.models import LetterStatus
from roadshow.services import live_sessions, matchmaking
from roadshow.services.errors import DomainError
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.fields import contest_time_to_utc, utc_to_contest_time
from roadshow.web.organizer.live_forms import DrawForm, EditLetterForm, LetterForm, OrderForm, SessionForm
from roadshow.web.organizer.routes import managed_contest
from roadshow.web.spreadsheets import spreadsheet_download

bp = Blueprint("organizer_live", __name__, url_prefix="/organize/<slug>/live")


def room_url(endpoint: str, session_id: int) -> str:
    """The live room's pages (``live.room``, ``live.console``, ``live.projector``), by their literal
    path while that blueprint is not registered."""
    try:
        return url_for(endpoint, session_id=session_id)
    except BuildError:
        suffix = {"live.room": "", "live.console": "/console", "live.projector": "/projector"}[endpoint]
        return f"/live/{session_id}{suffix}"


def _form_status(form) -> int:
    return 400 if "csrf_token" in form.errors else 422


def _session_values(form, contest) -> dict:
    return dict(round_id=form.round_id.data or None, title_zh=form.title_zh.data, title_en=form.title_en.data,
                starts_at=contest_time_to_utc(form.starts_at.data, contest.timezone), format=form.format.data,
                stream_url=form.stream_url.data, meeting_url=form.meeting_url.data, scored=form.scored.data)


# -- sessions --------------------------------------------------------------------------------------

def _index_page(contest, *, form=None, status=200):
    form = form or SessionForm(formdata=None)
    form.set_rounds(contest, current_language())
    return render_template("organizer/live_sessions.html", contest=contest,
                           sessions=live_sessions.sessions_of(contest), form=form,
                           format_text=live_sessions.format_text), status


@bp.get("")
@login_required
def index(slug: str):
    return _index_page(managed_contest(slug))


@bp.post("")
@login_required
def create(slug: str):
    contest = managed_contest(slug)
    form = SessionForm().set_rounds(contest, current_language())
    if not form.validate_on_submit():
        return _index_page(contest, form=form, status=_form_status(form))
    try:
        session = live_sessions.create_session(contest, by=current_user, **_session_values(form, contest))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _index_page(contest, form=form, status=exc.status)
    db.session.commit()
    flash(_l("The session has been scheduled."), "success")
    return redirect(url_for("organizer_live.session", slug=slug, session_id=session.id))


def _edit_form(session) -> SessionForm:
    return SessionForm(formdata=None, round_id=session.round_id or 0, title_zh=session.title_zh,
                       title_en=session.title_en,
                       starts_at=utc_to_contest_time(session.starts_at, session.contest.timezone),
                       format=live_sessions.format_text(session), stream_url=session.stream_url,
                       meeting_url=session.meeting_url, scored=session.scored)


def _session_page(contest, session, *, status=200, **forms):
    edit_form = forms.get("edit_form") or _edit_form(session)
    edit_form.set_rounds(contest, current_language())
    return render_template(
        "organizer/live_session.html", contest=contest, session=session, edit_form=edit_form,
        draw_form=forms.get("draw_form") or DrawForm(formdata=None),
        order_form=forms.get("order_form") or OrderForm(
            formdata=None, order=", ".join(str(slot.application_id) for slot in session.slots)),
        confirm_form=ConfirmForm(), candidates=live_sessions.candidates(session),
        format_text=live_sessions.format_text,
        console_url=room_url("live.console", session.id), projector_url=room_url("live.projector", session.id),
        room_url=room_url("live.room", session.id),
        public_url=url_for("live_schedule.index", slug=contest.slug),
    ), status


def _session_change(contest, session, form, change, message, *, shown_as: str):
    if not form.validate_on_submit():
        return _session_page(contest, session, status=_form_status(form), **{shown_as: form})
    try:
        change(form)
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(session)
        flash(exc.message, "danger")
        return _session_page(contest, session, status=exc.status, **{shown_as: form})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("organizer_live.session", slug=contest.slug, session_id=session.id))


@bp.get("/<int:session_id>")
@login_required
def session(slug: str, session_id: int):
    contest = managed_contest(slug)
    return _session_page(contest, live_sessions.get_session(contest, session_id))


@bp.post("/<int:session_id>")
@login_required
def update(slug: str, session_id: int):
    contest = managed_contest(slug)
    live = live_sessions.get_session(contest, session_id)
    form = SessionForm().set_rounds(contest, current_language())
    return _session_change(contest, live, form, lambda f: live_sessions.update_session(
        live, by=current_user, **_session_values(f, contest)), _l("The session has been saved."), shown_as="edit_form")


@bp.post("/<int:session_id>/draw")
@login_required
def draw(slug: str, session_id: int):
    contest = managed_contest(slug)
    live = live_sessions.get_session(contest, session_id)
    return _session_change(contest, live, DrawForm(), lambda f: live_sessions.draw_order(
        live, by=current_user, seed=f.seed.data), _l("The running order has been drawn by lot."), shown_as="draw_form")


@bp.post("/<int:session_id>/order")
@login_required
def set_order(slug: str, session_id: int):
    contest = managed_contest(slug)
    live = live_sessions.get_session(contest, session_id)
    return _session_change(contest, live, OrderForm(), lambda f: live_sessions.set_order(
        live, f.application_ids(), by=current_user), _l("The running order has been saved."), shown_as="order_form")


@bp.post("/<int:session_id>/slots/<int:slot_id>/<any(up, down):direction>")
@login_required
def move(slug: str, session_id: int, slot_id: int, direction: str):
    contest = managed_contest(slug)
    live = live_sessions.get_session(contest, session_id)
    return _session_change(contest, live, ConfirmForm(), lambda f: live_sessions.move_slot(
        live, slot_id, -1 if direction == "up" else 1, by=current_user),
        _l("The running order has been saved."), shown_as="confirm_form")


# -- interest --------------------------------------------------------------------------------------

@bp.get("/interest")
@login_required
def interest(slug: str):
    contest = managed_contest(slug)
    return render_template("organizer/letters.html", contest=contest, page="interest",
                           groups=matchmaking.interest_by_project(contest, by=current_user))


@bp.get("/interest.<any(csv, xlsx):fmt>")
@login_required
def interest_export(slug: str, fmt: str):
    contest = managed_contest(slug)
    header, rows = matchmaking.interest_table(contest, by=current_user)
    return spreadsheet_download(fmt, header, rows, sheet_title="Interest", filename=f"{slug}-interest.{fmt}")


# -- letters of intent -----------------------------------------------------------------------------

def _letters_page(contest, *, status=200, letter_form=None, edit_forms=None):
    letters = matchmaking.letters(contest, by=current_user)
    forms = {letter.id: EditLetterForm(formdata=None, prefix=f"letter{letter.id}", organisation=letter.organisation,
                                       status=LetterStatus(letter.status).value,
                                       amount="" if letter.amount is None else f"{letter.amount:f}",
                                       note=letter.note)
             for letter in letters}
    forms.update(edit_forms or {})
    return render_template("organizer/letters.html", contest=contest, page="letters", letters=letters,
                           letter_form=letter_form or LetterForm(formdata=None).set_projects(contest),
                           edit_forms=forms, confirm_form=ConfirmForm(),
                           status_labels=matchmaking.STATUS_LABELS), status


def _letter_change(contest, form, change, message, **shown):
    if not form.validate_on_submit():
        return _letters_page(contest, status=_form_status(form), **shown)
    try:
        change(form)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _letters_page(contest, status=exc.status, **shown)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("organizer_live.letters", slug=contest.slug))


@bp.get("/letters")
@login_required
def letters(slug: str):
    return _letters_page(managed_contest(slug))


@bp.post("/letters")
@login_required
def add_letter(slug: str):
    contest = managed_contest(slug)
    form = LetterForm().set_projects(contest)
    return _letter_change(contest, form, lambda f: matchmaking.add_letter(
        contest, by=current_user, application_id=f.application_id.data, organisation=f.organisation.data,
        status=f.status.data, amount=f.amount.data, note=f.note.data),
        _l("The letter of intent has been recorded."), letter_form=form)


@bp.post("/letters/<int:letter_id>")
@login_required
def update_letter(slug: str, letter_id: int):
    contest = managed_contest(slug)
    matchmaking.get_letter(contest, letter_id)
    form = EditLetterForm(prefix=f"letter{letter_id}")
    return _letter_change(contest, form, lambda f: matchmaking.update_letter(
        contest, letter_id, by=current_user, organisation=f.organisation.data, status=f.status.data,
        amount=f.amount.data, note=f.note.data),
        _l("The letter of intent has been saved."), edit_forms={letter_id: form})


@bp.post("/letters/<int:letter_id>/delete")
@login_required
def remove_letter(slug: str, letter_id: int):
    contest = managed_contest(slug)
    return _letter_change(contest, ConfirmForm(), lambda f: matchmaking.remove_letter(
        contest, letter_id, by=current_user), _l("The letter of intent has been removed."))


@bp.get("/letters.<any(csv, xlsx):fmt>")
@login_required
def letters_export(slug: str, fmt: str):
    contest = managed_contest(slug)
    header, rows = matchmaking.letter_table(contest, by=current_user)
    return spreadsheet_download(fmt, header, rows, sheet_title="Letters of intent",
                                filename=f"{slug}-letters-of-intent.{fmt}")
