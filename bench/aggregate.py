"""The cost of computing a large round's result, against a plain numpy mean as the floor.

    .venv/bin/python bench/aggregate.py [--projects 2000] [--judges 60] [--criteria 8] [--per-project 7]
                                        [--resamples 1000] [--repeat 3] [--seed 1]

Synthetic, seeded data: each project has a hidden quality, each judge a harshness; each project is
scored by ``--per-project`` judges drawn at random, on ``--criteria`` criteria of 0..10 in steps of
0.5 with equal weights (so a total lies in 0..10 x criteria). The method is the trimmed mean (k=1)
over per-judge normalised totals, the default tie-break chain, ``--resamples`` bootstrap resamples
and leave-one-judge-out.

Printed: the time of ``roadshow.scoring.results.compute`` (best of ``--repeat``, wall clock, and the
process's CPU time beside it: on a busy machine the two part), the time of a plain
numpy mean of the same totals (a projects x sheets array, built once; best of many runs) as the
floor, and their ratio. The inputs (Sheet objects) are built before timing. Target (issue 5):
compute() <= 2 s on the 2-core benchmark machine. Printed, never asserted.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roadshow.scoring.model import TRIMMED_MEAN, Method, Project, Sheet  # noqa: E402
from roadshow.scoring.results import compute  # noqa: E402


def synthetic(projects: int, judges: int, criteria: int, per_project: int, seed: int):
    rng = np.random.default_rng(seed)
    quality = rng.normal(6.0, 1.2, projects)
    harshness = rng.normal(0.0, 0.8, judges)
    sheets = []
    for p in range(projects):
        panel = rng.choice(judges, size=per_project, replace=False)
        for j in panel:
            raw = quality[p] + harshness[j] + rng.normal(0.0, 1.0, criteria)
            scores = np.clip(np.round(raw * 2) / 2, 0, 10)
            sheets.append(Sheet(judge=int(j) + 1, project=p + 1, total=float(scores.sum()),
                                criteria={c + 1: float(s) for c, s in enumerate(scores)}))
    return sheets, [Project(id=p + 1, track=p % 4) for p in range(projects)]


def best_of(repeat: int, fn):
    """(best wall-clock time, best CPU time of this process, the last result)."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=60)
    parser.add_argument("--criteria", type=int, default=8)
    parser.add_argument("--per-project", type=int, default=7)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    sheets, projects = synthetic(args.projects, args.judges, args.criteria, args.per_project, args.seed)
    method = Method(aggregation=TRIMMED_MEAN, trim=1, normalise=True, normalise_min_projects=5,
                    scale_min=0.0, scale_max=10.0 * args.criteria, bootstrap_resamples=args.resamples,
                    top_n=10)
    elapsed, cpu, result = best_of(args.repeat, lambda: compute(sheets, projects, method))

    totals = np.array([s.total for s in sheets]).reshape(args.projects, args.per_project)
    floor, _, _ = best_of(max(args.repeat, 50), lambda: totals.mean(axis=1))

    uncertain = sum("uncertain_top_n" in row.flags for row in result.rows)
    print(f"{args.projects} projects x {args.judges} judges x {args.criteria} criteria, "
          f"{args.per_project} sheets per project ({len(sheets)} sheets), {args.resamples} resamples")
    print(f"compute():        {elapsed:8.3f} s   (best of {args.repeat}; target <= 2 s; CPU {cpu:.3f} s)")
    print(f"numpy mean floor: {floor * 1000:8.3f} ms")
    print(f"ratio:            {elapsed / floor:8.0f} x")
    print(f"top 3: {[(r.rank, r.project, round(r.aggregate, 2), r.rank_low, r.rank_high) for r in result.rows[:3]]}; "
          f"uncertain top {method.top_n}: {uncertain}; outlier judges: {sum(j.outlier for j in result.judges)}; "
          f"W: {result.kendalls_w}; ICC(1): {result.icc:.3f}")


if __name__ == "__main__":
    main()
