"""Socket.IO: authentication at connect, revocation reaching open sockets, origin checks."""
from __future__ import annotations

from sqlalchemy import select

from roadshow.extensions import db, socketio
from roadshow.models import SocketConnection, User
from tests.helpers import csrf_token, login, post_form, wait_for

NS = "/user"


def connect(app, client):
    return socketio.test_client(app, namespace=NS, flask_test_client=client)


def test_signed_in_user_connects_and_is_recorded(app, client, make_user):
    make_user()
    login(client)
    socket = connect(app, client)
    assert socket.is_connected(NS)
    assert socket.emit("whoami", namespace=NS, callback=True)["display_name"] == "Team Lead"
    with app.app_context():
        assert len(db.session.scalars(select(SocketConnection)).all()) == 1
    socket.disconnect(namespace=NS)
    with app.app_context():
        assert db.session.scalars(select(SocketConnection)).all() == []


def test_anonymous_connect_is_refused(app, client):
    socket = connect(app, client)
    assert not socket.is_connected(NS)


def test_cookie_replayed_after_logout_cannot_connect(app, client, make_user):
    make_user()
    login(client)
    stolen = client.get_cookie("roadshow_session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    attacker = app.test_client()
    attacker.set_cookie("roadshow_session", stolen)
    socket = connect(app, attacker)
    assert not socket.is_connected(NS)


def test_logout_elsewhere_disconnects_open_socket(app, make_user):
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    socket = connect(app, phone)
    assert socket.is_connected(NS)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/account/")})
    assert wait_for(lambda: not socket.is_connected(NS))
    assert [message["name"] for message in socket.queue] == ["session_revoked"]


def test_deactivated_users_open_socket_is_told_and_disconnected(app, make_user):
    make_user("admin@example.com", is_admin=True)
    target_id = make_user("team@example.com")
    admin, team = app.test_client(), app.test_client()
    login(admin, "admin@example.com")
    login(team, "team@example.com")
    socket = connect(app, team)
    admin.post(f"/admin/users/{target_id}/deactivate", data={"csrf_token": csrf_token(admin, "/admin/users")})
    assert wait_for(lambda: not socket.is_connected(NS))
    # the test client keeps what arrived before the disconnect in its queue
    assert [(m["name"], m["args"]) for m in socket.queue] == [("session_revoked", [{"reason": "deactivated"}])]
    with app.app_context():
        assert db.session.scalars(select(SocketConnection)).all() == []
        assert not db.session.get(User, target_id).active


def test_events_on_a_revoked_session_are_refused(app, make_user):
    """Even a socket the revocation did not reach (e.g. its row was lost) cannot act any more."""
    user_id = make_user()
    client = app.test_client()
    login(client)
    socket = connect(app, client)
    with app.app_context():
        db.session.get(User, user_id).session_version += 1  # revoked behind the socket's back
        db.session.commit()
    answer = socket.emit("whoami", namespace=NS, callback=True)
    assert answer["error"]["code"] == "unauthenticated"
    assert not socket.is_connected(NS)


def test_foreign_origin_is_refused(client):
    response = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"})
    assert response.status_code == 400


def test_own_origin_and_allowlisted_origins_are_accepted(client, app):
    assert client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://localhost"}).status_code == 200


def test_allowlist_is_configurable_and_never_a_wildcard(tmp_path):
    import pytest

    from roadshow.realtime import origin_checker

    check = origin_checker(["https://roadshow.example.gov.cn"])
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8000"}
    assert check("https://roadshow.example.gov.cn", environ)
    assert check("http://127.0.0.1:8000", environ)
    assert not check("https://evil.example", environ)
    with pytest.raises(ValueError):
        origin_checker(["*"])


def test_password_change_disconnects_other_sockets(app, make_user):
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    socket = connect(app, phone)
    post_form(laptop, "/account/password", {"current_password": "correct horse battery",
                                            "password": "another fine password", "confirm": "another fine password"})
    assert wait_for(lambda: not socket.is_connected(NS))
