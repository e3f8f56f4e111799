"""Score sheets a panel filled in on paper, entered from a CSV or XLSX file: all or nothing.

A row names a judge by email and a project by id or exact name, and gives one column per criterion
(headed by the criterion's Chinese or English name), optionally a comment column per criterion
(``<name> comment`` or ``<name> 评语``) and an overall comment (``overall comment`` or ``总评``).

Every row is checked before anything is stored, as a judge's submit would be: the scores against the
rubric (:func:`roadshow.scoring.sheets.check_sheet` with ``complete=True``), the judge a judge of the
contest, assigned to the project in this round and without an active conflict of interest, no sheet
already submitted (or recused) for the judge and project, and the pair once in the file. Any error
rejects the whole file, listing every error by row and column. A judge's unfinished online draft is
replaced by the paper sheet (the audit entry says so). Sheets are stored submitted, with
``source=PAPER`` and the total computed here; one audit entry ``sheet.paper_imported`` names the
file, the row count and the sheets.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, Assignment, Criterion, Round, ScoreSheet, SheetSource, SheetStatus, User, normalise_email, utcnow,
)
from roadshow.policy import Action, authorize
from roadshow.scoring import sheets as rules
from roadshow.scoring.sheets import check_sheet, decimal_text, sheet_total
from roadshow.services import assignments, audit, score_sheets
from roadshow.services.errors import Conflict
from roadshow.services.review_rounds import entries
from roadshow.services.spreadsheet_files import column_letter, unneutralise
from roadshow.services.spreadsheet_import import ImportRejected, RowError

AUDIT_ACTION = "sheet.paper_imported"
JUDGE_HEADERS = ("judge email", "评委邮箱", "email", "judge")
PROJECT_ID_HEADERS = ("project id", "项目编号", "id", "application id")
PROJECT_NAME_HEADERS = ("project name", "项目名称", "project")
OVERALL_HEADERS = ("overall comment", "总评", "comment", "评语")


def _norm(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").split())


def _messages() -> dict[str, str]:
    return {
        rules.NOT_A_NUMBER: _("Not a number."),
        rules.OUT_OF_RANGE: _("Out of range for this criterion."),
        rules.OFF_STEP: _("Not a whole multiple of this criterion's step."),
        rules.MISSING: _("The score is missing."),
        rules.COMMENT_REQUIRED: _("This criterion requires a comment."),
        rules.COMMENT_TOO_LONG: _("The comment is too long."),
        rules.UNKNOWN_CRITERION: _("Unknown criterion."),
    }


def _criterion_names(criterion: Criterion) -> set[str]:
    return {_norm(n) for n in (criterion.name_zh, criterion.name_en) if n and n.strip()}


def template_rows(round_: Round, lang: str = "zh") -> tuple[list[str], list[list]]:
    """The import columns (criteria named in ``lang``), and a row for each assigned pair still waiting
    for a sheet (no active conflict, nothing submitted), to fill in from the paper sheets."""
    criteria = list(round_.criteria)
    names = [c.localized("name", lang) for c in criteria]
    comment = "comment" if lang.startswith("en") else "评语"
    header = ["judge email", "project id", "project name", *names,
              *[f"{name} {comment}" for name, c in zip(names, criteria) if c.comment_required],
              "overall comment"]
    done = {(s.judge_id, s.application_id) for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id,
                                 ScoreSheet.status.in_([SheetStatus.SUBMITTED, SheetStatus.RECUSED])))}
    conflicts = assignments.active_conflicts(round_.contest_id)
    entered = {e.application_id for e in entries(round_)}
    rows = [[a.judge.email, a.application_id, a.application.project_name]
            for a in assignments.of_round(round_)
            if a.application_id in entered and (a.judge_id, a.application_id) not in done
            and (a.judge_id, a.application_id) not in conflicts]
    return header, rows


def _columns(header: list[str], criteria: list[Criterion]) -> tuple[dict, dict[int, int], dict[int, int], list[int]]:
    """Which column holds what: fixed keys, criterion id -> score column, criterion id -> comment
    column; and the columns nobody claimed."""
    fixed: dict[str, int] = {}
    scores: dict[int, int] = {}
    comments: dict[int, int] = {}
    unknown: list[int] = []
    by_name = {name: c.id for c in criteria for name in _criterion_names(c)}
    by_comment = {}
    for c in criteria:
        for name in _criterion_names(c):
            for suffix in (" comment", " 评语", "评语", " (comment)", "（评语）"):
                by_comment[_norm(name + suffix)] = c.id
            for prefix in ("comment: ", "评语："):
                by_comment[_norm(prefix + name)] = c.id
    for index, cell in enumerate(header):
        name = _norm(cell)
        if not name:
            continue
        if name in by_name and by_name[name] not in scores:
            scores[by_name[name]] = index
        elif name in by_comment and by_comment[name] not in comments:
            comments[by_comment[name]] = index
        elif name in JUDGE_HEADERS and "judge" not in fixed:
            fixed["judge"] = index
        elif name in PROJECT_ID_HEADERS and "project_id" not in fixed:
            fixed["project_id"] = index
        elif name in PROJECT_NAME_HEADERS and "project_name" not in fixed:
            fixed["project_name"] = index
        elif name in OVERALL_HEADERS and "overall" not in fixed:
            fixed["overall"] = index
        else:
            unknown.append(index)
    return fixed, scores, comments, unknown


def import_rows(round_: Round, rows: list[tuple[int, list[str]]], *, by: User, filename: str = "") -> list[ScoreSheet]:
    """Store the paper sheets of ``(row number, cells)`` rows, the header first; all or nothing
    (:class:`ImportRejected` lists every bad row). Returns the sheets stored."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    if not round_.is_scored:
        raise Conflict(_("This round is not scored."))
    if round_.scoring_opened_at is None:
        raise Conflict(_("Open scoring of this round first: the rubric must be final before sheets are entered."))
    if not rows:
        raise ImportRejected([RowError(None, "", "", _("The file is empty."))])
    criteria = list(round_.criteria)
    (_number, header), data = rows[0], rows[1:]
    fixed, score_columns, comment_columns, unknown = _columns(header, criteria)
    file_errors = []
    if "judge" not in fixed or not ({"project_id", "project_name"} & fixed.keys()):
        file_errors.append(RowError(1, "", "", _("The header row needs a \"judge email\" column and a "
                                                 "\"project id\" or \"project name\" column.")))
    for c in criteria:
        if c.id not in score_columns:
            file_errors.append(RowError(1, "", c.name_zh, _("No column for the criterion \"%(name)s\": head it "
                                                            "with the criterion's Chinese or English name.",
                                                            name=c.name_zh)))
    for index in unknown:
        file_errors.append(RowError(1, column_letter(index), header[index],
                                    _("Unknown column: it is neither a criterion nor a comment.")))
    if file_errors:
        raise ImportRejected(file_errors)
    if not data:
        raise ImportRejected([RowError(None, "", "", _("The file has a header row but no sheets."))])

    rubric = score_sheets.rubric(round_)
    messages = _messages()
    pool = {normalise_email(u.email): u for u in assignments.judges(round_.contest_id)}
    projects = {e.application_id: e.application for e in entries(round_)}
    by_name: dict[str, list[Application]] = {}
    for application in projects.values():
        by_name.setdefault(application.project_name.strip(), []).append(application)
    assigned = {(a.judge_id, a.application_id) for a in db.session.scalars(
        select(Assignment).where(Assignment.round_id == round_.id))}
    conflicts = assignments.active_conflicts(round_.contest_id)
    existing = {(s.judge_id, s.application_id): s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id))}

    def cell(row: list[str], index: int | None) -> str:
        return unneutralise(row[index].strip()) if index is not None and index < len(row) else ""

    def error(number: int, index: int | None, message: str) -> RowError:
        return RowError(number, column_letter(index) if index is not None else "",
                        header[index] if index is not None else "", message)

    errors: list[RowError] = []
    accepted = []  # (judge, application, checked, overall comment)
    seen: dict[tuple[int, int], int] = {}
    for number, row in data:
        email = cell(row, fixed.get("judge"))
        judge = pool.get(normalise_email(email)) if email else None
        if not email:
            errors.append(error(number, fixed.get("judge"), _("The judge's email is missing.")))
        elif judge is None:
            errors.append(error(number, fixed["judge"], _("%(email)s is not a judge of this contest.",
                                                          email=email[:254])))
        application = None
        raw_id, name = cell(row, fixed.get("project_id")), cell(row, fixed.get("project_name"))
        if raw_id:
            application = projects.get(int(raw_id)) if raw_id.isdigit() else None
            if application is None:
                errors.append(error(number, fixed.get("project_id"),
                                    _("No project with id %(id)s is entered in this round.", id=raw_id[:20])))
        elif name:
            found = by_name.get(name, [])
            if len(found) == 1:
                application = found[0]
            else:
                errors.append(error(number, fixed.get("project_name"),
                                    _("No project named \"%(name)s\" is entered in this round.", name=name[:100])
                                    if not found else
                                    _("Several projects are named \"%(name)s\": give the project id.",
                                      name=name[:100])))
        else:
            errors.append(error(number, fixed.get("project_id", fixed.get("project_name")),
                                _("Give the project's id or its exact name.")))
        scores = {c.id: cell(row, score_columns[c.id]) for c in criteria}
        comments = {cid: cell(row, index) for cid, index in comment_columns.items()}
        checked = check_sheet(rubric, scores, comments, complete=True)
        for cid, code in checked.errors.items():
            index = comment_columns.get(cid) if code in (rules.COMMENT_REQUIRED, rules.COMMENT_TOO_LONG) \
                and cid in comment_columns else score_columns.get(cid)
            errors.append(error(number, index, messages.get(code, code)))
        overall = cell(row, fixed.get("overall"))
        if len(overall) > rules.MAX_COMMENT_LENGTH:
            errors.append(error(number, fixed.get("overall"), messages[rules.COMMENT_TOO_LONG]))
        if judge is None or application is None:
            continue
        pair = (judge.id, application.id)
        sheet = existing.get(pair)
        if pair in conflicts:
            errors.append(error(number, fixed["judge"], assignments.conflict_message(conflicts[pair], judge,
                                                                                     application)))
        elif pair not in assigned:
            errors.append(error(number, fixed["judge"], _("%(judge)s is not assigned to %(project)s in this round.",
                                                          judge=judge.email, project=application.project_name)))
        elif pair in seen:
            errors.append(error(number, fixed["judge"], _("Same judge and project as row %(row)d.", row=seen[pair])))
        elif sheet is not None and sheet.status == SheetStatus.SUBMITTED:
            errors.append(error(number, fixed["judge"], _("%(judge)s has already submitted a sheet for %(project)s.",
                                                          judge=judge.email, project=application.project_name)))
        elif sheet is not None and sheet.status == SheetStatus.RECUSED:
            errors.append(error(number, fixed["judge"], _("%(judge)s has recused themselves from %(project)s.",
                                                          judge=judge.email, project=application.project_name)))
        elif checked.ok and len(overall) <= rules.MAX_COMMENT_LENGTH:
            accepted.append((judge, application, checked, overall))
        seen.setdefault(pair, number)
    if errors:
        raise ImportRejected(errors)

    now = utcnow()
    stored: list[ScoreSheet] = []
    replaced: list[int] = []
    for judge, application, checked, overall in accepted:
        sheet = existing.get((judge.id, application.id))
        if sheet is None:
            sheet = ScoreSheet(round_id=round_.id, judge_id=judge.id, application_id=application.id)
            db.session.add(sheet)
        else:
            replaced.append(sheet.id)  # an unfinished online draft
            sheet.version = (sheet.version or 1) + 1
        sheet.status = SheetStatus.SUBMITTED
        sheet.source = SheetSource.PAPER
        sheet.scores = {str(cid): decimal_text(value) for cid, value in checked.scores.items()}
        sheet.comments = {str(cid): text for cid, text in checked.comments.items()}
        sheet.overall_comment = overall
        sheet.total = sheet_total(rubric, checked.scores)
        sheet.submitted_at = sheet.updated_at = now
        stored.append(sheet)
    db.session.flush()
    audit.record(AUDIT_ACTION, obj_type="round", obj_id=round_.id, contest_id=round_.contest_id, actor=by,
                 new={"file": filename[:255], "rows": len(data), "replaced_drafts": replaced,
                      "sheets": [{"id": s.id, "judge_id": s.judge_id, "application_id": s.application_id,
                                  "total": decimal_text(s.total)} for s in stored]})
    return stored


__all__ = ["AUDIT_ACTION", "import_rows", "template_rows"]
