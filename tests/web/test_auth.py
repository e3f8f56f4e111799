"""Registration, login, logout and revocation, through the HTTP client as a browser would."""
from __future__ import annotations

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import User
from tests.helpers import PASSWORD, csrf_token, login, post_form


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def register(client, email="New.Team@Example.com", password=PASSWORD, confirm=None):
    return post_form(client, "/register", {
        "display_name": "张伟", "email": email, "password": password, "confirm": confirm or password,
    })


def test_team_registers_and_lands_on_dashboard(client, app):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "张伟" in page.get_data(as_text=True)
    with app.app_context():
        user = User.by_email("new.team@example.com")
        assert user.email == "new.team@example.com"  # stored case-folded
        assert user.password_hash.startswith("$argon2id$")


def test_registration_refuses_taken_email_in_any_case(client, app, make_user):
    make_user("team@example.com")
    response = register(client, email="TEAM@example.COM")
    assert response.status_code == 422
    assert count_users(app) == 1


def test_registration_refuses_short_and_mismatched_passwords(client, app):
    assert register(client, password="short").status_code == 422
    assert register(client, confirm="something else entirely").status_code == 422
    assert count_users(app) == 0


def test_form_without_csrf_token_is_refused_and_changes_nothing(client, app):
    response = client.post("/register", data={
        "display_name": "x", "email": "x@example.com", "password": PASSWORD, "confirm": PASSWORD,
    })
    assert response.status_code == 400
    assert count_users(app) == 0


def test_form_with_wrong_csrf_token_is_refused(client, app):
    client.get("/register")
    response = client.post("/register", data={
        "csrf_token": "forged", "display_name": "x", "email": "x@example.com", "password": PASSWORD,
        "confirm": PASSWORD,
    })
    assert response.status_code == 400
    assert count_users(app) == 0


def test_csrf_refusal_as_json_for_json_clients(client, make_user):
    make_user()
    response = client.post("/login", data={"email": "team@example.com", "password": PASSWORD},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


def test_login_answers_alike_for_unknown_email_and_wrong_password(client, make_user):
    make_user()
    wrong = post_form(client, "/login", {"email": "team@example.com", "password": "not the password"})
    unknown = post_form(client, "/login", {"email": "nobody@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: r.get_data(as_text=True).replace("team@example.com", "").replace("nobody@example.com", "")  # noqa: E731
    assert _without_csrf(strip(wrong)) == _without_csrf(strip(unknown))


def _without_csrf(html: str) -> str:
    import re

    return re.sub(r'value="[^"]*"', "", html)


def test_login_rotates_the_session(client, make_user):
    make_user()
    before = csrf_token(client, "/login")
    login(client)
    after = csrf_token(client, "/account/")
    assert before != after


def test_login_refuses_deactivated_account(client, app, make_user):
    user_id = make_user()
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = post_form(client, "/login", {"email": "team@example.com", "password": PASSWORD})
    assert response.status_code == 401


def test_login_redirects_only_to_local_paths(client, make_user):
    make_user()
    response = post_form(client, "/login", {"email": "team@example.com", "password": PASSWORD,
                                            "next": "https://evil.example/steal"})
    assert response.headers["Location"].endswith("/dashboard")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    response = post_form(client, "/login", {"email": "team@example.com", "password": PASSWORD,
                                            "next": "/account/tokens"})
    assert response.headers["Location"].endswith("/account/tokens")


def test_brute_force_login_is_rate_limited(client, app, make_user):
    make_user()
    token = csrf_token(client)
    statuses = [
        client.post("/login", data={"csrf_token": token, "email": "team@example.com", "password": f"guess {i}"}).status_code
        for i in range(12)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    response = client.post("/login", data={"csrf_token": token, "email": "team@example.com", "password": "x"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_rate_limit_applies_per_email_across_addresses(app, make_user):
    make_user()
    statuses = []
    for i in range(12):
        client = app.test_client()
        token = csrf_token(client)
        statuses.append(client.post("/login", data={"csrf_token": token, "email": "team@example.com",
                                                    "password": "guess"},
                                    environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code)
    assert statuses[-1] == 429


def test_cookie_replayed_after_logout_is_refused(client, make_user):
    make_user()
    login(client)
    assert client.get("/account/").status_code == 200
    stolen = client.get_cookie("roadshow_session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert client.get("/account/").status_code == 302

    client.set_cookie("roadshow_session", stolen)
    response = client.get("/account/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_ends_sessions_on_every_device(app, make_user):
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/account/")})
    assert phone.get("/account/").status_code == 302


def test_logout_requires_post_with_csrf(client, make_user):
    make_user()
    login(client)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account/").status_code == 200


def test_password_change_revokes_other_sessions_but_keeps_this_one(app, make_user):
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    response = post_form(laptop, "/account/password", {
        "current_password": PASSWORD, "password": "a brand new password", "confirm": "a brand new password",
    })
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302
    login(phone, password="a brand new password")


def test_password_change_needs_the_current_password(client, make_user):
    make_user()
    login(client)
    response = post_form(client, "/account/password", {
        "current_password": "wrong wrong wrong", "password": "a brand new password", "confirm": "a brand new password",
    })
    assert response.status_code == 422
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    login(client)  # the old password still works


def test_login_page_sends_a_signed_in_user_on(client, make_user):
    make_user()
    login(client)
    response = client.get("/login?next=/account/tokens")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/tokens")
    assert client.get("/login?next=https://evil.example").headers["Location"].endswith("/dashboard")
