"""A round's results as files for organisers: the ranking as CSV, a workbook (ranking, score matrix,
one sheet per criterion, flags, method) as XLSX; the PDF report is in :mod:`roadshow.services.result_pdf`.

Before publication a ranking is for organisers only, so every export is authorised with
``RESULTS_MANAGE``. An export is made either from the live computation
(:func:`roadshow.services.results.compute_round` over :func:`roadshow.services.results.inputs`) or
from a stored snapshot (``number``), and carries the content hash: the snapshot's own, or the SHA-256
of the canonical JSON of the live computation (the method, the ranking and the sheets, as a
snapshot would hold them). Every text cell is neutralised against spreadsheet formulas.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, Contest, Criterion, ResultSnapshot, Round, ScoreSheet, SheetStatus, User, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.scoring import model
from roadshow.services import publication
from roadshow.services.errors import NotFound
from roadshow.services.spreadsheet_files import CSV_TYPE, XLSX_TYPE, neutralise, write_csv

FLOAT_PLACES = 4


@dataclass
class ResultExport:
    """Everything an export shows, in the shape a snapshot stores it (see
    :mod:`roadshow.services.publication`): ``rows`` are the ranking's rows (the fields of
    :class:`roadshow.scoring.model.Row` with ``project_name``, ``team``, ``track_name``), ``sheets`` the
    counted sheets (judge, project, scores and total as decimal text), ``method`` the parameters."""

    contest: Contest
    round: Round
    rows: list[dict]
    method: dict
    sheets: list[dict]
    content_hash: str
    snapshot_number: int | None = None
    created_at: datetime | None = None
    judges: dict[int, User] = field(default_factory=dict)
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def judge_ids(self) -> list[int]:
        """The panel: judges with a counted sheet, by name."""
        ids = {int(s["judge"]) for s in self.sheets}
        return sorted(ids, key=lambda i: (self.judge_name(i).casefold(), i))

    def judge_name(self, judge_id: int) -> str:
        user = self.judges.get(judge_id)
        return (user.display_name or user.email) if user is not None else f"#{judge_id}"

    @staticmethod
    def track_name(row: dict, lang: str) -> str:
        names = row.get("track_name") or {}
        if not isinstance(names, dict):
            return str(names)
        preferred, other = (names.get("en"), names.get("zh")) if lang.startswith("en") else \
            (names.get("zh"), names.get("en"))
        return preferred or other or ""

    def sheet_matrix(self) -> dict[tuple[int, int], dict]:
        return {(int(s["project"]), int(s["judge"])): s for s in self.sheets}


# -- building an export ---------------------------------------------------------------------------

def as_stored(value: Any) -> Any:
    """``value`` as a snapshot stores it: floats rounded as publication rounds them, JSON round-tripped."""
    return json.loads(publication.canonical_json(_rounded(value)))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, publication.DIGITS)
    if isinstance(value, dict):
        return {str(key): _rounded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value


def live_values(round_: Round, result: model.RoundResult,
                sheets: list[model.Sheet] | None = None) -> tuple[dict, list[dict], list[dict]]:
    """The method, ranking and sheets a snapshot taken now would store for ``result``, computed from
    ``sheets`` (default: the sheets that count now): the same shape and rounding as
    :func:`publication.take_snapshot`, so that the hash of a live export is the hash such a snapshot
    would have."""
    if sheets is None:
        from roadshow.services import results

        sheets, _projects = results.inputs(round_)
    pairs = {(sheet.judge, sheet.project) for sheet in sheets}
    submitted = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED)
        .order_by(ScoreSheet.application_id, ScoreSheet.judge_id))
    records = as_stored([publication.sheet_record(s) for s in submitted if (s.judge_id, s.application_id) in pairs])
    ids = [row.project for row in result.rows]
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))} \
        if ids else {}
    return as_stored(asdict(result.method)), publication.ranking_rows(result, applications), records


def _extras(round_: Round, sheets: list[dict]) -> dict:
    ids = {int(s["judge"]) for s in sheets}
    judges = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return {"judges": judges, "criteria": list(round_.criteria)}


def live_export(round_: Round, *, by: User) -> ResultExport:
    """The round's results as computed now, for organisers."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    from roadshow.services import results

    method, rows, sheets = live_values(round_, results.compute_round(round_, by=by))
    return ResultExport(contest=round_.contest, round=round_, rows=rows, method=method, sheets=sheets,
                        content_hash=publication.content_hash(method, rows, sheets), created_at=utcnow(),
                        **_extras(round_, sheets))


def get_snapshot(round_: Round, number: int) -> ResultSnapshot:
    snapshot = db.session.scalar(select(ResultSnapshot).where(ResultSnapshot.round_id == round_.id,
                                                              ResultSnapshot.number == number))
    if snapshot is None:
        raise NotFound(_("No snapshot %(n)d of this round.", n=number))
    return snapshot


def snapshot_export(round_: Round, number: int, *, by: User) -> ResultExport:
    """Snapshot ``number`` of the round, as it was sealed, for organisers."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    snapshot = get_snapshot(round_, number)
    sheets = list(snapshot.sheets or [])
    return ResultExport(contest=round_.contest, round=round_, rows=list(snapshot.ranking or []),
                        method=dict(snapshot.method or {}), sheets=sheets, content_hash=snapshot.content_hash,
                        snapshot_number=snapshot.number, created_at=snapshot.created_at, **_extras(round_, sheets))


def export_for(round_: Round, *, by: User, snapshot: int | None = None) -> ResultExport:
    return live_export(round_, by=by) if snapshot is None else snapshot_export(round_, snapshot, by=by)


# -- values as shown ------------------------------------------------------------------------------

def fmt(value, places: int = FLOAT_PLACES) -> str:
    """A float as text rounded to ``places`` without trailing zeros; empty for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.{places}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def _round(value, places: int = FLOAT_PLACES):
    return round(value, places) if isinstance(value, float) else value


def number(value):
    """A stored score or total (decimal text) as a number for a spreadsheet cell; None stays None."""
    if value is None or isinstance(value, (int, float)):
        return value
    try:
        return float(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def flag_labels() -> dict[str, str]:
    return {
        model.FLAG_FALLBACK: _("Fewer sheets than the trimmed mean needs: the fallback method was used"),
        model.FLAG_DISAGREEMENT: _("Judges disagree (spread above the threshold): re-review suggested"),
        model.FLAG_TIED: _("Tied with another project after every tie-break"),
        model.FLAG_LOT: _("Separated from a neighbour only by the seeded lot"),
        model.FLAG_RAW_JUDGES: _("Some sheets come from judges kept raw (too few projects to normalise)"),
        model.FLAG_UNCERTAIN: _("P(top N) is uncertain (between 5% and 95%)"),
        model.FLAG_NO_SHEETS: _("No sheets"),
    }


def interval(row: dict) -> str:
    low, high = row.get("rank_low"), row.get("rank_high")
    if low is None or high is None:
        return ""
    return str(low) if low == high else f"{low}–{high}"


def ranking_header() -> list[str]:
    return [_("Rank"), _("Project id"), _("Project"), _("Team"), _("Track"), _("Sheets"), _("Raw mean"),
            _("Aggregate"), _("Normalised"), _("Rank interval"), _("P(top N)"), _("Flags")]


def ranking_rows(export: ResultExport, lang: str, *, numbers: bool = False) -> list[list]:
    """The ranking, one list per row; ``numbers`` keeps numbers as numbers (XLSX), else text (CSV)."""
    show = _round if numbers else fmt
    return [[row.get("rank"), row.get("project"), row.get("project_name", ""), row.get("team", ""),
             export.track_name(row, lang), row.get("n_sheets"), show(row.get("raw_mean")),
             show(row.get("aggregate")), show(row.get("normalised")), interval(row), show(row.get("p_top_n")),
             ", ".join(row.get("flags") or ())] for row in export.rows]


def method_rows(export: ResultExport) -> list[list]:
    """The method and its parameters, and what identifies the export, as name/value pairs."""
    rows = [[key, ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else
             ("" if value is None else value)] for key, value in sorted(export.method.items())]
    rows += [["snapshot", export.snapshot_number if export.snapshot_number is not None else _("live computation")],
             ["content_hash", export.content_hash],
             ["created_at", export.created_at.isoformat() if export.created_at else ""],
             ["sheets", len(export.sheets)]]
    return rows


# -- CSV ------------------------------------------------------------------------------------------

def ranking_csv(export: ResultExport, lang: str = "zh") -> bytes:
    return write_csv(ranking_header(), ranking_rows(export, lang))


# -- XLSX -----------------------------------------------------------------------------------------

def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value))))
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", " ", name).strip()[:28] or "Sheet"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:25]} ({n})", n + 1
    used.add(title.lower())
    return title


def results_xlsx(export: ResultExport, lang: str = "zh") -> bytes:
    """Sheets: Ranking, Score matrix (projects x judges, totals), one per criterion (projects x judges,
    scores), Flags (legend, then each project's), Method."""
    from openpyxl import Workbook   # loaded when a workbook is made, not by every web worker

    workbook = Workbook(write_only=True)
    used: set[str] = set()

    def add(title: str, rows: list[list]):
        sheet = workbook.create_sheet(title=_title(title, used))
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])

    add("Ranking", [ranking_header(), *ranking_rows(export, lang, numbers=True)])
    judges = export.judge_ids
    matrix = export.sheet_matrix()
    people = [_("Rank"), _("Project id"), _("Project"), *[export.judge_name(j) for j in judges]]

    def grid(value):
        return [[row.get("rank"), row["project"], row.get("project_name", ""),
                 *[value(matrix.get((row["project"], j))) for j in judges]] for row in export.rows]

    add("Score matrix", [people, *grid(lambda s: None if s is None else number(s.get("total")))])
    for criterion in export.criteria:
        key = str(criterion.id)
        add(criterion.localized("name", lang),
            [people, *grid(lambda s, key=key: None if s is None else number((s.get("scores") or {}).get(key)))])
    labels = flag_labels()
    add("Flags", [[_("Flag"), _("Meaning")], *[[name, text] for name, text in labels.items()], [],
                  [_("Rank"), _("Project id"), _("Project"), _("Flags")],
                  *[[row.get("rank"), row["project"], row.get("project_name", ""),
                     ", ".join(row.get("flags") or ())] for row in export.rows if row.get("flags")]])
    add("Method", [[_("Parameter"), _("Value")], *method_rows(export)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(export: ResultExport, ext: str) -> str:
    which = f"snapshot{export.snapshot_number}" if export.snapshot_number is not None else "live"
    return f"{export.contest.slug}-round{export.round.id}-results-{which}.{ext}"


__all__ = ["ResultExport", "as_stored", "export_for", "filename", "flag_labels", "fmt", "get_snapshot", "interval",
           "live_export", "live_values", "method_rows", "number", "ranking_csv", "ranking_header", "ranking_rows",
           "results_xlsx", "snapshot_export", "render", "FORMATS", "PDF_TYPE"]


PDF_TYPE = "application/pdf"
FORMATS = ("csv", "xlsx", "pdf")


def render(export: ResultExport, fmt: str, lang: str) -> tuple[bytes, str, str]:
    """The export as ``fmt`` (csv, xlsx or pdf): its bytes, media type and file name."""
    from roadshow.services import result_pdf  # it builds on this module

    if fmt == "csv":
        return ranking_csv(export, lang), CSV_TYPE, filename(export, "csv")
    if fmt == "xlsx":
        return results_xlsx(export, lang), XLSX_TYPE, filename(export, "xlsx")
    if fmt == "pdf":
        return result_pdf.report_pdf(export, lang), PDF_TYPE, filename(export, "pdf")
    raise ValueError(f"unknown export format {fmt!r}")
