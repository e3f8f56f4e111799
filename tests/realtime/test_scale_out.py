"""Two gunicorn processes sharing the database and Redis serve one installation: a session
revoked through one process drops the user's socket held by the other.

Needs Redis (``REDIS_URL``, else the local default): with ``CI=true`` a Redis that does not answer
fails this test instead of skipping it.
"""
from __future__ import annotations

import os
import re
import threading

import pytest
import redis
import requests
import socketio

from tests.live import ServerFailed, deployment

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} does not answer: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        with deployment(tmp_path_factory.mktemp("scale-out"), processes=2, redis_url=REDIS_URL, redis_db=2) as server:
            yield server
    except ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


def signed_in_session(base_url: str, email: str, password: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{base_url}/login", timeout=10).text).group(1)
    response = browser.post(f"{base_url}/login", data={"csrf_token": token, "email": email, "password": password},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:300]
    return browser


def open_socket(url: str, cookies: requests.Session, origin: str | None = None):
    client = socketio.Client(reconnection=False)
    events: list[str] = []
    gone = threading.Event()
    client.on("session_revoked", lambda data: events.append("session_revoked"), namespace="/user")
    client.on("disconnect", lambda *args: gone.set(), namespace="/user")
    cookie = "; ".join(f"{c.name}={c.value}" for c in cookies.cookies)
    headers = {"Cookie": cookie, **({"Origin": origin} if origin else {})}
    client.connect(url, namespaces=["/user"], transports=["websocket"], headers=headers, wait_timeout=10)
    return client, events, gone


def test_logout_through_one_process_drops_the_socket_held_by_the_other(two_processes):
    first, second = two_processes.urls
    phone = signed_in_session(first, two_processes.admin_email, two_processes.admin_password)
    laptop = signed_in_session(first, two_processes.admin_email, two_processes.admin_password)

    client, events, gone = open_socket(second, phone)
    try:
        assert client.call("whoami", namespace="/user", timeout=10)["display_name"] == "Admin"
        token = CSRF.search(laptop.get(f"{first}/dashboard", timeout=10).text).group(1)
        assert laptop.post(f"{first}/logout", data={"csrf_token": token}, allow_redirects=False,
                           timeout=10).status_code == 302
        assert gone.wait(10), "the socket on the other process was not disconnected"
        assert events == ["session_revoked"]
    finally:
        client.disconnect()


def test_a_foreign_origin_cannot_open_a_socket(two_processes):
    session = signed_in_session(two_processes.url, two_processes.admin_email, two_processes.admin_password)
    with pytest.raises(socketio.exceptions.ConnectionError):
        open_socket(two_processes.url, session, origin="https://evil.example")


def test_both_processes_answer_for_the_same_database(two_processes):
    for url in two_processes.urls:
        assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok", "database": "ok"}
