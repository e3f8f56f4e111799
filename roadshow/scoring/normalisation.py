"""Per-judge normalisation: taking out each judge's harshness or leniency before aggregating.

The rule (applied when ``Method.normalise`` is on):

1. For each judge, the mean ``m_j`` and the standard deviation ``s_j`` (population: divided by
   the number of sheets) of the raw totals of the projects that judge scored.
2. The panel's mean ``M`` and standard deviation ``S`` (population) of all raw totals of the round.
3. A judge with at least ``Method.normalise_min_projects`` sheets is normalised: each of their
   totals ``x`` becomes ``z = (x - m_j) / s_j`` (``z = 0`` when ``s_j = 0``: a judge who gave every
   project the same total expresses no preference), then ``M + z x S``, clipped to the rubric's
   range ``[Method.scale_min, Method.scale_max]``.
4. A judge with fewer sheets is kept raw: their totals are used as they are, the judge is reported
   with ``normalised = False`` and every project with one of their sheets is flagged ``raw_judges``.

Because ``z`` does not change when a constant is added to all of one judge's totals, a uniformly
harsh judge and a uniformly lenient one rank the projects they scored the same way after this step;
only ``M`` and ``S`` (the panel's own scale) move.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from roadshow.scoring.model import Sheet


@dataclass(frozen=True)
class Normalisation:
    totals: dict[tuple[int, int], float]   # (judge, project) -> the total used for aggregation
    normalised_judges: frozenset[int]      # judges whose totals were normalised
    raw_judges: frozenset[int]             # judges kept raw (too few sheets)
    panel_mean: float
    panel_sd: float


def judge_z_scores(totals: np.ndarray) -> np.ndarray:
    """z-scores of one judge's totals (population sd); all zeros when the sd is zero."""
    sd = float(totals.std())
    if sd == 0.0:
        return np.zeros_like(totals, dtype=float)
    return (totals - totals.mean()) / sd


def normalise(sheets: Iterable[Sheet], min_projects: int, scale_min: float, scale_max: float) -> Normalisation:
    """The totals to aggregate, by the rules in this module's docstring."""
    sheets = list(sheets)
    if not sheets:
        return Normalisation({}, frozenset(), frozenset(), 0.0, 0.0)
    every = np.array([s.total for s in sheets], dtype=float)
    panel_mean, panel_sd = float(every.mean()), float(every.std())
    by_judge: dict[int, list[Sheet]] = defaultdict(list)
    for sheet in sheets:
        by_judge[sheet.judge].append(sheet)
    totals: dict[tuple[int, int], float] = {}
    normalised, raw = set(), set()
    for judge, own in by_judge.items():
        if len(own) < min_projects:
            raw.add(judge)
            for sheet in own:
                totals[(judge, sheet.project)] = float(sheet.total)
            continue
        normalised.add(judge)
        z = judge_z_scores(np.array([s.total for s in own], dtype=float))
        rescaled = np.clip(panel_mean + z * panel_sd, scale_min, scale_max)
        for sheet, value in zip(own, rescaled):
            totals[(judge, sheet.project)] = float(value)
    return Normalisation(totals, frozenset(normalised), frozenset(raw), panel_mean, panel_sd)


def raw_totals(sheets: Iterable[Sheet]) -> Normalisation:
    """No normalisation: every judge's totals as they are (nobody normalised, nobody flagged)."""
    totals = {(s.judge, s.project): float(s.total) for s in sheets}
    every = np.array(list(totals.values()), dtype=float) if totals else np.zeros(1)
    return Normalisation(totals, frozenset(), frozenset(), float(every.mean()), float(every.std()))
