"""What the organisers' spreadsheet pages share: a CSV/XLSX download, the language a template is asked in,
and what an import page shows of a file's limits and errors."""
from __future__ import annotations

from flask import Response, request

from roadshow.i18n import LANGUAGE_NAMES, current_language
from roadshow.services import spreadsheet_files
from roadshow.web.headers import content_disposition

MAX_SHOWN_ERRORS = 500


def requested_language() -> str:
    """The ``lang`` of the query string if it is one of ours, else the page's language."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in LANGUAGE_NAMES else current_language()


def spreadsheet_download(fmt: str, header: list[str], rows: list[list], *, sheet_title: str, filename: str,
                         ascii_filename: str | None = None) -> Response:
    """``header`` and ``rows`` as an attachment: CSV (injection-safe) or XLSX, never cached."""
    if fmt == "csv":
        body, mimetype = spreadsheet_files.write_csv(header, rows), spreadsheet_files.CSV_TYPE
    else:
        body, mimetype = spreadsheet_files.write_xlsx(header, rows, sheet_title), spreadsheet_files.XLSX_TYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition("attachment", filename, ascii_filename or filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def import_page_values(errors=(), error=None, *, max_shown: int = MAX_SHOWN_ERRORS) -> dict:
    """The template values of an import page: the first errors, their count, the file's error, the limits."""
    errors = list(errors)
    return {"errors": errors[:max_shown], "error_count": len(errors), "error": error,
            "max_mb": spreadsheet_files.MAX_IMPORT_BYTES // (1024 * 1024),
            "max_rows": spreadsheet_files.MAX_IMPORT_ROWS}
