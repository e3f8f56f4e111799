"""``/api/v1``: token authentication, the same policy as the UI, JSON errors, the OpenAPI document."""
from __future__ import annotations

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import ApiToken, Contest, ContestStatus
from roadshow.services import api_tokens
from roadshow.models import User
from tests.helpers import csrf_token, login, make_contest, post_form


def token_for(app, email="team@example.com") -> str:
    with app.test_request_context():
        _, plain = api_tokens.create(User.by_email(email), "tests")
        db.session.commit()
        return plain


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_me_with_a_token(client, app, make_user):
    make_user()
    make_contest(app, judge_email="team@example.com")
    response = client.get("/api/v1/me", headers=bearer(token_for(app)))
    assert response.status_code == 200
    assert response.json["email"] == "team@example.com"
    assert response.json["roles"] == [{"contest": "demo", "role": "judge"}]
    assert response.headers["Cache-Control"] == "no-store"


def test_last_use_is_recorded_to_the_minute_not_written_on_every_call(client, app, make_user):
    make_user()
    token = token_for(app)
    client.get("/api/v1/me", headers=bearer(token))
    with app.app_context():
        first = db.session.scalar(select(ApiToken.last_used_at))
        assert first is not None
    client.get("/api/v1/me", headers=bearer(token))
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) == first


def test_me_with_the_browser_session(client, make_user):
    make_user()
    login(client)
    assert client.get("/api/v1/me").json["email"] == "team@example.com"


def test_unknown_token_is_401_json(client):
    response = client.get("/api/v1/me", headers=bearer("rs_not-a-real-token"))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_malformed_authorization_header_is_401(client):
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_no_credentials_is_401(client):
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_token_is_refused_even_with_a_session(client, make_user):
    make_user()
    login(client)
    assert client.get("/api/v1/me", headers=bearer("rs_forged")).status_code == 401


def test_revoked_token_is_refused(client, app, make_user):
    make_user()
    token = token_for(app)
    login(client)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_deactivated_users_token_is_refused(client, app, make_user):
    user_id = make_user()
    token = token_for(app)
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_tokens_are_stored_hashed_and_shown_once(client, app, make_user):
    make_user()
    login(client)
    page = post_form(client, "/account/tokens", {"name": "export script"}).get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
    plain = page.split('id="new-token">')[1].split("<")[0]
    assert plain.startswith("rs_")
    assert stored.token_hash != plain and plain not in stored.token_hash
    assert client.get("/account/tokens").get_data(as_text=True).count(plain) == 0
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200


def test_user_cannot_revoke_someone_elses_token(app, make_user):
    make_user("a@example.com")
    make_user("b@example.com")
    token_for(app, "b@example.com")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client = app.test_client()
    login(client, "a@example.com")
    response = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_contests_list_follows_the_policy(client, app, make_user):
    make_user("org@example.com")
    make_user("team@example.com")
    make_contest(app, "public-one")
    make_contest(app, "draft-one", status=ContestStatus.DRAFT, organiser_email="org@example.com")
    anonymous = [c["slug"] for c in client.get("/api/v1/contests").json]
    team = [c["slug"] for c in client.get("/api/v1/contests", headers=bearer(token_for(app, "team@example.com"))).json]
    organiser = [c["slug"] for c in client.get("/api/v1/contests", headers=bearer(token_for(app, "org@example.com"))).json]
    assert anonymous == team == ["public-one"]
    assert sorted(organiser) == ["draft-one", "public-one"]
    assert client.get("/api/v1/contests/draft-one", headers=bearer(token_for(app, "team@example.com"))).status_code == 404
    detail = client.get("/api/v1/contests/public-one").json
    assert [t["name_en"] for t in detail["tracks"]] == ["Medical devices", "New materials"]


def test_only_administrators_create_contests(client, app, make_user):
    make_user("team@example.com")
    make_user("admin@example.com", is_admin=True)
    body = {"slug": "api-made", "name_zh": "接口大赛", "tracks": [{"name_zh": "新材料", "name_en": "New materials"}]}
    refused = client.post("/api/v1/contests", json=body, headers=bearer(token_for(app, "team@example.com")))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"
    created = client.post("/api/v1/contests", json=body, headers=bearer(token_for(app, "admin@example.com")))
    assert created.status_code == 201
    assert created.json["slug"] == "api-made" and created.json["status"] == "draft"
    again = client.post("/api/v1/contests", json=body, headers=bearer(token_for(app, "admin@example.com")))
    assert again.status_code == 409


def test_invalid_body_is_422_with_details_and_creates_nothing(client, app, make_user):
    make_user("admin@example.com", is_admin=True)
    response = client.post("/api/v1/contests", json={"slug": "Bad Slug!"},
                           headers=bearer(token_for(app, "admin@example.com")))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert "name_zh" in str(response.json["error"]["details"])
    with app.app_context():
        assert db.session.scalars(select(Contest)).all() == []


def test_session_writes_need_csrf_but_token_writes_do_not(client, app, make_user):
    make_user("admin@example.com", is_admin=True)
    login(client, "admin@example.com")
    response = client.post("/api/v1/contests", json={"slug": "via-session", "name_zh": "会话"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    token = csrf_token(client, "/account/")
    response = client.post("/api/v1/contests", json={"slug": "via-session", "name_zh": "会话"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/contests", "/api/v1/contests/{slug}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "post" in spec["paths"]["/api/v1/contests"]


def test_a_token_callers_messages_are_in_their_language(client, app, make_user):
    make_user("en@example.com", locale="en")
    make_user("zh@example.com", locale="zh_CN")
    english = client.get("/api/v1/applications/999999", headers=bearer(token_for(app, "en@example.com")))
    chinese = client.get("/api/v1/applications/999999", headers=bearer(token_for(app, "zh@example.com")))
    assert english.status_code == chinese.status_code == 404
    assert english.json["error"]["message"] != chinese.json["error"]["message"]
    assert english.json["error"]["message"].isascii() and not chinese.json["error"]["message"].isascii()
