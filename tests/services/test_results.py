"""The results service: the round's declared method (validated, audited), which sheets count, and
the computation for organisers. ``trim_world`` is also the data of the results page and API tests."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from roadshow.extensions import db
from roadshow.models import (
    AuditEntry, Conflict, Criterion, ResultSettings, Round, RoundEntry, ScoreSheet, SheetSource, SheetStatus, User,
    utcnow,
)
from roadshow.scoring import model
from roadshow.services import result_settings, results
from roadshow.services.errors import Forbidden, Invalid, NotFound
from tests.review_builders import add_conflict, make_review

JUDGES = tuple(f"judge{i}@example.com" for i in range(1, 6))

# Project 1: four sixes and one ten (mean 6.8, trimmed mean 6.0); project 2: five 6.5s; project 3: fives.
# Mean ranks P1 first; the trimmed mean (k=1) ranks P2 first.
TOTALS = {0: ["6", "6", "6", "6", "10"], 1: ["6.5"] * 5, 2: ["5"] * 5}


@dataclass
class World:
    setup: object
    sheet_ids: dict  # (judge email, project index) -> sheet id

    @property
    def round_id(self):
        return self.setup.round_id

    def project(self, index):
        return self.setup.projects[index]

    def judge(self, email):
        return self.setup.judges[email]


def add_sheet(app, setup, email, project, total, *, status=SheetStatus.SUBMITTED, source=SheetSource.ONLINE,
              comment="Solid work."):
    with app.app_context():
        scores = {str(cid): str(total) for cid in setup.criteria}
        sheet = ScoreSheet(round_id=setup.round_id, judge_id=setup.judges[email],
                           application_id=setup.projects[project],
                           status=status, source=source, scores=scores if status != SheetStatus.RECUSED else {},
                           comments={str(setup.criteria[0]): comment}, overall_comment="Overall fine.",
                           total=Decimal(str(total)) if status == SheetStatus.SUBMITTED else None,
                           submitted_at=utcnow() if status == SheetStatus.SUBMITTED else None,
                           recusal_reason="I know them." if status == SheetStatus.RECUSED else "",
                           updated_at=utcnow())
        db.session.add(sheet)
        db.session.commit()
        return sheet.id


def trim_world(app, *, slug="demo", projects=3) -> World:
    """Five judges, each assigned to and having submitted a sheet for every project (``TOTALS``)."""
    setup = make_review(app, slug=slug, judges=JUDGES, projects=projects,
                        assign={email: list(range(projects)) for email in JUDGES}, k=5)
    sheet_ids = {}
    for index in range(projects):
        for email, total in zip(JUDGES, TOTALS[index % 3]):
            sheet_ids[(email, index)] = add_sheet(app, setup, email, index, total)
    return World(setup, sheet_ids)


@pytest.fixture
def world(app):
    return trim_world(app)


def _round(setup) -> Round:
    return db.session.get(Round, setup.round_id)


def _organiser(setup) -> User:
    return db.session.get(User, setup.organiser_id)


def _settings_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ResultSettings))


def _audit(action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# -- settings ------------------------------------------------------------------------------------

def test_defaults_are_read_without_writing(app, world):
    with app.test_request_context():
        settings = result_settings.settings_for(_round(world.setup))
        assert result_settings.values_of(settings) == {
            "aggregation": "trimmed_mean", "trim": 1, "fallback": "mean", "normalise": False,
            "normalise_min_projects": 5, "tie_breaks": ["aggregate", "median", "lot"], "lot_seed": 0, "top_n": 10,
            "disagreement_threshold": None, "bootstrap_resamples": 1000, "bootstrap_seed": 0}
        assert settings not in db.session
        db.session.flush()
        assert _settings_rows() == 0


def test_update_settings_stores_and_audits_the_change(app, world):
    with app.test_request_context():
        round_ = _round(world.setup)
        criterion = world.setup.criteria[1]
        result_settings.update_settings(round_, by=_organiser(world.setup), aggregation="mean", trim="2", normalise="1",
                                normalise_min_projects=3, tie_breaks=f"aggregate, Criterion:{criterion}, lot",
                                top_n=2, disagreement_threshold="2.5", bootstrap_resamples=200, bootstrap_seed=7,
                                lot_seed=42)
        db.session.commit()
        values = result_settings.values_of(result_settings.settings_for(round_))
        assert values["aggregation"] == "mean" and values["trim"] == 2 and values["normalise"] is True
        assert values["tie_breaks"] == ["aggregate", f"criterion:{criterion}", "lot"]
        assert values["disagreement_threshold"] == "2.5" and values["top_n"] == 2 and values["lot_seed"] == 42
        [entry] = _audit("results.settings_changed")
        assert entry.object_id == round_.id and entry.contest_id == world.setup.contest_id
        assert entry.old_values["aggregation"] == "trimmed_mean" and entry.new_values["aggregation"] == "mean"
        assert "fallback" not in entry.new_values  # only what changed

        result_settings.update_settings(round_, by=_organiser(world.setup), aggregation="mean")  # no change, no entry
        db.session.commit()
        assert len(_audit("results.settings_changed")) == 1
        assert _settings_rows() == 1


BAD_VALUES = [
    ("aggregation", "max"), ("fallback", "trimmed_mean"), ("trim", 6), ("trim", -1), ("trim", "1.5"), ("trim", "x"),
    ("trim", True), ("normalise", "maybe"), ("normalise_min_projects", 1), ("normalise_min_projects", 51),
    ("top_n", 0), ("top_n", 1001), ("bootstrap_resamples", 5001), ("bootstrap_resamples", "1e9999"),
    ("bootstrap_seed", -1), ("lot_seed", 2**31), ("disagreement_threshold", "-1"),
    ("disagreement_threshold", "NaN"), ("disagreement_threshold", "abc"), ("tie_breaks", ""),
    ("tie_breaks", "aggregate, aggregate"), ("tie_breaks", "fastest"), ("tie_breaks", "criterion:999999"),
    ("tie_breaks", "criterion:"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_values_are_422_and_nothing_is_stored(app, world, name, value):
    with app.test_request_context():
        with pytest.raises(Invalid) as caught:
            result_settings.update_settings(_round(world.setup), by=_organiser(world.setup),
                                    **{"top_n": 3, name: value})
        assert caught.value.status == 422 and name in caught.value.details
        db.session.rollback()
        assert _settings_rows() == 0 and not _audit("results.settings_changed")


def test_a_criterion_of_another_round_is_not_a_tie_break(app, world):
    other = make_review(app, slug="other", judges=("x@example.com",), projects=1)
    with app.test_request_context():
        with pytest.raises(Invalid):
            result_settings.update_settings(_round(world.setup), by=_organiser(world.setup),
                                    tie_breaks=f"criterion:{other.criteria[0]}, lot")


def test_unknown_settings_are_refused(app, world):
    with app.test_request_context():
        with pytest.raises(Invalid):
            result_settings.update_settings(_round(world.setup), by=_organiser(world.setup), announce_live=True)


def test_only_organisers_change_settings_or_compute(app, world):
    with app.test_request_context():
        judge = db.session.get(User, world.judge(JUDGES[0]))
        round_ = _round(world.setup)
        with pytest.raises(Forbidden):
            result_settings.update_settings(round_, by=judge, aggregation="mean")
        with pytest.raises(Forbidden):
            results.compute_round(round_, by=judge)
        with pytest.raises(Forbidden):
            result_settings.preview_method(round_, by=judge, aggregation="mean")
        with pytest.raises(Forbidden):
            results.project_sheets(round_, world.project(0), by=judge)


def test_method_uses_the_rubrics_maximum_and_the_settings(app, world):
    with app.test_request_context():
        round_ = _round(world.setup)
        result_settings.update_settings(round_, by=_organiser(world.setup), disagreement_threshold="3", trim=2,
                                tie_breaks="median, lot")
        method = result_settings.method_for(round_)
        assert method == model.Method(aggregation="trimmed_mean", trim=2, fallback="mean", normalise=False,
                                      normalise_min_projects=5, scale_min=0.0, scale_max=10.0,
                                      tie_breaks=("median", "lot"), lot_seed=0, top_n=10,
                                      disagreement_threshold=3.0, bootstrap_resamples=1000, bootstrap_seed=0)
        preview = result_settings.preview_method(round_, by=_organiser(world.setup), aggregation="median")
        assert preview.aggregation == "median" and preview.trim == 2
        assert result_settings.method_for(round_).aggregation == "trimmed_mean"  # the preview stored nothing


def test_scale_max_follows_weights(app, world):
    with app.test_request_context():
        round_ = _round(world.setup)
        criterion = db.session.get(Criterion, world.setup.criteria[0])
        criterion.weight = Decimal("2")  # 2*10 + 0.3*10 + 0.3*10
        db.session.flush()
        assert result_settings.method_for(round_).scale_max == pytest.approx(26.0)


# -- what counts ---------------------------------------------------------------------------------

def test_inputs_are_the_submitted_sheets_as_floats(app, world):
    with app.test_request_context():
        sheets, projects = results.inputs(_round(world.setup))
    assert [p.id for p in projects] == world.setup.projects
    assert len(sheets) == 15
    first = next(s for s in sheets if s.judge == world.judge(JUDGES[4]) and s.project == world.project(0))
    assert first.total == 10.0 and isinstance(first.total, float)
    assert first.criteria == {cid: 10.0 for cid in world.setup.criteria}


def test_inputs_exclude_what_must_not_count(app, world):
    setup = world.setup
    extra = "late@example.com"
    # a sixth judge, never assigned, who submitted a sheet anyway; a draft and a recusal of another project
    more = make_review(app, slug="elsewhere", judges=(extra,), projects=1)
    with app.app_context():
        round_ = db.session.get(Round, setup.round_id)
        from roadshow.models import Role
        from roadshow.services import contests
        contests.grant_role(round_.contest, db.session.get(User, more.judges[extra]), Role.JUDGE)
        db.session.commit()
    setup.judges[extra] = more.judges[extra]
    add_sheet(app, setup, extra, 1, "9")                                      # unassigned
    with app.app_context():                                                   # draft and recusal
        for email, status in ((JUDGES[0], SheetStatus.DRAFT), (JUDGES[1], SheetStatus.RECUSED)):
            sheet = db.session.get(ScoreSheet, world.sheet_ids[(email, 2)])
            sheet.status, sheet.total = status, None
        db.session.commit()
    add_conflict(app, world.judge(JUDGES[2]), world.project(1))              # conflicted
    add_conflict(app, world.judge(JUDGES[3]), world.project(1))              # conflict lifted: counts
    with app.app_context():
        conflict = db.session.scalar(select(Conflict).where(Conflict.judge_id == world.judge(JUDGES[3])))
        conflict.active = False
        db.session.execute(delete(RoundEntry).where(RoundEntry.application_id == world.project(0)))  # not entered
        db.session.commit()
    with app.test_request_context():
        sheets, projects = results.inputs(db.session.get(Round, setup.round_id))
    pairs = {(s.judge, s.project) for s in sheets}
    assert [p.id for p in projects] == [world.project(1), world.project(2)]
    assert not any(project == world.project(0) for _, project in pairs)
    assert (more.judges[extra], world.project(1)) not in pairs
    assert (world.judge(JUDGES[0]), world.project(2)) not in pairs
    assert (world.judge(JUDGES[1]), world.project(2)) not in pairs
    assert (world.judge(JUDGES[2]), world.project(1)) not in pairs
    assert (world.judge(JUDGES[3]), world.project(1)) in pairs
    assert len(sheets) == 4 + 3


def test_compute_round_ranks_by_the_saved_method(app, world):
    with app.test_request_context():
        round_, organiser = _round(world.setup), _organiser(world.setup)
        result_settings.update_settings(round_, by=organiser, bootstrap_resamples=50)
        trimmed = results.compute_round(round_, by=organiser)
        assert [row.project for row in trimmed.rows] == [world.project(1), world.project(0), world.project(2)]
        assert trimmed.rows[1].aggregate == pytest.approx(6.0) and trimmed.rows[1].raw_mean == pytest.approx(6.8)
        mean = results.compute_round(round_, by=organiser,
                                     method=result_settings.preview_method(round_, by=organiser, aggregation="mean"))
        assert [row.project for row in mean.rows] == [world.project(0), world.project(1), world.project(2)]


def test_live_dict_has_names(app, world):
    with app.test_request_context():
        round_, organiser = _round(world.setup), _organiser(world.setup)
        result_settings.update_settings(round_, by=organiser, bootstrap_resamples=20)
        data = results.live_dict(round_, by=organiser)
    assert data["rows"][0]["project_name"] == "Project 2"
    assert {p["name"] for p in data["projects"]} == {"Project 1", "Project 2", "Project 3"}
    assert data["judge_names"][str(world.judge(JUDGES[0]))] == "Judge1"


# -- drill-down ----------------------------------------------------------------------------------

def test_project_sheets_show_every_sheet_and_why_it_does_not_count(app, world):
    with app.app_context():
        sheet = db.session.get(ScoreSheet, world.sheet_ids[(JUDGES[0], 0)])
        sheet.status, sheet.total, sheet.source = SheetStatus.DRAFT, None, SheetSource.PAPER
        db.session.commit()
    add_conflict(app, world.judge(JUDGES[1]), world.project(0))
    with app.test_request_context():
        application, rows = results.project_sheets(_round(world.setup), world.project(0), by=_organiser(world.setup))
        assert application.id == world.project(0)
        states = {row.judge.email: row.excluded for row in rows}
        assert states[JUDGES[0]] == results.EXCLUDED_DRAFT and states[JUDGES[1]] == results.EXCLUDED_CONFLICT
        assert [row.counted for row in rows] == [True, True, True, False, False]
        paper = next(row for row in rows if row.judge.email == JUDGES[0])
        assert paper.sheet.source == SheetSource.PAPER


def test_project_sheets_of_a_project_not_in_the_round_is_404(app, world):
    other = make_review(app, slug="other", judges=("x@example.com",), projects=1)
    with app.test_request_context():
        with pytest.raises(NotFound):
            results.project_sheets(_round(world.setup), other.projects[0], by=_organiser(world.setup))
        db.session.execute(delete(RoundEntry).where(RoundEntry.application_id == world.project(0)))
        with pytest.raises(NotFound):
            results.project_sheets(_round(world.setup), world.project(0), by=_organiser(world.setup))
