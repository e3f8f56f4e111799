"""Two gunicorn processes sharing the database and Redis serve one live room: a viewer on each
server, one asks, the organiser approves, and the viewer on the other server receives the question;
the viewer count both processes send is the room's.

Needs Redis (``REDIS_URL``, else the local default): with ``CI=true`` a Redis that does not answer
fails this test instead of skipping it.
"""
from __future__ import annotations

import os
import subprocess
import threading

import pytest
import redis
import socketio

from tests.helpers import wait_for
from tests.live import PROJECT_ROOT, VENV_BIN, ServerFailed, deployment
from tests.realtime.test_scale_out import signed_in_session

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "viewer-password-123"

SEED = """
import sys
from roadshow import create_app
from roadshow.extensions import db
from roadshow.models import Application, ApplicationStatus, Contest, ContestStatus, Role, Track, User, utcnow
from roadshow.models.live import LiveSession, LiveSlot
from roadshow.services import accounts, contests

app = create_app()
with app.test_request_context():
    contest = Contest(slug="live", name_zh="路演", name_en="Live", status=ContestStatus.OPEN,
                      description_zh="", description_en="", tracks=[Track(name_zh="轨道", name_en="Track", position=0)])
    db.session.add(contest)
    db.session.flush()
    for email in ("asker@example.com", "watcher@example.com"):
        user = accounts.create_user(email, sys.argv[1], email.split("@")[0].title())
        contests.grant_role(contest, user, Role.OBSERVER)
    application = Application(contest=contest, status=ApplicationStatus.SCREENED_IN, project_name="Pump")
    db.session.add(application)
    db.session.flush()
    live = LiveSession(contest_id=contest.id, title_zh="路演", starts_at=utcnow(), scored=False)
    db.session.add(live)
    db.session.flush()
    db.session.add(LiveSlot(session_id=live.id, position=1, application_id=application.id))
    db.session.commit()
    print(live.id)
"""


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
        with deployment(tmp_path_factory.mktemp("live-scale-out"), processes=2, redis_url=REDIS_URL,
                        redis_db=3) as server:
            seeded = subprocess.run([str(VENV_BIN / "python"), "-c", SEED, PASSWORD], cwd=PROJECT_ROOT,
                                    env=server.env, capture_output=True, text=True, timeout=120)
            assert seeded.returncode == 0, seeded.stderr[-2000:]
            server.live_session_id = int(seeded.stdout.strip().splitlines()[-1])
            yield server
    except ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


class Viewer:
    def __init__(self, url: str, browser, session_id: int) -> None:
        self.client = socketio.Client(reconnection=False)
        self.questions: list[dict] = []
        self.states: list[dict] = []
        self.tallies: list[dict] = []
        self.arrived = threading.Event()
        self.client.on("question", self._question, namespace="/live")
        self.client.on("state", self.states.append, namespace="/live")
        self.client.on("tally", self.tallies.append, namespace="/live")
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        self.client.connect(url, namespaces=["/live"], transports=["websocket"], headers={"Cookie": cookie},
                            auth={"session_id": session_id}, wait_timeout=10)

    def _question(self, data: dict) -> None:
        self.questions.append(data)
        self.arrived.set()

    def call(self, event: str, data: dict) -> dict:
        return self.client.call(event, data, namespace="/live", timeout=10)


def test_a_question_asked_on_one_process_reaches_a_viewer_on_the_other(two_processes):
    first, second = two_processes.urls
    session_id = two_processes.live_session_id
    organiser = Viewer(first, signed_in_session(first, two_processes.admin_email, two_processes.admin_password),
                       session_id)
    asker = Viewer(first, signed_in_session(first, "asker@example.com", PASSWORD), session_id)
    watcher = Viewer(second, signed_in_session(second, "watcher@example.com", PASSWORD), session_id)
    try:
        assert organiser.call("ping", {"t": 1})["t"] == 1
        answer = asker.call("ask", {"text": "Who are your first customers?"})
        assert answer["ok"], answer
        assert organiser.arrived.wait(10) and organiser.questions[-1]["status"] == "pending"
        assert not watcher.arrived.is_set()   # pending questions reach organisers only
        assert organiser.call("moderate", {"question_id": answer["question_id"], "action": "approve"})["ok"]
        assert watcher.arrived.wait(10), "the viewer on the other process did not receive the question"
        question = watcher.questions[-1]
        assert question["id"] == answer["question_id"] and question["status"] == "approved"
        assert question["text"] == "Who are your first customers?"
        # the room's count, not the process's: two viewers here, one there, as both processes say
        for viewer in (watcher, asker):
            assert wait_for(lambda: any(t.get("viewers") == 3 for t in viewer.tallies), timeout=10), viewer.tallies
    finally:
        for viewer in (organiser, asker, watcher):
            viewer.client.disconnect()


def test_a_viewer_signed_in_on_one_process_gets_the_whole_state_from_the_other(two_processes):
    first, second = two_processes.urls
    browser = signed_in_session(first, "watcher@example.com", PASSWORD)
    viewer = Viewer(second, browser, two_processes.live_session_id)
    try:
        assert wait_for(lambda: viewer.states, timeout=10)
        assert [q["status"] for q in viewer.states[0]["questions"]] == ["approved"]
        assert viewer.states[0]["session"]["id"] == two_processes.live_session_id
    finally:
        viewer.client.disconnect()
