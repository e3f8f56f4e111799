"""Sealed snapshots of a round's ranking, and publishing one of them.

A snapshot freezes what a ranking was computed from and what it said: the method (as plain
values), the ranking rows (with project name, team and track name), and every counted sheet
(judge id, project id, scores, total, source, comments). ``content_hash`` is the SHA-256 of the
canonical JSON of ``{method, ranking, sheets}`` (keys sorted, no spaces, UTF-8), so anyone holding
the stored JSON can check it (:func:`verify`). Floats are rounded to 4 places before hashing, and the
hash is taken over the values exactly as the database gives them back.

Publishing points a round's :class:`~roadshow.models.Publication` at a snapshot with the fields the
public may see; unpublishing deletes the publication (never the snapshot). Until a round is
published nothing here reaches anyone but its organisers.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Application, Publication, ResultSnapshot, Round, RoundEntry, ScoreSheet, SheetStatus, Track, User, utcnow,
)
from roadshow.policy import Action, authorize, can
from roadshow.scoring.model import RoundResult
from roadshow.services import audit
from roadshow.services.errors import Conflict, Invalid, NotFound
from roadshow.services.peer_sheets import judge_label

PUBLIC_FIELDS = ("rank", "project", "team", "track", "score")
ALWAYS_PUBLIC = ("rank", "project")
DIGITS = 4


# -- canonical form --------------------------------------------------------------------------------

def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {str(key): _rounded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(method: Any, ranking: Any, sheets: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``{"method", "ranking", "sheets"}``."""
    body = canonical_json({"method": method, "ranking": ranking, "sheets": sheets})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """``value`` rounded and as JSON gives it back (tuples become lists, keys strings)."""
    return json.loads(canonical_json(_rounded(value)))


def ranking_rows(result: RoundResult, applications: dict[int, Application]) -> list[dict]:
    """The snapshot's ranking: each row of ``result`` with ``project_name``, ``team`` (the leader's
    name) and ``track_name`` (Chinese, English)."""
    rows = []
    for row in result.as_dict()["rows"]:
        application = applications.get(row["project"])
        track: Track | None = application.track if application is not None else None
        rows.append({**row,
                     "project_name": application.project_name if application is not None else "",
                     "team": application.leader_name if application is not None else "",
                     "track_name": ({"zh": track.name_zh, "en": track.name_en} if track is not None else None)})
    return _plain(rows)


def sheet_record(sheet: ScoreSheet) -> dict:
    return {"judge": sheet.judge_id, "project": sheet.application_id, "scores": dict(sheet.scores or {}),
            "total": None if sheet.total is None else format(sheet.total.normalize(), "f"),
            "source": str(sheet.source.value if hasattr(sheet.source, "value") else sheet.source),
            "comments": dict(sheet.comments or {}), "overall_comment": sheet.overall_comment or ""}


# -- computation (R2's service; kept behind two names so tests can stand in for it) -------------

def _compute(round_: Round, by: User) -> RoundResult:
    from roadshow.services import results

    return results.compute_round(round_, by=by)


def _counted_pairs(round_: Round) -> set[tuple[int, int]]:
    """(judge id, project id) of the sheets the computation counts."""
    from roadshow.services import results

    sheets, _projects = results.inputs(round_)
    return {(sheet.judge, sheet.project) for sheet in sheets}


def current_result(round_: Round, *, by: User) -> RoundResult:
    """The round's ranking computed now, with its current settings (organisers only)."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    return _compute(round_, by)


# -- snapshots -------------------------------------------------------------------------------------

def take_snapshot(round_: Round, *, by: User) -> ResultSnapshot:
    """Compute the round's ranking now and freeze it as the round's next numbered snapshot."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    result = _compute(round_, by)
    pairs = _counted_pairs(round_)
    submitted = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED)
        .order_by(ScoreSheet.application_id, ScoreSheet.judge_id))
    sheets = _plain([sheet_record(s) for s in submitted if (s.judge_id, s.application_id) in pairs])
    ids = [row.project for row in result.rows]
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))}
    ranking = ranking_rows(result, applications)
    method = _plain(asdict(result.method))
    number = (db.session.scalar(select(func.max(ResultSnapshot.number)).where(ResultSnapshot.round_id == round_.id))
              or 0) + 1
    snapshot = ResultSnapshot(round_id=round_.id, number=number, created_by_id=by.id, created_at=utcnow(),
                              method=method, ranking=ranking, sheets=sheets,
                              content_hash=content_hash(method, ranking, sheets))
    db.session.add(snapshot)
    db.session.flush()
    audit.record("results.snapshot", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id, actor=by,
                 new={"snapshot_id": snapshot.id, "number": number, "content_hash": snapshot.content_hash,
                      "projects": len(ranking), "sheets": len(sheets)})
    return snapshot


def snapshots(round_: Round, *, by: User) -> list[ResultSnapshot]:
    """The round's snapshots, newest first (organisers only)."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    return list(db.session.scalars(
        select(ResultSnapshot).where(ResultSnapshot.round_id == round_.id).order_by(ResultSnapshot.number.desc())))


def get_snapshot(round_: Round, snapshot_id: int, *, by: User) -> ResultSnapshot:
    authorize(by, Action.RESULTS_MANAGE, round_)
    snapshot = db.session.get(ResultSnapshot, snapshot_id)
    if snapshot is None or snapshot.round_id != round_.id:
        raise NotFound(_l("Not found."))
    return snapshot


def verify(snapshot: ResultSnapshot) -> bool:
    """Whether the snapshot's stored JSON still hashes to its ``content_hash``."""
    return content_hash(snapshot.method, snapshot.ranking, snapshot.sheets) == snapshot.content_hash


# -- publication -----------------------------------------------------------------------------------

def clean_fields(public_fields) -> list[str]:
    """The chosen public fields in their canonical order, "rank" and "project" always among them."""
    chosen = set(public_fields or ())
    unknown = chosen - set(PUBLIC_FIELDS)
    if unknown:
        raise Invalid(_l("Unknown public fields: %(fields)s.", fields=", ".join(sorted(map(str, unknown)))),
                      field="public_fields")
    chosen.update(ALWAYS_PUBLIC)
    return [name for name in PUBLIC_FIELDS if name in chosen]


def published(round_: Round) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.round_id == round_.id))


def publish(round_: Round, snapshot: ResultSnapshot, public_fields, *, by: User) -> Publication:
    """Make ``snapshot`` the round's public result, showing ``public_fields`` (replaces any earlier one)."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    if snapshot.round_id != round_.id:
        raise NotFound(_l("Not found."))
    fields = clean_fields(public_fields)
    publication = published(round_)
    old = None
    if publication is None:
        publication = Publication(round_id=round_.id)
        db.session.add(publication)
    else:
        old = {"snapshot_id": publication.snapshot_id, "public_fields": list(publication.public_fields or [])}
    publication.snapshot_id = snapshot.id
    publication.snapshot = snapshot
    publication.public_fields = fields
    publication.published_at = utcnow()
    publication.published_by_id = by.id
    db.session.flush()
    audit.record("results.published", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id, actor=by,
                 old=old, new={"snapshot_id": snapshot.id, "number": snapshot.number,
                               "content_hash": snapshot.content_hash, "public_fields": fields})
    return publication


def unpublish(round_: Round, reason: str, *, by: User) -> None:
    """Take the round's results down (the snapshot stays); ``reason`` is required and audited."""
    authorize(by, Action.RESULTS_MANAGE, round_)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say why the results are taken down."), field="reason")
    publication = published(round_)
    if publication is None:
        raise Conflict(_l("The results of this round are not published."))
    old = {"snapshot_id": publication.snapshot_id, "content_hash": publication.snapshot.content_hash,
           "public_fields": list(publication.public_fields or [])}
    db.session.delete(publication)
    db.session.flush()
    audit.record("results.unpublished", obj_type="round", obj_id=round_.id, contest_id=round_.contest_id, actor=by,
                 old=old, new={"reason": reason})


# -- what the public and the teams see -------------------------------------------------------------

@dataclass(frozen=True)
class PublicRanking:
    fields: tuple[str, ...]
    rows: tuple[dict, ...]          # only ``fields`` in each
    content_hash: str
    published_at: datetime
    snapshot_number: int


def _public_value(row: dict, name: str) -> Any:
    if name == "rank":
        return row.get("rank")
    if name == "project":
        return row.get("project_name")
    if name == "team":
        return row.get("team")
    if name == "track":
        return row.get("track_name")
    return row.get("aggregate")  # score


def public_ranking(round_: Round) -> PublicRanking:
    """The published ranking with only the chosen fields (404 while unpublished). The caller
    authorises (policy RESULTS_VIEW_PUBLISHED)."""
    publication = published(round_)
    if publication is None:
        raise NotFound(_l("Not found."))
    fields = tuple(clean_fields(publication.public_fields))
    rows = tuple({name: _public_value(row, name) for name in fields}
                 for row in publication.snapshot.ranking if row.get("aggregate") is not None)
    return PublicRanking(fields, rows, publication.snapshot.content_hash, publication.published_at,
                         publication.snapshot.number)


@dataclass(frozen=True)
class JudgeComments:
    label: str                      # Judge A, B, C ...
    comments: dict                  # criterion id (str) -> text
    overall_comment: str


@dataclass(frozen=True)
class TeamResult:
    project_name: str
    rank: int | None
    score: float | None
    projects: int                   # how many ranked projects the round had
    comments: tuple[JudgeComments, ...]
    content_hash: str
    published_at: datetime


def team_result(round_: Round, application: Application, user: User) -> TeamResult:
    """A team's own row of the published snapshot and its judges' comments, anonymised as Judge A,
    B, C in the snapshot's order of sheets (by judge id); 404 for anyone but the team's members and
    before publication."""
    authorize(user, Action.RESULT_VIEW_OWN, (round_, application), conceal=True)
    publication = published(round_)
    snapshot = publication.snapshot
    scored = [row for row in snapshot.ranking if row.get("aggregate") is not None]
    own = next((row for row in scored if row.get("project") == application.id), None)
    sheets = sorted((s for s in snapshot.sheets if s.get("project") == application.id), key=lambda s: s["judge"])
    comments = tuple(JudgeComments(judge_label(i), {k: v for k, v in (s.get("comments") or {}).items() if v},
                                   s.get("overall_comment") or "")
                     for i, s in enumerate(sheets))
    return TeamResult(application.project_name, own["rank"] if own else None, own["aggregate"] if own else None,
                      len(scored), comments, snapshot.content_hash, publication.published_at)


__all__ = ["ALWAYS_PUBLIC", "JudgeComments", "PUBLIC_FIELDS", "PublicRanking", "TeamResult", "canonical_json",
           "clean_fields", "content_hash", "current_result", "get_snapshot", "publish", "published", "public_ranking",
           "ranking_rows", "sheet_record", "snapshots", "take_snapshot", "team_result", "unpublish", "verify"]


def own_result_rounds(application: Application, user) -> list[Round]:
    """The published rounds in which ``application`` was ranked, where ``user`` may see its result."""
    entered = set(db.session.scalars(select(RoundEntry.round_id).where(RoundEntry.application_id == application.id)))
    return [round_ for round_ in application.contest.rounds
            if round_.id in entered and can(user, Action.RESULT_VIEW_OWN, (round_, application))]
