"""Spreadsheets as bytes (safe to open, careful to read) and the import and export services."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from roadshow.extensions import db
from roadshow.models import Application, ApplicationStatus, Contest, User
from roadshow.services import spreadsheet_files, spreadsheets
from roadshow.services.errors import Forbidden
from roadshow.services.spreadsheet_files import (
    FileTooLarge, NotASpreadsheet, neutralise, read_rows, read_upload, write_csv, write_xlsx,
)
from roadshow.services.spreadsheet_import import ImportRejected, import_applications
from tests.helpers import make_contest
from tests.application_builders import add_application, add_questions

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"]


# --- writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_text_gets_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "医疗器械", "a=b", "'quoted", "", 12, None, Decimal("-3")])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


def test_csv_has_a_bom_crlf_lines_and_no_formula():
    body = write_csv(["名称", "Value"], [[value, 1] for value in DANGEROUS] + [[None, Decimal("2.50")]])
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["名称", "Value"]
    assert [row[0] for row in rows[1:-1]] == ["'" + value for value in DANGEROUS]
    assert rows[-1] == ["", "2.50"]


def test_xlsx_cells_are_strings_never_formulas():
    body = write_xlsx(["Name", "Number", "Amount"],
                      [[value, 7, Decimal("1.5")] for value in DANGEROUS] + [["#N/A", None, None], ["bell\x07", 0, 0]],
                      sheet_title="申请/Applications")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and 't="e"' not in sheet_xml
    workbook = load_workbook(io.BytesIO(body))
    sheet = workbook.worksheets[0]
    assert sheet.title == "申请 Applications"
    rows = list(sheet.iter_rows(min_row=2))
    for row, value in zip(rows, DANGEROUS, strict=False):
        assert (row[0].value.replace("\n", "\r"), row[0].data_type) == ("'" + value, "s")  # XML reads CR as LF
        assert (row[1].value, row[1].data_type) == (7, "n")
        assert row[2].value == 1.5
    assert (rows[-2][0].value, rows[-2][0].data_type) == ("#N/A", "s")
    assert rows[-1][0].value == "bell"  # a control character XLSX cannot hold is dropped, not an error
    workbook.close()


# --- reading ----------------------------------------------------------------------------------


def test_read_upload_limits_the_size():
    assert read_upload(io.BytesIO(b"a,b\n"), max_bytes=10) == b"a,b\n"
    with pytest.raises(FileTooLarge):
        read_upload(io.BytesIO(b"x" * 11), max_bytes=10)
    with pytest.raises(NotASpreadsheet):
        read_upload(io.BytesIO(b"  \n"))


def test_csv_rows_keep_spreadsheet_row_numbers():
    text = 'name,notes\r\n"Pump","two\nlines"\r\n,\r\n\r\n医疗,x\r\n'
    assert read_rows(text.encode("utf-8-sig")) == [(1, ["name", "notes"]), (2, ["Pump", "two\nlines"]),
                                                    (5, ["医疗", "x"])]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_or_gb18030(encoding):
    assert read_rows("项目名称,负责人\n智能泵,李雷\n".encode(encoding))[1] == (2, ["智能泵", "李雷"])


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_with_semicolons_or_tabs(delimiter):
    assert read_rows(f"a{delimiter}b\n1{delimiter}2\n".encode())[1] == (2, ["1", "2"])


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",       # an image
    b"%PDF-1.7\n\x00\x01\x02binary\xff\xfe",       # a PDF
    bytes(range(256)) * 4,                          # noise
    b"name\x00,other\n",                            # text with NUL bytes
])
def test_binary_content_is_not_a_csv(content):
    with pytest.raises(NotASpreadsheet):
        read_rows(content)


def test_row_limit():
    rows = "\n".join(["name"] + [f"p{i}" for i in range(5000)]).encode()
    assert len(read_rows(rows)) == 5001
    with pytest.raises(FileTooLarge):
        read_rows(rows + b"\none more")


def xlsx(rows, *, blank_rows_before=0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(blank_rows_before):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_rows_as_text():
    content = xlsx([["name", "phone", "amount", "when"], ["泵", 13800138000, 1.5, datetime(2026, 3, 1)],
                    [None, None, None, None], ["Robot", "'+86", 2.0, None]], blank_rows_before=1)
    assert read_rows(content) == [
        (2, ["name", "phone", "amount", "when"]), (3, ["泵", "13800138000", "1.5", "2026-03-01T00:00:00"]),
        (5, ["Robot", "'+86", "2"]),  # trailing empty cells are left out
    ]


def test_xlsx_row_limit():
    with pytest.raises(FileTooLarge):
        read_rows(xlsx([["name"]] + [[f"p{i}"] for i in range(4)]), max_rows=3)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_that_is_not_a_workbook_is_refused():
    with pytest.raises(NotASpreadsheet):
        read_rows(zipped({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}))
    with pytest.raises(NotASpreadsheet):  # the right names, but nothing openpyxl can open
        read_rows(zipped({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<x/>"}))
    with pytest.raises(NotASpreadsheet):
        read_rows(b"PK\x03\x04 truncated")


def test_a_zip_bomb_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(spreadsheet_files, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(FileTooLarge):
        read_rows(zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b" " * 2000}))


# --- export and import services -------------------------------------------------------------


@pytest.fixture
def contest_id(app, make_user):
    make_user("org@example.com")
    make_user("judge@example.com")
    return make_contest(app, organiser_email="org@example.com", judge_email="judge@example.com")


def test_export_time_is_in_the_contests_time_zone(app, contest_id):
    q = add_questions(app, contest_id)
    add_application(app, contest_id, answers={str(q["round"]): 7})  # an index past the options: kept as is
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        contest.timezone = "America/New_York"
        applications = list(db.session.scalars(db.select(Application)))
        header, rows = spreadsheets.export_table(contest, applications, "en")
        row = dict(zip(header, rows[0], strict=True))
    assert row["Submitted at"] == "2026-02-28T21:30:00-05:00"
    assert row["Funding round"] == "7"
    assert row["Status"] == "submitted"  # no labels given: the stored value


def header_row(app, contest_id, language):
    with app.test_request_context():
        return spreadsheets.template_headers(db.session.get(Contest, contest_id), language)


def valid_row(header, **values):
    defaults = {"track_zh": "医疗器械", "project_name": "泵", "summary": "S", "leader_name": "李雷",
                "leader_title": "教授", "leader_degree": "博士", "leader_institution": "清华大学",
                "contact_email": "l@x.cn", "stage": "idea", "funding_sought": "1", "country": "cn"}
    defaults.update(values)
    keys = ["id", "status", "source", "track_zh", "track_en", "project_name", "summary", "leader_name", "leader_title",
            "leader_degree", "leader_institution", "contact_email", "contact_phone", "team_members", "stage",
            "funding_sought", "country"]
    return [defaults.get(key, "") for key in keys] + [""] * (len(header) - len(keys))


def run_import(app, rows, email="org@example.com"):
    with app.test_request_context():
        contest = db.session.scalar(db.select(Contest))
        try:
            created = import_applications(contest, rows, by=User.by_email(email), filename="f.csv")
            db.session.commit()
            return [application.id for application in created]
        finally:
            db.session.rollback()


def test_import_reads_headers_of_either_language_or_keys(app, contest_id):
    zh, en = header_row(app, contest_id, "zh_CN"), header_row(app, contest_id, "en")
    keys = [column.key for column in spreadsheets.layout(Contest())]
    for number, header in enumerate((zh, en, keys)):
        ids = run_import(app, [(1, header), (2, valid_row(header, project_name=f"P{number}"))])
        assert len(ids) == 1
    with app.app_context():
        application = db.session.get(Application, ids[0])
        assert (application.status, application.country, application.stage.value) == (
            ApplicationStatus.SUBMITTED, "CN", "idea")
        assert application.submitted_at is not None and application.submitted_at.tzinfo == timezone.utc


def test_import_header_problems_are_reported_at_row_one(app, contest_id):
    header = header_row(app, contest_id, "en")
    doubled = header + [header[5]]
    with pytest.raises(ImportRejected) as refused:
        run_import(app, [(1, doubled + ["Mystery"]), (2, valid_row(header))])
    problems = {(error.row, error.column, error.header) for error in refused.value.errors}
    assert (1, spreadsheet_files.column_letter(len(header)), header[5]) in problems  # the second "Project name"
    assert (1, spreadsheet_files.column_letter(len(header) + 1), "Mystery") in problems
    without_email = [name if name != "Contact email" else "" for name in header]
    with pytest.raises(ImportRejected) as refused:
        run_import(app, [(1, without_email), (2, valid_row(header))])
    # a missing column is named in the reader's language (Chinese by default)
    assert [(error.row, error.column, error.header) for error in refused.value.errors] == [(1, "", "联系邮箱")]


def test_import_is_for_organisers_only(app, contest_id):
    header = header_row(app, contest_id, "en")
    with pytest.raises(Forbidden):
        run_import(app, [(1, header), (2, valid_row(header))], email="judge@example.com")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Application)) == 0


def test_import_of_nothing_is_refused(app, contest_id):
    with pytest.raises(ImportRejected):
        run_import(app, [])
    with pytest.raises(ImportRejected):
        run_import(app, [(1, header_row(app, contest_id, "en"))])
