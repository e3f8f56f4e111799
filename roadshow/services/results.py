"""A round's ranking for organisers: its declared method, the sheets that count, and the computation.

What counts (:func:`inputs`): the SUBMITTED sheets of the projects entered in the round (a
``RoundEntry``), written by a judge who is ASSIGNED to that project in this round and has no ACTIVE
conflict of interest with it. Drafts, recusals, sheets of judges since unassigned and sheets of
conflicted judges never reach :func:`roadshow.scoring.results.compute`, whatever their values.

The method (:func:`method_for`) comes from the round's ``ResultSettings``; a round without a row
uses the model's defaults, and :func:`settings_for` does not write one on a read (a GET must not
take SQLite's write lock), only :func:`update_settings` stores it. The rescaling range of the
normalisation is 0 to the rubric's maximum total.

Every function that reveals a ranking authorises ``RESULTS_MANAGE``: before publication nothing of
it is for anyone but the contest's organisers.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, Assignment, Round, RoundEntry, ScoreSheet, SheetStatus, Track, User,
)
from roadshow.models.results import DEFAULT_TIE_BREAKS, AggregationMethod, ResultSettings
from roadshow.policy import Action, authorize
from roadshow.scoring import model
from roadshow.scoring.sheets import maximum_total
from roadshow.services import audit, rubrics
from roadshow.services.conflicts import conflicted_pairs
from roadshow.services.errors import Invalid, NotFound

MAX_TRIM = 5
MIN_NORMALISE_PROJECTS, MAX_NORMALISE_PROJECTS = 2, 50
MAX_TOP_N = 1000
MAX_RESAMPLES = 5000
MAX_SEED = 2**31 - 1
MAX_THRESHOLD = Decimal("99999999")
MAX_TIE_BREAKS = 12
SIMPLE_TIE_BREAKS = ("aggregate", "median", "lot")
FALLBACKS = (AggregationMethod.MEAN, AggregationMethod.MEDIAN)
CRITERION_TIE_BREAK = re.compile(r"criterion:(\d{1,12})")

SETTING_FIELDS = ("aggregation", "trim", "fallback", "normalise", "normalise_min_projects", "tie_breaks",
                  "lot_seed", "top_n", "disagreement_threshold", "bootstrap_resamples", "bootstrap_seed")

DEFAULTS: dict[str, Any] = {
    "aggregation": AggregationMethod.TRIMMED_MEAN, "trim": 1, "fallback": AggregationMethod.MEAN,
    "normalise": False, "normalise_min_projects": 5, "tie_breaks": list(DEFAULT_TIE_BREAKS), "lot_seed": 0,
    "top_n": 10, "disagreement_threshold": None, "bootstrap_resamples": 1000, "bootstrap_seed": 0,
}


# -- the declared method -----------------------------------------------------------------------------

def _stored(round_: Round) -> ResultSettings | None:
    return db.session.scalar(select(ResultSettings).where(ResultSettings.round_id == round_.id))


def settings_for(round_: Round, *, persist: bool = False) -> ResultSettings:
    """The round's settings; a round without any gets the defaults, added to the session only
    with ``persist`` (so a page that merely reads them writes nothing)."""
    settings = _stored(round_)
    if settings is None:
        settings = ResultSettings(round_id=round_.id, announce_live=False,
                                  **{name: (list(value) if isinstance(value, list) else value)
                                     for name, value in DEFAULTS.items()})
        if persist:
            db.session.add(settings)
            db.session.flush()
    return settings


def values_of(settings: ResultSettings) -> dict[str, Any]:
    """The settings as plain values (enums as their value, the threshold as text)."""
    values = {name: getattr(settings, name) for name in SETTING_FIELDS}
    values["aggregation"] = AggregationMethod(values["aggregation"]).value
    values["fallback"] = AggregationMethod(values["fallback"]).value
    values["tie_breaks"] = list(values["tie_breaks"] or [])
    threshold = values["disagreement_threshold"]
    values["disagreement_threshold"] = None if threshold is None else f"{Decimal(threshold).normalize():f}"
    return values


def tie_break_text(tie_breaks: Iterable[str]) -> str:
    return ", ".join(tie_breaks)


def _whole(errors: dict, name: str, raw: Any, low: int, high: int) -> int | None:
    value = None
    if not isinstance(raw, bool) and isinstance(raw, (int, float, str, Decimal)):
        try:
            number = Decimal(str(raw).strip())
            if number.is_finite() and low <= number <= high and number == number.to_integral_value():
                value = int(number)
        except InvalidOperation:
            value = None
    if value is None or not low <= value <= high:
        errors[name] = _l("A whole number from %(low)d to %(high)d.", low=low, high=high)
        return None
    return value


def _choice(errors: dict, name: str, raw: Any, allowed: Iterable[AggregationMethod]) -> AggregationMethod | None:
    allowed = tuple(allowed)
    try:
        value = AggregationMethod(raw.value if isinstance(raw, AggregationMethod) else str(raw))
    except ValueError:
        value = None
    if value not in allowed:
        errors[name] = _l("Choose one of: %(choices)s.", choices=", ".join(a.value for a in allowed))
        return None
    return value


YES, NO = ("1", "true", "y", "yes", "on"), ("0", "false", "n", "no", "off", "")


def _flag(errors: dict, name: str, raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in YES + NO:
        return raw.strip().lower() in YES
    errors[name] = _l("Yes or no.")
    return None


def _threshold(errors: dict, raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > MAX_THRESHOLD:
        errors["disagreement_threshold"] = _l("Empty (no threshold) or a number from 0 to %(max)s.",
                                              max=str(MAX_THRESHOLD))
        return None
    return value.quantize(Decimal("0.0001"))


def parse_tie_breaks(raw: Any) -> list[str]:
    """``"aggregate, criterion:3, lot"`` (or a list) as a list of stripped, lower-cased items."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    return [str(item).strip().lower().replace(" ", "") for item in items if str(item).strip()]


def _tie_breaks(errors: dict, raw: Any, criterion_ids: set[int]) -> list[str] | None:
    """Each of "aggregate", "median", "lot" or "criterion:<id of this round's rubric>", once."""
    try:
        items = parse_tie_breaks(raw)
    except TypeError:
        items = None
    problem = None
    if not items:
        problem = _l("Give at least one tie-break, e.g. \"aggregate, median, lot\".")
    elif len(items) > MAX_TIE_BREAKS:
        problem = _l("At most %(max)d tie-breaks.", max=MAX_TIE_BREAKS)
    elif len(set(items)) != len(items):
        problem = _l("Each tie-break may appear only once.")
    else:
        for item in items:
            match = CRITERION_TIE_BREAK.fullmatch(item)
            if item in SIMPLE_TIE_BREAKS or (match and int(match.group(1)) in criterion_ids):
                continue
            # the item is not quoted back: a lazy string with variables is rendered unescaped by Jinja
            problem = _l("Unknown tie-break: use aggregate, median, lot or criterion:N with N one of this "
                         "round's criteria.")
            break
    if problem is not None:
        errors["tie_breaks"] = problem
        return None
    return items


def clean(round_: Round, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (every setting) checked and converted; :class:`Invalid` listing every bad field."""
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise Invalid(_l("Unknown settings: %(names)s.", names=", ".join(sorted(unknown))),
                      details={name: _l("Unknown setting.") for name in sorted(unknown)})
    errors: dict[str, Any] = {}
    criterion_ids = {criterion.id for criterion in rubrics.criteria(round_)}
    cleaned = {
        "aggregation": _choice(errors, "aggregation", values["aggregation"], AggregationMethod),
        "trim": _whole(errors, "trim", values["trim"], 0, MAX_TRIM),
        "fallback": _choice(errors, "fallback", values["fallback"], FALLBACKS),
        "normalise": _flag(errors, "normalise", values["normalise"]),
        "normalise_min_projects": _whole(errors, "normalise_min_projects", values["normalise_min_projects"],
                                         MIN_NORMALISE_PROJECTS, MAX_NORMALISE_PROJECTS),
        "tie_breaks": _tie_breaks(errors, values["tie_breaks"], criterion_ids),
        "lot_seed": _whole(errors, "lot_seed", values["lot_seed"], 0, MAX_SEED),
        "top_n": _whole(errors, "top_n", values["top_n"], 1, MAX_TOP_N),
        "disagreement_threshold": _threshold(errors, values["disagreement_threshold"]),
        "bootstrap_resamples": _whole(errors, "bootstrap_resamples", values["bootstrap_resamples"], 0, MAX_RESAMPLES),
        "bootstrap_seed": _whole(errors, "bootstrap_seed", values["bootstrap_seed"], 0, MAX_SEED),
    }
    if errors:
        raise Invalid(_l("Some result settings are not valid: %(names)s.", names=", ".join(sorted(errors))),
                      field=next(iter(sorted(errors))), details=errors)
    return cleaned


def _merged(round_: Round, values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored settings with ``values`` laid over them, checked."""
    return clean(round_, {**values_of(settings_for(round_)), **values})


def update_settings(round_: Round, *, by: User, **values: Any) -> ResultSettings:
    """Store the round's method (any subset of :data:`SETTING_FIELDS`; the rest stays), audited as
    ``results.settings_changed``. Bad values are a 422 and nothing is stored."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    cleaned = _merged(round_, values)
    settings = settings_for(round_, persist=True)
    old = values_of(settings)
    for name, value in cleaned.items():
        setattr(settings, name, value)
    new = values_of(settings)
    if old == new:
        return settings
    db.session.flush()
    audit.record("results.settings_changed", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id,
                 old={k: v for k, v in old.items() if old[k] != new[k]},
                 new={k: v for k, v in new.items() if old[k] != new[k]}, actor=by)
    return settings


def scale_max(round_: Round) -> float:
    """The rubric's maximum total (100 for a round without criteria, so rescaling stays defined)."""
    top = maximum_total(rubrics.rules(round_))
    return float(top) if top > 0 else 100.0


def _method(round_: Round, values: Mapping[str, Any]) -> model.Method:
    threshold = values["disagreement_threshold"]
    return model.Method(
        aggregation=AggregationMethod(values["aggregation"]).value, trim=int(values["trim"]),
        fallback=AggregationMethod(values["fallback"]).value, normalise=bool(values["normalise"]),
        normalise_min_projects=int(values["normalise_min_projects"]), scale_min=0.0, scale_max=scale_max(round_),
        tie_breaks=tuple(values["tie_breaks"]), lot_seed=int(values["lot_seed"]), top_n=int(values["top_n"]),
        disagreement_threshold=None if threshold is None else float(threshold),
        bootstrap_resamples=int(values["bootstrap_resamples"]), bootstrap_seed=int(values["bootstrap_seed"]),
    )


def method_for(round_: Round, settings: ResultSettings | None = None) -> model.Method:
    """The scoring method of the round's (or the given) settings; scale 0 .. the rubric's maximum."""
    return _method(round_, values_of(settings or settings_for(round_)))


def preview_method(round_: Round, *, by: User, **values: Any) -> model.Method:
    """The method the stored settings would give with ``values`` laid over them, stored nowhere
    (a 422 on bad values, as :func:`update_settings`)."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    return _method(round_, _merged(round_, values))


# -- what counts --------------------------------------------------------------------------------------

def entered_ids(round_: Round) -> list[int]:
    return list(db.session.scalars(select(RoundEntry.application_id).where(RoundEntry.round_id == round_.id)
                                   .order_by(RoundEntry.application_id)))


def _assigned_pairs(round_: Round) -> set[tuple[int, int]]:
    return {tuple(row) for row in db.session.execute(
        select(Assignment.judge_id, Assignment.application_id).where(Assignment.round_id == round_.id))}


def _criteria_floats(scores: Mapping[str, Any] | None) -> dict[int, float]:
    found = {}
    for key, raw in (scores or {}).items():
        try:
            found[int(key)] = float(Decimal(str(raw)))
        except (ValueError, InvalidOperation):
            continue
    return found


EXCLUDED_DRAFT, EXCLUDED_RECUSED = "draft", "recused"
EXCLUDED_UNASSIGNED, EXCLUDED_CONFLICT, EXCLUDED_NO_TOTAL = "unassigned", "conflict", "no_total"


def exclusion(sheet: ScoreSheet, assigned: set[tuple[int, int]], conflicts: set[tuple[int, int]]) -> str | None:
    """Why ``sheet`` does not count (None when it does). The project's entry is checked by the caller."""
    pair = (sheet.judge_id, sheet.application_id)
    if sheet.status == SheetStatus.DRAFT:
        return EXCLUDED_DRAFT
    if sheet.status == SheetStatus.RECUSED:
        return EXCLUDED_RECUSED
    if pair in conflicts:
        return EXCLUDED_CONFLICT
    if pair not in assigned:
        return EXCLUDED_UNASSIGNED
    if sheet.total is None:
        return EXCLUDED_NO_TOTAL
    return None


def inputs(round_: Round) -> tuple[list[model.Sheet], list[model.Project]]:
    """The sheets that count and the projects entered in the round, as the pure scoring takes them
    (sorted by project, then judge; totals and criterion scores as floats)."""
    entered = entered_ids(round_)
    tracks = {app_id: track_id for app_id, track_id in db.session.execute(
        select(Application.id, Application.track_id).where(Application.id.in_(entered)))} if entered else {}
    projects = [model.Project(id=application_id, track=tracks.get(application_id)) for application_id in entered]
    if not entered:
        return [], projects
    assigned, conflicts = _assigned_pairs(round_), conflicted_pairs(round_.contest)
    rows = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED,
                                 ScoreSheet.application_id.in_(entered))
        .order_by(ScoreSheet.application_id, ScoreSheet.judge_id))
    sheets = [model.Sheet(judge=sheet.judge_id, project=sheet.application_id, total=float(sheet.total),
                          criteria=_criteria_floats(sheet.scores))
              for sheet in rows if exclusion(sheet, assigned, conflicts) is None]
    return sheets, projects


def _compute(sheets, projects, method):
    from roadshow.scoring import results as scoring_results  # R1's module; imported when first used

    return scoring_results.compute(sheets, projects, method)


def compute_round(round_: Round, *, by: User, method: model.Method | None = None) -> model.RoundResult:
    """The round's ranking with its stored method (or ``method``), organisers only."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    sheets, projects = inputs(round_)
    return _compute(sheets, projects, method or method_for(round_))


# -- the organisers' page ----------------------------------------------------------------------------

@dataclass
class ResultView:
    """A computed ranking with what a page needs to show it: names, tracks and the sheets' totals."""

    round: Round
    result: model.RoundResult
    sheets: list[model.Sheet]
    applications: dict[int, Application]
    judges: dict[int, User]
    tracks: list[Track]
    totals: dict[int, list[float]] = field(default_factory=dict)  # project -> its counted totals

    def track_keys(self) -> list[int | None]:
        """Track ids present in the per-track rankings, in the contest's track order (no track last)."""
        order = {track.id: index for index, track in enumerate(self.tracks)}
        return sorted(self.result.by_track, key=lambda key: (key is None, order.get(key, len(order)), key or 0))


def result_view(round_: Round, *, by: User, method: model.Method | None = None) -> ResultView:
    authorize(by, Action.RESULTS_MANAGE, round_)
    sheets, projects = inputs(round_)
    result = _compute(sheets, projects, method or method_for(round_))
    ids = [project.id for project in projects]
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))} \
        if ids else {}
    judge_ids = sorted({sheet.judge for sheet in sheets})
    judges = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(judge_ids)))} if judge_ids else {}
    totals: dict[int, list[float]] = {}
    for sheet in sheets:
        totals.setdefault(sheet.project, []).append(sheet.total)
    tracks = sorted(round_.contest.tracks, key=lambda track: (track.position, track.id))
    return ResultView(round_, result, sheets, applications, judges, tracks, totals)


def live_dict(round_: Round, *, by: User) -> dict:
    """The live computation as JSON-able values, with the projects' names and the judges' names."""
    view = result_view(round_, by=by)
    data = view.result.as_dict()
    names = {app_id: application.project_name for app_id, application in view.applications.items()}
    for row in data["rows"]:
        row["project_name"] = names.get(row["project"], "")
    for rows in data["by_track"].values():
        for row in rows:
            row["project_name"] = names.get(row["project"], "")
    data["projects"] = [{"id": a.id, "name": a.project_name, "track": a.track_id}
                        for a in sorted(view.applications.values(), key=lambda a: a.id)]
    data["judge_names"] = {str(uid): user.display_name for uid, user in view.judges.items()}
    data["round_id"] = round_.id
    return data


# -- one project's sheets (the drill-down) -----------------------------------------------------------

@dataclass
class DrillSheet:
    sheet: ScoreSheet
    judge: User
    excluded: str | None          # why it does not count, or None

    @property
    def counted(self) -> bool:
        return self.excluded is None


def project_sheets(round_: Round, application_id: int, *, by: User) -> tuple[Application, list[DrillSheet]]:
    """Every sheet of one project entered in the round, with the judge, the scores, comments, total
    and source, and whether (or why not) it counts; organisers only. Counted sheets come first."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    application = db.session.get(Application, application_id)
    if application is None or application.contest_id != round_.contest_id \
            or application_id not in set(entered_ids(round_)):
        raise NotFound(_l("Not found."))
    assigned, conflicts = _assigned_pairs(round_), conflicted_pairs(round_.contest)
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id,
                                                         ScoreSheet.application_id == application_id))
    rows = [DrillSheet(sheet, sheet.judge, exclusion(sheet, assigned, conflicts)) for sheet in sheets]
    rows.sort(key=lambda row: (not row.counted, row.judge.display_name.casefold(), row.judge.id))
    return application, rows


__all__ = ["DEFAULTS", "DrillSheet", "ResultView", "SETTING_FIELDS", "clean", "compute_round", "entered_ids",
           "exclusion", "inputs", "live_dict", "method_for", "parse_tie_breaks", "preview_method", "project_sheets",
           "result_view", "scale_max", "settings_for", "tie_break_text", "update_settings", "values_of"]
