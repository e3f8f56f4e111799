"""A project's aggregate: one number from the totals of its sheets.

The round chooses the method (``Method.aggregation``):

* ``mean``: the sum of the totals divided by their number.
* ``median``: the middle total once sorted; with an even number of totals, the mean of the two
  middle ones.
* ``trimmed_mean`` with ``k = Method.trim``: sort the totals, drop the ``k`` lowest and the ``k``
  highest, and take the mean of the rest. It needs at least ``2k + 1`` totals; with fewer, the
  round's fallback (``Method.fallback``: ``mean`` or ``median``) is used instead and the project is
  flagged ``fallback``. ``k = 0`` is the plain mean.
* A project without sheets has no aggregate (``None``) and is flagged ``no_sheets``.

The same rules exist twice: :func:`aggregate` for one project (plain Python, what a reader checks
by hand) and :func:`aggregate_padded` for many projects (or many bootstrap resamples) at once, on a
NaN-padded numpy array. Tests check that the two agree.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from roadshow.scoring.model import FLAG_FALLBACK, FLAG_NO_SHEETS, MEAN, MEDIAN, TRIMMED_MEAN

METHODS = (MEAN, MEDIAN, TRIMMED_MEAN)
FALLBACKS = (MEAN, MEDIAN)


def check_method(aggregation: str, trim: int, fallback: str) -> None:
    """ValueError unless the aggregation is known, ``trim >= 0`` and the fallback is mean or median."""
    if aggregation not in METHODS:
        raise ValueError(f"unknown aggregation {aggregation!r}")
    if fallback not in FALLBACKS:
        raise ValueError(f"the fallback must be mean or median, not {fallback!r}")
    if int(trim) != trim or trim < 0:
        raise ValueError(f"trim must be a whole number >= 0, not {trim!r}")


def mean(values: Sequence[float]) -> float:
    """Sum divided by count (ValueError when empty)."""
    if not values:
        raise ValueError("mean of no values")
    return sum(sorted(values)) / len(values)


def median(values: Sequence[float]) -> float:
    """The middle value once sorted; the mean of the two middle values for an even count."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2


def trimmed_mean(values: Sequence[float], k: int) -> float:
    """The mean once the ``k`` lowest and ``k`` highest values are dropped (needs ``2k + 1`` values)."""
    if len(values) < 2 * k + 1:
        raise ValueError(f"a trimmed mean with k={k} needs at least {2 * k + 1} values")
    ordered = sorted(values)
    kept = ordered[k:len(ordered) - k]
    return sum(kept) / len(kept)


def aggregate(values: Sequence[float], aggregation: str = TRIMMED_MEAN, trim: int = 1,
              fallback: str = MEAN) -> tuple[float | None, tuple[str, ...]]:
    """The aggregate of one project's totals and its flags, by the rules in this module's docstring."""
    check_method(aggregation, trim, fallback)
    if not values:
        return None, (FLAG_NO_SHEETS,)
    if aggregation == MEAN:
        return mean(values), ()
    if aggregation == MEDIAN:
        return median(values), ()
    if len(values) >= 2 * trim + 1:
        return trimmed_mean(values, trim), ()
    return (mean(values) if fallback == MEAN else median(values)), (FLAG_FALLBACK,)


NETWORK_WIDTH = 12  # up to this many sheets per project, sort by compare-exchange across arrays


def _sort_stack(stack: np.ndarray) -> np.ndarray:
    """Sort along axis 0, in place where possible (odd-even transposition: vectorised across the
    other axes, fast for the few sheets a project has); +inf padding sorts last."""
    width = stack.shape[0]
    if width > NETWORK_WIDTH:
        return np.sort(stack, axis=0)
    for round_ in range(width):
        for i in range(round_ % 2, width - 1, 2):
            low = np.minimum(stack[i], stack[i + 1])
            np.maximum(stack[i], stack[i + 1], out=stack[i + 1])
            stack[i] = low
    return stack


def _stack_mean(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    total = np.zeros(ordered.shape[1:])
    for i in range(ordered.shape[0]):
        total += np.where(i < counts, ordered[i], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / counts


def _stack_median(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    low = np.clip((counts - 1) // 2, 0, None)[None]
    high = np.clip(counts // 2, 0, None)[None]
    a = np.take_along_axis(ordered, low, axis=0)[0]
    b = np.take_along_axis(ordered, high, axis=0)[0]
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, (a + b) / 2, np.nan)


def aggregate_stack(stack: np.ndarray, counts: np.ndarray, aggregation: str, trim: int,
                    fallback: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`aggregate_padded` on totals laid out along axis 0 and padded with +inf, with the
    number of totals of each project in ``counts`` (the stack is sorted in place)."""
    check_method(aggregation, trim, fallback)
    ordered = _sort_stack(stack)
    fell_back = np.zeros(counts.shape, dtype=bool)
    if aggregation == MEAN:
        result = _stack_mean(ordered, counts)
    elif aggregation == MEDIAN:
        result = _stack_median(ordered, counts)
    else:
        k = int(trim)
        short = (counts < 2 * k + 1) & (counts > 0)
        total = np.zeros(ordered.shape[1:])
        for i in range(k, ordered.shape[0]):
            total += np.where(i < counts - k, ordered[i], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = total / (counts - 2 * k)
        if short.any():
            backup = _stack_mean(ordered, counts) if fallback == MEAN else _stack_median(ordered, counts)
            result = np.where(short, backup, result)
        fell_back = short
    return np.where(counts > 0, result, np.nan), fell_back


def aggregate_padded(values: np.ndarray, aggregation: str = TRIMMED_MEAN, trim: int = 1,
                     fallback: str = MEAN) -> tuple[np.ndarray, np.ndarray]:
    """Aggregates of many projects at once.

    ``values`` has the totals of one project along its last axis, padded with NaN (any leading
    shape: projects, or resamples x projects). Returns the aggregates (NaN where a project has no
    totals) and a boolean array, True where the fallback was used. Same rules as :func:`aggregate`.
    """
    check_method(aggregation, trim, fallback)
    missing = np.isnan(values)
    counts = (~missing).sum(axis=-1)
    stack = np.ascontiguousarray(np.moveaxis(np.where(missing, np.inf, values), -1, 0))
    return aggregate_stack(stack, counts, aggregation, trim, fallback)
