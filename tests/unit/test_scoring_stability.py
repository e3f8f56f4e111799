"""Rank stability (roadshow.scoring.stability): bootstrap rank intervals, P(top N), leave-one-judge-out."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from roadshow.scoring.model import FLAG_UNCERTAIN, MEAN, TRIMMED_MEAN, Method, Project, Sheet
from roadshow.scoring.results import compute
from roadshow.scoring.stability import bootstrap_aggregates, leave_one_out_aggregates, stability, uncertain


def sheets_of(table):
    return [Sheet(judge, project, float(total)) for judge, row in table.items() for project, total in row.items()]


def test_leave_one_judge_out_worked():
    # Mean aggregation. A: J1 90, J2 50 -> 70; B: J1 60, J2 70 -> 65; C: J3 66. Ranks A 1, C 2, B 3.
    # Without J1: A 50, B 70, C 66 -> B 1, C 2, A 3: A moves 2, B moves 2.
    # Without J2: A 90, B 60, C 66 -> A 1, C 2, B 3: nobody moves.
    # Without J3: C has no sheet and falls last: A 1, B 2, C 3: B moves 1, C moves 1.
    table = {1: {1: 90, 2: 60}, 2: {1: 50, 2: 70}, 3: {3: 66}}
    result = compute(sheets_of(table), [Project(p) for p in (1, 2, 3)], Method(aggregation=MEAN, bootstrap_resamples=0))
    assert [(r.project, r.rank, r.loo_max_shift) for r in result.rows] == [(1, 1, 2), (3, 2, 1), (2, 3, 2)]
    # no resamples: the interval is the rank, P(top N) 1 or 0
    assert [(r.rank_low, r.rank_high, r.p_top_n) for r in result.rows] == [(1, 1, 1.0), (2, 2, 1.0), (3, 3, 1.0)]


def test_a_clear_winner_is_stable():
    # every resample of 90 91 92 beats every resample of 10 11 12
    table = {j: {1: 89 + j, 2: 9 + j} for j in (1, 2, 3)}
    result = compute(sheets_of(table), [Project(1), Project(2)], Method(top_n=1, bootstrap_resamples=200))
    assert [(r.project, r.rank_low, r.rank_high, r.p_top_n, r.flags) for r in result.rows] == \
        [(1, 1, 1, 1.0, ()), (2, 2, 2, 0.0, ())]


def test_a_close_race_is_uncertain():
    # project 1: 40 or 80 (mean 60), project 2: 59 and 61 (mean 60): P(1 in top 1) near 1/2
    table = {1: {1: 40, 2: 59}, 2: {1: 80, 2: 61}}
    result = compute(sheets_of(table), [Project(1), Project(2)],
                     Method(aggregation=MEAN, top_n=1, bootstrap_resamples=2000, bootstrap_seed=3))
    by_project = {r.project: r for r in result.rows}
    assert 0.3 < by_project[1].p_top_n < 0.7
    assert by_project[1].p_top_n + by_project[2].p_top_n == pytest.approx(1.0)
    assert FLAG_UNCERTAIN in by_project[1].flags and FLAG_UNCERTAIN in by_project[2].flags
    assert (by_project[1].rank_low, by_project[1].rank_high) == (1, 2)


@pytest.mark.parametrize("p, expected", [(0.05, False), (0.0500001, True), (0.5, True), (0.95, False), (0.0, False),
                                         (1.0, False)])
def test_uncertain_is_strictly_between_five_and_ninety_five_percent(p, expected):
    assert uncertain(p) is expected


def test_resamples_draw_each_projects_own_sheets_with_replacement():
    # project 0: totals 0 and 100 -> resample means 0, 50, 100 with chances 1/4, 1/2, 1/4;
    # project 1: one sheet, always 30; project 2: no sheets, always NaN
    values = np.array([[0.0, 100.0], [30.0, np.nan], [np.nan, np.nan]])
    boot = bootstrap_aggregates(values, MEAN, 0, MEAN, 4000, seed=11)
    assert boot.shape == (4000, 3)
    assert set(np.unique(boot[:, 0])) == {0.0, 50.0, 100.0}
    share = [(boot[:, 0] == v).mean() for v in (0.0, 50.0, 100.0)]
    assert share == pytest.approx([0.25, 0.5, 0.25], abs=0.03)
    assert (boot[:, 1] == 30.0).all() and np.isnan(boot[:, 2]).all()


def test_the_bootstrap_is_reproducible_from_its_seed():
    values = np.array([[1.0, 5.0, 9.0], [2.0, 4.0, 6.0]])
    first = bootstrap_aggregates(values, TRIMMED_MEAN, 1, MEAN, 120, seed=5)
    assert np.array_equal(first, bootstrap_aggregates(values, TRIMMED_MEAN, 1, MEAN, 120, seed=5))
    assert not np.array_equal(first, bootstrap_aggregates(values, TRIMMED_MEAN, 1, MEAN, 120, seed=6))


def test_leave_one_out_aggregates_remove_each_judge_in_turn():
    values = np.array([[90.0, 50.0], [60.0, 70.0], [66.0, np.nan]])
    judges = np.array([[1, 2], [1, 2], [3, -1]])
    loo = leave_one_out_aggregates(values, judges, MEAN, 0, MEAN)
    assert np.array_equal(loo, np.array([[50.0, 70.0, 66.0], [90.0, 60.0, 66.0], [70.0, 65.0, np.nan]]),
                          equal_nan=True)


def test_the_interval_and_p_top_n_follow_the_resampled_ranks():
    rng = np.random.default_rng(0)
    boot = rng.normal(size=(500, 6))  # no ties, so the published order never decides
    published = rankdata(-boot.mean(axis=0), method="min").astype(int)
    figures = stability(boot, np.empty((0, 6)), published, top_n=2)
    ranks = np.array([rankdata(-row, method="min") for row in boot])
    assert figures.rank_low.tolist() == np.percentile(ranks, 2.5, axis=0, method="lower").tolist()
    assert figures.rank_high.tolist() == np.percentile(ranks, 97.5, axis=0, method="higher").tolist()
    assert figures.p_top_n.tolist() == pytest.approx((ranks <= 2).mean(axis=0).tolist())
    assert figures.loo_max_shift.tolist() == [0] * 6


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=12), st.integers(0, 50), st.integers(1, 5))
def test_one_sheet_per_project_gives_zero_width_intervals(totals, seed, top_n):
    sheets = [Sheet(judge=i + 1, project=i + 1, total=float(t)) for i, t in enumerate(totals)]
    projects = [Project(i + 1) for i in range(len(totals))]
    result = compute(sheets, projects, Method(top_n=top_n, bootstrap_resamples=30, bootstrap_seed=seed))
    for row in result.rows:
        assert row.rank_low == row.rank_high == row.rank
        assert row.p_top_n == (1.0 if row.rank <= top_n else 0.0)
        assert FLAG_UNCERTAIN not in row.flags
        assert not math.isnan(row.p_top_n)
