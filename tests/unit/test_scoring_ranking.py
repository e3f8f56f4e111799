"""Ranking with ties and the tie-break chain (roadshow.scoring.ranking): worked cases, properties,
and scipy.stats.rankdata(method="min") as the reference competition ranking."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from roadshow.scoring.model import FLAG_LOT, FLAG_NO_SHEETS, FLAG_TIED
from roadshow.scoring.ranking import Contender, competition_ranks, lot_number, rank, rank_matrix, tie_break_chain


def placings(contenders, chain=("aggregate",), seed=0):
    return [(p.project, p.rank, p.decided_by, p.flags) for p in rank(contenders, chain, seed)]


def test_equal_aggregates_share_a_rank_and_the_next_counts_them():
    # 90, 80, 80, 70 -> 1, 2, 2, 4
    got = placings([Contender(1, 90), Contender(2, 80), Contender(3, 80), Contender(4, 70)])
    assert got == [(1, 1, None, ()), (2, 2, None, (FLAG_TIED,)), (3, 2, None, (FLAG_TIED,)), (4, 4, None, ())]


def test_a_named_criterion_breaks_the_tie():
    # 2 and 3 both 80; on criterion 12 project 3 averages 9, project 2 averages 7 -> 3 before 2
    contenders = [Contender(1, 90), Contender(2, 80, 80, {12: 7.0}), Contender(3, 80, 80, {12: 9.0})]
    got = placings(contenders, ("aggregate", "criterion:12", "median", "lot"))
    assert got == [(1, 1, None, ()), (3, 2, None, ()), (2, 3, "criterion:12", ())]


def test_a_missing_criterion_score_comes_after_a_present_one():
    got = placings([Contender(1, 80, 80, {}), Contender(2, 80, 80, {5: 0.0})], ("criterion:5",))
    assert [p[0] for p in got] == [2, 1] and got[1][2] == "criterion:5"


def test_the_median_breaks_the_tie_when_the_criterion_is_equal_too():
    contenders = [Contender(1, 80, 78, {12: 8.0}), Contender(2, 80, 81, {12: 8.0})]
    got = placings(contenders, ("aggregate", "criterion:12", "median", "lot"))
    assert got == [(2, 1, None, ()), (1, 2, "median", ())]


def test_the_lot_is_reproducible_from_the_seed_and_flags_both_projects():
    def draw(seed, project):  # the documented rule, computed independently
        return int(hashlib.sha256(f"{seed}:{project}".encode()).hexdigest()[:16], 16)

    for seed in (0, 7, 2026):
        expected = sorted([11, 22], key=lambda p: -draw(seed, p))
        got = placings([Contender(11, 80, 80), Contender(22, 80, 80)], ("median", "lot"), seed)
        assert [p[0] for p in got] == expected
        assert [p[1] for p in got] == [1, 2]
        assert got[1][2] == "lot" and all(FLAG_LOT in p[3] for p in got)
        assert lot_number(seed, 11) == draw(seed, 11)


def test_without_a_lot_full_equals_stay_tied():
    got = placings([Contender(1, 80, 80), Contender(2, 80, 80), Contender(3, 70, 70)], ("aggregate", "median"))
    assert got == [(1, 1, None, (FLAG_TIED,)), (2, 1, None, (FLAG_TIED,)), (3, 3, None, ())]


def test_projects_without_sheets_come_last_sharing_a_rank():
    got = placings([Contender(5, None), Contender(1, 10), Contender(3, None), Contender(2, 20)], ("lot",))
    assert got == [(2, 1, None, ()), (1, 2, None, ()), (3, 3, None, (FLAG_NO_SHEETS,)),
                   (5, 3, None, (FLAG_NO_SHEETS,))]


def test_values_equal_to_nine_places_are_equal():
    got = placings([Contender(1, 0.1 + 0.2), Contender(2, 0.3)])
    assert [p[1] for p in got] == [1, 1]


@pytest.mark.parametrize("declared, applied", [
    ((), ("aggregate",)),
    (("median", "aggregate", "lot"), ("aggregate", "median", "lot")),
    (("criterion:012", "criterion:12", "lot", "lot"), ("aggregate", "criterion:12", "lot")),
])
def test_the_chain_starts_with_the_aggregate(declared, applied):
    assert tie_break_chain(declared) == applied


@pytest.mark.parametrize("bad", ["random", "criterion:", "criterion:x", "Median"])
def test_unknown_tie_breaks_are_refused(bad):
    with pytest.raises(ValueError):
        tie_break_chain([bad])


scores = st.integers(0, 20).map(lambda n: n / 2)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(scores, min_size=1, max_size=30))
def test_ranks_with_the_aggregate_alone_are_the_competition_ranking(values):
    contenders = [Contender(i + 1, v) for i, v in enumerate(values)]
    got = {p.project: p.rank for p in rank(contenders, ("aggregate",))}
    expected = rankdata([-v for v in values], method="min")
    assert [got[i + 1] for i in range(len(values))] == list(expected)
    assert competition_ranks(values) == list(expected)


@settings(deadline=None)  # scipy and numpy warm up slowly on a busy machine
@given(st.lists(st.tuples(scores, scores), min_size=1, max_size=30), st.integers(0, 1000))
def test_the_full_chain_gives_a_valid_ranking(pairs, seed):
    contenders = [Contender(i + 1, a, m) for i, (a, m) in enumerate(pairs)]
    result = rank(contenders, ("aggregate", "median", "lot"), seed)
    ranks = [p.rank for p in result]
    assert ranks == list(range(1, len(pairs) + 1))  # the lot leaves no tie
    aggregates = {i + 1: a for i, (a, _) in enumerate(pairs)}
    for above, below in zip(result, result[1:]):
        assert aggregates[above.project] >= aggregates[below.project]
        assert (below.decided_by is not None) == (aggregates[above.project] == aggregates[below.project])
    # the order does not depend on the order of the input
    assert [p.project for p in rank(list(reversed(contenders)), ("aggregate", "median", "lot"), seed)] == \
        [p.project for p in result]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.one_of(scores, st.just(float("nan"))), min_size=6, max_size=6), min_size=1, max_size=5))
def test_rank_matrix_without_an_order_is_rankdata_min_per_row(rows):
    matrix = np.array(rows)
    got = rank_matrix(matrix, np.zeros(6, dtype=int))
    for row, ranks in zip(matrix, got):
        expected = rankdata(-np.where(np.isnan(row), -np.inf, row), method="min")
        assert ranks.tolist() == expected.tolist()


def test_rank_matrix_breaks_equal_aggregates_by_the_published_order():
    matrix = np.array([[5.0, 5.0, 5.0, 1.0], [1.0, 5.0, 5.0, 5.0]])
    published = np.array([3, 1, 1, 4])  # projects 1 and 2 tied, then 0, then 3
    # row 1: 5 5 5 -> the tied pair first (rank 1, 1), then project 0 (3); project 3 last (4)
    # row 2: project 0 alone at 1 last; 5 5 5 -> pair 1, 1; then project 3 (published 4) -> 3
    assert rank_matrix(matrix, published).tolist() == [[3, 1, 1, 4], [4, 1, 1, 3]]
