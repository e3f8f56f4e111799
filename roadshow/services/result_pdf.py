"""A round's results as a PDF report to print and sign: the contest and round in Chinese and English,
the ranking, the method and its parameters, the content hash, and a signature block for the panel.

Chinese needs a CJK TrueType font embedded in the file. Its path is the ``PDF_CJK_FONT`` setting
(default: WenQuanYi Zen Hei from Debian's ``fonts-wqy-zenhei``); a TrueType collection (``.ttc``)
uses its face ``PDF_CJK_FONT_INDEX`` (default 0). Without the font file the report is refused with
:class:`FontMissing` (a 503) saying which file is missing: Latin-only fonts would print boxes.
"""
from __future__ import annotations

import io
import os

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from roadshow.services.errors import DomainError
from roadshow.services.result_exports import ResultExport, flag_labels, fmt, interval

DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_NAME = "RoadshowCJK"
_registered: dict[str, str] = {}  # font path -> registered name


class FontMissing(DomainError):
    status, code = 503, "pdf_font_missing"


def font_path() -> str:
    return current_app.config.get("PDF_CJK_FONT") or DEFAULT_CJK_FONT


def cjk_font() -> str:
    """Register the configured CJK font with reportlab (once per path) and return its name."""
    path = font_path()
    if path in _registered:
        return _registered[path]
    if not os.path.isfile(path):
        raise FontMissing(_l("The PDF report needs a Chinese font, and %(path)s is missing. Install the Debian "
                             "package fonts-wqy-zenhei, or set PDF_CJK_FONT to a TrueType font with Chinese glyphs.",
                             path=path))
    name = f"{FONT_NAME}{len(_registered) or ''}"
    index = int(current_app.config.get("PDF_CJK_FONT_INDEX", 0) or 0)
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except Exception as exc:  # reportlab raises TTFError and others on a file that is not a usable font
        raise FontMissing(_l("The PDF font %(path)s could not be read: %(error)s", path=path,
                             error=str(exc)[:200])) from None
    _registered[path] = name
    return name


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=21, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, spaceAfter=2),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4),
        "mono": ParagraphStyle("mono", parent=base, fontSize=8, leading=11),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


def _both(obj, field: str) -> str:
    zh, en = getattr(obj, f"{field}_zh", "") or "", getattr(obj, f"{field}_en", "") or ""
    return " / ".join(part for part in (zh, en) if part)


def _table(data, widths, font: str, header_rows: int = 1) -> Table:
    table = Table(data, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e9ecef")),
    ]))
    return table


def report_pdf(export: ResultExport, lang: str = "zh") -> bytes:
    """The report of ``export`` as PDF bytes (the font embedded, as a subset)."""
    font = cjk_font()
    styles = _styles(font)
    contest, round_ = export.contest, export.round
    story = [
        _p(_both(contest, "name"), styles["title"]),
        _p(f"{_both(round_, 'name')} · 评审结果报告 Results report", styles["subtitle"]),
        _p(_("Snapshot %(n)s, sealed %(at)s", n=export.snapshot_number,
             at=export.created_at.strftime("%Y-%m-%d %H:%M UTC") if export.created_at else "")
           if export.snapshot_number is not None else
           _("Live computation (not a sealed snapshot), %(at)s",
             at=export.created_at.strftime("%Y-%m-%d %H:%M UTC") if export.created_at else ""), styles["base"]),
        _p(f"{_('Content hash (SHA-256)')}: {export.content_hash}", styles["mono"]),
        Spacer(1, 4 * mm),
        _p(_("Ranking"), styles["heading"]),
    ]
    small = styles["small"]
    header = [_p(text, small) for text in (_("Rank"), _("Project"), _("Team"), _("Track"), _("Sheets"),
                                            _("Raw mean"), _("Aggregate"), _("Normalised"), _("Rank interval"),
                                            _("P(top N)"), _("Flags"))]
    body = [[_p(row.get("rank"), small), _p(row.get("project_name") or f"#{row.get('project')}", small),
             _p(row.get("team"), small), _p(export.track_name(row, lang), small), _p(row.get("n_sheets"), small),
             _p(fmt(row.get("raw_mean")), small), _p(fmt(row.get("aggregate")), small),
             _p(fmt(row.get("normalised")), small), _p(interval(row), small), _p(fmt(row.get("p_top_n")), small),
             _p(", ".join(row.get("flags") or ()), small)] for row in export.rows]
    widths = [12, 60, 38, 30, 13, 18, 20, 20, 22, 16, 24]  # 273 mm: landscape A4 less the margins
    story.append(_table([header, *body], [w * mm for w in widths], font))
    used = sorted({flag for row in export.rows for flag in row.get("flags") or ()})
    if used:
        labels = flag_labels()
        story.append(Spacer(1, 2 * mm))
        story += [_p(f"{flag}: {labels.get(flag, flag)}", small) for flag in used]

    story.append(_p(_("Method and parameters"), styles["heading"]))
    method = [[_p(key, small), _p(", ".join(map(str, value)) if isinstance(value, (list, tuple)) else
                                  ("" if value is None else value), small)]
              for key, value in sorted(export.method.items())]
    method.append([_p(_("Sheets counted"), small), _p(len(export.sheets), small)])
    story.append(_table([[_p(_("Parameter"), small), _p(_("Value"), small)], *method], [60 * mm, 120 * mm], font))

    signatures = [[_p(_("Judge"), small), _p(_("Signature"), small), _p(_("Date"), small)]]
    signatures += [[_p(export.judge_name(judge), styles["base"]), "", ""] for judge in export.judge_ids]
    block = [_p(_("Signatures of the panel"), styles["heading"]),
             _p(_("We have checked the ranking above against our score sheets."), small), Spacer(1, 2 * mm)]
    table = _table(signatures, [70 * mm, 90 * mm, 40 * mm], font)
    table.setStyle(TableStyle([("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
                               ("TOPPADDING", (0, 1), (-1, -1), 9), ("BOTTOMPADDING", (0, 1), (-1, -1), 9)]))
    story.append(KeepTogether([*block, table]))

    buffer = io.BytesIO()
    title = f"{contest.name_zh} {round_.name_zh} 评审结果 Results"
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=title, author="Roadshow",
                                 subject=export.content_hash)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(12 * mm, 7 * mm, f"{export.content_hash} · {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


__all__ = ["DEFAULT_CJK_FONT", "FontMissing", "cjk_font", "font_path", "report_pdf"]
