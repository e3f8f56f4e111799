"""``flask roadshow ...`` commands: idempotent, and what they print is usable by scripts."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Contest, ContestRole, User


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_admin_then_promote_existing(runner, app, make_user):
    result = runner.invoke(args=["roadshow", "create-admin", "Boss@Example.com", "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.by_email("boss@example.com").is_admin
    make_user("team@example.com")
    assert runner.invoke(args=["roadshow", "create-admin", "team@example.com"]).exit_code == 0
    with app.app_context():
        assert User.by_email("team@example.com").is_admin


def test_create_admin_refuses_a_weak_password(runner, app):
    result = runner.invoke(args=["roadshow", "create-admin", "boss@example.com", "--password", "short"])
    assert result.exit_code != 0
    assert count(app, User) == 0


def test_create_token_prints_a_working_token(runner, client, make_user):
    make_user()
    result = runner.invoke(args=["roadshow", "create-token", "team@example.com"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["email"] == "team@example.com"
    assert runner.invoke(args=["roadshow", "create-token", "nobody@example.com"]).exit_code != 0


def test_seed_demo_is_idempotent_and_prints_json_logins(runner, app, client):
    first = runner.invoke(args=["roadshow", "seed-demo", "--password", "demo password 1", "--json"])
    assert first.exit_code == 0, first.output
    logins = json.loads(first.output)
    assert {login["role"] for login in logins} == {"admin", "organizer", "judge", "team_member", "observer"}
    again = runner.invoke(args=["roadshow", "seed-demo", "--password", "demo password 1", "--json"])
    assert json.loads(again.output) == logins
    assert (count(app, Contest), count(app, User), count(app, ContestRole)) == (1, 7, 7)
    with app.app_context():
        contest = db.session.scalar(select(Contest))
        assert contest.name_zh and contest.name_en and len(contest.tracks) >= 3
    judge = next(login for login in logins if login["role"] == "judge")
    response = client.post("/login", data={"email": judge["email"], "password": "demo password 1"})
    assert response.status_code in (302, 400)  # 400 only for the missing CSRF token of this raw post


def test_seed_demo_resets_passwords_to_the_given_one(runner, app):
    runner.invoke(args=["roadshow", "seed-demo", "--password", "demo password 1"])
    runner.invoke(args=["roadshow", "seed-demo", "--password", "demo password 2"])
    from roadshow.security import verify_password

    with app.app_context():
        assert verify_password(User.by_email("judge@demo.roadshow").password_hash, "demo password 2")


def test_seed_demo_prepares_the_online_review(runner, app):
    """The demo shows the review at once: rubric, projects with a business plan, judges assigned in
    balance, scoring open; and a second run changes nothing."""
    from roadshow.models import Assignment, Criterion, Material, Round, RoundEntry, RoundKind

    assert runner.invoke(args=["roadshow", "seed-demo"]).exit_code == 0
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.kind == RoundKind.ONLINE_REVIEW))
        assert round_.rubric_frozen and len(round_.criteria) == 5
        entries = count(app, RoundEntry)
        assert entries == 6 and count(app, Material) == 6
        loads = {}
        for assignment in db.session.scalars(select(Assignment)):
            loads[assignment.judge_id] = loads.get(assignment.judge_id, 0) + 1
        assert sum(loads.values()) == 6 * round_.judges_per_project
        assert max(loads.values()) - min(loads.values()) <= 1
    before = (count(app, Assignment), count(app, Criterion), count(app, Material))
    assert runner.invoke(args=["roadshow", "seed-demo"]).exit_code == 0
    assert (count(app, Assignment), count(app, Criterion), count(app, Material)) == before
