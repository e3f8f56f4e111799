"""Checking a judge's score sheet against its rubric, and its total.

Rules (each tested in tests/unit/test_sheet_rules.py):

* A score is a finite number given as an int, a float or a decimal string; booleans, NaN,
  infinities, numbers too large to represent (``1e309`` in JSON becomes infinity) and text that is
  not a number are ``not_a_number``.
* A score lies in ``[0, max_points]`` (``out_of_range``) and is a whole multiple of the criterion's
  step, 1 or 0.5 (``off_step``).
* A score for a criterion the rubric does not have (another round's, say) is ``unknown_criterion``.
* A draft may leave criteria empty (``None`` or ``""``); a submitted sheet must score every one
  (``missing``) and carry a comment wherever the criterion requires one (``comment_required``).
* The total is the sum of weight x score over the criteria, computed here and only here, so a total
  sent by a client is never trusted. Its maximum is the sum of weight x max_points.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_COMMENT_LENGTH = 5000
MAX_SCORE_TEXT = 32

NOT_A_NUMBER = "not_a_number"
OUT_OF_RANGE = "out_of_range"
OFF_STEP = "off_step"
UNKNOWN_CRITERION = "unknown_criterion"
MISSING = "missing"
COMMENT_REQUIRED = "comment_required"
COMMENT_TOO_LONG = "comment_too_long"


@dataclass(frozen=True)
class CriterionRule:
    id: int
    max_points: Decimal
    weight: Decimal = Decimal(1)
    step: Decimal = Decimal(1)
    comment_required: bool = False


@dataclass
class CheckedSheet:
    """The clean scores (criterion id -> Decimal, absent when empty) and comments, and the errors
    found (criterion id, or ``None`` for the overall comment -> error code)."""

    scores: dict[int, Decimal] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    errors: dict[int | None, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_score(raw: Any) -> Decimal | None:
    """``raw`` as a finite Decimal, ``None`` for an empty score; ValueError if it is not a number."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise ValueError(NOT_A_NUMBER)
    if isinstance(raw, str) and len(raw) > MAX_SCORE_TEXT:
        raise ValueError(NOT_A_NUMBER)
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except InvalidOperation:
        raise ValueError(NOT_A_NUMBER) from None
    if not value.is_finite():
        raise ValueError(NOT_A_NUMBER)
    return value


def _on_step(value: Decimal, step: Decimal) -> bool:
    """Whole multiples of the step; anything finer than hundredths is off-step whatever the step
    (the remainder of a tiny value would underflow to zero)."""
    try:
        return value == value.quantize(Decimal("0.01")) and value % step == 0
    except InvalidOperation:
        return False


def _criterion_key(key: Any) -> int | None:
    try:
        return int(str(key))
    except ValueError:
        return None


def check_sheet(rubric: Iterable[CriterionRule], scores: Mapping[Any, Any], comments: Mapping[Any, Any] | None = None,
                *, complete: bool) -> CheckedSheet:
    """Check ``scores`` and ``comments`` (keyed by criterion id, as int or string) against ``rubric``.

    ``complete`` is True for a submit (every criterion scored, required comments present) and
    False for a draft.
    """
    criteria = {c.id: c for c in rubric}
    result = CheckedSheet()
    for key, raw in scores.items():
        cid = _criterion_key(key)
        if cid not in criteria:
            result.errors[cid] = UNKNOWN_CRITERION
            continue
        try:
            value = parse_score(raw)
        except ValueError as error:
            result.errors[cid] = str(error)
            continue
        if value is None:
            continue
        rule = criteria[cid]
        if value < 0 or value > rule.max_points:
            result.errors[cid] = OUT_OF_RANGE
        elif not _on_step(value, rule.step):
            result.errors[cid] = OFF_STEP
        else:
            result.scores[cid] = value
    for key, text in (comments or {}).items():
        cid = _criterion_key(key)
        if cid not in criteria:
            result.errors.setdefault(cid, UNKNOWN_CRITERION)
            continue
        text = "" if text is None else str(text)
        if len(text) > MAX_COMMENT_LENGTH:
            result.errors.setdefault(cid, COMMENT_TOO_LONG)
        elif text.strip():
            result.comments[cid] = text
    if complete:
        for cid, rule in criteria.items():
            if cid in result.errors:
                continue
            if cid not in result.scores:
                result.errors[cid] = MISSING
            elif rule.comment_required and cid not in result.comments:
                result.errors[cid] = COMMENT_REQUIRED
    return result


def sheet_total(rubric: Iterable[CriterionRule], scores: Mapping[int, Decimal]) -> Decimal:
    """Sum of weight x score over the criteria scored (an empty criterion counts nothing)."""
    return sum((c.weight * scores[c.id] for c in rubric if c.id in scores), Decimal(0))


def maximum_total(rubric: Iterable[CriterionRule]) -> Decimal:
    return sum((c.weight * c.max_points for c in rubric), Decimal(0))


def decimal_text(value: Decimal) -> str:
    """A score, weight or total as plain text, without trailing zeros or exponent: ``8.50`` -> ``8.5``,
    ``10.00`` -> ``10``, ``1E+2`` -> ``100``."""
    return f"{Decimal(value).normalize():f}"
