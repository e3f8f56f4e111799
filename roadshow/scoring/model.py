"""What goes into a round's ranking and what comes out: plain, frozen dataclasses.

The services build ``Sheet``/``Project``/``Method`` from the database (submitted sheets only, of
judges assigned and not conflicted) and call :func:`roadshow.scoring.results.compute`; they store
``RoundResult.as_dict()`` in snapshots. Scores are floats here: the sheets' exact Decimal totals
are rounded to 4 places only when shown or stored.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

MEAN, MEDIAN, TRIMMED_MEAN = "mean", "median", "trimmed_mean"

# Flags a row may carry
FLAG_FALLBACK = "fallback"              # fewer than 2k+1 sheets: the round's fallback method was used
FLAG_DISAGREEMENT = "disagreement"      # spread of totals above the threshold: re-review suggested
FLAG_TIED = "tied"                      # shares its rank with another project after every tie-break
FLAG_LOT = "drawn_by_lot"               # separated from a neighbour only by the seeded lot
FLAG_RAW_JUDGES = "raw_judges"          # some of its sheets come from judges kept raw (too few projects)
FLAG_UNCERTAIN = "uncertain_top_n"      # P(top N) strictly between 0.05 and 0.95
FLAG_NO_SHEETS = "no_sheets"


@dataclass(frozen=True)
class Sheet:
    judge: int
    project: int
    total: float
    criteria: Mapping[int, float] = field(default_factory=dict)  # criterion id -> score


@dataclass(frozen=True)
class Project:
    id: int
    track: int | None = None


@dataclass(frozen=True)
class Method:
    aggregation: str = TRIMMED_MEAN        # MEAN, MEDIAN or TRIMMED_MEAN
    trim: int = 1                          # k highest and k lowest dropped by the trimmed mean
    fallback: str = MEAN                   # used (and flagged) with fewer than 2k+1 sheets
    normalise: bool = False
    normalise_min_projects: int = 5        # judges with fewer sheets stay raw (and are flagged)
    scale_min: float = 0.0                 # the rubric's range of a total, for rescaling z-scores
    scale_max: float = 100.0
    tie_breaks: tuple[str, ...] = ("aggregate", "median", "lot")  # also "criterion:<id>"
    lot_seed: int = 0
    top_n: int = 10
    disagreement_threshold: float | None = None  # max - min of a project's totals
    bootstrap_resamples: int = 1000
    bootstrap_seed: int = 0


@dataclass(frozen=True)
class Row:
    project: int
    track: int | None
    rank: int                       # 1, 2, 2, 4 ... after the tie-break chain
    n_sheets: int
    raw_mean: float | None          # plain mean of the raw totals
    aggregate: float | None         # the round's method over the (normalised, if on) totals
    normalised: float | None        # mean of the normalised totals; None when normalisation is off
    median: float | None
    spread: float | None            # max - min of the raw totals
    rank_low: int                   # bootstrap rank interval (2.5th..97.5th percentile)
    rank_high: int
    p_top_n: float                  # share of bootstrap resamples in which it ranks within top N
    loo_max_shift: int              # largest rank change when one judge is left out
    decided_by: str | None          # the tie-break that put it below the row above, if any
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class JudgeStat:
    judge: int
    n_sheets: int
    mean: float                     # mean of their raw totals
    harshness: float                # mean of (their total - the project's mean of others' totals)
    consensus: float | None         # Spearman correlation of their totals with the others' means
    normalised: bool                # False when kept raw (fewer sheets than the minimum)
    outlier: bool


@dataclass(frozen=True)
class RoundResult:
    rows: tuple[Row, ...]                          # in rank order
    by_track: Mapping[int | None, tuple[Row, ...]]  # ranks within each track (rank field re-ranked)
    judges: tuple[JudgeStat, ...]
    kendalls_w: float | None
    icc: float | None                              # None where the design does not allow it
    method: Method

    def as_dict(self) -> dict:
        """Plain JSON-able values, for snapshots and the API (track keys as strings)."""
        data = asdict(self)
        data["by_track"] = {("none" if key is None else str(key)): [asdict(r) for r in rows]
                            for key, rows in self.by_track.items()}
        return data
