"""The method form of a round's results page. It only reads the fields: ranges and the tie-break
chain are checked by :func:`roadshow.services.result_settings.clean`, whose errors come back on the fields.

The same form serves the preview (GET query parameters, no CSRF token: nothing is stored) and the
save (POST, with its CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField

from roadshow.models.results import AggregationMethod
from roadshow.web.fields import choices

AGGREGATION_LABELS = {
    AggregationMethod.MEAN: _l("Mean"),
    AggregationMethod.MEDIAN: _l("Median"),
    AggregationMethod.TRIMMED_MEAN: _l("Trimmed mean"),
}

TEXT_FIELDS = ("trim", "normalise_min_projects", "tie_breaks", "lot_seed", "top_n", "disagreement_threshold",
               "bootstrap_resamples", "bootstrap_seed")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MethodForm(FlaskForm):
    aggregation = SelectField(_l("Aggregation"),
                              choices=choices((m.value, AGGREGATION_LABELS[m]) for m in AggregationMethod))
    trim = StringField(_l("Trim k (highest and lowest totals dropped)"), filters=[_strip],
                       description=_l("0 to 5. With fewer than 2k+1 sheets the fallback is used."))
    fallback = SelectField(_l("Fallback with too few sheets"),
                           choices=choices((m.value, AGGREGATION_LABELS[m])
                                           for m in (AggregationMethod.MEAN, AggregationMethod.MEDIAN)))
    normalise = SelectField(_l("Per-judge normalisation"),
                            choices=choices([("0", _l("Off: raw totals")),
                                             ("1", _l("On: z-scores rescaled to the rubric"))]))
    normalise_min_projects = StringField(_l("Minimum projects for a judge to be normalised"), filters=[_strip],
                                         description=_l("2 to 50; judges with fewer sheets stay raw (flagged)."))
    tie_breaks = StringField(_l("Tie-break chain"), filters=[_strip],
                             description=_l("In order, separated by commas: aggregate, median, lot, or "
                                            "criterion:N (N from the list below). End with lot so that no tie "
                                            "remains."))
    lot_seed = StringField(_l("Seed of the lot"), filters=[_strip])
    top_n = StringField(_l("Top N (for P(top N) and the cut line)"), filters=[_strip])
    disagreement_threshold = StringField(_l("Disagreement threshold (spread of totals)"), filters=[_strip],
                                         description=_l("Empty for none."))
    bootstrap_resamples = StringField(_l("Bootstrap resamples B"), filters=[_strip],
                                      description=_l("0 to 5000; 0 turns the rank intervals off."))
    bootstrap_seed = StringField(_l("Bootstrap seed"), filters=[_strip])

    def values(self) -> dict:
        """The fields as the service takes them (text; the service checks and converts)."""
        return {name: self[name].data or "" for name in FIELDS}

    def hidden_values(self) -> list[tuple[str, str]]:
        """Name/value pairs that carry a previewed method into the save form."""
        return [(name, self[name].data or "") for name in FIELDS]


FIELDS = ("aggregation", "fallback", "normalise", *TEXT_FIELDS)


def method_form(values: dict, *, overrides=None, csrf: bool = False) -> MethodForm:
    """The form showing ``values`` (the stored settings), with whatever ``overrides`` (a request's
    args or form) sends laid over them: a hand-written ``?preview=1&aggregation=mean`` keeps the
    rest of the saved method."""
    data = MultiDict()
    for name in FIELDS:
        value = values.get(name)
        if name == "tie_breaks":
            value = ", ".join(value or [])
        elif name == "normalise":
            value = "1" if value else "0"
        data[name] = "" if value is None else str(value)
    for name in (*FIELDS, "csrf_token"):
        if overrides is not None and name in overrides:
            data[name] = overrides.get(name)
    return MethodForm(formdata=data, meta={} if csrf else {"csrf": False})
