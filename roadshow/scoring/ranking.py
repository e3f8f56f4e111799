"""Ranking the projects of a round: standard competition ranking after a declared tie-break chain.

The rule:

1. Projects are ordered by their aggregate, higher first. Two values equal to 9 decimal places
   count as equal (the totals are exact decimals; the last bits of a float sum are not evidence).
2. Where aggregates are equal, the round's tie-breaks (``Method.tie_breaks``) are tried in the order
   declared, each preferring the higher value:

   * ``aggregate``: the aggregate itself (always the first key, wherever it is listed);
   * ``criterion:<id>``: the mean score of the project's sheets on that criterion (a project with
     no score on it comes after one with a score);
   * ``median``: the median of the totals the aggregate was computed from;
   * ``lot``: a draw by lot that anyone can repeat: each project draws the number made of the first
     8 bytes of ``sha256("<lot_seed>:<project id>")`` (big-endian), and the higher number comes
     first. Both projects it separates are flagged ``drawn_by_lot``.

3. Ranks follow the standard competition ranking (1, 2, 2, 4): projects still equal on every key of
   the chain share the rank (the lowest of the places they occupy) and are flagged ``tied``; the
   next project's rank counts all of them.
4. A row placed below the row above it only by a tie-break names it in ``decided_by`` (the first key
   of the chain on which the two differ).
5. Projects without sheets come last, sharing the rank after every project with sheets; no
   tie-break applies to them (they carry ``no_sheets``). Among equals, rows are listed by project id.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from roadshow.scoring.model import FLAG_LOT, FLAG_NO_SHEETS, FLAG_TIED

EQUAL_PLACES = 9
AGGREGATE, MEDIAN, LOT, CRITERION = "aggregate", "median", "lot", "criterion:"


@dataclass(frozen=True)
class Contender:
    project: int
    aggregate: float | None
    median: float | None = None
    criteria: Mapping[int, float] = field(default_factory=dict)  # criterion id -> mean score


@dataclass(frozen=True)
class Placing:
    project: int
    rank: int
    decided_by: str | None
    flags: tuple[str, ...]


def comparable(value: float | None) -> float:
    """The value as compared: rounded to 9 decimal places; no value compares below every value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -math.inf
    scale = 10.0 ** EQUAL_PLACES
    return round(float(value) * scale) / scale  # numpy.round's arithmetic, as in rank_matrix


def lot_number(seed: int, project: int) -> int:
    """The project's draw: the first 8 bytes of sha256("<seed>:<project>") as a big-endian integer."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{project}".encode()).digest()[:8], "big")


def tie_break_chain(tie_breaks: Iterable[str]) -> tuple[str, ...]:
    """The chain as applied: ``aggregate`` first, then the others in the order declared, each once.

    ValueError on an unknown tie-break or a malformed ``criterion:<id>``.
    """
    chain = [AGGREGATE]
    for name in tie_breaks:
        if name in (AGGREGATE, MEDIAN, LOT):
            pass
        elif name.startswith(CRITERION) and name[len(CRITERION):].lstrip("-").isdigit():
            name = f"{CRITERION}{int(name[len(CRITERION):])}"
        else:
            raise ValueError(f"unknown tie-break {name!r}")
        if name not in chain:
            chain.append(name)
    return tuple(chain)


def _key(contender: Contender, name: str, lot_seed: int) -> float | int:
    if name == AGGREGATE:
        return comparable(contender.aggregate)
    if name == MEDIAN:
        return comparable(contender.median)
    if name == LOT:
        return lot_number(lot_seed, contender.project)
    return comparable(contender.criteria.get(int(name[len(CRITERION):])))


def rank(contenders: Sequence[Contender], tie_breaks: Iterable[str] = (AGGREGATE, MEDIAN, LOT),
         lot_seed: int = 0) -> list[Placing]:
    """The placings in rank order, by the rules in this module's docstring."""
    chain = tie_break_chain(tie_breaks)
    scored, unscored = [], []
    for contender in contenders:
        (unscored if comparable(contender.aggregate) == -math.inf else scored).append(contender)
    unscored.sort(key=lambda c: c.project)
    keyed = [(tuple(_key(c, name, lot_seed) for name in chain), c) for c in scored]
    keyed.sort(key=lambda item: (tuple(-v for v in item[0]), item[1].project))
    placings: list[Placing] = []
    flags: list[set[str]] = [set() for _ in keyed]
    ranks: list[int] = []
    decided: list[str | None] = []
    for i, (keys, _) in enumerate(keyed):
        if i and keys == keyed[i - 1][0]:
            ranks.append(ranks[-1])
            decided.append(None)
            flags[i].add(FLAG_TIED)
            flags[i - 1].add(FLAG_TIED)
            continue
        ranks.append(i + 1)
        reason = None
        if i:
            reason = next(name for name, a, b in zip(chain, keys, keyed[i - 1][0]) if a != b)
            if reason == AGGREGATE:
                reason = None
            elif reason == LOT:
                flags[i].add(FLAG_LOT)
                flags[i - 1].add(FLAG_LOT)
        decided.append(reason)
    for (_, contender), place, reason, own in zip(keyed, ranks, decided, flags):
        placings.append(Placing(contender.project, place, reason, tuple(sorted(own))))
    last = len(keyed) + 1
    placings.extend(Placing(c.project, last, None, (FLAG_NO_SHEETS,)) for c in unscored)
    return placings


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Standard competition ranks of values, higher first: 1 + the number of strictly higher values."""
    keys = [comparable(v) for v in values]
    ordered = sorted(keys, reverse=True)
    first = {}
    for i, v in enumerate(ordered):
        first.setdefault(v, i + 1)
    return [first[v] for v in keys]


def rank_matrix(aggregates: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Competition ranks in every row of ``aggregates`` (resamples x projects), higher first.

    Aggregates are compared to 9 decimal places; NaN (no sheets) comes last. Where two projects'
    aggregates are equal in a row, ``order`` decides: it holds each project's rank in the published
    ranking (the tie-break chain's verdict), so a resample equal to the data ranks exactly as
    published; projects with the same ``order`` and the same aggregate share the rank.
    """
    values = np.round(np.where(np.isnan(aggregates), -np.inf, aggregates), EQUAL_PLACES)
    order = np.asarray(order)
    by_order = np.argsort(order, kind="stable")
    values = values[:, by_order]
    ordered_order = order[by_order]
    sorter = np.argsort(-values, axis=1)  # quick; its order among equal values is arbitrary ...
    sorted_values = np.take_along_axis(values, sorter, axis=1)
    sorted_order = ordered_order[sorter]
    mixed = ((sorted_values[:, 1:] == sorted_values[:, :-1])
             & (sorted_order[:, 1:] != sorted_order[:, :-1])).any(axis=1)
    if mixed.any():  # ... so rows where equal values have different published ranks are sorted stably
        sorter[mixed] = np.argsort(-values[mixed], axis=1, kind="stable")
        sorted_values[mixed] = np.take_along_axis(values[mixed], sorter[mixed], axis=1)
        sorted_order[mixed] = ordered_order[sorter[mixed]]
    positions = np.arange(1, values.shape[1] + 1, dtype=np.int32)
    same = (sorted_values[:, 1:] == sorted_values[:, :-1]) & (sorted_order[:, 1:] == sorted_order[:, :-1])
    starts = np.broadcast_to(positions, values.shape).copy()
    grouped = same.any(axis=1)
    if grouped.any():  # a shared rank is the place of the first of its group
        rows = starts[grouped]
        rows[:, 1:][same[grouped]] = 0
        starts[grouped] = np.maximum.accumulate(rows, axis=1)
    ranks = np.empty_like(starts)
    np.put_along_axis(ranks, by_order[sorter], starts, axis=1)
    return ranks
