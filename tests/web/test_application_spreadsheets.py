"""Exporting and importing a contest's applications over real HTTP: CSV and XLSX safe to open,
imports checked row by row and saved all or nothing, files refused by size and content."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from roadshow.extensions import db
from roadshow.models import Application, ApplicationSource, MaterialKind, ProjectStage
from tests.application_builders import (
    LIST, S, add_application, add_questions, bulk, listed, sign_in_organiser, statuses,
)
from tests.helpers import csrf_token


@pytest.fixture
def organiser(app, make_user, client):
    return sign_in_organiser(app, make_user, client)



# --- export ---------------------------------------------------------------------------------


def export_fixture(app, contest_id):
    q = add_questions(app, contest_id)
    dangerous = add_application(
        app, contest_id, project="=HYPERLINK(\"http://evil.example\",\"click\")", leader="+SUM(1,2)",
        institution="@cmd", email="-x@example.com", summary="\tTabbed",
        answers={str(q["round"]): 1, str(q["needs"]): [0, 2], str(q["patents"]): "\rCR start"},
        member_email="team@example.com",
        materials=[(MaterialKind.BUSINESS_PLAN, "plan.pdf"), (MaterialKind.SUPPORTING, "a.pdf"),
                   (MaterialKind.SUPPORTING, "b.pdf")],
    )
    plain = add_application(app, contest_id, project="医疗机器人", leader="王芳", track=1, country="US")
    add_application(app, contest_id, project="Draft", status=S.DRAFT)
    return q, dangerous, plain


def test_csv_export_is_excel_friendly_and_neutralises_formulas(app, client, organiser):
    q, dangerous, plain = export_fixture(app, organiser)
    response = client.get(f"{LIST}/export.csv?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="demo-applications-')
    assert "filename*=UTF-8''Demo%20contest-applications-" in disposition
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    header, data = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(data) == {str(dangerous), str(plain)}  # no draft
    assert {"Project name", "Funding round", "Support needed", "Patents", "Track (Chinese)", "Track (English)",
            "Submitted at", "Member emails"} <= set(header)
    row = data[str(dangerous)]
    assert row["Project name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row["Team leader's name"] == "'+SUM(1,2)"
    assert row["Team leader's institution"] == "'@cmd"
    assert row["Contact email"] == "'-x@example.com"
    assert row["Contact phone"] == "'+86 138 0000 0000"
    assert row["Patents"] == "'\rCR start"
    assert row["One-paragraph summary"] == "'\tTabbed"
    assert row["Funding round"] == "Series A"
    assert row["Support needed"] == "Space; Talent"
    assert row["Submitted at"] == "2026-03-01T10:30:00+08:00"
    assert row["Member emails"] == "team@example.com"
    assert (row["Track (Chinese)"], row["Track (English)"]) == ("医疗器械", "Medical devices")
    assert row["Funding sought"] == "5000000.00"
    material_counts = [value for name, value in row.items() if name.startswith("Files:")]
    assert sorted(material_counts) == ["0", "0", "1", "2"]
    assert data[str(plain)]["Project name"] == "医疗机器人"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_export_follows_the_filters_and_the_language(app, client, organiser):
    q, dangerous, plain = export_fixture(app, organiser)
    response = client.get(f"{LIST}/export.csv?lang=zh_CN&country=US")
    chinese_name = "filename*=UTF-8''%E6%BC%94%E7%A4%BA%E5%A4%A7%E8%B5%9B-"  # 演示大赛
    assert chinese_name in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert [row[0] for row in rows[1:]] == [str(plain)]
    assert "融资阶段" in rows[0]
    body = client.get(f"{LIST}/export.csv?lang=zh_CN&q=hyperlink").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert [row[0] for row in rows[1:]] == [str(dangerous)]
    answers = rows[1][rows[0].index("融资阶段")], rows[1][rows[0].index("需要的支持")]
    assert answers == ("A轮", "场地; 人才")
    body = client.get(f"{LIST}/export.csv?status=draft").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) == 2


def test_xlsx_export_opens_with_the_same_neutralisation(app, client, organiser):
    q, dangerous, plain = export_fixture(app, organiser)
    response = client.get(f"{LIST}/export.xlsx?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "no-store"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    by_id = {row[0].value: row for row in rows[1:]}
    assert set(by_id) == {dangerous, plain}
    row = {name: cell for name, cell in zip(header, by_id[dangerous], strict=True)}
    assert row["Project name"].value == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row["Team leader's name"].value == "'+SUM(1,2)"
    assert row["Team leader's institution"].value == "'@cmd"
    assert row["Funding round"].value == "Series A"
    for cell in [*rows[0], *by_id[dangerous]]:
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert cell.data_type == "s", cell.coordinate
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.coordinate
    workbook.close()


def test_templates_download_in_both_formats(app, client, organiser):
    add_questions(app, organiser)
    response = client.get(f"{LIST}/template.csv?lang=en")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 and "Project name" in rows[0] and "Funding round" in rows[0]
    response = client.get(f"{LIST}/template.xlsx?lang=zh_CN")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert "融资阶段" in [cell.value for cell in next(sheet.iter_rows())]
    assert client.get(f"{LIST}/template.pdf").status_code == 404


# --- import ---------------------------------------------------------------------------------


IMPORT_HEADER = ["Track (English)", "Project name", "One-paragraph summary", "Project stage", "Funding sought",
                 "Team leader's name", "Team leader's title", "Team leader's highest degree",
                 "Team leader's institution", "Country or region (two-letter code)", "Contact email", "Contact phone",
                 "Funding round", "Support needed"]


def import_row(project="Offline project", leader="Zhao Min", **changes):
    values = {"Track (English)": "Medical devices", "Project name": project, "One-paragraph summary": "Summary",
              "Project stage": "Prototype", "Funding sought": "3,000,000", "Team leader's name": leader,
              "Team leader's title": "Professor", "Team leader's highest degree": "PhD",
              "Team leader's institution": "MIT", "Country or region (two-letter code)": "us",
              "Contact email": "zhao@example.com", "Contact phone": "'+1 617 000 0000", "Funding round": "Angel",
              "Support needed": "Space; Funding"}
    values.update(changes)
    return [values[name] for name in IMPORT_HEADER]


def as_csv(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, content: bytes, name="offline.csv"):
    """Post the file as a browser does. The body is encoded here, in memory: the test client would
    spool a large one to a temporary file it never closes."""
    token = csrf_token(client, f"{LIST}/import")
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(content), name)})
    return client.post(f"{LIST}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def imported(app) -> list[Application]:
    with app.app_context():
        found = list(db.session.scalars(select(Application).where(Application.source == ApplicationSource.IMPORTED)
                                        .order_by(Application.id)))
        for application in found:
            _ = application.events, application.members, application.track
        return found


def test_import_happy_path_then_screen(app, client, organiser):
    q = add_questions(app, organiser)
    response = upload(client, as_csv([IMPORT_HEADER, import_row(), import_row("第二个项目", "钱七", **{
        "Track (English)": "新材料", "Project stage": "growth", "Funding round": "A轮", "Support needed": ""})]))
    assert response.status_code == 302, response.get_data(as_text=True)
    first, second = imported(app)
    assert (first.status, first.source, first.members) == (S.SUBMITTED, ApplicationSource.IMPORTED, [])
    assert first.submitted_at is not None
    assert (first.project_name, first.country, first.funding_sought) == ("Offline project", "US", Decimal("3000000"))
    assert first.contact_phone == "+1 617 000 0000"  # the export's protective quote is taken off
    assert first.track.name_en == "Medical devices" and first.stage == ProjectStage.PROTOTYPE
    assert first.answers == {str(q["round"]): 0, str(q["needs"]): [0, 1], str(q["patents"]): ""}
    assert [event.status for event in first.events] == [S.SUBMITTED]
    assert "offline.csv" in first.events[0].note
    assert second.track.name_en == "New materials" and second.stage == ProjectStage.GROWTH
    assert (second.answers[str(q["round"])], second.answers[str(q["needs"])]) == (1, [])
    assert sorted(listed(client)) == [first.id, second.id]
    assert bulk(client, [first.id, second.id], "screened_in").status_code == 302
    assert statuses(app, first.id, second.id) == [S.SCREENED_IN, S.SCREENED_IN]


def test_import_xlsx_and_an_export_round_trip(app, client, organiser):
    q = add_questions(app, organiser)
    add_application(app, organiser, project="Existing", leader="Someone", answers={str(q["round"]): 1})
    workbook = load_workbook(io.BytesIO(client.get(f"{LIST}/export.xlsx?lang=zh_CN").get_data()))
    sheet = workbook.worksheets[0]
    sheet.cell(row=2, column=6, value="Renamed copy")  # ID, status, source, two track columns, the project
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue(), "回填.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    (copy,) = imported(app)
    assert (copy.project_name, copy.leader_name) == ("Renamed copy", "Someone")
    assert copy.contact_phone == "+86 138 0000 0000"  # written as '+86..., read back without the quote
    assert copy.answers[str(q["round"])] == 1 and copy.track.name_zh == "医疗器械"


def test_import_is_all_or_nothing_and_reports_rows_and_columns(app, client, organiser):
    add_questions(app, organiser)
    add_application(app, organiser, project="Already here", leader="Li Lei")
    rows = [IMPORT_HEADER,
            import_row("Good one"),
            import_row("Bad email", **{"Contact email": "x" * 300}),
            [""] * len(IMPORT_HEADER),  # a blank line keeps its number
            import_row("Bad choice", **{"Funding round": "Series Z", "Project stage": "Unicorn"}),
            import_row("already HERE", "li  lei"),
            import_row("Good one", leader="Zhao Min"),
            import_row("", **{"Track (English)": "Pharma"}),
            import_row("Bad format", **{"Contact email": "not-an-email"})]
    response = upload(client, as_csv(rows, "gb18030"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(r"<tr>\s*<td>(\d+|—)</td>\s*<td>(?:([A-Z]+): )?([^<]*)</td>", page)
    located = {(int(row), column) for row, column, _header in errors}
    assert (3, "K") in located  # the long email, in Excel's row 3, column K
    assert (5, "M") in located and (5, "D") in located  # unknown option and stage
    assert (6, "B") in located  # duplicate of an existing application, whatever the case and spacing
    assert (7, "B") in located  # duplicate of row 2 of the file
    assert (8, "A") in located and (8, "B") in located  # unknown track, and the missing project name
    assert (9, "K") in located  # not an email address
    assert not any(row == 2 for row, _column in located)
    assert "Same project and leader as row 2" in page
    assert imported(app) == []


def test_import_refuses_a_file_missing_required_columns_or_with_unknown_ones(app, client, organiser):
    header = [name for name in IMPORT_HEADER if name != "Contact email"] + ["Favourite colour"]
    response = upload(client, as_csv([header, ["x"] * len(header)]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Favourite colour" in page and "Contact email" in page
    assert imported(app) == []


def test_import_refuses_oversize_garbage_and_empty_files(app, client, organiser):
    response = upload(client, b"project_name\n" + b"x" * (5 * 1024 * 1024 + 10))
    assert response.status_code == 413
    assert upload(client, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv").status_code == 415
    assert upload(client, b"\xff\xfe\x00\x00garbage\x81\xff", "data.xlsx").status_code == 415
    fake_zip = io.BytesIO()
    with zipfile.ZipFile(fake_zip, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert upload(client, fake_zip.getvalue(), "applications.xlsx").status_code == 415
    assert upload(client, b"", "empty.csv").status_code in (415, 422)
    assert upload(client, as_csv([IMPORT_HEADER]), "header-only.csv").status_code == 422
    token = csrf_token(client, f"{LIST}/import")
    no_file = client.post(f"{LIST}/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert no_file.status_code == 422
    assert imported(app) == []


def test_import_refuses_too_many_rows(app, client, organiser, monkeypatch):
    from roadshow.services import spreadsheet_files

    monkeypatch.setattr(spreadsheet_files, "MAX_IMPORT_ROWS", 3)
    response = upload(client, as_csv([IMPORT_HEADER] + [import_row(f"P{i}") for i in range(4)]))
    assert response.status_code == 413
    assert imported(app) == []


def test_import_without_csrf_token_is_refused(app, client, organiser):
    content = as_csv([IMPORT_HEADER, import_row()])
    response = client.post(f"{LIST}/import", data={"file": (io.BytesIO(content), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert imported(app) == []


def test_import_page_documents_the_layout(app, client, organiser):
    add_questions(app, organiser)
    page = client.get(f"{LIST}/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    for text in ("Funding round", "Angel / Series A", "Medical devices", "template.xlsx", "template.csv"):
        assert text in page, text
