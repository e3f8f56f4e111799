"""Per-judge normalisation (roadshow.scoring.normalisation): worked cases, properties, scipy."""
from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from roadshow.scoring.model import FLAG_RAW_JUDGES, MEAN, Method, Project, Sheet
from roadshow.scoring.normalisation import judge_z_scores, normalise, raw_totals
from roadshow.scoring.results import compute


def sheets_of(table):
    """{judge: {project: total}} -> sheets."""
    return [Sheet(judge, project, float(total)) for judge, row in table.items() for project, total in row.items()]


def test_a_harsh_and_a_lenient_judge_become_the_same_after_normalisation():
    # Judge 1 gives 60 70 80, judge 2 gives 40 50 60 to projects 1 2 3 (the same order, 20 lower).
    # Panel: mean of 60 70 80 40 50 60 = 60; deviations 0 10 20 -20 -10 0, squares sum 1000,
    # population sd = sqrt(1000 / 6) = 12.9099.
    # Each judge: mean 70 (resp. 50), sd sqrt(200 / 3) = 8.1650; z = -1.2247, 0, 1.2247.
    # Normalised: 60 + z x 12.9099 = 44.1886, 60, 75.8114 for both judges.
    result = normalise(sheets_of({1: {1: 60, 2: 70, 3: 80}, 2: {1: 40, 2: 50, 3: 60}}), 3, 0, 100)
    assert result.panel_mean == pytest.approx(60)
    assert result.panel_sd == pytest.approx(math.sqrt(1000 / 6))
    for judge in (1, 2):
        got = [result.totals[(judge, p)] for p in (1, 2, 3)]
        assert got == pytest.approx([44.1886117, 60.0, 75.8113883])
    assert result.normalised_judges == {1, 2} and not result.raw_judges


def test_a_judge_with_zero_spread_scores_the_panel_mean():
    # Judge 1 gives 70 to everything: z = 0, normalised = panel mean (70 + 70 + 40 + 60) / 4 = 60
    result = normalise(sheets_of({1: {1: 70, 2: 70}, 2: {1: 40, 2: 60}}), 2, 0, 100)
    assert result.totals[(1, 1)] == result.totals[(1, 2)] == pytest.approx(60)


def test_judges_below_the_minimum_stay_raw():
    result = normalise(sheets_of({1: {1: 60, 2: 70, 3: 80}, 2: {1: 40, 2: 55}}), 3, 0, 100)
    assert result.raw_judges == {2} and result.normalised_judges == {1}
    assert result.totals[(2, 1)] == 40 and result.totals[(2, 2)] == 55


def test_normalised_totals_are_clipped_to_the_rubric_scale():
    # panel 0 0 0 100: mean 25, sd 43.30; judge 1's 100 has z = 1.732 -> 25 + 75 = 100 (fits),
    # with scale_max 90 it is clipped to 90; judge 1's zeros: z = -0.577 -> 0 (fits at 0)
    table = {1: {1: 0, 2: 0, 3: 0, 4: 100}}
    assert normalise(sheets_of(table), 1, 0, 100).totals[(1, 4)] == pytest.approx(100)
    assert normalise(sheets_of(table), 1, 0, 90).totals[(1, 4)] == pytest.approx(90)
    assert normalise(sheets_of(table), 1, 10, 90).totals[(1, 1)] == pytest.approx(10)


def test_without_normalisation_totals_are_raw_and_nobody_is_flagged():
    result = raw_totals(sheets_of({1: {1: 60}, 2: {1: 40}}))
    assert result.totals == {(1, 1): 60.0, (2, 1): 40.0}
    assert not result.raw_judges and not result.normalised_judges


def test_compute_flags_rows_with_raw_judges():
    table = {1: {1: 60, 2: 70, 3: 80}, 2: {1: 40, 2: 50, 3: 60}, 3: {3: 90}}
    method = Method(aggregation=MEAN, normalise=True, normalise_min_projects=2, bootstrap_resamples=0)
    result = compute(sheets_of(table), [Project(p) for p in (1, 2, 3)], method)
    flags = {row.project: row.flags for row in result.rows}
    assert FLAG_RAW_JUDGES in flags[3] and FLAG_RAW_JUDGES not in flags[1]
    assert {j.judge: j.normalised for j in result.judges} == {1: True, 2: True, 3: False}
    # The panel is all seven raw totals: M = 450 / 7, S = their population sd. Judges 1 and 2 both
    # have z = -1.2247, 0, 1.2247 on projects 1 2 3; judge 3's 90 stays raw. So project 1 scores
    # M - 1.2247 S (twice), project 2 scores M, project 3 scores (2 (M + 1.2247 S) + 90) / 3.
    panel = [60, 70, 80, 40, 50, 60, 90]
    m, s, z = statistics.fmean(panel), statistics.pstdev(panel), math.sqrt(1.5)
    aggregates = {row.project: row.aggregate for row in result.rows}
    assert aggregates[1] == pytest.approx(m - z * s) and aggregates[2] == pytest.approx(m)
    assert aggregates[3] == pytest.approx((2 * (m + z * s) + 90) / 3)
    assert all(row.normalised == pytest.approx(row.aggregate) for row in result.rows)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(st.integers(0, 200).map(lambda n: n / 2), min_size=1, max_size=30))
def test_z_scores_match_scipy(values):
    values = np.array(values)
    expected = np.zeros_like(values) if values.std() == 0 else stats.zscore(values, ddof=0)
    assert judge_z_scores(values) == pytest.approx(expected, abs=1e-9)


@st.composite
def panels(draw):
    n_projects = draw(st.integers(2, 6))
    n_judges = draw(st.integers(1, 4))
    table = {}
    for judge in range(1, n_judges + 1):
        scored = draw(st.lists(st.integers(1, n_projects), min_size=2, max_size=n_projects, unique=True))
        table[judge] = {p: draw(st.integers(0, 100)) for p in scored}
    return table, n_projects


@settings(max_examples=60, deadline=None)
@given(panels(), st.integers(-40, 40), st.data())
def test_adding_a_constant_to_one_judge_changes_no_ranking(panel, shift, data):
    # z-scores ignore a constant added to one judge; only the panel's mean and sd (M, S) move, and
    # every aggregate is M + S x (the same function of z), so the ranking is unchanged. The scale is
    # wide enough that nothing is clipped.
    table, n_projects = panel
    judge = data.draw(st.sampled_from(sorted(table)))
    shifted = {j: {p: t + (shift if j == judge else 0) for p, t in row.items()} for j, row in table.items()}
    method = Method(normalise=True, normalise_min_projects=2, scale_min=-1e6, scale_max=1e6, bootstrap_resamples=0)
    projects = [Project(p) for p in range(1, n_projects + 1)]
    before = compute(sheets_of(table), projects, method)
    after = compute(sheets_of(shifted), projects, method)
    assert [(r.project, r.rank, r.decided_by) for r in before.rows] == [(r.project, r.rank, r.decided_by)
                                                                        for r in after.rows]
    a, b = normalise(sheets_of(table), 2, -1e6, 1e6), normalise(sheets_of(shifted), 2, -1e6, 1e6)
    for key in a.totals:
        za = 0 if a.panel_sd == 0 else (a.totals[key] - a.panel_mean) / a.panel_sd
        zb = 0 if b.panel_sd == 0 else (b.totals[key] - b.panel_mean) / b.panel_sd
        assert za == pytest.approx(zb, abs=1e-9)
