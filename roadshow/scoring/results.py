"""A round's result, computed from its sheets: :func:`compute`.

The steps, each with its rule in its own module's docstring:

1. the totals to aggregate (:mod:`.normalisation`: raw, or normalised per judge when the round says so);
2. each project's aggregate by the round's method, with its fallback (:mod:`.aggregation`);
3. the ranking with the declared tie-break chain (:mod:`.ranking`);
4. agreement: Kendall's W, ICC(1), disagreement flags and the judges' figures (:mod:`.agreement`);
5. rank stability: bootstrap rank interval, P(top N), leave-one-judge-out (:mod:`.stability`);
6. the same ranking within each track (``by_track``: ranks, tie-breaks, tie and lot flags and the
   stability figures all recomputed among the track's projects; the other flags are the project's).

Inputs: one sheet per judge and project (ValueError on a duplicate, on a sheet of a project not in
``projects``, on a duplicate project, or on an invalid method). The result does not depend on the
order of the inputs, and is the same for the same inputs.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from roadshow.scoring import agreement, stability
from roadshow.scoring.aggregation import aggregate_padded, check_method
from roadshow.scoring.model import (
    FLAG_DISAGREEMENT, FLAG_FALLBACK, FLAG_RAW_JUDGES, FLAG_UNCERTAIN, MEAN, MEDIAN, Method, Project, Row,
    RoundResult, Sheet,
)
from roadshow.scoring.normalisation import normalise, raw_totals
from roadshow.scoring.ranking import CRITERION, Contender, rank, tie_break_chain


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _check_inputs(sheets: Sequence[Sheet], projects: Sequence[Project]) -> None:
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise ValueError("a project is listed twice")
    known = set(ids)
    seen = set()
    for sheet in sheets:
        if sheet.project not in known:
            raise ValueError(f"sheet of judge {sheet.judge} for unknown project {sheet.project}")
        if (sheet.judge, sheet.project) in seen:
            raise ValueError(f"two sheets of judge {sheet.judge} for project {sheet.project}")
        seen.add((sheet.judge, sheet.project))


def _criterion_means(own: Sequence[Sheet], criteria: Iterable[int]) -> dict[int, float]:
    means = {}
    for cid in criteria:
        scores = [float(s.criteria[key]) for s in own for key in (cid, str(cid)) if key in s.criteria]
        if scores:
            means[cid] = sum(sorted(scores)) / len(scores)
    return means


def compute(sheets: Iterable[Sheet], projects: Iterable[Project], method: Method) -> RoundResult:
    """The round's result from its submitted sheets, by the rules in this module's docstring."""
    check_method(method.aggregation, method.trim, method.fallback)
    chain = tie_break_chain(method.tie_breaks)
    projects = sorted(projects, key=lambda p: p.id)
    sheets = sorted(sheets, key=lambda s: (s.project, s.judge))
    _check_inputs(sheets, projects)
    if method.normalise:
        used = normalise(sheets, method.normalise_min_projects, method.scale_min, method.scale_max)
    else:
        used = raw_totals(sheets)

    column = {p.id: i for i, p in enumerate(projects)}
    own: dict[int, list[Sheet]] = defaultdict(list)
    for sheet in sheets:
        own[sheet.project].append(sheet)
    width = max((len(v) for v in own.values()), default=0) or 1
    values = np.full((len(projects), width), np.nan)
    raw = np.full((len(projects), width), np.nan)
    judges = np.full((len(projects), width), -1, dtype=np.int64)
    for pid, items in own.items():
        i = column[pid]
        for j, sheet in enumerate(items):
            values[i, j] = used.totals[(sheet.judge, pid)]
            raw[i, j] = float(sheet.total)
            judges[i, j] = sheet.judge

    aggregation = (method.aggregation, method.trim, method.fallback)
    aggregates, fell_back = aggregate_padded(values, *aggregation)
    medians, _ = aggregate_padded(values, MEDIAN, 0, MEAN)
    means, _ = aggregate_padded(values, MEAN, 0, MEAN)
    raw_means, _ = aggregate_padded(raw, MEAN, 0, MEAN)
    missing = np.isnan(raw)
    spreads = np.where(missing, -np.inf, raw).max(axis=1) - np.where(missing, np.inf, raw).min(axis=1)
    spreads[missing.all(axis=1)] = np.nan

    criteria = [int(name[len(CRITERION):]) for name in chain if name.startswith(CRITERION)]
    contenders = [Contender(p.id, _number(aggregates[i]), _number(medians[i]), _criterion_means(own[p.id], criteria))
                  for i, p in enumerate(projects)]

    boot = stability.bootstrap_aggregates(values, *aggregation, method.bootstrap_resamples, method.bootstrap_seed)
    loo = stability.leave_one_out_aggregates(values, judges, *aggregation)

    raw_judges = used.raw_judges
    base_flags = []
    for i, p in enumerate(projects):
        flags = set()
        if fell_back[i]:
            flags.add(FLAG_FALLBACK)
        if any(s.judge in raw_judges for s in own[p.id]):
            flags.add(FLAG_RAW_JUDGES)
        if agreement.disagrees(_number(spreads[i]), method.disagreement_threshold):
            flags.add(FLAG_DISAGREEMENT)
        base_flags.append(flags)

    def ranked(members: list[int]) -> tuple[Row, ...]:
        placings = rank([contenders[i] for i in members], method.tie_breaks, method.lot_seed)
        position = {column[pl.project]: pl for pl in placings}
        published = np.array([position[i].rank for i in members])
        figures = stability.stability(boot[:, members], loo[:, members], published, method.top_n)
        at = {i: k for k, i in enumerate(members)}
        rows = []
        for placing in placings:
            i = column[placing.project]
            k = at[i]
            p_top = float(figures.p_top_n[k])
            flags = base_flags[i] | set(placing.flags)
            if stability.uncertain(p_top):
                flags.add(FLAG_UNCERTAIN)
            rows.append(Row(
                project=placing.project, track=projects[i].track, rank=placing.rank, n_sheets=len(own[placing.project]),
                raw_mean=_number(raw_means[i]), aggregate=_number(aggregates[i]),
                normalised=_number(means[i]) if method.normalise else None, median=_number(medians[i]),
                spread=_number(spreads[i]), rank_low=int(figures.rank_low[k]), rank_high=int(figures.rank_high[k]),
                p_top_n=p_top, loo_max_shift=int(figures.loo_max_shift[k]), decided_by=placing.decided_by,
                flags=tuple(sorted(flags))))
        return tuple(rows)

    rows = ranked(list(range(len(projects))))
    tracks: dict[int | None, list[int]] = defaultdict(list)
    for i, p in enumerate(projects):
        tracks[p.track].append(i)
    by_track = {track: ranked(tracks[track])
                for track in sorted(tracks, key=lambda t: (t is None, t if t is not None else 0))}
    return RoundResult(
        rows=rows, by_track=by_track,
        judges=agreement.judge_stats(sheets, used.normalised_judges),
        kendalls_w=agreement.round_kendalls_w(sheets),
        icc=agreement.icc1([[float(s.total) for s in own[p.id]] for p in projects]),
        method=method)
