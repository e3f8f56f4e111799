"""Sealed snapshots, publishing and unpublishing, and what the public and the teams see."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, AuditEntry, Contest, ImmutableSnapshot, Publication, ResultSnapshot, Role,
    Round, RoundKind, ScoreSheet, SheetStatus, User, utcnow,
)
from roadshow.scoring.model import Method, Project, RoundResult, Row, Sheet
from roadshow.services import contests, publication
from roadshow.services.errors import Conflict, Invalid, NotFound
from tests.helpers import create_user
from tests.review_builders import make_review

JUDGES = ("judge@example.com", "judge2@example.com", "judge3@example.com")
JUDGE_NAMES = ("Zhang Wei", "Li Na", "Wang Fang")
# per project, each judge's score on every criterion (the total is the same number)
SCORES = [(9, 8, 9), (7, 7, 8), (6, 5, 6), (4, 5, 4)]
TEAM = "team@example.com"
OBSERVER = "observer@example.com"
HAS_REAL_RESULTS = importlib.util.find_spec("roadshow.services.results") is not None


@dataclass
class ResultsWorld:
    slug: str
    contest_id: int
    round_id: int
    final_id: int
    projects: list[int]
    judges: dict[str, int]
    organiser_id: int
    team_id: int
    criteria: list[int]


def results_world(app) -> ResultsWorld:
    """Contest ``demo``: an online-review round whose four projects were scored by three judges
    (every sheet submitted, with comments), a final round after it, team@ in project 0's team and an
    observer."""
    create_user(app, TEAM, name="Team Lead", locale="en")
    create_user(app, OBSERVER, name="Olga Observer", locale="en")
    for email, name in zip(JUDGES, JUDGE_NAMES):
        create_user(app, email, name=name, locale="en")
    setup = make_review(app, judges=JUDGES, projects=len(SCORES), assign={email: list(range(len(SCORES)))
                                                                          for email in JUDGES}, k=3)
    with app.test_request_context():
        contest = db.session.get(Contest, setup.contest_id)
        final = Round(contest=contest, position=2, kind=RoundKind.FINAL, name_zh="决赛", name_en="Final")
        db.session.add(final)
        team = User.by_email(TEAM)
        own = db.session.get(Application, setup.projects[0])
        own.members.append(ApplicationMember(user_id=team.id, is_leader=True))
        contests.grant_role(contest, team, Role.TEAM_MEMBER)
        contests.grant_role(contest, User.by_email(OBSERVER), Role.OBSERVER)
        for project_index, values in enumerate(SCORES):
            for email, value in zip(JUDGES, values):
                db.session.add(ScoreSheet(
                    round_id=setup.round_id, judge_id=setup.judges[email],
                    application_id=setup.projects[project_index], status=SheetStatus.SUBMITTED,
                    scores={str(c): str(value) for c in setup.criteria}, total=Decimal(value),
                    comments={str(setup.criteria[0]): f"Comment of {email.split('@')[0]} on P{project_index + 1}"},
                    overall_comment=f"Overall from {email.split('@')[0]}", submitted_at=utcnow()))
        db.session.commit()
        return ResultsWorld("demo", setup.contest_id, setup.round_id, final.id, setup.projects, setup.judges,
                            setup.organiser_id, team.id, setup.criteria)


def plain_result(round_: Round) -> RoundResult:
    """A stand-in for the results service: the mean of the submitted totals, ranked 1, 2, 3 ..."""
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id,
                                                         ScoreSheet.status == SheetStatus.SUBMITTED)).all()
    totals: dict[int, list[float]] = {}
    for sheet in sheets:
        totals.setdefault(sheet.application_id, []).append(float(sheet.total))
    ordered = sorted(totals, key=lambda p: -sum(totals[p]) / len(totals[p]))
    tracks = {a.id: a.track_id for a in db.session.scalars(select(Application).where(Application.id.in_(ordered)))}
    rows = tuple(Row(project=p, track=tracks[p], rank=i + 1, n_sheets=len(totals[p]),
                     raw_mean=sum(totals[p]) / len(totals[p]), aggregate=sum(totals[p]) / len(totals[p]) + 1 / 3,
                     normalised=None, median=sorted(totals[p])[1], spread=max(totals[p]) - min(totals[p]),
                     rank_low=i + 1, rank_high=i + 1, p_top_n=1.0 if i < 2 else 0.0, loo_max_shift=0,
                     decided_by="aggregate" if i else None) for i, p in enumerate(ordered))
    by_track: dict[int | None, tuple[Row, ...]] = {}
    for r in rows:
        within = by_track.get(r.track, ())
        by_track[r.track] = (*within, replace(r, rank=len(within) + 1))
    return RoundResult(rows=rows, by_track=by_track, judges=(), kendalls_w=0.9, icc=None, method=Method(top_n=2))


def stand_in(round_: Round) -> tuple[list[Sheet], list[Project]]:
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id,
                                                         ScoreSheet.status == SheetStatus.SUBMITTED)).all()
    return [Sheet(s.judge_id, s.application_id, float(s.total)) for s in sheets], []


@pytest.fixture
def fake_results(monkeypatch):
    """The results service replaced by :func:`plain_result` (R2's computation is tested on its own)."""
    monkeypatch.setattr(publication, "_compute", lambda round_, by: plain_result(round_))
    monkeypatch.setattr(publication, "_counted_pairs",
                        lambda round_: {(s.judge, s.project) for s in stand_in(round_)[0]})


def _load(world):
    return db.session.get(Round, world.round_id), db.session.get(User, world.organiser_id)


# -- snapshots ---------------------------------------------------------------------------------------

def test_snapshot_freezes_method_ranking_and_sheets(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        snapshot = publication.take_snapshot(round_, by=organiser)
        db.session.commit()
        assert snapshot.number == 1
        assert snapshot.method["top_n"] == 2 and snapshot.method["tie_breaks"] == ["aggregate", "median", "lot"]
        first = snapshot.ranking[0]
        assert first["project"] == world.projects[0] and first["rank"] == 1
        assert first["project_name"] == "Project 1" and first["team"] == "Leader 1"
        assert first["track_name"]["en"] == "Medical devices"
        assert first["aggregate"] == round(26 / 3 + 1 / 3, 4)  # floats rounded to 4 places
        assert len(snapshot.sheets) == 12
        sheet = snapshot.sheets[0]
        assert set(sheet) >= {"judge", "project", "scores", "total", "source"}
        assert sheet["source"] == "online" and sheet["total"] in {"9", "8"}
        assert len(snapshot.content_hash) == 64 and publication.verify(snapshot)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.snapshot"))
        assert entry.new_values["content_hash"] == snapshot.content_hash

        again = publication.take_snapshot(round_, by=organiser)
        db.session.commit()
        assert again.number == 2
        assert again.content_hash == snapshot.content_hash  # same inputs, same hash
        assert [s.number for s in publication.snapshots(round_, by=organiser)] == [2, 1]


def test_hash_is_the_sha256_of_the_canonical_json():
    import hashlib
    import json

    method, ranking, sheets = {"b": 1, "a": "评审"}, [{"rank": 1, "x": 0.5}], []
    body = json.dumps({"method": method, "ranking": ranking, "sheets": sheets}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    assert publication.content_hash(method, ranking, sheets) == hashlib.sha256(body.encode()).hexdigest()
    assert publication.content_hash({"a": "评审", "b": 1}, ranking, sheets) == publication.content_hash(
        method, ranking, sheets)
    assert publication.content_hash(method, [{"rank": 2, "x": 0.5}], sheets) != publication.content_hash(
        method, ranking, sheets)


def test_tampering_with_the_stored_json_is_detected(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        snapshot_id = publication.take_snapshot(round_, by=organiser).id
        db.session.commit()
    with app.test_request_context():
        stored = db.session.get(ResultSnapshot, snapshot_id)
        assert publication.verify(stored)
        ranking = stored.ranking
        ranking[0]["rank"], ranking[1]["rank"] = ranking[1]["rank"], ranking[0]["rank"]
        import json
        db.session.execute(text("UPDATE result_snapshots SET ranking = :ranking WHERE id = :id"),
                           {"ranking": json.dumps(ranking), "id": snapshot_id})
        db.session.commit()
    with app.test_request_context():
        assert not publication.verify(db.session.get(ResultSnapshot, snapshot_id))


def test_snapshots_are_immutable(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        snapshot = publication.take_snapshot(round_, by=organiser)
        db.session.commit()
        snapshot.content_hash = "0" * 64
        with pytest.raises(ImmutableSnapshot):
            db.session.flush()
        db.session.rollback()
        snapshot = db.session.get(ResultSnapshot, snapshot.id)
        db.session.delete(snapshot)
        with pytest.raises(ImmutableSnapshot):
            db.session.flush()
        db.session.rollback()


def test_only_organisers_take_snapshots(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, _ = _load(world)
        from roadshow.services.errors import Forbidden

        for email in (*JUDGES, TEAM, OBSERVER):
            with pytest.raises(Forbidden):
                publication.take_snapshot(round_, by=User.by_email(email))


# -- publishing ------------------------------------------------------------------------------------

def test_publish_validates_fields_and_audits(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        snapshot = publication.take_snapshot(round_, by=organiser)
        with pytest.raises(Invalid):
            publication.publish(round_, snapshot, ["rank", "judges"], by=organiser)
        assert publication.published(round_) is None
        result = publication.publish(round_, snapshot, ["score"], by=organiser)
        db.session.commit()
        assert result.public_fields == ["rank", "project", "score"]  # rank and project always
        ranking = publication.public_ranking(round_)
        assert ranking.fields == ("rank", "project", "score")
        assert ranking.rows[0] == {"rank": 1, "project": "Project 1", "score": round(26 / 3 + 1 / 3, 4)}
        assert ranking.content_hash == snapshot.content_hash
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.published"))
        assert entry.new_values["content_hash"] == snapshot.content_hash

        # publishing again replaces the publication
        second = publication.take_snapshot(round_, by=organiser)
        publication.publish(round_, second, ["team", "track"], by=organiser)
        db.session.commit()
        assert db.session.scalar(select(db.func.count(Publication.id))) == 1
        assert publication.public_ranking(round_).rows[0] == {
            "rank": 1, "project": "Project 1", "team": "Leader 1",
            "track": {"zh": "医疗器械", "en": "Medical devices"}}


def test_publish_refuses_a_snapshot_of_another_round(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        final = db.session.get(Round, world.final_id)
        snapshot = publication.take_snapshot(round_, by=organiser)
        with pytest.raises(NotFound):
            publication.publish(final, snapshot, ["score"], by=organiser)
        assert publication.published(final) is None and publication.published(round_) is None


def test_unpublish_requires_a_reason_and_is_audited(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        with pytest.raises(Conflict):
            publication.unpublish(round_, "Not yet", by=organiser)
        snapshot = publication.take_snapshot(round_, by=organiser)
        publication.publish(round_, snapshot, ["score"], by=organiser)
        db.session.commit()
        with pytest.raises(Invalid):
            publication.unpublish(round_, "   ", by=organiser)
        assert publication.published(round_) is not None
        publication.unpublish(round_, "A sheet was entered twice", by=organiser)
        db.session.commit()
        assert publication.published(round_) is None
        assert db.session.get(ResultSnapshot, snapshot.id) is not None  # the snapshot stays
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.unpublished"))
        assert entry.new_values == {"reason": "A sheet was entered twice"}
        assert entry.old_values["content_hash"] == snapshot.content_hash
        with pytest.raises(NotFound):
            publication.public_ranking(round_)


def test_team_result_is_anonymised_and_only_for_the_team(app, fake_results):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        application = db.session.get(Application, world.projects[0])
        team = db.session.get(User, world.team_id)
        with pytest.raises(NotFound):  # before publication
            publication.team_result(round_, application, team)
        snapshot = publication.take_snapshot(round_, by=organiser)
        publication.publish(round_, snapshot, ["rank", "project"], by=organiser)
        db.session.commit()
        mine = publication.team_result(round_, application, team)
        assert mine.rank == 1 and mine.projects == 4 and mine.content_hash == snapshot.content_hash
        assert [c.label.split()[-1] for c in mine.comments] == ["A", "B", "C"]  # Judge A, B, C (评委 A ...)
        assert [c.overall_comment for c in mine.comments] == ["Overall from judge", "Overall from judge2",
                                                              "Overall from judge3"]  # by judge id: stable
        assert mine.comments[0].comments == {str(world.criteria[0]): "Comment of judge on P1"}
        for email in (*JUDGES, OBSERVER):
            with pytest.raises(NotFound):
                publication.team_result(round_, application, User.by_email(email))
        with pytest.raises(NotFound):  # a team member, but of another project
            publication.team_result(round_, db.session.get(Application, world.projects[1]), team)


def test_team_comments_come_from_the_snapshot(app, fake_results):
    """A sheet changed after publication does not change what the team reads."""
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        publication.publish(round_, publication.take_snapshot(round_, by=organiser), [], by=organiser)
        db.session.commit()
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.application_id == world.projects[0],
                                                           ScoreSheet.judge_id == world.judges[JUDGES[0]]))
        sheet.overall_comment = "Edited later"
        db.session.commit()
        mine = publication.team_result(round_, db.session.get(Application, world.projects[0]),
                                       db.session.get(User, world.team_id))
        assert "Edited later" not in [c.overall_comment for c in mine.comments]


@pytest.mark.skipif(not HAS_REAL_RESULTS, reason="roadshow.services.results not there yet")
def test_snapshot_through_the_real_computation(app):
    world = results_world(app)
    with app.test_request_context():
        round_, organiser = _load(world)
        snapshot = publication.take_snapshot(round_, by=organiser)
        db.session.commit()
        assert publication.verify(snapshot)
        assert [row["project"] for row in snapshot.ranking] == world.projects
        assert len(snapshot.sheets) == 12
        again = publication.take_snapshot(round_, by=organiser)
        assert again.content_hash == snapshot.content_hash
