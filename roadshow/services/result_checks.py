"""The invariants of published results, checked from the stored data (``flask roadshow verify-results``).

For every published snapshot:

* **hash**: the stored method, ranking and sheets still hash to the snapshot's ``content_hash``
  (:func:`roadshow.services.publication.verify`);
* **sheets**: the sheets that count now (:func:`roadshow.services.results.inputs`, the very rule the
  computation uses) are the snapshot's sheets: none changed (scores or total), added or removed;
* **ranking**: the snapshot's method recomputed over the sheets that count now gives the snapshot's
  ranking: the same projects in the same order, and every value of every row equal (numbers within
  :data:`TOLERANCE`, after the rounding snapshots store);
* **eligibility**: no counted sheet of the snapshot belongs to a judge with an active conflict of
  interest with the project, or a judge not assigned to the project in the round.

No authorisation: this is for the command line, run by whoever runs the server.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Application, Assignment, Publication, Round
from roadshow.scoring import model
from roadshow.services import publication, results
from roadshow.services.conflicts import conflicted_pairs
from roadshow.services.result_exports import as_stored, live_values

TOLERANCE = 1e-9
ROW_FIELDS = tuple(f.name for f in fields(model.Row))
METHOD_FIELDS = {f.name for f in fields(model.Method)}


@dataclass(frozen=True)
class Problem:
    round_id: int
    snapshot_number: int
    kind: str          # hash, sheet_changed, sheet_added, sheet_removed, ranking, conflict, unassigned, method
    message: str

    def __str__(self) -> str:
        return f"round {self.round_id}, snapshot {self.snapshot_number}: [{self.kind}] {self.message}"


@dataclass
class Report:
    checked: int = 0              # published snapshots checked
    sheets: int = 0               # counted sheets checked
    problems: list[Problem] = None

    @property
    def ok(self) -> bool:
        return not self.problems


def method_of(stored: dict) -> model.Method:
    """The scoring method a snapshot stored (unknown keys refused by the caller)."""
    values = {key: value for key, value in stored.items() if key in METHOD_FIELDS}
    if "tie_breaks" in values:
        values["tie_breaks"] = tuple(values["tie_breaks"])
    return model.Method(**values)


def _decimal(value):
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return value


def _same_sheet(a: dict, b: dict) -> bool:
    scores_a = {str(k): _decimal(v) for k, v in (a.get("scores") or {}).items()}
    scores_b = {str(k): _decimal(v) for k, v in (b.get("scores") or {}).items()}
    return _decimal(a.get("total")) == _decimal(b.get("total")) and scores_a == scores_b


def _equal(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(a - b) <= TOLERANCE
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


def _pair_text(judge: int, project: int, names: dict[int, str]) -> str:
    return f"judge {judge} / project {project} ({names.get(project, '?')})"


def check_publication(item: Publication) -> tuple[list[Problem], int]:
    """The problems of one publication's snapshot, and how many sheets it counted."""
    snapshot = item.snapshot
    round_ = db.session.get(Round, item.round_id)
    problems: list[Problem] = []

    def problem(kind: str, message: str) -> None:
        problems.append(Problem(round_.id, snapshot.number, kind, message))

    if not publication.verify(snapshot):
        problem("hash", f"the stored method, ranking and sheets do not hash to {snapshot.content_hash}")
    stored_sheets = list(snapshot.sheets or [])
    names = dict(db.session.execute(select(Application.id, Application.project_name).where(
        Application.contest_id == round_.contest_id)).all())

    # eligibility of what the snapshot counted
    conflicts = conflicted_pairs(round_.contest)
    assigned = {tuple(row) for row in db.session.execute(
        select(Assignment.judge_id, Assignment.application_id).where(Assignment.round_id == round_.id))}
    for sheet in stored_sheets:
        pair = (int(sheet["judge"]), int(sheet["project"]))
        if pair in conflicts:
            problem("conflict", f"counted sheet of {_pair_text(*pair, names)}: the judge has an active conflict "
                                f"of interest with the project")
        if pair not in assigned:
            problem("unassigned", f"counted sheet of {_pair_text(*pair, names)}: the judge is not assigned to "
                                  f"the project in this round")

    # the sheets that count now against the snapshot's
    unknown = set(snapshot.method or {}) - METHOD_FIELDS
    if unknown:
        problem("method", f"unknown method parameters: {', '.join(sorted(unknown))}")
        return problems, len(stored_sheets)
    method = method_of(snapshot.method or {})
    sheets, projects = results.inputs(round_)
    from roadshow.scoring import results as scoring_results

    try:
        result = scoring_results.compute(sheets, projects, method)
    except Exception as exc:  # a stored method the scoring refuses is a finding, not a crash
        problem("method", f"the snapshot's method cannot be recomputed: {type(exc).__name__}: {exc}")
        return problems, len(stored_sheets)
    _method, ranking, current = live_values(round_, result, sheets)
    before = {(int(s["judge"]), int(s["project"])): s for s in stored_sheets}
    now = {(int(s["judge"]), int(s["project"])): s for s in current}
    for pair in sorted(before.keys() - now.keys()):
        problem("sheet_removed", f"sheet of {_pair_text(*pair, names)} counted in the snapshot no longer counts")
    for pair in sorted(now.keys() - before.keys()):
        problem("sheet_added", f"sheet of {_pair_text(*pair, names)} counts now but is not in the snapshot")
    for pair in sorted(before.keys() & now.keys()):
        if not _same_sheet(before[pair], now[pair]):
            problem("sheet_changed", f"sheet of {_pair_text(*pair, names)} changed: total "
                                     f"{before[pair].get('total')} -> {now[pair].get('total')}, scores "
                                     f"{before[pair].get('scores')} -> {now[pair].get('scores')}")

    # the ranking recomputed with the snapshot's method
    stored_rows = as_stored(list(snapshot.ranking or []))
    if [r.get("project") for r in stored_rows] != [r.get("project") for r in ranking]:
        problem("ranking", f"order of projects differs: snapshot {[r.get('project') for r in stored_rows]}, "
                           f"recomputed {[r.get('project') for r in ranking]}")
    recomputed = {r["project"]: r for r in ranking}
    for row in stored_rows:
        again = recomputed.get(row.get("project"))
        if again is None:
            continue
        for name in ROW_FIELDS:
            if not _equal(row.get(name), again.get(name)):
                problem("ranking", f"project {row.get('project')} ({names.get(row.get('project'), '?')}): "
                                   f"{name} is {row.get(name)!r} in the snapshot, {again.get(name)!r} recomputed")
    return problems, len(stored_sheets)


def verify_published() -> Report:
    """Check every published snapshot (see the module's docstring)."""
    report = Report(problems=[])
    for item in db.session.scalars(select(Publication).order_by(Publication.round_id)):
        problems, counted = check_publication(item)
        report.checked += 1
        report.sheets += counted
        report.problems.extend(problems)
    return report


__all__ = ["Problem", "Report", "TOLERANCE", "check_publication", "method_of", "verify_published"]
