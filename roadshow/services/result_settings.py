"""A round's declared method of ranking (``ResultSettings``): reading it with its defaults, checking
and storing an organiser's changes, and turning it into the pure scoring ``Method``.

:func:`settings_for` does not write a row on a read (a GET must not take SQLite's write lock); only
:func:`update_settings` stores one. The rescaling range of the normalisation is 0 to the rubric's
maximum total.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Round, User
from roadshow.models.results import DEFAULT_TIE_BREAKS, AggregationMethod, ResultSettings
from roadshow.policy import Action, authorize
from roadshow.scoring import model
from roadshow.scoring.sheets import maximum_total
from roadshow.services import audit, rubrics
from roadshow.services.errors import Invalid

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
