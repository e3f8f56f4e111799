"""Organisers advance projects to the next round and publish or unpublish a round's results.

Advancing is two steps: the first POST previews the cut (who goes through, and the warnings of
:func:`roadshow.services.advancement.cut_warnings`); the second, with ``confirm=1`` and the
previewed projects, enters them in the chosen later round. Everything here is for the contest's
organisers only (``RESULTS_MANAGE``) and never cached.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.i18n import current_language
from roadshow.models import Application, Round
from roadshow.services import advancement, publication
from roadshow.services.errors import DomainError, NotFound
from roadshow.web.auth.forms import ConfirmForm
from roadshow.web.fields import choices
from roadshow.web.organizer.publication_forms import AdvanceForm, PublishForm, UnpublishForm
from roadshow.web.organizer.review import form_status, managed_round

bp = Blueprint("organizer_publication", __name__, url_prefix="/organize/<slug>/rounds/<int:round_id>/publication")

@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class Preview:
    to_round: Round
    application_ids: list[int]
    reasons: dict[int, str]
    warnings: list[advancement.CutWarning]
    basis: dict


def _index_url(contest, round_) -> str:
    return url_for("organizer_publication.index", slug=contest.slug, round_id=round_.id)


def _result(round_):
    """The round's ranking now, or (None, the reason it cannot be computed)."""
    try:
        return publication.current_result(round_, by=current_user), None
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        return None, exc.message


def _applications(ids) -> dict[int, Application]:
    ids = list(ids)
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))}


def _track_name(application: Application | None) -> str:
    if application is None or application.track is None:
        return _("No track")
    return application.track.localized("name", current_language())


def _selection(form: AdvanceForm, result, applications) -> tuple[list[int], dict[int, str], list, dict]:
    """The projects a cut selects, their reasons, the warnings and the basis to audit."""
    mode, note = form.mode.data, form.reason.data or ""
    names = {i: a.project_name for i, a in applications.items()}
    if mode == advancement.HAND_PICKED:
        ids = list(dict.fromkeys(form.application_ids.data or []))
        return ids, {i: note for i in ids}, [], {"kind": mode}
    if result is None:
        return [], {}, [], {"kind": mode}
    if mode == advancement.TOP_OVERALL:
        n = form.n.data
        ids = advancement.top_overall(result, n)
        reason = note or _("Top %(n)d overall", n=n)
        return ids, {i: reason for i in ids}, advancement.cut_warnings(result, n, names=names), {"kind": mode, "n": n}
    if mode == advancement.TOP_PER_TRACK:
        n = form.n.data
        ids, reasons, warnings = [], {}, []
        for track, chosen in advancement.top_per_track(result, n).items():
            for i in chosen:
                ids.append(i)
                reasons[i] = note or _("Top %(n)d in track %(track)s", n=n, track=_track_name(applications.get(i)))
            warnings.extend(advancement.cut_warnings(result, n, track=track, names=names))
        return ids, reasons, warnings, {"kind": mode, "n": n}
    threshold = form.threshold.data
    ids = advancement.above_threshold(result, float(threshold))
    reason = note or _("Score ≥ %(threshold)s", threshold=_plain(threshold))
    warnings = advancement.cut_warnings(result, len(ids), names=names) if ids else []
    return ids, {i: reason for i in ids}, warnings, {"kind": mode, "threshold": _plain(threshold)}


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text


def _page(contest, round_, *, advance_form=None, publish_form=None, unpublish_form=None, preview=None,
          status=200):
    result, error = _result(round_)
    rows = list(result.rows) if result is not None else []
    applications = _applications(row.project for row in rows)
    later = advancement.later_rounds(round_)
    advance_form = advance_form or AdvanceForm(formdata=None)
    advance_form.to_round.choices = choices((r.id, r.localized("name", current_language())) for r in later)
    snapshots = publication.snapshots(round_, by=current_user)
    publish_form = publish_form or PublishForm(formdata=None, public_fields=["team", "score"])
    publish_form.snapshot_id.choices = choices((s.id, f"#{s.number} · {s.content_hash[:16]}") for s in snapshots)
    return render_template(
        "organizer/publication.html", contest=contest, round=round_, result=result, result_error=error, rows=rows,
        applications=applications, track_name=_track_name, later_rounds=later, advance_form=advance_form,
        preview=preview, snapshots=snapshots, verified={s.id: publication.verify(s) for s in snapshots},
        current=publication.published(round_), publish_form=publish_form,
        unpublish_form=unpublish_form or UnpublishForm(formdata=None),
        snapshot_form=ConfirmForm(formdata=None),
        public_url=url_for("public_results.round", slug=contest.slug, round_id=round_.id),
    ), status


@bp.get("")
@login_required
def index(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    return _page(contest, round_)


@bp.post("/advance")
@login_required
def advance(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = AdvanceForm()
    form.to_round.choices = choices((r.id, r.name_zh) for r in advancement.later_rounds(round_))
    if not form.validate_on_submit():
        return _page(contest, round_, advance_form=form, status=form_status(form))
    to_round = db.session.get(Round, form.to_round.data)
    if to_round is None or to_round.contest_id != contest.id:
        raise NotFound(_("Not found."))
    if form.confirm.data == "1":
        ids = list(dict.fromkeys(form.application_ids.data or []))
        applications = _applications(ids)
        reasons = _confirmed_reasons(form, ids, applications)
        basis = {"kind": form.mode.data}
        if form.mode.data in (advancement.TOP_OVERALL, advancement.TOP_PER_TRACK):
            basis["n"] = form.n.data
        elif form.mode.data == advancement.THRESHOLD:
            basis["threshold"] = _plain(form.threshold.data)
        try:
            added = advancement.advance(round_, to_round, ids, by=current_user, reason=reasons, basis=basis)
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            db.session.rollback()
            flash(exc.message, "danger")
            return _page(contest, round_, advance_form=form, status=exc.status)
        db.session.commit()
        skipped = len(ids) - len(added)
        flash(_("%(count)d project(s) advanced to %(round)s.", count=len(added),
                round=to_round.localized("name", current_language())), "success")
        if skipped:
            flash(_("%(count)d project(s) were already in that round.", count=skipped), "info")
        return redirect(_index_url(contest, round_))
    result, _error = _result(round_)
    applications = _applications(row.project for row in (result.rows if result is not None else ()))
    ids, reasons, warnings, basis = _selection(form, result, applications)
    if not ids:
        flash(_("This cut selects no project."), "warning")
        return _page(contest, round_, advance_form=form, status=422)
    preview = Preview(to_round, ids, reasons, warnings, basis)
    return _page(contest, round_, advance_form=form, preview=preview)


def _confirmed_reasons(form: AdvanceForm, ids, applications) -> dict[int, str]:
    """The reasons of the confirmed cut: the organiser's note, or the rule of the cut."""
    note = form.reason.data or ""
    if note or form.mode.data == advancement.HAND_PICKED:
        return {i: note for i in ids}
    if form.mode.data == advancement.TOP_OVERALL:
        return {i: _("Top %(n)d overall", n=form.n.data) for i in ids}
    if form.mode.data == advancement.TOP_PER_TRACK:
        return {i: _("Top %(n)d in track %(track)s", n=form.n.data, track=_track_name(applications.get(i)))
                for i in ids}
    return {i: _("Score ≥ %(threshold)s", threshold=_plain(form.threshold.data)) for i in ids}


@bp.post("/snapshots")
@login_required
def snapshot(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(contest, round_, status=400)
    taken = publication.take_snapshot(round_, by=current_user)
    db.session.commit()
    flash(_("Snapshot #%(number)d taken. Content hash: %(hash)s", number=taken.number, hash=taken.content_hash),
          "success")
    return redirect(_index_url(contest, round_))


@bp.post("/publish")
@login_required
def publish(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = PublishForm()
    form.snapshot_id.choices = choices((s.id, s.number) for s in publication.snapshots(round_, by=current_user))
    if not form.validate_on_submit():
        return _page(contest, round_, publish_form=form, status=form_status(form))
    chosen = publication.get_snapshot(round_, form.snapshot_id.data, by=current_user)
    done = publication.publish(round_, chosen, form.public_fields.data or [], by=current_user)
    db.session.commit()
    flash(_("Results published (snapshot #%(number)d, content hash %(hash)s).", number=chosen.number,
            hash=done.snapshot.content_hash), "success")
    return redirect(_index_url(contest, round_))


@bp.post("/unpublish")
@login_required
def unpublish(slug: str, round_id: int):
    contest, round_ = managed_round(slug, round_id)
    form = UnpublishForm()
    if not form.validate_on_submit():
        return _page(contest, round_, unpublish_form=form, status=form_status(form))
    publication.unpublish(round_, form.reason.data, by=current_user)
    db.session.commit()
    flash(_("The results are no longer public."), "success")
    return redirect(_index_url(contest, round_))

