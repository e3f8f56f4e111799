"""Assignments from a spreadsheet: the template to fill in (the round's current assignments, as an export
to edit) and the all-or-nothing import of judge/project pairs.

A row names a judge by email and a project by id or exact name. Pairs already assigned are skipped;
a pair with an active conflict of interest is an error (there is no override in bulk). Each new pair
goes through :func:`roadshow.services.assignments.assign`, so it is checked and logged like one made by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from roadshow.models import Application, Assignment, AssignmentSource, Round, User, normalise_email
from roadshow.policy import Action, authorize
from roadshow.services import assignments, conflicts as conflict_service
from roadshow.services.review_rounds import entries
from roadshow.services.spreadsheet_files import column_letter, unneutralise
from roadshow.services.spreadsheet_import import ImportRejected, RowError

HEADERS = {
    "judge": ("judge email", "评委邮箱", "email", "judge"),
    "project_id": ("project id", "项目编号", "id", "application id"),
    "project_name": ("project name", "项目名称", "project"),
}


@dataclass
class ImportOutcome:
    added: list[Assignment] = field(default_factory=list)
    skipped: int = 0  # pairs already assigned


def template_rows(round_: Round) -> tuple[list[str], list[list]]:
    """The import columns, and the round's current assignments as rows (an export to edit)."""
    header = ["judge email", "project id", "project name"]
    rows = [[a.judge.email, a.application_id, a.application.project_name] for a in assignments.of_round(round_)]
    return header, rows


def _columns(cells: list[str]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(cells):
        name = " ".join(cell.strip().lower().replace("_", " ").split())
        for key, names in HEADERS.items():
            if name in names and key not in found:
                found[key] = index
    return found


def import_rows(round_: Round, rows: list[tuple[int, list[str]]], *, by: User) -> ImportOutcome:
    """Assign from ``(row number, cells)`` rows, the header first: a judge's email, and the project's
    id or exact name. All or nothing: any bad row raises :class:`ImportRejected` listing them all.
    Pairs already assigned are skipped; conflicted pairs are errors (no override in bulk)."""
    authorize(by, Action.ROUND_MANAGE, round_)
    conflict_service.detect(round_.contest)
    if not rows:
        raise ImportRejected([RowError(None, "", "", _("The file is empty."))])
    (_number, header), data = rows[0], rows[1:]
    columns = _columns(header)
    if "judge" not in columns or not ({"project_id", "project_name"} & columns.keys()):
        raise ImportRejected([RowError(1, "", "", _("The header row needs a \"judge email\" column and a "
                                                    "\"project id\" or \"project name\" column."))])
    if not data:
        raise ImportRejected([RowError(None, "", "", _("The file has a header row but no assignments."))])
    pool = {normalise_email(u.email): u for u in assignments.judges(round_.contest_id)}
    projects = {e.application_id: e.application for e in entries(round_)}
    by_name: dict[str, list[Application]] = {}
    for application in projects.values():
        by_name.setdefault(application.project_name.strip(), []).append(application)
    existing = {(a.judge_id, a.application_id) for a in assignments.of_round(round_)}
    conflicts = assignments.active_conflicts(round_.contest_id)

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return unneutralise(row[index].strip()) if index is not None and index < len(row) else ""

    def error(number: int, key: str, message: str) -> RowError:
        index = columns.get(key)
        return RowError(number, column_letter(index) if index is not None else "",
                        header[index] if index is not None else "", message)

    errors: list[RowError] = []
    pairs: list[tuple[User, Application]] = []
    seen: dict[tuple[int, int], int] = {}
    outcome = ImportOutcome()
    for number, row in data:
        email = cell(row, "judge")
        judge = pool.get(normalise_email(email)) if email else None
        if not email:
            errors.append(error(number, "judge", _("The judge's email is missing.")))
        elif judge is None:
            errors.append(error(number, "judge", _("%(email)s is not a judge of this contest.", email=email)))
        application, key = None, "project_id" if cell(row, "project_id") else "project_name"
        raw_id, name = cell(row, "project_id"), cell(row, "project_name")
        if raw_id:
            application = projects.get(int(raw_id)) if raw_id.isdigit() else None
            if application is None:
                errors.append(error(number, key, _("No project with id %(id)s is entered in this round.",
                                                   id=raw_id[:20])))
        elif name:
            found = by_name.get(name, [])
            if len(found) == 1:
                application = found[0]
            else:
                errors.append(error(number, key, _("No project named \"%(name)s\" is entered in this round.",
                                                   name=name[:100]) if not found else
                                    _("Several projects are named \"%(name)s\": give the project id.",
                                      name=name[:100])))
        else:
            errors.append(error(number, key, _("Give the project's id or its exact name.")))
        if judge is None or application is None:
            continue
        pair = (judge.id, application.id)
        if pair in conflicts:
            errors.append(error(number, "judge", assignments.conflict_message(conflicts[pair], judge, application)))
        elif pair in seen:
            errors.append(error(number, "judge", _("Same judge and project as row %(row)d.", row=seen[pair])))
        elif pair in existing:
            outcome.skipped += 1
        else:
            pairs.append((judge, application))
        seen.setdefault(pair, number)
    if errors:
        raise ImportRejected(errors)
    for judge, application in pairs:
        outcome.added.append(assignments.assign(round_, judge, application, by=by, source=AssignmentSource.IMPORTED))
    return outcome


__all__ = ["HEADERS", "ImportOutcome", "import_rows", "template_rows"]
