"""Moving a round's projects on to a later round: who is above the cut, what to warn about first,
and the entries (with their reasons) in the next round.

The selection helpers read a computed :class:`~roadshow.scoring.model.RoundResult`: the first N
rows overall or within each track (rows come in rank order, ties already ordered by the round's
tie-break chain), or every project whose aggregate reaches a threshold. :func:`cut_warnings` says
where such a cut is unsafe: the line splits a tie or a draw by lot, or a project near it has an
uncertain chance of being in the top N.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Application, ApplicationEvent, ApplicationStatus, Round, RoundEntry, User
from roadshow.policy import Action, authorize
from roadshow.scoring.model import FLAG_UNCERTAIN, RoundResult, Row
from roadshow.services import audit
from roadshow.services.errors import Invalid

TOP_OVERALL, TOP_PER_TRACK, THRESHOLD, HAND_PICKED = "top_overall", "top_per_track", "threshold", "hand_picked"
BASES = (TOP_OVERALL, TOP_PER_TRACK, THRESHOLD, HAND_PICKED)
TIE, LOT, UNCERTAIN = "tie", "lot", "uncertain"


@dataclass(frozen=True)
class CutWarning:
    kind: str                      # TIE, LOT or UNCERTAIN
    project_ids: tuple[int, ...]
    message: str


# -- selection ---------------------------------------------------------------------------------------

def _scored(rows) -> list[Row]:
    return [row for row in rows if row.aggregate is not None]


def top_overall(result: RoundResult, n: int) -> list[int]:
    """The first ``n`` scored projects of the overall ranking."""
    return [row.project for row in _scored(result.rows)[:max(n, 0)]]


def top_per_track(result: RoundResult, n: int) -> dict[int | None, list[int]]:
    """The first ``n`` scored projects of each track's ranking, by track id."""
    return {track: [row.project for row in _scored(rows)[:max(n, 0)]] for track, rows in result.by_track.items()}


def above_threshold(result: RoundResult, threshold: float) -> list[int]:
    """Every project whose aggregate is at least ``threshold``, in rank order."""
    return [row.project for row in _scored(result.rows) if row.aggregate >= threshold]


# -- warnings ------------------------------------------------------------------------------------------

def _named(ids, names: Mapping[int, str] | None) -> str:
    return ", ".join((names or {}).get(i) or f"#{i}" for i in ids)


def cut_warnings(result: RoundResult, n: int, *, track: int | None = None,
                 names: Mapping[int, str] | None = None) -> list[CutWarning]:
    """What is unsafe about advancing the first ``n`` projects (overall, or of ``track``).

    - TIE: the n-th and the (n+1)-th project share a rank after every tie-break;
    - LOT: they were separated only by the seeded lot;
    - UNCERTAIN (overall cuts only): a project's place against the line is not settled. Where ``n``
      is the round's top N this is the bootstrap's P(top N) strictly between 0.05 and 0.95 (flag
      ``uncertain_top_n``); for another ``n``, a rank interval that straddles the line.
    ``names`` (project id -> name) makes the messages readable.
    """
    rows = _scored(result.rows if track is None else result.by_track.get(track, ()))
    warnings: list[CutWarning] = []
    if n <= 0 or n >= len(rows):
        return warnings
    last, first_out = rows[n - 1], rows[n]
    if last.rank == first_out.rank:
        tied = tuple(row.project for row in rows if row.rank == last.rank)
        warnings.append(CutWarning(TIE, tied, str(_l(
            "The cut after %(n)d splits a tie: %(projects)s share rank %(rank)d.",
            n=n, projects=_named(tied, names), rank=last.rank))))
    elif first_out.decided_by == "lot":
        pair = (last.project, first_out.project)
        warnings.append(CutWarning(LOT, pair, str(_l(
            "The cut after %(n)d falls between %(projects)s, separated only by drawing lots.",
            n=n, projects=_named(pair, names)))))
    if track is None:
        if n == result.method.top_n:
            uncertain = tuple(row.project for row in rows if FLAG_UNCERTAIN in row.flags)
        else:
            uncertain = tuple(row.project for row in rows if row.rank_low <= n < row.rank_high)
        if uncertain:
            warnings.append(CutWarning(UNCERTAIN, uncertain, str(_l(
                "Uncertain against the cut after %(n)d (their rank interval crosses the line): %(projects)s.",
                n=n, projects=_named(uncertain, names)))))
    return warnings


# -- advancing -----------------------------------------------------------------------------------------

def later_rounds(round_: Round) -> list[Round]:
    """The rounds of the same contest after ``round_``, in order."""
    return list(db.session.scalars(
        select(Round).where(Round.contest_id == round_.contest_id, Round.position > round_.position)
        .order_by(Round.position)
    ))


def advance(round_: Round, to_round: Round, application_ids, *, by: User, reason: str | Mapping[int, str],
            basis: Mapping) -> list[int]:
    """Enter the projects ``application_ids`` of ``round_`` in the later round ``to_round``.

    ``reason`` is one text for all (e.g. "Top 10 overall") or one per project id; every project
    needs a non-blank reason (hand-picked ones especially: the organiser says why). ``basis`` says
    how they were chosen: ``{"kind": one of BASES, ...parameters}``. Projects already entered in
    ``to_round`` are skipped. Each advanced application's status becomes ADVANCED. Returns the ids
    newly entered; audited as ``round.advanced``.
    """
    authorize(by, Action.RESULTS_MANAGE, round_)
    if to_round.contest_id != round_.contest_id or to_round.position <= round_.position:
        raise Invalid(_l("Projects can only advance to a later round of the same contest."), field="to_round")
    kind = (basis or {}).get("kind")
    if kind not in BASES:
        raise Invalid(_l("Say how the projects were chosen."), field="basis")
    wanted = list(dict.fromkeys(int(i) for i in application_ids))
    if not wanted:
        raise Invalid(_l("Choose at least one project."), field="application_ids")
    reasons = {i: ((reason.get(i) if isinstance(reason, Mapping) else reason) or "").strip() for i in wanted}
    if any(not text for text in reasons.values()):
        raise Invalid(_l("Give a reason for every project you advance."), field="reason")
    entered = set(db.session.scalars(
        select(RoundEntry.application_id).where(RoundEntry.round_id == round_.id,
                                                RoundEntry.application_id.in_(wanted))))
    if entered != set(wanted):
        raise Invalid(_l("Only projects entered in this round can advance from it."), field="application_ids")
    already = set(db.session.scalars(
        select(RoundEntry.application_id).where(RoundEntry.round_id == to_round.id,
                                                RoundEntry.application_id.in_(wanted))))
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(wanted)))}
    added = []
    for application_id in wanted:
        if application_id in already:
            continue
        db.session.add(RoundEntry(round_id=to_round.id, application_id=application_id, entered_by_id=by.id,
                                  reason=reasons[application_id], advanced_from_round_id=round_.id))
        application = applications[application_id]
        if application.status != ApplicationStatus.ADVANCED:
            application.status = ApplicationStatus.ADVANCED
            application.events.append(ApplicationEvent(status=ApplicationStatus.ADVANCED, actor_id=by.id,
                                                       note=reasons[application_id]))
        added.append(application_id)
    db.session.flush()
    audit.record("round.advanced", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id, actor=by,
                 new={"to_round_id": to_round.id, "basis": dict(basis), "advanced": added,
                      "skipped": sorted(already), "reasons": {str(i): reasons[i] for i in added}})
    return added


__all__ = ["BASES", "CutWarning", "HAND_PICKED", "LOT", "THRESHOLD", "TIE", "TOP_OVERALL", "TOP_PER_TRACK",
           "UNCERTAIN", "above_threshold", "advance", "cut_warnings", "later_rounds", "top_overall",
           "top_per_track"]
