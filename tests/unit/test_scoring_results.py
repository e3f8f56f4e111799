"""A round's result end to end (roadshow.scoring.results.compute): a worked round, tracks,
determinism, independence from the order of the inputs, JSON, refusals."""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadshow.scoring.model import (
    FLAG_FALLBACK, FLAG_LOT, FLAG_NO_SHEETS, MEAN, MEDIAN, TRIMMED_MEAN, Method, Project, Sheet,
)
from roadshow.scoring.results import compute

CHAIN = ("aggregate", "criterion:7", "median", "lot")


def worked_round():
    # trimmed mean, k = 1, fallback mean
    # P1: 70 80 90 -> drop 70 and 90: 80; raw mean 80; median 80; spread 20; criterion 7: 8 8 8 -> 8
    # P2: 60 85 95 -> 85; raw mean 80; median 85; spread 35
    # P3: 80 80 (two sheets < 3): fallback mean 80, flagged; criterion 7: 9 9 -> 9
    # P4: no sheets
    sheets = [
        Sheet(1, 1, 70.0, {7: 8.0}), Sheet(2, 1, 80.0, {7: 8.0}), Sheet(3, 1, 90.0, {7: 8.0}),
        Sheet(1, 2, 60.0, {7: 6.0}), Sheet(2, 2, 85.0, {7: 9.0}), Sheet(3, 2, 95.0, {7: 9.0}),
        Sheet(1, 3, 80.0, {7: 9.0}), Sheet(2, 3, 80.0, {7: 9.0}),
    ]
    projects = [Project(1, track=1), Project(2, track=1), Project(3, track=2), Project(4, track=None)]
    return sheets, projects, Method(aggregation=TRIMMED_MEAN, trim=1, fallback=MEAN, tie_breaks=CHAIN,
                                    bootstrap_resamples=200, top_n=4)


def test_a_worked_round():
    result = compute(*worked_round())
    # P2 85 first; P1 and P3 both 80: criterion 7 averages 8 and 9 -> P3 before P1; P4 last
    got = [(r.project, r.rank, r.n_sheets, r.raw_mean, r.aggregate, r.median, r.spread, r.decided_by, r.flags)
           for r in result.rows]
    assert got == [
        (2, 1, 3, 80.0, 85.0, 85.0, 35.0, None, ()),
        (3, 2, 2, 80.0, 80.0, 80.0, 0.0, None, (FLAG_FALLBACK,)),
        (1, 3, 3, 80.0, 80.0, 80.0, 20.0, "criterion:7", ()),
        (4, 4, 0, None, None, None, None, None, (FLAG_NO_SHEETS,)),
    ]
    assert all(r.p_top_n == 1.0 for r in result.rows)  # top 4 of 4
    assert all(r.normalised is None for r in result.rows)
    # within the tracks: track 1 is P2 then P1 (aggregates differ, so no tie-break is named)
    assert [(r.project, r.rank, r.decided_by) for r in result.by_track[1]] == [(2, 1, None), (1, 2, None)]
    assert [(r.project, r.rank) for r in result.by_track[2]] == [(3, 1)]
    assert [(r.project, r.rank) for r in result.by_track[None]] == [(4, 1)]
    assert list(result.by_track) == [1, 2, None]
    for rows in result.by_track.values():
        for row in rows:
            assert row.rank_low <= row.rank <= row.rank_high


def test_the_result_is_plain_json():
    data = compute(*worked_round()).as_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["by_track"]["none"][0]["project"] == 4
    assert json.loads(text)["method"]["tie_breaks"] == list(CHAIN)


def test_the_same_inputs_give_the_same_result():
    assert compute(*worked_round()).as_dict() == compute(*worked_round()).as_dict()


def test_a_lot_decides_between_full_equals_and_is_recorded():
    sheets = [Sheet(1, 10, 50.0), Sheet(1, 20, 50.0)]
    result = compute(sheets, [Project(10), Project(20)], Method(bootstrap_resamples=10, lot_seed=4))
    assert [r.rank for r in result.rows] == [1, 2]
    assert result.rows[1].decided_by == "lot"
    assert all(FLAG_LOT in r.flags for r in result.rows)


@pytest.mark.parametrize("sheets, projects", [
    ([Sheet(1, 1, 5.0), Sheet(1, 1, 6.0)], [Project(1)]),     # two sheets of one judge for one project
    ([Sheet(1, 2, 5.0)], [Project(1)]),                       # a project that is not in the round
    ([], [Project(1), Project(1)]),                           # a project listed twice
])
def test_inconsistent_inputs_are_refused(sheets, projects):
    with pytest.raises(ValueError):
        compute(sheets, projects, Method())


@pytest.mark.parametrize("method", [Method(aggregation="mode"), Method(fallback=TRIMMED_MEAN), Method(trim=-1),
                                    Method(tie_breaks=("coin",))])
def test_invalid_methods_are_refused(method):
    with pytest.raises(ValueError):
        compute([Sheet(1, 1, 5.0)], [Project(1)], method)


def test_an_empty_round():
    result = compute([], [], Method())
    assert result.rows == () and result.judges == () and result.kendalls_w is None and result.icc is None
    result = compute([], [Project(1), Project(2)], Method())
    assert [(r.rank, r.flags) for r in result.rows] == [(1, (FLAG_NO_SHEETS,)), (1, (FLAG_NO_SHEETS,))]


@st.composite
def rounds(draw):
    n_projects = draw(st.integers(1, 7))
    sheets = []
    for judge in range(1, draw(st.integers(1, 5)) + 1):
        for project in draw(st.lists(st.integers(1, n_projects), max_size=n_projects, unique=True)):
            score = draw(st.integers(0, 10))
            sheets.append(Sheet(judge, project, float(score * 2), {3: float(score)}))
    projects = [Project(p, track=draw(st.sampled_from([None, 1, 2]))) for p in range(1, n_projects + 1)]
    method = Method(aggregation=draw(st.sampled_from([MEAN, MEDIAN, TRIMMED_MEAN])), trim=draw(st.integers(0, 2)),
                    fallback=draw(st.sampled_from([MEAN, MEDIAN])), normalise=draw(st.booleans()),
                    normalise_min_projects=2, scale_max=20.0,
                    tie_breaks=draw(st.sampled_from([("aggregate",), ("criterion:3", "median", "lot")])),
                    disagreement_threshold=5.0, bootstrap_resamples=20, top_n=2)
    return sheets, projects, method


@settings(max_examples=60, deadline=None)
@given(rounds(), st.randoms(use_true_random=False))
def test_permuting_the_inputs_changes_nothing(round_, shuffler: random.Random):
    sheets, projects, method = round_
    expected = compute(sheets, projects, method).as_dict()
    sheets, projects = list(sheets), list(projects)
    shuffler.shuffle(sheets)
    shuffler.shuffle(projects)
    assert compute(sheets, projects, method).as_dict() == expected


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_rows_form_a_valid_ranking(round_):
    sheets, projects, method = round_
    result = compute(sheets, projects, method)
    for rows in [result.rows, *result.by_track.values()]:
        ranks = [r.rank for r in rows]
        assert ranks == sorted(ranks) and (not ranks or ranks[0] == 1)
        for i, r in enumerate(rows):  # competition ranking: a rank is 1 + the rows strictly above it
            assert r.rank == 1 + sum(1 for other in rows if other.rank < r.rank)
            assert r.rank == i + 1 or r.rank == rows[i - 1].rank
            assert 1 <= r.rank_low <= r.rank_high <= len(rows)
            assert 0.0 <= r.p_top_n <= 1.0
    assert sorted(r.project for r in result.rows) == sorted(p.id for p in projects)
    json.dumps(result.as_dict(), allow_nan=False)
