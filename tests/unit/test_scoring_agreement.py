"""Agreement (roadshow.scoring.agreement): Kendall's W, ICC(1), judges' harshness, consensus and
outliers; checked by hand and against independent scipy computations (Friedman's chi-square,
one-way ANOVA's F, spearmanr)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from roadshow.scoring.agreement import (
    average_ranks, complete_block, disagrees, icc1, judge_stats, kendalls_w, round_kendalls_w, spearman,
)
from roadshow.scoring.model import FLAG_DISAGREEMENT, Method, Project, Sheet
from roadshow.scoring.results import compute


def sheets_of(table):
    return [Sheet(judge, project, float(total)) for judge, row in table.items() for project, total in row.items()]


@pytest.mark.parametrize("matrix, expected", [
    ([[1, 2, 3], [1, 2, 3], [1, 2, 3]], 1.0),   # identical rankings
    ([[1, 2, 3], [3, 2, 1]], 0.0),              # reversed: rank sums 4 4 4, S = 0
    # rank sums 3 5 4 (judges: 1 2 3 / 2 3 1); mean 4, S = 1 + 1 + 0 = 2; W = 12 x 2 / (4 x 24) = 0.25
    ([[10, 20, 30], [20, 30, 10]], 0.25),
])
def test_kendalls_w_worked(matrix, expected):
    assert kendalls_w(np.array(matrix)) == pytest.approx(expected)


def test_kendalls_w_is_none_when_nobody_ranks():
    assert kendalls_w(np.array([[5, 5, 5], [7, 7, 7]])) is None
    assert kendalls_w(np.array([[1, 2, 3]])) is None


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 6), st.integers(3, 7), st.data())
def test_kendalls_w_matches_friedmans_chi_square(m, n, data):
    # Friedman's statistic (tie-corrected, scipy) = m (n - 1) W
    matrix = np.array(data.draw(st.lists(st.lists(st.integers(0, 6), min_size=n, max_size=n), min_size=m, max_size=m)))
    w = kendalls_w(matrix)
    if w is None:
        assert all(len(set(row)) == 1 for row in matrix)
        return
    assume(any(len(set(row)) > 1 for row in matrix))
    chi2 = stats.friedmanchisquare(*matrix.T).statistic
    assert w == pytest.approx(chi2 / (m * (n - 1)), abs=1e-9)
    assert -1e-12 <= w <= 1 + 1e-12


def test_the_largest_complete_block_is_used():
    # judges 1 2 3 scored projects 1 2 3; judges 4 5 scored 4 5; judge 6 scored 1 only
    table = {1: {1: 10, 2: 20, 3: 30}, 2: {1: 11, 2: 21, 3: 31}, 3: {1: 30, 2: 20, 3: 10},
             4: {4: 1, 5: 2}, 5: {4: 1, 5: 2}, 6: {1: 50}}
    assert complete_block(sheets_of(table)) == ((1, 2, 3), (1, 2, 3))
    # W over judges 1 2 3: rank sums 1+1+3 = 5, 6, 7; S = 2; W = 12 x 2 / (9 x 24) = 1 / 9
    assert round_kendalls_w(sheets_of(table)) == pytest.approx(1 / 9)
    assert complete_block(sheets_of({1: {1: 1, 2: 2}, 2: {2: 2, 3: 3}})) is None


def test_icc1_worked():
    # groups 1 2 | 3 4: grand mean 2.5, MSB = (2 x 1 + 2 x 1) / 1 = 4, MSW = 4 x 0.25 / 2 = 0.5,
    # k0 = (4 - 8 / 4) / 1 = 2, ICC = (4 - 0.5) / (4 + 0.5) = 0.7778
    assert icc1([[1, 2], [3, 4]]) == pytest.approx(3.5 / 4.5)
    assert icc1([[1, 2]]) is None             # one project
    assert icc1([[1], [3]]) is None           # nobody scored a project twice
    assert icc1([[5, 5], [5, 5]]) is None     # nothing varies


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 20), min_size=1, max_size=6), min_size=2, max_size=8))
def test_icc1_matches_the_anova_f(groups):
    # one-way ANOVA: F = MSB / MSW, so ICC(1) = (F - 1) / (F + k0 - 1)
    assume(sum(len(g) for g in groups) > len(groups))
    within = sum(((np.array(g) - np.mean(g)) ** 2).sum() for g in groups)
    assume(within > 0)
    f = stats.f_oneway(*[np.array(g, dtype=float) for g in groups]).statistic
    n = sum(len(g) for g in groups)
    k0 = (n - sum(len(g) ** 2 for g in groups) / n) / (len(groups) - 1)
    assert icc1(groups) == pytest.approx((f - 1) / (f + k0 - 1), abs=1e-9)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=3, max_size=20))
def test_spearman_matches_scipy(pairs):
    x, y = [a for a, _ in pairs], [b for _, b in pairs]
    got = spearman(x, y)
    if len(set(x)) == 1 or len(set(y)) == 1:
        assert got is None
    else:
        assert got == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-9)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(st.integers(0, 10), min_size=1, max_size=20))
def test_average_ranks_match_scipy(values):
    assert average_ranks(values).tolist() == stats.rankdata(values, method="average").tolist()


def test_harshness_worked():
    # J1 50 60, J2 60 70, J3 70 80 on projects 1 2.
    # J1: 50 - (60 + 70) / 2 = -15, 60 - (70 + 80) / 2 = -15 -> -15; J2: 0; J3: +15.
    # Panel mean 0, sd sqrt(150) = 12.2: nobody beyond 2 sd.
    stats_ = {j.judge: j for j in judge_stats(sheets_of({1: {1: 50, 2: 60}, 2: {1: 60, 2: 70}, 3: {1: 70, 2: 80}}))}
    assert [stats_[j].harshness for j in (1, 2, 3)] == pytest.approx([-15, 0, 15])
    assert [stats_[j].mean for j in (1, 2, 3)] == pytest.approx([55, 65, 75])
    assert not any(s.outlier for s in stats_.values())
    assert all(s.consensus is None for s in stats_.values())  # fewer than 3 projects


def test_a_far_harsher_judge_is_an_outlier():
    # Judges 1..5 give 50 60 70 80 90 to projects 1..5, judge 6 gives 20 30 40 50 60.
    # Judge 6: total - mean of the five others = -30 on each -> -30.
    # Judges 1..5: e.g. 50 - (4 x 50 + 20) / 5 = 50 - 44 = +6 -> +6 each.
    # Panel: mean (5 x 6 - 30) / 6 = 0, sd sqrt((5 x 36 + 900) / 6) = 13.4; |-30| > 26.8: outlier.
    table = {j: {p: 40 + 10 * p for p in range(1, 6)} for j in range(1, 6)}
    table[6] = {p: 10 + 10 * p for p in range(1, 6)}
    stats_ = {j.judge: j for j in judge_stats(sheets_of(table))}
    assert stats_[6].harshness == pytest.approx(-30) and stats_[1].harshness == pytest.approx(6)
    assert stats_[6].outlier and not any(stats_[j].outlier for j in range(1, 6))
    assert stats_[6].consensus == pytest.approx(1.0)


def test_a_judge_ranking_against_the_panel_is_an_outlier():
    # Judge 3 reverses the order of judges 1 and 2 over 5 projects: consensus -1
    table = {1: {p: 10 * p for p in range(1, 6)}, 2: {p: 10 * p + 1 for p in range(1, 6)},
             3: {p: 60 - 10 * p for p in range(1, 6)}}
    stats_ = {j.judge: j for j in judge_stats(sheets_of(table))}
    assert stats_[3].consensus == pytest.approx(-1.0) and stats_[3].outlier


@pytest.mark.parametrize("spread, threshold, expected", [
    (20.0, 15.0, True), (15.0, 15.0, False), (10.0, None, False), (None, 5.0, False)])
def test_disagreement(spread, threshold, expected):
    assert disagrees(spread, threshold) is expected


def test_compute_flags_disagreement_and_reports_w_and_icc():
    # project 1: 40 and 70 (spread 30 > 25); project 2: 60 and 65 (spread 5)
    table = {1: {1: 40, 2: 60}, 2: {1: 70, 2: 65}}
    result = compute(sheets_of(table), [Project(1), Project(2)],
                     Method(disagreement_threshold=25.0, bootstrap_resamples=0))
    flags = {row.project: row.flags for row in result.rows}
    assert FLAG_DISAGREEMENT in flags[1] and FLAG_DISAGREEMENT not in flags[2]
    spreads = {row.project: row.spread for row in result.rows}
    assert spreads == {1: 30.0, 2: 5.0}
    # judge 1 puts 2 above 1 (40 < 60), judge 2 puts 1 above 2 (70 > 65): rank sums 3, 3 -> W = 0
    assert result.kendalls_w == pytest.approx(0.0)
    assert result.icc == pytest.approx(icc1([[40, 70], [60, 65]]))
