"""Chinese and English: how the language is chosen, the switch, and time zones."""
from __future__ import annotations

from datetime import datetime, timezone

from roadshow.extensions import db
from roadshow.models import User
from tests.helpers import csrf_token, login, post_form


def lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="')[1].split('"')[0]


def test_chinese_is_the_default(client):
    assert lang(client.get("/")) == "zh-CN"
    assert "登录" in client.get("/").get_data(as_text=True)


def test_accept_language_picks_english(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert lang(response) == "en"
    assert "Log in" in response.get_data(as_text=True)


def test_accept_language_chinese_variants(client):
    assert lang(client.get("/", headers={"Accept-Language": "zh-TW,zh;q=0.9"})) == "zh-CN"
    assert lang(client.get("/", headers={"Accept-Language": "fr-FR"})) == "zh-CN"


def test_switch_for_anonymous_visitor_sticks_in_the_session(client):
    token = csrf_token(client, "/")
    response = client.post("/account/language", data={"csrf_token": token, "locale": "en", "next": "/register"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/register")
    assert lang(client.get("/")) == "en"


def test_switch_refuses_unknown_languages_and_foreign_redirects(client):
    token = csrf_token(client, "/")
    response = client.post("/account/language", data={"csrf_token": token, "locale": "fr", "next": "//evil.example"})
    assert response.headers["Location"] == "/"
    assert lang(client.get("/")) == "zh-CN"


def test_users_setting_wins_over_accept_language_and_is_saved(app, client, make_user):
    user_id = make_user()
    login(client)
    client.post("/account/language", data={"csrf_token": csrf_token(client, "/dashboard"), "locale": "en"})
    with app.app_context():
        assert db.session.get(User, user_id).locale == "en"
    other_browser = app.test_client()
    login(other_browser)
    assert lang(other_browser.get("/dashboard", headers={"Accept-Language": "zh-CN"})) == "en"


def test_every_page_has_the_language_switch(client, make_user):
    for url in ("/", "/login", "/register", "/password/forgot", "/no-such-page"):
        assert 'action="/account/language"' in client.get(url).get_data(as_text=True), url
    make_user()
    login(client)
    for url in ("/dashboard", "/account/", "/account/tokens", "/judge/"):
        assert 'action="/account/language"' in client.get(url).get_data(as_text=True), url


def test_times_are_shown_in_the_viewers_time_zone(app, client, make_user):
    user_id = make_user(locale="en")
    login(client)
    moment = datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc)
    post_form(client, "/account/tokens", {"name": "tz probe"})
    from sqlalchemy import select

    from roadshow.models import ApiToken
    with app.app_context():
        db.session.scalar(select(ApiToken)).created_at = moment
        db.session.get(User, user_id).timezone = "Asia/Shanghai"
        db.session.commit()
    assert "1/16/26" in client.get("/account/tokens").get_data(as_text=True)  # 07:30 next day in Shanghai
    with app.app_context():
        db.session.get(User, user_id).timezone = "America/Los_Angeles"
        db.session.commit()
    assert "1/15/26" in client.get("/account/tokens").get_data(as_text=True)


def test_profile_saves_language_and_time_zone(app, client, make_user):
    user_id = make_user()
    login(client)
    response = post_form(client, "/account/", {"display_name": "王芳", "locale": "en", "timezone": "Europe/Amsterdam"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.display_name, user.locale, user.timezone) == ("王芳", "en", "Europe/Amsterdam")
    assert post_form(client, "/account/", {"display_name": "x", "locale": "", "timezone": "Nowhere/City"}).status_code == 422


def test_lazy_messages_with_user_input_are_escaped_in_pages(app):
    """A lazily translated message carrying user input (a form error, a flash) is text, not HTML."""
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context():
        message = lazy_gettext("%(email)s is not a judge of this contest.", email="<script>alert(1)</script>")
        html = render_template_string("<p>{{ message }}</p>", message=message)
    assert "<script>" not in html and "&lt;script&gt;" in html
