"""The organisers' live pages (sessions, running order, interest, letters of intent) and the public
schedule (times in the viewer's time zone, .ics, timeline), over HTTP."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    ApplicationMember, Contest, ContestStatus, Interest, LetterOfIntent, LetterStatus, LiveSession, Question,
    QuestionStatus, Role, SessionState, User,
)
from roadshow.services import contests
from tests.helpers import create_user, csrf_token, login, make_contest
from tests.review_builders import make_review

ORG = "/organize/demo/live"
PUBLIC = "/contests/demo/live"
START_UTC = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)   # 18:00 in Shanghai, 11:00 in Berlin
PEOPLE = ("judge", "team", "other_organiser")
EMAILS = {"organiser": "org@example.com", "judge": "judge@example.com", "team": "team@example.com",
          "other_organiser": "org2@example.com"}


@pytest.fixture
def world(app):
    setup = make_review(app, projects=4)
    create_user(app, "team@example.com", locale="en")
    create_user(app, "org2@example.com", locale="en")
    make_contest(app, "other", organiser_email="org2@example.com")
    with app.test_request_context():
        contest = db.session.get(Contest, setup.contest_id)
        team = User.by_email("team@example.com")
        contests.grant_role(contest, team, Role.TEAM_MEMBER)
        db.session.add(ApplicationMember(application_id=setup.projects[0], user_id=team.id, is_leader=True))
        session = LiveSession(contest_id=setup.contest_id, round_id=setup.round_id, title_zh="路演",
                              title_en="Live roadshow", starts_at=START_UTC)
        db.session.add(session)
        db.session.commit()
        setup.session_id = session.id
    return setup


def signed_in(app, who: str):
    client = app.test_client()
    if who != "anonymous":
        login(client, EMAILS[who])
    return client


def _session(app, session_id):
    with app.app_context():
        session = db.session.get(LiveSession, session_id)
        return {"seed": session.order_seed, "order": [s.application_id for s in session.slots],
                "slots": [s.id for s in session.slots], "state": session.state, "starts_at": session.starts_at,
                "pitch": session.pitch_seconds, "qa": session.qa_seconds, "stream": session.stream_url}


def _routes(w):
    s = w.session_id
    gets = [ORG, f"{ORG}/{s}", f"{ORG}/interest", f"{ORG}/interest.csv", f"{ORG}/interest.xlsx", f"{ORG}/letters",
            f"{ORG}/letters.csv", f"{ORG}/letters.xlsx"]
    posts = [ORG, f"{ORG}/{s}", f"{ORG}/{s}/draw", f"{ORG}/{s}/order", f"{ORG}/{s}/slots/1/up", f"{ORG}/letters",
             f"{ORG}/letters/1", f"{ORG}/letters/1/delete"]
    return gets, posts


def test_every_organiser_page_is_refused_to_others(app, world):
    gets, posts = _routes(world)
    organiser = signed_in(app, "organiser")
    for url in gets:
        assert organiser.get(url).status_code == 200, url
    anonymous = app.test_client()
    for url in gets:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    token = csrf_token(anonymous, "/login")
    for url in posts:
        response = anonymous.post(url, data={"csrf_token": token})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for who in PEOPLE:
        client = signed_in(app, who)
        token = csrf_token(client, "/account/")
        for url in gets:
            assert client.get(url).status_code == 403, (who, url)
        for url in posts:
            assert client.post(url, data={"csrf_token": token, "title_zh": "x", "order": "1"}).status_code == 403, \
                (who, url)
    assert _session(app, world.session_id)["order"] == []


def test_posts_without_csrf_are_refused(app, world):
    organiser = signed_in(app, "organiser")
    _, posts = _routes(world)
    for url in posts:
        assert organiser.post(url, data={"title_zh": "x", "order": "1", "organisation": "x"}).status_code == 400, url


def test_a_session_is_scheduled_in_contest_time(app, world):
    organiser = signed_in(app, "organiser")
    token = csrf_token(organiser, ORG)
    form = {"csrf_token": token, "round_id": str(world.round_id), "title_zh": "决赛", "title_en": "Final",
            "starts_at": "2026-12-02T09:30", "format": "10+5", "stream_url": "https://cdn.example.com/a.m3u8",
            "meeting_url": "", "scored": "y"}
    response = organiser.post(ORG, data=form)
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    saved = _session(app, new_id)
    assert saved["starts_at"] == datetime(2026, 12, 2, 1, 30, tzinfo=timezone.utc)   # Shanghai is UTC+8
    assert (saved["pitch"], saved["qa"]) == (600, 300)
    page = organiser.get(f"{ORG}/{new_id}").get_data(as_text=True)
    assert f"/live/{new_id}/console" in page and f"/live/{new_id}/projector" in page
    assert 'value="2026-12-02T09:30"' in page and 'value="10+5"' in page
    for field, bad in (("format", "8"), ("format", "99+1"), ("stream_url", "https://cdn.example.com/a.mp4"),
                       ("stream_url", "http://cdn.example.com/a.m3u8"), ("meeting_url", "ftp://x"),
                       ("starts_at", "")):
        assert organiser.post(ORG, data={**form, field: bad}).status_code == 422, (field, bad)
    assert organiser.post(f"{ORG}/{new_id}", data={**form, "format": "8+7"}).status_code == 302
    assert _session(app, new_id)["pitch"] == 480


def test_order_by_lot_by_hand_and_up_down(app, world):
    organiser = signed_in(app, "organiser")
    url = f"{ORG}/{world.session_id}"
    token = csrf_token(organiser, url)
    assert organiser.post(f"{url}/draw", data={"csrf_token": token, "seed": "42"}).status_code == 302
    drawn = _session(app, world.session_id)
    assert drawn["seed"] == 42 and sorted(drawn["order"]) == sorted(world.projects)
    assert "seed 42" in organiser.get(url).get_data(as_text=True)
    assert organiser.post(f"{url}/draw", data={"csrf_token": token, "seed": "42"}).status_code == 302
    assert _session(app, world.session_id)["order"] == drawn["order"]
    assert organiser.post(f"{url}/draw", data={"csrf_token": token, "seed": "-1"}).status_code == 422

    p = world.projects
    wanted = [p[3], p[1], p[0], p[2]]
    response = organiser.post(f"{url}/order", data={"csrf_token": token, "order": ", ".join(map(str, wanted))})
    assert response.status_code == 302
    assert _session(app, world.session_id)["order"] == wanted and _session(app, world.session_id)["seed"] is None
    for bad in (" ".join(map(str, wanted[:3])), " ".join(map(str, wanted + [999])), "a, b",
                " ".join(map(str, wanted[:3] + [wanted[0]]))):
        assert organiser.post(f"{url}/order", data={"csrf_token": token, "order": bad}).status_code == 422, bad
    assert _session(app, world.session_id)["order"] == wanted

    second = _session(app, world.session_id)["slots"][1]
    assert organiser.post(f"{url}/slots/{second}/up", data={"csrf_token": token}).status_code == 302
    assert _session(app, world.session_id)["order"] == [p[1], p[3], p[0], p[2]]

    with app.app_context():
        db.session.get(LiveSession, world.session_id).state = SessionState.LIVE
        db.session.commit()
    assert organiser.post(f"{url}/draw", data={"csrf_token": token, "seed": "1"}).status_code == 409
    assert organiser.post(f"{url}/order", data={"csrf_token": token, "order": " ".join(map(str, p))}).status_code == 409
    assert _session(app, world.session_id)["order"] == [p[1], p[3], p[0], p[2]]


def test_letters_of_intent_over_http(app, world):
    organiser = signed_in(app, "organiser")
    url = f"{ORG}/letters"
    token = csrf_token(organiser, url)
    form = {"csrf_token": token, "application_id": str(world.projects[1]), "organisation": "Suzhou Park",
            "status": "intended", "amount": "300000", "note": "Lab"}
    assert organiser.post(url, data=form).status_code == 302
    assert organiser.post(url, data={**form, "organisation": ""}).status_code == 422
    assert organiser.post(url, data={**form, "amount": "-5"}).status_code == 422
    assert organiser.post(url, data={**form, "status": "maybe"}).status_code == 422
    assert organiser.post(url, data={**form, "application_id": "999999"}).status_code == 422
    with app.app_context():
        letter = db.session.scalar(select(LetterOfIntent))
        letter_id = letter.id
    assert "Suzhou Park" in organiser.get(url).get_data(as_text=True)
    edit = {"csrf_token": token, f"letter{letter_id}-organisation": "Suzhou Park",
            f"letter{letter_id}-status": "signed", f"letter{letter_id}-amount": "350000.5",
            f"letter{letter_id}-note": "Signed on stage"}
    assert organiser.post(f"{url}/{letter_id}", data=edit).status_code == 302
    with app.app_context():
        letter = db.session.get(LetterOfIntent, letter_id)
        assert letter.status == LetterStatus.SIGNED and str(letter.amount) == "350000.50"
    csv = organiser.get(f"{ORG}/letters.csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "Suzhou Park" in csv.get_data().decode("utf-8-sig") and "Signed" in csv.get_data().decode("utf-8-sig")
    xlsx = organiser.get(f"{ORG}/letters.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[1][2] == "Suzhou Park"
    assert organiser.post(f"{url}/{letter_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(LetterOfIntent)) is None
    assert organiser.post(f"{url}/{letter_id}/delete", data={"csrf_token": token}).status_code == 404


def test_interest_list_and_export(app, world):
    with app.app_context():
        judge = User.by_email("judge2@example.com")
        db.session.add(Interest(application_id=world.projects[2], user_id=judge.id, organisation="Hangzhou District",
                                follow_up=True, note="Visit"))
        db.session.commit()
    organiser = signed_in(app, "organiser")
    page = organiser.get(f"{ORG}/interest").get_data(as_text=True)
    assert "Hangzhou District" in page and "Project 3" in page
    text = organiser.get(f"{ORG}/interest.csv").get_data().decode("utf-8-sig")
    assert "Hangzhou District" in text and "judge2@example.com" in text
    xlsx = organiser.get(f"{ORG}/interest.xlsx")
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")


def test_schedule_shows_times_in_the_viewers_time_zone(app, world):
    create_user(app, "berlin@example.com", locale="en", timezone="Europe/Berlin")
    create_user(app, "shanghai@example.com", locale="en", timezone="Asia/Shanghai")
    berlin = app.test_client()
    login(berlin, "berlin@example.com")
    page = berlin.get(PUBLIC).get_data(as_text=True)
    assert "Live roadshow" in page and "Europe/Berlin" in page
    shown = re.search(r"data-session-start>([^<]+)<", page).group(1)
    assert "11:00" in shown and "December 1, 2026" in shown
    assert f'href="/live/{world.session_id}"' in page
    assert f"/contests/demo/live/{world.session_id}.ics" in page
    shanghai = app.test_client()
    login(shanghai, "shanghai@example.com")
    shown = re.search(r"data-session-start>([^<]+)<", shanghai.get(PUBLIC).get_data(as_text=True)).group(1)
    assert "6:00" in shown and "PM" in shown
    assert app.test_client().get(PUBLIC).status_code == 200   # a public contest: anyone may read the schedule


def test_ics_download(app, world):
    response = app.test_client().get(f"{PUBLIC}/{world.session_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    text = response.get_data(as_text=True)
    assert "DTSTART:20261201T100000Z\r\n" in text and "BEGIN:VEVENT\r\n" in text
    assert f"URL:http://localhost/live/{world.session_id}\r\n" in text
    assert app.test_client().get(f"{PUBLIC}/999999.ics").status_code == 404


def test_a_hidden_contest_schedule_is_not_found(app, world):
    with app.app_context():
        db.session.get(Contest, world.contest_id).status = ContestStatus.DRAFT
        db.session.commit()
    anonymous = app.test_client()
    for url in (PUBLIC, f"{PUBLIC}/{world.session_id}.ics", f"{PUBLIC}/{world.session_id}/timeline"):
        assert anonymous.get(url).status_code == 404, url
    assert signed_in(app, "other_organiser").get(PUBLIC).status_code == 404
    assert signed_in(app, "organiser").get(PUBLIC).status_code == 200


def test_timeline_of_an_ended_session(app, world):
    url = f"{PUBLIC}/{world.session_id}/timeline"
    assert app.test_client().get(url).status_code == 404   # not over yet
    organiser = signed_in(app, "organiser")
    token = csrf_token(organiser, f"{ORG}/{world.session_id}")
    organiser.post(f"{ORG}/{world.session_id}/order",
                   data={"csrf_token": token, "order": " ".join(map(str, world.projects))})
    with app.app_context():
        session = db.session.get(LiveSession, world.session_id)
        slot = session.slots[0]
        slot.started_at, slot.ended_at = START_UTC, START_UTC + timedelta(minutes=15)
        session.state = SessionState.ENDED
        db.session.add_all([
            Question(session_id=session.id, slot_id=slot.id, text="How <b>big</b> is the market?", votes=4,
                     status=QuestionStatus.APPROVED, anonymous=True),
            Question(session_id=session.id, slot_id=slot.id, text="Pending one", status=QuestionStatus.PENDING),
            Question(session_id=session.id, slot_id=slot.id, text="Judges only", judges_only=True,
                     status=QuestionStatus.APPROVED),
        ])
        db.session.commit()
    page = app.test_client().get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How &lt;b&gt;big&lt;/b&gt; is the market?" in page and "4 votes" in page
    assert "Pending one" not in page and "Judges only" not in page
    assert "Project 1" in page
    schedule = app.test_client().get(PUBLIC).get_data(as_text=True)
    assert url in schedule
