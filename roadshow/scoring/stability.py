"""How stable each rank is: a bootstrap over each project's judges, and leave-one-judge-out.

* **Bootstrap.** A resample draws, for every project, as many sheets as it has, with replacement,
  from its own sheets (the totals used for aggregation: normalised ones where normalisation is on,
  normalised once from all the data). The aggregates are recomputed with the round's method
  (fallback included) and ranked as in :func:`roadshow.scoring.ranking.rank_matrix`: higher first,
  and where two aggregates are equal, the published ranking's order decides (a resample identical to
  the data therefore ranks exactly as published). ``Method.bootstrap_resamples`` resamples
  (``B``) are drawn from ``numpy.random.default_rng(Method.bootstrap_seed)``, in blocks of
  ``BLOCK`` resamples of the projects in ascending id order, each project's sheets in ascending judge
  id order: the same inputs and seed give the same figures.

  - the rank interval is the 2.5th percentile (rounded down to a rank that occurred) to the 97.5th
    percentile (rounded up) of the project's ranks over the resamples;
  - ``P(top N)`` is the share of resamples in which the project's rank is at most ``Method.top_n``;
    a project with ``0.05 < P(top N) < 0.95`` is flagged ``uncertain_top_n``;
  - with ``B = 0`` the interval is the published rank and ``P(top N)`` is 1 or 0.

* **Leave one judge out.** For each judge, all of their sheets are removed, the aggregates
  recomputed (with the same totals and method) and the projects ranked again the same way; a
  project's ``loo_max_shift`` is the largest change of its rank over all judges (a project that
  loses its only sheet falls to the last rank).

Per-track figures apply the same rules within a track's projects.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roadshow.scoring.aggregation import aggregate_stack
from roadshow.scoring.ranking import rank_matrix

BLOCK = 50
LOO_CELLS = 2_000_000  # judges x projects x sheets handled at once (memory bound)
UNCERTAIN_LOW, UNCERTAIN_HIGH = 0.05, 0.95


@dataclass(frozen=True)
class Stability:
    rank_low: np.ndarray     # per project (columns as given)
    rank_high: np.ndarray
    p_top_n: np.ndarray
    loo_max_shift: np.ndarray


def bootstrap_aggregates(values: np.ndarray, aggregation: str, trim: int, fallback: str,
                         resamples: int, seed: int) -> np.ndarray:
    """(resamples x projects) aggregates of bootstrap resamples of ``values`` (projects x sheets,
    each row's totals first, NaN-padded).

    Each block of resamples draws one array of uniform numbers ``u`` (sheet slot x resample x
    project); slot ``i`` of a project with ``n`` sheets takes its sheet number ``floor(u x n)``.
    """
    n_projects, width = values.shape
    counts = (~np.isnan(values)).sum(axis=1)
    out = np.empty((resamples, n_projects))
    if resamples == 0 or n_projects == 0:
        return out
    rng = np.random.default_rng(seed)
    flat = np.where(np.isnan(values), np.inf, values).ravel()
    base = np.arange(n_projects) * width
    high = np.maximum(counts, 1).astype(np.float64)
    top = np.maximum(counts, 1) - 1
    for start in range(0, resamples, BLOCK):
        size = min(BLOCK, resamples - start)
        draws = (rng.random((width, size, n_projects)) * high).astype(np.intp)
        np.minimum(draws, top, out=draws)
        draws += base
        stack = flat[draws]
        for slot in range(width):  # slots beyond a project's own number of sheets stay empty
            short = counts <= slot
            if short.any():
                stack[slot][:, short] = np.inf
        out[start:start + size], _ = aggregate_stack(stack, np.broadcast_to(counts, (size, n_projects)),
                                                     aggregation, trim, fallback)
    return out


def leave_one_out_aggregates(values: np.ndarray, judges: np.ndarray, aggregation: str, trim: int,
                             fallback: str) -> np.ndarray:
    """(judges x projects) aggregates with each judge's sheets removed in turn; ``judges`` holds
    the judge of each cell of ``values`` (-1 in the padding)."""
    ids = np.unique(judges[judges >= 0])
    out = np.empty((len(ids), values.shape[0]))
    if len(ids) == 0:
        return out
    stacked = np.where(np.isnan(values), np.inf, values).T      # sheets x projects
    stacked_judges = judges.T
    step = max(1, LOO_CELLS // max(values.size, 1))
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        removed = stacked_judges[:, None, :] == chunk[None, :, None]
        stack = np.where(removed, np.inf, stacked[:, None, :])  # sheets x judges x projects
        counts = (stack < np.inf).sum(axis=0)
        out[start:start + len(chunk)], _ = aggregate_stack(stack, counts, aggregation, trim, fallback)
    return out


def stability(boot: np.ndarray, loo: np.ndarray, published: np.ndarray, top_n: int) -> Stability:
    """The figures of the docstring for the projects of the given columns; ``published`` holds
    their published ranks (among the same projects)."""
    published = np.asarray(published)
    if boot.shape[0]:
        ranks = rank_matrix(boot, published)
        low = np.percentile(ranks, 2.5, axis=0, method="lower").astype(int)
        high = np.percentile(ranks, 97.5, axis=0, method="higher").astype(int)
        p_top = (ranks <= top_n).mean(axis=0)
    else:
        low, high = published.copy(), published.copy()
        p_top = (published <= top_n).astype(float)
    if loo.shape[0]:
        shift = np.abs(rank_matrix(loo, published) - published[None, :]).max(axis=0)
    else:
        shift = np.zeros(len(published), dtype=int)
    return Stability(low, high, p_top, shift)


def uncertain(p_top_n: float) -> bool:
    """True when P(top N) is strictly between 0.05 and 0.95."""
    return UNCERTAIN_LOW < p_top_n < UNCERTAIN_HIGH
