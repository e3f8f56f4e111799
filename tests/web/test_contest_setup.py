"""Organisers set up tracks, rounds, the deadline, the application form and material rules."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import ApplicationQuestion, Contest, MaterialKind, MaterialRule, QuestionKind, Round
from tests.helpers import csrf_token, login, make_contest, post_form

SETUP = "/organize/demo/setup/"




def contest(app) -> Contest:
    return db.session.scalar(select(Contest).where(Contest.slug == "demo"))


def test_setup_page_opens_for_organisers_only(app, organiser, make_user):
    assert organiser.get(SETUP).status_code == 200
    make_user("judge@example.com")
    judge = app.test_client()
    login(judge, "judge@example.com")
    assert judge.get(SETUP).status_code == 403
    assert post_form(judge, SETUP + "tracks", {"name_zh": "新赛道", "name_en": "New"}, token_from="/dashboard").status_code == 403


def test_tracks_are_added_and_removed(app, organiser):
    response = post_form(organiser, SETUP + "tracks", {"name_zh": "生命科学", "name_en": "Life science"}, token_from=SETUP)
    assert response.status_code == 302
    duplicate = post_form(organiser, SETUP + "tracks", {"name_zh": "生命科学", "name_en": ""}, token_from=SETUP)
    assert duplicate.status_code == 409
    with app.app_context():
        track = next(t for t in contest(app).tracks if t.name_zh == "生命科学")
        assert track.name_en == "Life science"
    organiser.post(f"{SETUP}tracks/{track.id}/delete", data={"csrf_token": csrf_token(organiser, SETUP)})
    with app.app_context():
        assert "生命科学" not in [t.name_zh for t in contest(app).tracks]


def test_rounds_in_order_with_times_in_the_contest_time_zone(app, organiser):
    post_form(organiser, SETUP + "rounds", {"kind": "screening", "name_zh": "初审", "name_en": "Screening",
                                            "opens_at": "2026-12-01T09:00", "closes_at": "2026-12-10T18:00"},
              token_from=SETUP)
    post_form(organiser, SETUP + "rounds", {"kind": "live_roadshow", "name_zh": "路演", "name_en": "Roadshow"},
              token_from=SETUP)
    with app.app_context():
        rounds = contest(app).rounds
        assert [r.name_en for r in rounds] == ["Screening", "Roadshow"]
        assert rounds[0].opens_at == datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
        second_id = rounds[1].id
    organiser.post(f"{SETUP}rounds/{second_id}/up", data={"csrf_token": csrf_token(organiser, SETUP)})
    with app.app_context():
        assert [r.name_en for r in contest(app).rounds] == ["Roadshow", "Screening"]


def test_round_closing_before_it_opens_is_refused(app, organiser):
    response = post_form(organiser, SETUP + "rounds", {"kind": "final", "name_zh": "决赛", "opens_at": "2026-12-10T09:00",
                                                        "closes_at": "2026-12-01T09:00"}, token_from=SETUP)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Round)).all() == []


def test_questions_of_each_kind(app, organiser):
    post_form(organiser, SETUP + "questions", {"kind": "single_choice", "label_zh": "融资阶段", "label_en": "Funding round",
                                               "options": "天使轮 | Angel\nA轮 | Series A", "required": "y"},
              token_from=SETUP)
    post_form(organiser, SETUP + "questions", {"kind": "number", "label_zh": "员工人数", "label_en": "Employees"},
              token_from=SETUP)
    refused = post_form(organiser, SETUP + "questions", {"kind": "multiple_choice", "label_zh": "只有一个",
                                                         "options": "唯一 | Only"}, token_from=SETUP)
    assert refused.status_code == 422
    with app.app_context():
        questions = db.session.scalars(select(ApplicationQuestion).order_by(ApplicationQuestion.position)).all()
        assert [(q.kind, q.required) for q in questions] == [(QuestionKind.SINGLE_CHOICE, True), (QuestionKind.NUMBER, False)]
        assert questions[0].options == [{"zh": "天使轮", "en": "Angel"}, {"zh": "A轮", "en": "Series A"}]


def test_deadline_and_material_rules(app, organiser):
    post_form(organiser, SETUP + "deadline", {"deadline": "2026-12-31T23:59", "quota_mb": "4096"}, token_from=SETUP)
    post_form(organiser, SETUP + "materials/slides", {"rule-slides-required": "y", "rule-slides-max_mb": "80"},
              token_from=SETUP)
    assert post_form(organiser, SETUP + "materials/slides", {"rule-slides-max_mb": "0"}, token_from=SETUP).status_code == 422
    with app.app_context():
        found = contest(app)
        assert found.application_deadline == datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)
        assert found.application_quota_bytes == 4096 * 1024 * 1024
        rule = db.session.scalar(select(MaterialRule).where(MaterialRule.kind == MaterialKind.SLIDES))
        assert (rule.required, rule.max_bytes) == (True, 80 * 1024 * 1024)


def test_setup_of_another_contest_is_not_reachable(app, organiser):
    make_contest(app, "other")
    assert organiser.get("/organize/other/setup/").status_code == 403
    with app.app_context():
        other_track = next(t for t in db.session.scalar(select(Contest).where(Contest.slug == "other")).tracks)
    response = organiser.post(f"{SETUP}tracks/{other_track.id}/delete", data={"csrf_token": csrf_token(organiser, SETUP)})
    assert response.status_code == 404
