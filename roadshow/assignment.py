"""Judge assignment for a round: a pure min-cost-flow solver (no Flask, no SQLAlchemy).

Plain dataclasses in and out: a `Request` (judges, projects, k, conflicts, settled pairs, seed) goes
into `solve`, a `Result` (every pair, the new pairs, loads, shortfalls) comes out.

The model is one network solved with networkx's network simplex::

    source --ladder--> judge --pair--> project --k - settled--> sink
    source ------------------- bypass (huge cost) -----------------> sink

* ladder: one parallel edge of capacity 1 per extra project a judge could take. The edge that would
  bring the judge to a total load of t (settled pairs included) costs t * BALANCE, so a judge's cost
  is convex in its load and the solver spreads work evenly (see "Guarantees").
* pair: capacity 1 for every judge/project pair that is not a conflict and not already settled.
  It costs NON_EXPERT * expertise_weight when the project's track is not among the judge's tracks,
  plus a tie-break in [0, NOISE) drawn from a hash of (seed, judge id, project id).
* project -> sink: capacity k minus the project's kept settled pairs.
* bypass: source -> sink with a cost larger than every other cost put together, so every unit
  that *can* go through a judge does; what remains on the bypass is the shortfall.

Costs are integers chosen so the objectives are strictly lexicographic:
coverage > balance > expertise > seeded tie-break.

Guarantees of `solve` (each is checked by tests/unit/test_assignment.py):

1. Safety: no conflicted pair is ever in `assignments`; no pair twice; no project receives new pairs
   beyond k; no judge receives new pairs beyond its `max_load`; every settled pair that is not a
   conflict is kept. A settled pair that *is* a conflict is dropped (a judge must never see a
   conflicted project) and listed in `Result.conflicted_settled`; its slot is refilled if possible.
2. Coverage: the number of new pairs is the largest possible under 1.
3. Balance: among all assignments reaching 2, the loads (settled + new, over *all* judges) minimise
   the sum of squares. The reachable load vectors form an M-convex set (bases of a polymatroid), on
   which a square-sum minimiser is also "decreasingly minimal" (Frank & Murota): the largest load
   is as small as possible, the smallest as large as possible. Hence:
   * if any maximum-coverage assignment has all loads within one of each other, so does ours; in
     particular with no conflicts, no binding caps and no settled pairs, max load - min load <= 1;
   * local certificate: whenever load(a) >= load(b) + 2, judge b could not take over any project
     newly given to a (b is conflicted with it, already on it, or at its cap).
   The guarantee is NOT "loads within one among judges eligible for some project": a judge who is
   free of conflict on one project only cannot absorb more than one, so the others must carry the
   rest (2 judges, 4 projects, k=1, judge A conflicted with three of them: loads 1 and 3 at best).
   Settled loads are never moved, so a judge already above the average stays above it.
4. Expertise: among assignments meeting 2 and 3, the number of new pairs where the judge's tracks
   contain the project's track is maximal (when expertise_weight > 0; 0 ignores tracks).
5. Determinism: the result depends only on the request's content and seed, not on the order of the
   judges, projects or pairs given. Another seed may break remaining ties differently.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

JudgeId = Hashable
ProjectId = Hashable
Pair = tuple[JudgeId, ProjectId]

REASON_TOO_FEW_JUDGES = "fewer judges in the round than k"
REASON_CONFLICTS = "not enough judges without a conflict"
REASON_LOAD_CAP = "load cap reached"

NOISE = 1 << 16  # tie-break range per pair


@dataclass(frozen=True)
class Judge:
    id: JudgeId
    tracks: frozenset = frozenset()
    max_load: int | None = None  # total projects (settled included); None = no cap


@dataclass(frozen=True)
class Project:
    id: ProjectId
    track: str | None = None


@dataclass(frozen=True)
class Request:
    judges: tuple[Judge, ...]
    projects: tuple[Project, ...]
    k: int
    conflicts: frozenset[Pair] = frozenset()
    settled: frozenset[Pair] = frozenset()
    seed: int = 0
    expertise_weight: int = 1  # 0 ignores tracks; a positive value prefers experts (after balance)


@dataclass(frozen=True)
class Shortfall:
    """A project left with fewer than k judges: how many are missing and why."""

    project_id: ProjectId
    needed: int
    reason: str
    conflicted: int  # judges of the round conflicted with this project
    capped: int  # judges free of conflict, not on the project, but at their load cap


@dataclass(frozen=True)
class Result:
    assignments: frozenset[Pair]  # kept settled pairs + new pairs
    added: frozenset[Pair]
    loads: dict[JudgeId, int] = field(hash=False)  # every judge of the request, settled included
    shortfalls: tuple[Shortfall, ...]
    conflicted_settled: frozenset[Pair]  # settled pairs dropped because they are conflicts
    seed: int

    def judges_of(self, project_id: ProjectId) -> frozenset[JudgeId]:
        return frozenset(j for j, p in self.assignments if p == project_id)


def _order(ids: Iterable[Hashable]) -> list:
    """A canonical order of ids, independent of input order (ids may be of mixed types)."""
    return sorted(ids, key=lambda i: (type(i).__name__, repr(i)))


def tie_break(seed: int, judge_id: JudgeId, project_id: ProjectId) -> int:
    """A number in [0, NOISE) fixed by (seed, judge, project): stable across processes and input
    orders (Python's own hash() is salted per process, so a digest of the reprs is used)."""
    digest = hashlib.blake2b(repr((seed, judge_id, project_id)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % NOISE


def is_expert(judge: Judge, project: Project) -> bool:
    return project.track is not None and project.track in judge.tracks


def _validate(request: Request) -> None:
    if request.k < 0:
        raise ValueError("k must be >= 0")
    if request.expertise_weight < 0:
        raise ValueError("expertise_weight must be >= 0")
    judge_ids = [j.id for j in request.judges]
    project_ids = [p.id for p in request.projects]
    if len(set(judge_ids)) != len(judge_ids):
        raise ValueError("duplicate judge id")
    if len(set(project_ids)) != len(project_ids):
        raise ValueError("duplicate project id")
    for judge in request.judges:
        if judge.max_load is not None and judge.max_load < 0:
            raise ValueError(f"judge {judge.id!r}: max_load must be >= 0")
    known_j, known_p = set(judge_ids), set(project_ids)
    for j, p in request.settled:
        if j not in known_j or p not in known_p:
            raise ValueError(f"settled pair {(j, p)!r} names an unknown judge or project")


def solve(request: Request) -> Result:
    """Assign up to k judges per project; see the module docstring for the model and guarantees.

    Conflicts naming judges or projects outside the request are ignored (a contest-wide conflict
    list may be passed as is); settled pairs naming unknown ids raise ValueError.
    """
    _validate(request)
    judges = {j.id: j for j in request.judges}
    projects = {p.id: p for p in request.projects}
    judge_order, project_order = _order(judges), _order(projects)
    k = request.k

    conflicted_settled = frozenset(pair for pair in request.settled if pair in request.conflicts)
    kept = frozenset(request.settled - conflicted_settled)
    settled_load = {j: 0 for j in judges}
    settled_count = {p: 0 for p in projects}
    for j, p in kept:
        settled_load[j] += 1
        settled_count[p] += 1

    open_slots = {p: max(0, k - settled_count[p]) for p in projects}
    spare = {
        j: (math.inf if judges[j].max_load is None else max(0, judges[j].max_load - settled_load[j]))
        for j in judges
    }
    candidates = {
        j: [p for p in project_order
            if open_slots[p] and (j, p) not in request.conflicts and (j, p) not in kept]
        for j in judge_order
    }
    demand = sum(open_slots.values())

    # Lexicographic integer scales: every lower objective summed over a whole solution stays
    # below one unit of the objective above it.
    non_expert = demand * NOISE + 1
    balance = demand * (request.expertise_weight * non_expert + NOISE) + 1
    ladders = {j: int(min(spare[j], len(candidates[j]))) for j in judge_order}
    ladder_total = sum(
        balance * (settled_load[j] + step) for j in judge_order for step in range(1, ladders[j] + 1)
    )
    bypass = ladder_total + demand * (request.expertise_weight * non_expert + NOISE) + 1

    import networkx as nx   # here, not at import: 13 MB the web workers would carry for nothing

    graph = nx.MultiDiGraph()
    source, sink = ("source",), ("sink",)
    graph.add_node(source, demand=-demand)
    graph.add_node(sink, demand=demand)
    graph.add_edge(source, sink, capacity=demand, weight=bypass)
    for j in judge_order:
        node = ("judge", j)
        for step in range(1, ladders[j] + 1):
            graph.add_edge(source, node, capacity=1, weight=balance * (settled_load[j] + step))
        if not ladders[j]:
            continue
        for p in candidates[j]:
            cost = tie_break(request.seed, j, p)
            if request.expertise_weight and not is_expert(judges[j], projects[p]):
                cost += request.expertise_weight * non_expert
            graph.add_edge(node, ("project", p), capacity=1, weight=cost)
    for p in project_order:
        if open_slots[p]:
            graph.add_edge(("project", p), sink, capacity=open_slots[p], weight=0)

    added: set[Pair] = set()
    if demand:
        _, flow = nx.network_simplex(graph)
        for j in judge_order:
            for target, by_key in flow.get(("judge", j), {}).items():
                if any(by_key.values()):
                    added.add((j, target[1]))

    assignments = kept | frozenset(added)
    loads = dict(settled_load)
    for j, _ in added:
        loads[j] += 1
    return Result(
        assignments=assignments,
        added=frozenset(added),
        loads=loads,
        shortfalls=tuple(coverage(request, assignments, loads)),
        conflicted_settled=conflicted_settled,
        seed=request.seed,
    )


def coverage(request: Request, assignments: frozenset[Pair], loads: dict[JudgeId, int]) -> list[Shortfall]:
    """Projects with fewer than k judges, in canonical id order, each with the reason:

    * "fewer judges in the round than k" when there are fewer than k judges at all;
    * "not enough judges without a conflict" when fewer than k judges are free of conflict with it;
    * "load cap reached" otherwise: the remaining conflict-free judges are all at their max_load.
    """
    on_project: dict[ProjectId, set[JudgeId]] = {p.id: set() for p in request.projects}
    for j, p in assignments:
        on_project[p].add(j)
    shortfalls = []
    for p in _order(on_project):
        needed = request.k - len(on_project[p])
        if needed <= 0:
            continue
        conflicted = sum(1 for j in request.judges if (j.id, p) in request.conflicts)
        capped = sum(
            1 for j in request.judges
            if (j.id, p) not in request.conflicts and j.id not in on_project[p]
            and j.max_load is not None and loads[j.id] >= j.max_load
        )
        if len(request.judges) < request.k:
            reason = REASON_TOO_FEW_JUDGES
        elif len(request.judges) - conflicted < request.k:
            reason = REASON_CONFLICTS
        else:
            reason = REASON_LOAD_CAP
        shortfalls.append(Shortfall(p, needed, reason, conflicted, capped))
    return shortfalls
