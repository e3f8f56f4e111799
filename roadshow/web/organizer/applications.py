"""Organisers' pages of a contest's applications: the list, one application, screening them one by
one or in bulk, and exporting or importing them as CSV or XLSX."""
from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, ngettext
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.services import applications, screening, spreadsheet_files, spreadsheet_import, spreadsheets
from roadshow.services.application_fields import CORE_FIELDS, STAGE_LABELS
from roadshow.services.errors import Invalid
from roadshow.services.screening import Filters
from roadshow.web.helpers import safe_next
from roadshow.web.labels import APPLICATION_STATUS_LABELS
from roadshow.web.organizer.screening_forms import BulkScreenForm, FilterForm, ImportForm, ScreenForm
from roadshow.web.spreadsheets import import_page_values, requested_language, spreadsheet_download

bp = Blueprint("organizer_applications", __name__, url_prefix="/organize/<slug>/applications")
UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _contest(slug: str):
    return screening.managed_contest(slug, current_user)


def _index_page(contest, filters: Filters, page: int, *, form: BulkScreenForm | None = None, error=None,
                status: int = 200):
    listing = screening.listing(contest, current_user, filters, page)
    filter_form = FilterForm(contest, screening.countries(contest), formdata=MultiDict(filters.args()))
    form = form or BulkScreenForm(next=request.full_path)
    return render_template(
        "organizer/applications.html", contest=contest, listing=listing, filters=filters, filter_form=filter_form,
        form=form, selected=set(form.application_ids.data or ()), error=error,
    ), status


@bp.get("")
@login_required
def index(slug: str):
    contest = _contest(slug)
    return _index_page(contest, Filters.parse(request.args), request.args.get("page", 1, type=int))


@bp.post("/screen")
@login_required
def screen_selected(slug: str):
    contest = _contest(slug)
    form = BulkScreenForm()
    back = safe_next(form.next.data, url_for(".index", slug=slug))
    error = None
    if form.validate_on_submit():
        try:
            count = screening.screen_selected(contest, form.application_ids.data or [], form.decision,
                                              form.reason.data, by=current_user)
        except Invalid as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(ngettext("%(num)d application screened.", "%(num)d applications screened.", count), "success")
            return redirect(back)
    query = MultiDict(parse_qs(urlsplit(back).query))
    return _index_page(contest, Filters.parse(query), query.get("page", 1, type=int), form=form, error=error,
                       status=422)


def _application_page(contest, application, form: ScreenForm, *, error=None, status: int = 200):
    language = current_language()
    answers = [(question, spreadsheets.answer_text(question, (application.answers or {}).get(str(question.id)),
                                                   language))
               for question in contest.questions]
    return render_template(
        "organizer/application.html", contest=contest, application=application, answers=answers, form=form,
        error=error, core_fields=CORE_FIELDS, stage_labels=STAGE_LABELS, source_labels=spreadsheets.SOURCE_LABELS,
    ), status


@bp.get("/<int:application_id>")
@login_required
def application(slug: str, application_id: int):
    contest = _contest(slug)
    return _application_page(contest, screening.get(contest, application_id, current_user), ScreenForm())


@bp.post("/<int:application_id>/screen")
@login_required
def screen_one(slug: str, application_id: int):
    contest = _contest(slug)
    application = screening.get(contest, application_id, current_user)
    form = ScreenForm()
    error = None
    if form.validate_on_submit():
        try:
            applications.screen([application], form.decision, form.reason.data, by=current_user)
        except Invalid as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("The screening decision has been recorded."), "success")
            return redirect(url_for(".application", slug=slug, application_id=application_id))
    return _application_page(contest, application, form, error=error, status=422)


def _download(contest, header: list[str], rows: list[list], fmt: str, language: str, *, template: bool):
    try:
        zone = zoneinfo.ZoneInfo(contest.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    stamp = datetime.now(zone).strftime("%Y%m%d")
    with force_locale(language):
        what = _("import template") if template else _("applications")
        sheet = _("Applications")
    name = f"{contest.localized('name', language)}-{what}-{stamp}.{fmt}"
    fallback = f"{contest.slug}-{'import-template' if template else 'applications'}-{stamp}.{fmt}"
    name = UNSAFE_FILENAME.sub("_", name).strip(" .") or fallback
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback)
    return spreadsheet_download(fmt, header, rows, sheet_title=sheet, filename=name, ascii_filename=fallback)


@bp.get("/export.<any(csv, xlsx):fmt>")
@login_required
def export(slug: str, fmt: str):
    contest = _contest(slug)
    language = requested_language()
    found = screening.for_export(contest, current_user, Filters.parse(request.args))
    header, rows = spreadsheets.export_table(contest, found, language, APPLICATION_STATUS_LABELS)
    return _download(contest, header, rows, fmt, language, template=False)


@bp.get("/template.<any(csv, xlsx):fmt>")
@login_required
def template(slug: str, fmt: str):
    contest = _contest(slug)
    language = requested_language()
    return _download(contest, spreadsheets.template_headers(contest, language), [], fmt, language, template=True)


def _import_page(contest, form: ImportForm, *, errors=(), error=None, status: int = 200):
    return render_template(
        "organizer/import.html", contest=contest, form=form,
        columns=spreadsheet_import.import_help(contest, current_language()), **import_page_values(errors, error),
    ), status


def _uploaded_name(name: str | None) -> str:
    return UNSAFE_FILENAME.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1])[:120]


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_file(slug: str):
    contest = _contest(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(contest, form, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        rows = spreadsheet_files.read_rows(spreadsheet_files.read_upload(upload.stream))
        created = spreadsheet_import.import_applications(contest, rows, by=current_user,
                                                         filename=_uploaded_name(upload.filename))
    except spreadsheet_import.ImportRejected as exc:
        db.session.rollback()
        return _import_page(contest, form, errors=exc.errors, error=exc.message, status=exc.status)
    except (spreadsheet_files.FileTooLarge, spreadsheet_files.NotASpreadsheet) as exc:
        db.session.rollback()
        return _import_page(contest, form, error=exc.message, status=exc.status)
    db.session.commit()
    flash(ngettext("%(num)d application imported.", "%(num)d applications imported.", len(created)), "success")
    return redirect(url_for(".index", slug=slug))


__all__ = ["bp"]
