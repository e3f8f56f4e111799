"""One whole slot of a live roadshow, in three browsers: the organiser's console, a judge's view and
an observer in the audience, over a real server (gunicorn, gevent, Socket.IO over WebSocket).

The organiser starts the session and the pitch timer: the observer and the judge see the same
clock. The organiser shows the project's pitch video and plays it for everyone: the observer's
player follows, and pauses with it. The observer asks a question, the organiser approves it, the
judge upvotes it and the observer sees the tally move. The organiser opens scoring; the judge
submits a sheet through the review API; the room learns how many judges have scored, never a
value. The organiser closes scoring and, the round announcing live, the aggregate appears in the
room. The observer marks interest in the project, with a follow-up, and it is stored; withdraws it
and marks it again.

A long Q&A (130 approved questions) shows the newest 100; "Show earlier questions" brings in the
older ones, each once, above the list sorted by votes and below it sorted by time; a reload shows
the newest 100 again.

The world (contest, round, judge, video, session) is built in the server's database by
tests/browser/live_world.py; every step after that goes through the pages and their connections.
Everything waits on conditions in the pages, never on fixed sleeps.
"""
from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import User
from roadshow.models.live import Interest, Question, QuestionStatus

from tests.browser.live_world import make_live_world
from tests.browser.review_world import server_app
from tests.browser.test_application_journey import watch_for_trouble
from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser

QUESTION = "How will you reach the county hospitals?"
ORGANISATION = "Riverside Capital"
SYNC_TIMEOUT_MS = 8_000
TIMER_TOLERANCE_S = 1.0
VIDEO_TOLERANCE_S = 0.5

# The room's own view of the clock: seconds left on the current slot's timer, taken from the state
# the server sent and the page's measured server clock, with the local wall clock of the reading
# (all pages run on this machine, so their Date.now() can be compared).
TIMER_READING = """() => {
  const live = window.RoadshowLive, slot = live.current(), timer = slot && slot.timer;
  if (!timer || !timer.started_at) { return null; }
  const now = Date.now();
  return {left: Number(timer.seconds) - (live.serverNow() - Number(timer.started_at)) / 1000, at: now,
          text: document.getElementById("live-timer").textContent};
}"""
# Where the pitch video is, and when (local wall clock), and whether it plays.
VIDEO_READING = """() => {
  const video = document.getElementById("live-video");
  return {time: video.currentTime, at: Date.now(), paused: video.paused, ready: video.readyState};
}"""


@pytest.fixture
def world(live_server):
    return make_live_world(live_server)


def open_room(page, url: str) -> None:
    """Open a live page and wait until the server's ``state`` has been drawn (the session badge)."""
    page.goto(url)
    expect(page.locator("#session-state")).not_to_have_text("")
    page.wait_for_function("() => window.RoadshowLive && window.RoadshowLive.socket.connected")


def clock_seconds(text: str) -> int:
    match = re.match(r"^(\d+):(\d\d)", text)
    assert match, f"not a running clock: {text!r}"
    return int(match.group(1)) * 60 + int(match.group(2))


def timers_agree(pages) -> None:
    """Every page's timer, brought to one moment, within a second of the others; the displayed
    clocks too (they are redrawn four times a second, so they may differ by one at a boundary)."""
    readings = [page.evaluate(TIMER_READING) for page in pages]
    assert all(readings), readings
    moment = max(reading["at"] for reading in readings)
    left = [reading["left"] - (moment - reading["at"]) / 1000 for reading in readings]
    assert max(left) - min(left) < TIMER_TOLERANCE_S, readings
    shown = [clock_seconds(reading["text"]) for reading in readings]
    assert max(shown) - min(shown) <= 1, readings
    assert 470 <= min(shown) <= 480, readings  # the default 8-minute pitch has just started


def video_offset(first, second) -> float:
    """How far apart two players are, brought to one moment (seconds; playing players advance)."""
    a, b = first.evaluate(VIDEO_READING), second.evaluate(VIDEO_READING)
    drift_a = 0 if a["paused"] else (b["at"] - a["at"]) / 1000
    return abs(a["time"] + drift_a - b["time"])


def wait_until_in_step(first, second, timeout_ms: int = SYNC_TIMEOUT_MS) -> float:
    """Poll every 100 ms until the players are within the
    tolerance of each other; the last offset measured."""
    deadline = first.evaluate("() => Date.now()") + timeout_ms
    offset = video_offset(first, second)
    while offset >= VIDEO_TOLERANCE_S and first.evaluate("() => Date.now()") < deadline:
        first.wait_for_timeout(100)
        offset = video_offset(first, second)
    return offset


def test_one_slot_of_a_live_roadshow_in_three_browsers(new_page, live_server, world):
    room_url, slot = f"/live/{world.session_id}", world.slot_id

    organiser = new_page("en-US")
    organiser_trouble = watch_for_trouble(organiser)
    log_in(organiser, world.organiser_email, world.password)
    open_room(organiser, f"{room_url}/console")
    expect(organiser.locator("#session-state")).to_have_text("Not started yet")

    observer = new_page("en-US")
    observer_trouble = watch_for_trouble(observer)
    log_in(observer, world.observer_email, world.password)
    open_room(observer, room_url)
    expect(observer.locator("#live-room")).to_have_attribute("data-role", "viewer")

    judge = new_page("en-US")
    judge_trouble = watch_for_trouble(judge)
    log_in(judge, world.judge_email, world.password)
    open_room(judge, f"{room_url}/judge")
    expect(judge.locator("#live-room")).to_have_attribute("data-role", "judge")
    everyone = (organiser, observer, judge)
    for page in everyone:
        expect(page.locator("#viewer-count")).to_have_text("3")

    # The organiser starts the session: the first project is on stage everywhere.
    organiser.locator('[data-control="start_session"]').click()
    for page in everyone:
        expect(page.locator("#session-state")).to_have_text("Live")
        expect(page.locator("#current-project")).to_have_text(world.project_name)
    for page in (observer, judge):  # (the console's running order: see the report on live-room.js's `order`)
        expect(page.locator(f'#running-order li[data-slot-id="{slot}"]')).to_have_attribute("aria-current", "step")
    expect(judge.locator(f'[data-slot-panel="{slot}"]')).to_be_visible()

    # The pitch timer: one clock for the three of them.
    organiser.locator('[data-control="timer_start"][data-phase="pitch"]').click()
    for page in everyone:
        expect(page.locator("#current-phase")).to_have_text("Pitch")
        expect(page.locator("#live-timer")).to_have_text(re.compile(r"^[78]:\d\d$"))
    timers_agree(everyone)

    # The organiser shows the project's video: it appears in the room, loaded and at the start.
    choice = organiser.locator(f'[data-slot-videos="{slot}"]')
    expect(choice).to_be_visible()
    expect(choice.locator("[data-video-select]")).to_have_value(str(world.video_id))
    choice.locator('[data-control="video_choose"]').click()
    for page in (organiser, observer):
        expect(page.locator("#live-pitch")).to_be_visible()
        expect(page.locator("#live-video")).to_have_attribute("src", f"{room_url}/slots/{slot}/video")
        page.wait_for_function("() => document.getElementById('live-video').readyState >= 2")
    # Played for everyone: the observer's player follows the organiser's.
    organiser.locator('#video-controls [data-control="video_play"]').click()
    for page in (organiser, observer):
        page.wait_for_function("() => { const v = document.getElementById('live-video');"
                               " return !v.paused && v.currentTime > 1; }", timeout=SYNC_TIMEOUT_MS)
    offset = wait_until_in_step(organiser, observer)
    assert offset < VIDEO_TOLERANCE_S, f"the observer's video is {offset:.2f}s from the organiser's"
    # and stays in step while it plays on.
    observer.wait_for_function("() => document.getElementById('live-video').currentTime > 2.5", timeout=SYNC_TIMEOUT_MS)
    offset = video_offset(organiser, observer)
    assert offset < VIDEO_TOLERANCE_S, f"after 2.5 s of video, the observer's is {offset:.2f}s from the organiser's"
    # Paused for everyone, at the same place.
    organiser.locator('#video-controls [data-control="video_pause"]').click()
    for page in (organiser, observer):
        page.wait_for_function("() => document.getElementById('live-video').paused")
    offset = wait_until_in_step(organiser, observer)
    assert offset < VIDEO_TOLERANCE_S, f"paused {offset:.2f}s apart"
    paused_at = observer.evaluate(VIDEO_READING)["time"]
    observer.wait_for_timeout(300)  # the one short wait: a paused player must stay put
    assert observer.evaluate(VIDEO_READING)["time"] == paused_at

    # The observer asks; only the organiser sees it, waiting for moderation.
    ask = observer.locator("#ask-form")
    ask.locator("#ask-form-text").fill(QUESTION)
    ask.locator('button[type="submit"]').click()
    expect(ask.locator("[data-feedback]")).to_have_text("Sent. It will appear once a moderator approves it.")
    pending = organiser.locator("#moderation li.live-question", has_text=QUESTION)
    expect(pending).to_be_visible()
    expect(pending.locator(".live-question-author")).to_have_text("Olga Observer")
    expect(observer.locator("#questions li.live-question")).to_have_count(0)
    expect(judge.locator("#questions li.live-question")).to_have_count(0)

    # The organiser approves it: it reaches the room, with no votes yet.
    pending.locator('[data-action="approve"]').click()
    expect(organiser.locator("#moderation li.live-question")).to_have_count(0)
    expect(organiser.locator("#questions li.live-question", has_text=QUESTION)).to_be_visible()
    asked = observer.locator("#questions li.live-question", has_text=QUESTION)
    seen_by_judge = judge.locator("#questions li.live-question", has_text=QUESTION)
    expect(asked.locator(".live-question-votes")).to_have_text("Votes: 0")
    expect(seen_by_judge.locator(".live-question-votes")).to_have_text("Votes: 0")

    # The judge upvotes it; the tally moves on the observer's page.
    seen_by_judge.locator(".live-vote").click()
    expect(seen_by_judge.locator(".live-vote")).to_have_attribute("aria-pressed", "true")
    expect(asked.locator(".live-question-votes")).to_have_text("Votes: 1")
    expect(organiser.locator("#questions li.live-question", has_text=QUESTION)
           .locator(".live-question-votes")).to_have_text("Votes: 1")

    # The organiser opens scoring: one judge expected, none yet.
    organiser.locator('[data-control="scoring_open"]').click()
    for page in everyone:
        expect(page.locator("#scoring-status")).to_have_text("Scoring is open · 0 of 1 judges have scored")

    # The judge opens the sheet from the room (in a tab of their own) and submits it through the
    # review API, with the page's CSRF token, as the sheet's script does.
    sheet_link = judge.locator(f'[data-slot-panel="{slot}"] [data-sheet-link]')
    sheet_url = sheet_link.get_attribute("href")
    assert sheet_url == f"/judge/rounds/{world.round_id}/projects/{world.application_id}"
    sheet = judge.context.new_page()
    sheet_trouble = watch_for_trouble(sheet)
    sheet.goto(sheet_url)
    csrf = sheet.locator("#sheet-form").get_attribute("data-csrf")
    innovation, market, team = (str(cid) for cid in world.criteria)
    answer = sheet.evaluate("""async ([url, csrf, body]) => {
      const response = await fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
        headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf}});
      return {status: response.status, body: await response.json()};
    }""", [f"/api/v1/reviews/rounds/{world.round_id}/sheets/{world.application_id}/submit", csrf, {
        "scores": {innovation: "8.5", market: "7", team: "9"},
        "comments": {innovation: "A working prototype, tested in two clinics."},
        "overall_comment": "Fund it.", "idempotency_key": f"live-{secrets.token_hex(8)}",
    }])
    assert answer["status"] == 200, answer
    assert answer["body"]["status"] == "submitted" and answer["body"]["total"] == "8.2", answer
    sheet.close()

    # The room learns that one judge has scored, and nothing of the values.
    for page in everyone:
        expect(page.locator("#scoring-status")).to_have_text("Scoring is open · 1 of 1 judges have scored")
    for page in (observer, judge):
        expect(page.locator("#announced")).to_be_hidden()
        expect(page.locator("#leaderboard")).to_be_hidden()
        assert "8.2" not in page.locator("#live-room").inner_text()

    # The organiser closes scoring; the round announces live: the aggregate is in the room.
    organiser.locator('[data-control="scoring_close"]').click()
    for page in everyone:
        expect(page.locator("#scoring-status")).to_have_text("Scoring is closed · 1 of 1 judges have scored")
        expect(page.locator("#announced")).to_be_visible()
        expect(page.locator("#announced-value")).to_have_text("8.2")  # 0.4 × 8.5 + 0.3 × 7 + 0.3 × 9

    # The observer marks interest, asking for a follow-up: it is stored.
    interest = observer.locator("#interest-form")
    expect(interest.locator("#interest-button")).to_have_attribute("aria-pressed", "false")
    interest.locator("#interest-organisation").fill(ORGANISATION)
    interest.locator("#interest-follow-up").check()
    interest.locator("#interest-button").click()
    expect(interest.locator("[data-feedback]")).to_have_text("Your interest has been recorded.")
    expect(interest.locator("#interest-button")).to_have_attribute("aria-pressed", "true")
    with server_app(live_server) as app, app.app_context():
        rows = db.session.scalars(select(Interest).where(Interest.user_id == world.observer_id)).all()
        assert [(row.application_id, row.session_id, row.follow_up, row.organisation) for row in rows] == [
            (world.application_id, world.session_id, True, ORGANISATION)]
    # A reload resyncs from the database: the interest, the vote and the result are still there.
    observer.reload()
    expect(observer.locator("#interest-button")).to_have_attribute("aria-pressed", "true")
    expect(observer.locator("#announced-value")).to_have_text("8.2")
    expect(observer.locator("#questions li.live-question .live-question-votes")).to_have_text("Votes: 1")

    # Second thoughts: the observer withdraws the interest, then marks it again.
    interest = observer.locator("#interest-form")
    interest.locator("#interest-withdraw").click()
    expect(interest.locator("[data-feedback]")).to_have_text("Your interest has been withdrawn.")
    expect(interest.locator("#interest-button")).to_have_attribute("aria-pressed", "false")
    expect(interest.locator("#interest-withdraw")).to_be_hidden()
    with server_app(live_server) as app, app.app_context():
        assert db.session.scalars(select(Interest).where(Interest.user_id == world.observer_id)).all() == []
    interest.locator("#interest-button").click()
    expect(interest.locator("#interest-button")).to_have_attribute("aria-pressed", "true")

    for page in everyone:
        expect(page.locator("#live-degraded")).to_be_hidden()
    assert not organiser_trouble, organiser_trouble
    assert not observer_trouble, observer_trouble
    assert not judge_trouble, judge_trouble
    assert not sheet_trouble, sheet_trouble


def test_a_long_question_and_answer_shows_the_newest_and_pages_in_the_earlier_ones(new_page, live_server, world):
    with server_app(live_server) as app, app.app_context():
        author = User.by_email(world.organiser_email)
        db.session.add_all([Question(session_id=world.session_id, author_id=author.id, text=f"Question {n}?",
                                     status=QuestionStatus.APPROVED) for n in range(130)])
        db.session.commit()
    observer = new_page("en-US")
    trouble = watch_for_trouble(observer)
    log_in(observer, world.observer_email, world.password)
    open_room(observer, f"/live/{world.session_id}")
    questions, earlier = observer.locator("#questions li.live-question"), observer.locator('[data-earlier-for="questions"]')
    expect(questions).to_have_count(100)
    expect(earlier.locator("button")).to_have_text("Show earlier questions")
    expect(questions.filter(has_text="Question 29?")).to_have_count(0)
    place = """() => { const box = document.querySelector('[data-earlier-for="questions"]');
      return box.nextElementSibling.id === "questions" ? "above" : box.previousElementSibling.id === "questions" ? "below" : ""; }"""
    assert observer.evaluate(place) == "above"     # by votes, ties oldest first: above the list
    observer.locator("#questions-sort").select_option("time")
    assert observer.evaluate(place) == "below"     # newest first: below it
    expect(questions.first).to_contain_text("Question 129?")

    earlier.locator("button").click()
    expect(questions).to_have_count(130)
    expect(earlier).to_be_hidden()
    expect(questions.last).to_contain_text("Question 0?")
    ids = observer.evaluate("() => Array.from(document.querySelectorAll('#questions li.live-question'),"
                            " (item) => item.dataset.questionId)")
    assert len(set(ids)) == 130

    observer.reload()   # a fresh state: the newest again, and the way to the others
    expect(observer.locator("#questions li.live-question")).to_have_count(100)
    expect(observer.locator('[data-earlier-for="questions"]')).to_be_visible()
    assert not trouble, trouble
