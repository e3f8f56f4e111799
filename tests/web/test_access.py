"""Who may open which page: every refusal, and no leak of what exists."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Contest, ContestRole, ContestStatus, Role, User
from tests.helpers import csrf_token, login, make_contest, post_form

ADMIN_PAGES = ["/admin/contests", "/admin/contests/new", "/admin/users", "/admin/outbox"]


@pytest.mark.parametrize("url", ADMIN_PAGES + ["/organize/demo", "/account/", "/account/tokens", "/dashboard", "/judge/"])
def test_anonymous_is_sent_to_login(client, app, url):
    make_contest(app)
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_refuse_other_users(client, make_user, url):
    make_user()
    login(client)
    assert client.get(url).status_code == 403


def test_admin_pages_open_for_administrators(client, make_user):
    make_user(is_admin=True)
    login(client)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_organiser_page_refuses_judge_and_team(app, make_user):
    make_user("judge@example.com")
    make_user("team@example.com")
    make_contest(app, judge_email="judge@example.com")
    for email in ("judge@example.com", "team@example.com"):
        client = app.test_client()
        login(client, email)
        assert client.get("/organize/demo").status_code == 403


def test_draft_contest_is_hidden_from_outsiders(app, make_user):
    make_user("org@example.com")
    make_user("team@example.com")
    make_contest(app, "secret", status=ContestStatus.DRAFT, organiser_email="org@example.com")
    outsider = app.test_client()
    assert outsider.get("/contests/secret").status_code == 404
    login(outsider, "team@example.com")
    assert outsider.get("/contests/secret").status_code == 404
    assert outsider.get("/organize/secret").status_code == 404
    assert outsider.get("/contests/no-such-contest").status_code == 404
    organiser = app.test_client()
    login(organiser, "org@example.com")
    assert organiser.get("/contests/secret").status_code == 200
    assert organiser.get("/organize/secret").status_code == 200


def test_public_pages_list_open_contests_only(client, app):
    make_contest(app, "visible")
    make_contest(app, "hidden", status=ContestStatus.DRAFT)
    page = client.get("/").get_data(as_text=True)
    assert "/contests/visible" in page
    assert "/contests/hidden" not in page


def test_administrator_creates_contest_and_becomes_organiser(client, app, make_user):
    make_user(is_admin=True)
    login(client)
    response = post_form(client, "/admin/contests/new", {
        "slug": "talent-2026", "name_zh": "人才大赛", "name_en": "Talent contest", "description_zh": "",
        "description_en": "", "timezone": "Asia/Shanghai", "status": "open",
        "tracks": "医疗器械 | Medical devices\n新材料 | New materials",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organize/talent-2026")
    assert client.get("/organize/talent-2026").status_code == 200
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == "talent-2026"))
        assert [t.name_en for t in contest.tracks] == ["Medical devices", "New materials"]


@pytest.mark.parametrize("field, value", [("slug", "Not A Slug"), ("timezone", "Mars/Olympus"), ("status", "bogus"),
                                          ("name_zh", ""), ("tracks", "A\nA")])
def test_contest_form_refuses_bad_input(client, app, make_user, field, value):
    make_user(is_admin=True)
    login(client)
    data = {"slug": "ok", "name_zh": "大赛", "name_en": "", "timezone": "Asia/Shanghai", "status": "open", "tracks": ""}
    data[field] = value
    assert post_form(client, "/admin/contests/new", data).status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Contest)).all() == []


def test_duplicate_slug_is_refused(client, app, make_user):
    make_user(is_admin=True)
    make_contest(app, "taken")
    login(client)
    response = post_form(client, "/admin/contests/new", {"slug": "taken", "name_zh": "大赛", "timezone": "UTC",
                                                          "status": "open"})
    assert response.status_code == 422
    assert "already taken" in response.get_data(as_text=True) or "已被" in response.get_data(as_text=True)


def test_administrator_deactivates_a_user(app, make_user):
    make_user("admin@example.com", is_admin=True)
    target_id = make_user("team@example.com")
    admin, team = app.test_client(), app.test_client()
    login(admin, "admin@example.com")
    login(team, "team@example.com")
    response = admin.post(f"/admin/users/{target_id}/deactivate", data={"csrf_token": csrf_token(admin, "/admin/users")})
    assert response.status_code == 302
    assert team.get("/account/").status_code == 302
    response = post_form(team, "/login", {"email": "team@example.com", "password": "correct horse battery"})
    assert response.status_code == 401
    admin.post(f"/admin/users/{target_id}/activate", data={"csrf_token": csrf_token(admin, "/admin/users")})
    with app.app_context():
        assert db.session.get(User, target_id).active


def test_non_admin_cannot_deactivate(app, make_user):
    make_user("a@example.com")
    target_id = make_user("b@example.com")
    client = app.test_client()
    login(client, "a@example.com")
    response = client.post(f"/admin/users/{target_id}/deactivate", data={"csrf_token": csrf_token(client, "/account/")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, target_id).active


def test_organiser_edits_contest_and_removes_a_member(app, make_user):
    make_user("org@example.com")
    make_user("judge@example.com")
    make_contest(app, organiser_email="org@example.com", judge_email="judge@example.com")
    client = app.test_client()
    login(client, "org@example.com")
    response = post_form(client, "/organize/demo/settings", {
        "name_zh": "新名字", "name_en": "New name", "description_zh": "", "description_en": "",
        "timezone": "Europe/Berlin", "status": "closed",
    }, token_from="/organize/demo")
    assert response.status_code == 302
    with app.app_context():
        contest = db.session.scalar(select(Contest))
        assert (contest.name_en, contest.timezone, contest.status) == ("New name", "Europe/Berlin", ContestStatus.CLOSED)
        judge_role = db.session.scalar(select(ContestRole).where(ContestRole.role == Role.JUDGE))
    client.post(f"/organize/demo/members/{judge_role.id}/remove", data={"csrf_token": csrf_token(client, "/organize/demo")})
    with app.app_context():
        assert db.session.scalar(select(ContestRole).where(ContestRole.role == Role.JUDGE)) is None


def test_member_of_another_contest_cannot_be_removed_through_this_one(app, make_user):
    make_user("org@example.com")
    make_user("judge@example.com")
    make_contest(app, "mine", organiser_email="org@example.com")
    make_contest(app, "theirs", judge_email="judge@example.com")
    with app.app_context():
        theirs = db.session.scalar(select(ContestRole).where(ContestRole.role == Role.JUDGE))
    client = app.test_client()
    login(client, "org@example.com")
    response = client.post(f"/organize/mine/members/{theirs.id}/remove", data={"csrf_token": csrf_token(client, "/organize/mine")})
    assert response.status_code == 404
