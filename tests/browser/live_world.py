"""The world of the live-room journey, built straight in the live server's database and storage.

One contest whose online-review round is open for scoring, with one project (its pitch video
stored as the upload code leaves it), one judge assigned to it and declared, an organiser, an
observer, the round's result settings announcing the aggregate live, and a scheduled live session
of that round with the project as its only slot.

The video, tests/browser/pitch.webm, is 12 seconds of VP8 WebM (160×120, a changing colour and a
frame counter), recorded in Chromium from a canvas with MediaRecorder: Debian's Chromium plays it
with no codec licence question, and no ffmpeg is needed to make it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Contest, MaterialKind, Role, User, utcnow
from roadshow.models.live import LiveSession, LiveSlot
from roadshow.models.results import ResultSettings
from roadshow.services import contests
from tests.browser.review_world import server_app, store_material
from tests.helpers import PASSWORD, create_user
from tests.review_builders import make_review

PITCH_VIDEO = Path(__file__).with_name("pitch.webm")
PROJECT_NAME = "Project 1"  # tests/review_builders.make_review's name of the first project


@dataclass(frozen=True)
class LiveWorld:
    session_id: int
    slot_id: int
    round_id: int
    criteria: list[int]  # in the order of tests.review_builders.RUBRIC
    application_id: int
    project_name: str
    video_id: int
    judge_email: str
    organiser_email: str
    observer_email: str
    observer_id: int
    password: str


def make_live_world(server) -> LiveWorld:
    """A fresh contest (unique slug and people, so it shares the server with other journeys)."""
    suffix = secrets.token_hex(4)
    judge_email, organiser_email = f"live-judge-{suffix}@example.com", f"live-org-{suffix}@example.com"
    observer_email = f"live-observer-{suffix}@example.com"
    with server_app(server) as app:
        setup = make_review(app, slug=f"live-{suffix}", judges=(judge_email,), projects=1,
                            assign={judge_email: [0]}, declared=True, open_scoring=True,
                            organiser=organiser_email, k=1)
        application_id = setup.projects[0]
        video_id = store_material(app, application_id, PITCH_VIDEO, kind=MaterialKind.PITCH_VIDEO,
                                  content_type="video/webm")
        create_user(app, observer_email, name="Olga Observer", locale="en")
        with app.app_context():
            contest = db.session.get(Contest, setup.contest_id)
            observer = User.by_email(observer_email)
            contests.grant_role(contest, observer, Role.OBSERVER)
            settings = db.session.scalar(select(ResultSettings).where(ResultSettings.round_id == setup.round_id))
            if settings is None:
                settings = ResultSettings(round_id=setup.round_id)
                db.session.add(settings)
            settings.announce_live = True
            live = LiveSession(contest_id=setup.contest_id, round_id=setup.round_id, title_zh="决赛路演",
                               title_en="Final roadshow", starts_at=utcnow() + timedelta(minutes=5), scored=True)
            slot = LiveSlot(position=0, application_id=application_id)
            live.slots.append(slot)
            db.session.add(live)
            db.session.commit()
            session_id, slot_id, observer_id = live.id, slot.id, observer.id
    return LiveWorld(session_id=session_id, slot_id=slot_id, round_id=setup.round_id, criteria=setup.criteria,
                     application_id=application_id, project_name=PROJECT_NAME, video_id=video_id,
                     judge_email=judge_email, organiser_email=organiser_email, observer_email=observer_email,
                     observer_id=observer_id, password=PASSWORD)
