"""CSV and XLSX files as bytes: writing them safely, and reading an upload only if it is what it claims.

Safe to open: every text cell that a spreadsheet would run as a formula (it begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading single quote, in CSV and XLSX alike, and
XLSX text cells are typed as strings so openpyxl never writes a formula. CSV is UTF-8 with a BOM,
which Excel needs to open Chinese correctly.

Careful reading: at most :data:`MAX_IMPORT_BYTES` and :data:`MAX_IMPORT_ROWS` rows; the type is
decided by content, never by name (an XLSX is a zip holding a workbook that openpyxl opens in
read-only mode; anything else must decode as UTF-8 or GB18030 text without control characters);
an XLSX that would unpack to more than :data:`MAX_UNPACKED_BYTES` is refused before it is parsed.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from datetime import date, datetime, time
from typing import BinaryIO, Iterable

from flask_babel import lazy_gettext as _l

from roadshow.services.errors import DomainError

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 200
MAX_SCANNED_ROWS = 20_000  # blank rows included: a sheet may claim a million empty rows
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileTooLarge(DomainError):
    status, code = 413, "too_large"


class NotASpreadsheet(DomainError):
    status, code = 415, "unsupported_media_type"


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index``: A, B, ..., Z, AA, ..."""
    from openpyxl.utils import get_column_letter   # openpyxl is loaded when a workbook is made

    return get_column_letter(index + 1)


def neutralise(value):
    """``value``, with a quote before text a spreadsheet would otherwise take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """Undo the quote an export puts before a value a spreadsheet would take for a formula."""
    if len(text) > 1 and text[0] == "'" and text.startswith(FORMULA_PREFIXES, 1):
        return text[1:]
    return text


# --- writing ----------------------------------------------------------------------------------


def write_csv(header: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow([neutralise("" if value is None else str(value)) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) and hasattr(value, "is_finite"):  # Decimal: a number cell
        return value
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula ("=...") nor an error code ("#N/A"), whatever the text
    return cell


def write_xlsx(header: list[str], rows: Iterable[list], sheet_title: str = "Applications") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31] or "Sheet1")
    for row in (header, *rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ----------------------------------------------------------------------------------


def read_upload(stream: BinaryIO, max_bytes: int = MAX_IMPORT_BYTES) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(_l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if not data.strip():
        raise NotASpreadsheet(_l("The file is empty."))
    return data


def read_rows(data: bytes, max_rows: int | None = None) -> list[tuple[int, list[str]]]:
    """The non-blank rows of the file as ``(row number as a spreadsheet shows it, cell texts)``,
    the header row included; at most ``max_rows`` (default :data:`MAX_IMPORT_ROWS`) besides it."""
    max_rows = MAX_IMPORT_ROWS if max_rows is None else max_rows
    if data.startswith(b"PK\x03\x04") or zipfile.is_zipfile(io.BytesIO(data)):
        rows = _xlsx_rows(data, max_rows)
    else:
        rows = _csv_rows(data)
    kept = []
    for number, cells in rows:
        if any(cell.strip() for cell in cells):
            kept.append((number, cells))
            if len(kept) > max_rows + 1:
                raise FileTooLarge(_l("The file has more than %(n)d rows.", n=max_rows))
    return kept


def _csv_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise NotASpreadsheet(_l("This is neither an XLSX file nor a CSV file in UTF-8 or GB18030."))
    if CONTROL_CHARACTERS.search(text):
        raise NotASpreadsheet(_l("This is neither an XLSX file nor a CSV file in UTF-8 or GB18030."))
    first_line = text.split("\n", 1)[0]
    delimiter = next((d for d in ("\t", ";") if d in first_line and "," not in first_line), ",")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise NotASpreadsheet(_l("The CSV file could not be read.")) from None
    return ((number, row[:MAX_COLUMNS]) for number, row in enumerate(rows, start=1))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    refused = NotASpreadsheet(_l("This file is not an XLSX workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refused from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise refused
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileTooLarge(_l("The workbook is too large once unpacked."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles openpyxl does not know are no reason to refuse
            from openpyxl import load_workbook

            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # the stored dimension may lie; read the rows that exist
                rows = []
                for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                    if number > MAX_SCANNED_ROWS or len(rows) > max_rows + 1:  # before the work on a row
                        raise FileTooLarge(_l("The file has more than %(n)d rows.", n=max_rows))
                    cells = [_cell_text(value) for value in values]
                    while cells and not cells[-1]:
                        cells.pop()  # the row was padded to MAX_COLUMNS
                    if cells:
                        rows.append((number, cells))
            finally:
                workbook.close()
    except DomainError:
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged workbook
        raise refused from None
    return rows


__all__ = ["CSV_TYPE", "FileTooLarge", "MAX_IMPORT_BYTES", "MAX_IMPORT_ROWS", "NotASpreadsheet", "XLSX_TYPE",
           "column_letter", "neutralise", "read_rows", "read_upload", "write_csv", "write_xlsx"]
