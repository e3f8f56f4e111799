"""Organisers' exports of a round's results (CSV, XLSX, PDF) and the import of paper score sheets.

Exports come from the live computation, or from a sealed snapshot with ``?snapshot=<number>``.
Everything here is for the contest's organisers only (``RESULTS_MANAGE``) and never cached: before
publication a ranking reaches nobody else.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.services import paper_sheets, publication, result_exports, spreadsheet_files
from roadshow.services.errors import DomainError, NotFound
from roadshow.services.spreadsheet_import import ImportRejected
from roadshow.web.headers import content_disposition
from roadshow.web.organizer.review import form_status, managed_round
from roadshow.web.organizer.screening_forms import ImportForm
from roadshow.web.spreadsheets import import_page_values, requested_language, spreadsheet_download

bp = Blueprint("organizer_result_files", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/result-files")



def _page(contest, round_, *, import_form=None, import_errors=(), import_error=None, status=200):
    return render_template(
        "organizer/result_files.html", contest=contest, round=round_,
        snapshots=publication.snapshots(round_, by=current_user), publication=publication.published(round_),
        import_form=import_form or ImportForm(formdata=None),
        **import_page_values(import_errors, import_error),
    ), status


@bp.get("")
@login_required
def index(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _page(contest, round_)


def _export(round_):
    """The export the query string asks for: ``?snapshot=<number>``, else the live computation."""
    raw = request.args.get("snapshot", "")
    if raw and not raw.isdigit():
        raise NotFound(_("Not found."))
    return result_exports.export_for(round_, by=current_user, snapshot=int(raw) if raw else None)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition("attachment", filename, filename)
    response.headers["Cache-Control"] = "no-store"
    return response


EXPORT_FILES = {"ranking.csv": "csv", "results.xlsx": "xlsx", "report.pdf": "pdf"}


@bp.get("/<any(ranking.csv, results.xlsx, report.pdf):name>")
@login_required
def download(slug: str, round_id: int, name: str):
    """The ranking as CSV, the workbook, or the PDF report for the panel to sign."""
    _, round_ = managed_round(slug, round_id)
    body, mimetype, filename = result_exports.render(_export(round_), EXPORT_FILES[name], current_language())
    return _download(body, mimetype, filename)


@bp.post("/paper-import")
@login_required
def paper_import(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(contest, round_, import_form=form, status=form_status(form))
    try:
        rows = spreadsheet_files.read_rows(spreadsheet_files.read_upload(form.file.data.stream))
        stored = paper_sheets.import_rows(round_, rows, by=current_user, filename=form.file.data.filename or "")
    except ImportRejected as exc:
        db.session.rollback()
        return _page(contest, round_, import_form=form, import_errors=exc.errors, import_error=exc.message,
                     status=exc.status)
    except DomainError as exc:
        db.session.rollback()
        return _page(contest, round_, import_form=form, import_error=exc.message, status=exc.status)
    db.session.commit()
    flash(_("%(n)d paper sheet(s) entered as submitted.", n=len(stored)), "success")
    return redirect(url_for("organizer_result_files.index", slug=slug, round_id=round_id))


@bp.get("/template.<any(csv, xlsx):fmt>")
@login_required
def template(slug: str, round_id: int, fmt: str):
    contest, round_ = managed_round(slug, round_id)
    header, rows = paper_sheets.template_rows(round_, requested_language())
    return spreadsheet_download(fmt, header, rows, sheet_title="Paper sheets",
                                filename=f"{contest.slug}-round{round_.id}-paper-sheets.{fmt}")
