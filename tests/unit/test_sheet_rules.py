"""The rules of a score sheet (roadshow.scoring.sheets): what a score may be, and the total."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadshow.scoring.sheets import (
    COMMENT_REQUIRED, COMMENT_TOO_LONG, MAX_COMMENT_LENGTH, MISSING, NOT_A_NUMBER, OFF_STEP, OUT_OF_RANGE,
    UNKNOWN_CRITERION, CriterionRule, check_sheet, decimal_text, maximum_total, parse_score, sheet_total,
)

D = Decimal
RUBRIC = [
    CriterionRule(1, max_points=D(10), weight=D("0.4"), step=D("0.5"), comment_required=True),
    CriterionRule(2, max_points=D(10), weight=D("0.3")),
    CriterionRule(3, max_points=D(20), weight=D("0.3")),
]
COMPLETE = {"1": "8.5", "2": 7, "3": 18.0}
COMMENTS = {"1": "Strong prototype."}


def test_a_complete_sheet_passes_and_totals_by_weight():
    checked = check_sheet(RUBRIC, COMPLETE, COMMENTS, complete=True)
    assert checked.ok
    assert checked.scores == {1: D("8.5"), 2: D(7), 3: D(18)}
    # 0.4 x 8.5 + 0.3 x 7 + 0.3 x 18 = 3.4 + 2.1 + 5.4
    assert sheet_total(RUBRIC, checked.scores) == D("10.9")
    assert maximum_total(RUBRIC) == D("4") + D("3") + D("6")


@pytest.mark.parametrize("raw, code", [
    (float("nan"), NOT_A_NUMBER),
    (float("inf"), NOT_A_NUMBER),
    (float("-inf"), NOT_A_NUMBER),
    ("NaN", NOT_A_NUMBER),
    ("Infinity", NOT_A_NUMBER),
    ("1e309", OUT_OF_RANGE),          # a finite decimal string, far above the maximum
    (1e309, NOT_A_NUMBER),            # what JSON's 1e309 becomes as a float: infinity
    (-1, OUT_OF_RANGE),
    ("-0.5", OUT_OF_RANGE),
    ("abc", NOT_A_NUMBER),
    ("7,5", NOT_A_NUMBER),
    (True, NOT_A_NUMBER),
    ([8], NOT_A_NUMBER),
    ({"v": 8}, NOT_A_NUMBER),
    ("9" * 40, NOT_A_NUMBER),
    (7.25, OFF_STEP),
    ("1e-999999999", OFF_STEP),
    ("8.501", OFF_STEP),
    (10.5, OUT_OF_RANGE),
])
def test_bad_scores_are_refused_with_their_reason(raw, code):
    checked = check_sheet(RUBRIC, {**COMPLETE, "1": raw}, COMMENTS, complete=True)
    assert checked.errors == {1: code}
    assert 1 not in checked.scores


def test_a_criterion_of_another_rubric_is_unknown():
    checked = check_sheet(RUBRIC, {**COMPLETE, "99": 5}, COMMENTS, complete=False)
    assert checked.errors == {99: UNKNOWN_CRITERION}
    assert check_sheet(RUBRIC, {"x": 5}, {}, complete=False).errors == {None: UNKNOWN_CRITERION}


def test_drafts_may_be_partial_but_submits_may_not():
    partial = {"1": "8", "2": ""}
    assert check_sheet(RUBRIC, partial, {}, complete=False).ok
    assert check_sheet(RUBRIC, partial, {}, complete=True).errors == {1: COMMENT_REQUIRED, 2: MISSING, 3: MISSING}


def test_required_comments_must_say_something():
    assert check_sheet(RUBRIC, COMPLETE, {"1": "   "}, complete=True).errors == {1: COMMENT_REQUIRED}
    assert check_sheet(RUBRIC, COMPLETE, {"1": "x" * (MAX_COMMENT_LENGTH + 1)},
                       complete=True).errors == {1: COMMENT_TOO_LONG}


@pytest.mark.parametrize("raw, expected", [(None, None), ("", None), ("  ", None), (3, D(3)), ("2.50", D("2.50")),
                                           (0.5, D("0.5"))])
def test_parse_score(raw, expected):
    assert parse_score(raw) == expected


steps = st.sampled_from([D(1), D("0.5")])


@given(st.lists(st.tuples(st.integers(1, 40), steps, st.integers(1, 9)), min_size=1, max_size=6), st.data())
def test_any_on_step_score_within_range_passes_and_the_total_is_bounded(spec, data):
    rubric = [CriterionRule(i, max_points=D(top), weight=D(weight) / 10, step=step)
              for i, (top, step, weight) in enumerate(spec)]
    scores = {str(c.id): str(data.draw(st.integers(0, int(c.max_points / c.step))) * c.step) for c in rubric}
    checked = check_sheet(rubric, scores, {}, complete=True)
    assert checked.ok
    assert D(0) <= sheet_total(rubric, checked.scores) <= maximum_total(rubric)


@given(st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12) | st.integers(-10**6, 10**6))
def test_nothing_outside_the_rules_is_ever_accepted(raw):
    rubric = [CriterionRule(1, max_points=D(10), step=D("0.5"))]
    checked = check_sheet(rubric, {"1": raw}, {}, complete=False)
    if 1 in checked.scores:
        value = checked.scores[1]
        assert value.is_finite() and D(0) <= value <= D(10) and value % D("0.5") == 0


@pytest.mark.parametrize("value, text", [
    (Decimal("8.50"), "8.5"), (Decimal("10.00"), "10"), (Decimal("1E+2"), "100"), (Decimal("0.00"), "0"),
    (Decimal("7.9000"), "7.9"), (Decimal("0.25"), "0.25"),
])
def test_decimal_text_drops_trailing_zeros_and_exponents(value, text):
    assert decimal_text(value) == text


def test_the_plain_decimal_filter_shows_a_dash_for_none():
    from roadshow.web.fields import plain_decimal

    assert plain_decimal(None) == "—"
    assert plain_decimal(Decimal("12.50")) == "12.5"
