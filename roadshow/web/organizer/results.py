"""Organisers' results of a round: the method, the ranking with its stability and flags, drill-down and charts.

The method form previews with GET query parameters (``?preview=1&aggregation=mean...``): the
ranking is recomputed with those values and nothing is stored. Saving is a POST with a CSRF token.
Everything here is for the contest's organisers only (``RESULTS_MANAGE``) and never cached.
"""
from __future__ import annotations

import math

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from roadshow.extensions import db
from roadshow.scoring import model
from roadshow.services import result_settings, results
from roadshow.services.errors import DomainError
from roadshow.web.organizer.results_forms import AGGREGATION_LABELS, method_form
from roadshow.web.organizer.review import form_status, managed_round, show_details
from roadshow.web.result_charts import JudgeBar, ProjectTotals, distribution_chart, harshness_chart

bp = Blueprint("organizer_results", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/results")

CHART_ROWS = 60  # the distribution chart shows the top of the ranking; the table has every row

FLAG_LABELS = {
    model.FLAG_FALLBACK: _l("Fallback method"),
    model.FLAG_DISAGREEMENT: _l("Disagreement: re-review suggested"),
    model.FLAG_TIED: _l("Tied"),
    model.FLAG_LOT: _l("Drawn by lot"),
    model.FLAG_RAW_JUDGES: _l("Some judges kept raw"),
    model.FLAG_UNCERTAIN: _l("Uncertain top N"),
    model.FLAG_NO_SHEETS: _l("No sheets"),
}

FLAG_HELP = {
    model.FLAG_FALLBACK: _l("Fewer than 2k+1 sheets: the round's fallback aggregation was used."),
    model.FLAG_DISAGREEMENT: _l("The spread of its totals passes the round's threshold."),
    model.FLAG_TIED: _l("Shares its rank after every tie-break."),
    model.FLAG_LOT: _l("Separated from a neighbour only by the seeded lot."),
    model.FLAG_RAW_JUDGES: _l("Some of its sheets come from judges with too few sheets to normalise."),
    model.FLAG_UNCERTAIN: _l("P(top N) is between 5% and 95%."),
    model.FLAG_NO_SHEETS: _l("No sheet counts for this project yet."),
}

FLAG_CLASSES = {
    model.FLAG_DISAGREEMENT: "text-bg-danger", model.FLAG_UNCERTAIN: "text-bg-warning",
    model.FLAG_TIED: "text-bg-warning", model.FLAG_LOT: "text-bg-info", model.FLAG_NO_SHEETS: "text-bg-secondary",
}

EXCLUSION_LABELS = {
    results.EXCLUDED_DRAFT: _l("Draft: not counted"),
    results.EXCLUDED_RECUSED: _l("Recused: not counted"),
    results.EXCLUDED_UNASSIGNED: _l("Judge no longer assigned: not counted"),
    results.EXCLUDED_CONFLICT: _l("Conflict of interest: not counted"),
    results.EXCLUDED_NO_TOTAL: _l("No total: not counted"),
}


def number(value, places: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{float(value):.{places}f}"


def percent(value) -> str:
    return "—" if value is None else f"{100 * float(value):.0f}%"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _track_filter(contest) -> tuple[bool, int | None]:
    """(filtering, track id) from ``?track=<id>`` (``none`` for projects without a track)."""
    raw = request.args.get("track", "").strip()
    if raw == "none":
        return True, None
    ids = {track.id for track in contest.tracks}
    if raw.isdigit() and int(raw) in ids:
        return True, int(raw)
    return False, None


def _tie_break_labels(round_) -> dict[str, str]:
    locale = str(get_locale() or "zh")
    labels = {"aggregate": _("Aggregate"), "median": _("Median"), "lot": _("Lot")}
    for criterion in round_.criteria:
        labels[f"criterion:{criterion.id}"] = _("Criterion: %(name)s", name=criterion.localized("name", locale))
    return labels


def _charts(view, rows) -> dict:
    names = {app_id: a.project_name or _("(untitled)") for app_id, a in view.applications.items()}
    method = view.result.method
    distribution = distribution_chart(
        [ProjectTotals(f"{row.rank}. {names.get(row.project, row.project)}", view.totals.get(row.project, []),
                       row.aggregate) for row in rows[:CHART_ROWS]],
        scale_min=method.scale_min, scale_max=method.scale_max,
        title=_("Distribution of totals per project (dots: sheets; red tick: the round's aggregate)"),
        axis_label=_("Total"))
    harshness = harshness_chart(
        [JudgeBar(view.judges[stat.judge].display_name if stat.judge in view.judges else str(stat.judge),
                  stat.harshness) for stat in view.result.judges],
        title=_("Each judge's harshness against the panel"), harsher=_("harsher"), kinder=_("kinder"))
    return {"distribution": distribution, "harshness": harshness, "truncated": len(rows) > CHART_ROWS}


def _page(contest, round_, form, *, previewing: bool, method=None, status: int = 200):
    view = results.result_view(round_, by=current_user, method=method)
    filtering, track_id = _track_filter(contest)
    rows = [row for row in view.result.rows if not filtering or row.track == track_id]
    track_ids = [key for key in view.track_keys() if not filtering or key == track_id]
    tracks = {track.id: track for track in view.tracks}
    args = {key: value for key, value in request.args.items() if key != "track"}
    track_urls = [(None, url_for(".index", slug=contest.slug, round_id=round_.id, **args))]
    track_urls += [(track, url_for(".index", slug=contest.slug, round_id=round_.id, **{**args, "track": track.id}))
                   for track in view.tracks]
    saved = result_settings.method_for(round_)
    response = make_response(render_template(
        "organizer/results.html", contest=contest, round=round_, form=form, view=view, result=view.result,
        rows=rows, filtering=filtering, track_id=track_id, track_ids=track_ids, tracks=tracks,
        track_urls=track_urls, previewing=previewing, differs=view.result.method != saved,
        charts=_charts(view, rows), flag_labels=FLAG_LABELS, flag_help=FLAG_HELP, flag_classes=FLAG_CLASSES,
        tie_break_labels=_tie_break_labels(round_), aggregation_labels=AGGREGATION_LABELS,
        criteria=round_.criteria, number=number, percent=percent,
    ), status)
    return _no_store(response)


@bp.get("")
@login_required
def index(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    stored = result_settings.values_of(result_settings.settings_for(round_))
    if not request.args.get("preview"):
        return _page(contest, round_, method_form(stored), previewing=False)
    form = method_form(stored, overrides=request.args)
    try:
        method = result_settings.preview_method(round_, by=current_user, **form.values())
    except DomainError as exc:
        show_details(form, exc)
        return _page(contest, round_, form, previewing=True, status=exc.status)
    return _page(contest, round_, form, previewing=True, method=method)


@bp.post("/settings")
@login_required
def save(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = method_form(result_settings.values_of(result_settings.settings_for(round_)), overrides=request.form, csrf=True)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            flash(_("The form has expired. Reload the page and try again."), "danger")
        return _page(contest, round_, form, previewing=True, status=form_status(form))
    try:
        result_settings.update_settings(round_, by=current_user, **form.values())
    except DomainError as exc:
        db.session.rollback()
        show_details(form, exc)
        return _page(contest, round_, form, previewing=True, status=exc.status)
    db.session.commit()
    flash(_("The results method has been saved."), "success")
    return redirect(url_for(".index", slug=slug, round_id=round_id))


@bp.get("/sheets/<int:application_id>")
@login_required
def sheets(slug: str, round_id: int, application_id: int):
    contest, round_ = managed_round(slug, round_id)
    application, rows = results.project_sheets(round_, application_id, by=current_user)
    response = make_response(render_template(
        "organizer/results_sheets.html", contest=contest, round=round_, application=application, rows=rows,
        criteria=round_.criteria, exclusion_labels=EXCLUSION_LABELS,
        counted=sum(1 for row in rows if row.counted)))
    return _no_store(response)
