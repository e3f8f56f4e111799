"""How far the judges agree: Kendall's W, the ICC, disagreement per project, outlier judges.

All of it is computed on the raw totals (what the judges actually wrote), never on normalised ones.

* **Kendall's W** needs judges who ranked the same projects. Judges are grouped by the exact set of
  projects they scored; among the groups of at least 2 judges and 2 projects, W is computed over the
  largest (most sheets; on equal size, the group whose lowest judge id is lowest). Each judge's
  totals are ranked (equal totals get the mean of their places) and W is the tie-corrected
  ``12 S / (m^2 (n^3 - n) - m sum T)``, with ``m`` judges, ``n`` projects, ``S`` the sum of squared
  deviations of the projects' rank sums from their mean and ``T = sum(t^3 - t)`` over each judge's
  groups of ``t`` equal totals. ``None`` when there is no such group or every judge gave every
  project the same total. With a complete design (every judge scored every project) the group is
  the whole panel.
* **ICC(1)**, one-way random effects, single rater, for designs balanced or not: with ``a`` projects
  that have sheets, ``N`` sheets, ``n_i`` sheets of project ``i``,
  ``MSB = sum n_i (mean_i - mean)^2 / (a - 1)``, ``MSW = sum (x - mean_i)^2 / (N - a)``,
  ``k0 = (N - sum n_i^2 / N) / (a - 1)`` and ``ICC = (MSB - MSW) / (MSB + (k0 - 1) MSW)``.
  ``None`` with fewer than 2 projects, no project with 2 sheets, or a zero denominator.
  (One-way because in most rounds each project has its own set of judges; ICC(2,1) would need every
  judge to score every project.)
* **Disagreement**: a project whose raw totals spread (max - min) by more than the round's
  ``disagreement_threshold`` is flagged ``disagreement`` (re-review suggested). No threshold, no flag.
* **Judges**: ``harshness`` is the mean, over the judge's sheets on projects that others scored too,
  of (their total - the mean of the other judges' totals on that project): negative is harsher than
  the panel, positive more lenient; 0 with nothing to compare. ``consensus`` is the Spearman
  correlation of their totals with those others' means, over at least 3 such projects (``None``
  otherwise, or when either side is constant). A judge is an **outlier** when, among at least 3
  judges with something to compare, their harshness lies more than 2 standard deviations (population)
  from the panel's mean harshness, or when their consensus is negative over at least 5 projects.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from roadshow.scoring.model import JudgeStat, Sheet

OUTLIER_SD = 2.0
MIN_CONSENSUS_PROJECTS = 3
MIN_NEGATIVE_CONSENSUS_PROJECTS = 5


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n of the values, ascending; equal values share the mean of their places."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    ranks = np.empty(len(values), dtype=float)
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or ordered[end] != ordered[start]:
            ranks[order[start:end]] = (start + 1 + end) / 2
            start = end
    return ranks


def kendalls_w(matrix: np.ndarray) -> float | None:
    """Kendall's W of a complete judges x projects matrix of totals (tie-corrected), or None."""
    matrix = np.asarray(matrix, dtype=float)
    m, n = matrix.shape
    if m < 2 or n < 2:
        return None
    ranks = np.vstack([average_ranks(row) for row in matrix])
    sums = ranks.sum(axis=0)
    s = float(((sums - sums.mean()) ** 2).sum())
    ties = 0.0
    for row in matrix:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts ** 3 - counts).sum())
    denominator = m * m * (n ** 3 - n) - m * ties
    if denominator <= 0:
        return None
    return 12 * s / denominator


def complete_block(sheets: Iterable[Sheet]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """(judges, projects) of the largest group of judges who scored exactly the same projects."""
    projects_of: dict[int, set[int]] = defaultdict(set)
    for sheet in sheets:
        projects_of[sheet.judge].add(sheet.project)
    groups: dict[frozenset[int], list[int]] = defaultdict(list)
    for judge, projects in projects_of.items():
        groups[frozenset(projects)].append(judge)
    best = None
    for projects, judges in groups.items():
        if len(judges) < 2 or len(projects) < 2:
            continue
        candidate = (-len(judges) * len(projects), min(judges), tuple(sorted(judges)), tuple(sorted(projects)))
        if best is None or candidate < best:
            best = candidate
    return None if best is None else (best[2], best[3])


def round_kendalls_w(sheets: Sequence[Sheet]) -> float | None:
    """Kendall's W over the largest complete block of the round's raw totals (see the docstring)."""
    block = complete_block(sheets)
    if block is None:
        return None
    judges, projects = block
    total = {(s.judge, s.project): float(s.total) for s in sheets}
    return kendalls_w(np.array([[total[(j, p)] for p in projects] for j in judges]))


def icc1(groups: Sequence[Sequence[float]]) -> float | None:
    """ICC(1), one-way random, single rater, of the projects' totals (unbalanced allowed), or None."""
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    a = len(groups)
    n_total = sum(len(g) for g in groups)
    if a < 2 or n_total - a < 1:
        return None
    grand = float(np.concatenate(groups).mean())
    msb = sum(len(g) * (float(g.mean()) - grand) ** 2 for g in groups) / (a - 1)
    msw = sum(float(((g - g.mean()) ** 2).sum()) for g in groups) / (n_total - a)
    k0 = (n_total - sum(len(g) ** 2 for g in groups) / n_total) / (a - 1)
    denominator = msb + (k0 - 1) * msw
    if denominator == 0:
        return None
    return (msb - msw) / denominator


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (Pearson on average ranks); None if either side is constant."""
    if len(x) < 2:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = float(np.sqrt((rx ** 2).sum() * (ry ** 2).sum()))
    if denominator == 0:
        return None
    return float((rx * ry).sum() / denominator)


def disagrees(spread: float | None, threshold: float | None) -> bool:
    """True when the spread of a project's raw totals is above the round's threshold."""
    return threshold is not None and spread is not None and spread > threshold


def judge_stats(sheets: Sequence[Sheet], normalised_judges: Iterable[int] = ()) -> tuple[JudgeStat, ...]:
    """One JudgeStat per judge with sheets, by judge id, by the rules in this module's docstring."""
    normalised_judges = frozenset(normalised_judges)
    by_project: dict[int, list[Sheet]] = defaultdict(list)
    by_judge: dict[int, list[Sheet]] = defaultdict(list)
    for sheet in sheets:
        by_project[sheet.project].append(sheet)
        by_judge[sheet.judge].append(sheet)
    sums = {p: sum(float(s.total) for s in own) for p, own in by_project.items()}
    counts = {p: len(own) for p, own in by_project.items()}
    partial = {}
    for judge, own in sorted(by_judge.items()):
        mine, others = [], []
        for sheet in own:
            if counts[sheet.project] > 1:
                mine.append(float(sheet.total))
                others.append((sums[sheet.project] - float(sheet.total)) / (counts[sheet.project] - 1))
        harshness = float(np.mean(np.subtract(mine, others))) if mine else 0.0
        consensus = spearman(mine, others) if len(mine) >= MIN_CONSENSUS_PROJECTS else None
        mean = float(np.mean([float(s.total) for s in own]))
        partial[judge] = (len(own), mean, harshness, consensus, len(mine))
    compared = [h for _, _, h, _, n in partial.values() if n]
    centre = float(np.mean(compared)) if compared else 0.0
    sd = float(np.std(compared)) if compared else 0.0
    stats = []
    for judge, (n_sheets, mean, harshness, consensus, n_compared) in partial.items():
        far = len(compared) >= 3 and sd > 0 and n_compared > 0 and abs(harshness - centre) > OUTLIER_SD * sd
        contrary = consensus is not None and consensus < 0 and n_compared >= MIN_NEGATIVE_CONSENSUS_PROJECTS
        stats.append(JudgeStat(judge, n_sheets, mean, harshness, consensus, judge in normalised_judges,
                               bool(far or contrary)))
    return tuple(stats)
