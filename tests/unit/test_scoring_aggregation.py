"""Aggregation rules (roadshow.scoring.aggregation): worked cases, properties, scipy/numpy."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from roadshow.scoring.aggregation import aggregate, aggregate_padded, median, trimmed_mean
from roadshow.scoring.model import FLAG_FALLBACK, FLAG_NO_SHEETS, MEAN, MEDIAN, TRIMMED_MEAN

totals = st.integers(0, 200).map(lambda n: n / 2)  # 0..100 in steps of 0.5, like real totals


@pytest.mark.parametrize("values, method, k, fallback, expected, flags", [
    ([7, 8, 9], MEAN, 1, MEAN, 8.0, ()),                          # 24 / 3
    ([3, 1, 2, 10], MEDIAN, 1, MEAN, 2.5, ()),                    # sorted 1 2 3 10: (2 + 3) / 2
    ([5], MEDIAN, 1, MEAN, 5.0, ()),
    ([2, 9, 5, 6, 100], TRIMMED_MEAN, 1, MEAN, 20 / 3, ()),       # drop 2 and 100: (5 + 6 + 9) / 3
    ([2, 9, 5, 6, 100, 1, 50], TRIMMED_MEAN, 2, MEAN, 20 / 3, ()),  # drop 1 2 and 50 100: (5 + 6 + 9) / 3
    ([1, 2, 9], TRIMMED_MEAN, 1, MEAN, 2.0, ()),                  # exactly 2k+1 = 3: the middle one
    ([4, 8], TRIMMED_MEAN, 1, MEAN, 6.0, (FLAG_FALLBACK,)),       # 2 < 3: fallback mean (4 + 8) / 2
    ([1, 2, 9], TRIMMED_MEAN, 2, MEDIAN, 2.0, (FLAG_FALLBACK,)),  # 3 < 5: fallback median
    ([1, 2, 9], TRIMMED_MEAN, 2, MEAN, 4.0, (FLAG_FALLBACK,)),    # 3 < 5: fallback mean 12 / 3
    ([1, 2, 9], TRIMMED_MEAN, 0, MEAN, 4.0, ()),                  # k = 0 is the plain mean
    ([], MEAN, 1, MEAN, None, (FLAG_NO_SHEETS,)),
    ([], TRIMMED_MEAN, 1, MEAN, None, (FLAG_NO_SHEETS,)),
])
def test_worked_cases(values, method, k, fallback, expected, flags):
    value, got_flags = aggregate(values, method, k, fallback)
    assert got_flags == flags
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("method, k, fallback", [("mode", 1, MEAN), (MEAN, -1, MEAN), (MEAN, 1, TRIMMED_MEAN),
                                                 (MEAN, 1.5, MEAN)])
def test_invalid_methods_are_refused(method, k, fallback):
    with pytest.raises(ValueError):
        aggregate([1, 2, 3], method, k, fallback)
    with pytest.raises(ValueError):
        aggregate_padded(np.array([[1.0, 2.0]]), method, k, fallback)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(totals, min_size=1, max_size=15), st.integers(0, 3))
def test_trimmed_mean_lies_between_min_and_max_and_matches_scipy(values, k):
    if len(values) < 2 * k + 1:
        with pytest.raises(ValueError):
            trimmed_mean(values, k)
        return
    value = trimmed_mean(values, k)
    assert min(values) - 1e-9 <= value <= max(values) + 1e-9
    # scipy cuts int(proportion * n) from each end; (k + 0.5) / n gives exactly k
    assert value == pytest.approx(stats.trim_mean(values, (k + 0.5) / len(values)), abs=1e-9)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(totals, min_size=1, max_size=15))
def test_median_matches_numpy(values):
    assert median(values) == pytest.approx(float(np.median(values)), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(totals, max_size=9), min_size=1, max_size=8), st.sampled_from([MEAN, MEDIAN, TRIMMED_MEAN]),
       st.integers(0, 3), st.sampled_from([MEAN, MEDIAN]))
def test_vectorised_aggregation_agrees_with_the_plain_one(projects, method, k, fallback):
    width = max(len(p) for p in projects) or 1
    padded = np.full((len(projects), width), np.nan)
    for i, values in enumerate(projects):
        padded[i, :len(values)] = values
    got, fell_back = aggregate_padded(padded, method, k, fallback)
    for i, values in enumerate(projects):
        expected, flags = aggregate(values, method, k, fallback)
        assert bool(fell_back[i]) == (FLAG_FALLBACK in flags)
        if expected is None:
            assert math.isnan(got[i])
        else:
            assert got[i] == pytest.approx(expected, abs=1e-9)


def test_vectorised_aggregation_works_on_resamples_x_projects():
    values = np.array([[[1.0, 5.0, 9.0], [2.0, np.nan, np.nan]],
                       [[9.0, 9.0, 1.0], [4.0, 6.0, np.nan]]])
    got, fell_back = aggregate_padded(values, TRIMMED_MEAN, 1, MEDIAN)
    # 1 5 9 -> 5; [2] falls back: median 2; 1 9 9 -> 9; [4 6] falls back: median 5
    assert got.tolist() == [[5.0, 2.0], [9.0, 5.0]]
    assert fell_back.tolist() == [[False, True], [False, True]]


@pytest.mark.parametrize("width", [1, 2, 7, 12, 13, 30])  # compare-exchange up to 12 sheets, np.sort beyond
def test_both_sorting_paths_give_the_plain_results(width):
    rng = np.random.default_rng(width)
    padded = rng.integers(0, 200, size=(40, width)) / 2
    counts = rng.integers(0, width + 1, size=40)
    padded[np.arange(width)[None, :] >= counts[:, None]] = np.nan
    for method in (MEAN, MEDIAN, TRIMMED_MEAN):
        got, _ = aggregate_padded(padded, method, 2, MEDIAN)
        for row, value in zip(padded, got):
            expected, _ = aggregate([v for v in row if not np.isnan(v)], method, 2, MEDIAN)
            assert (math.isnan(value) and expected is None) or value == pytest.approx(expected, abs=1e-9)
