"""The live room's pages by role: who may open each page, which view each person gets, the shell's
data- attributes the scripts read, no inline script or style (CSP), the slot's pitch video for the
room, and the vendored hls.js."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest

from roadshow.extensions import db
from roadshow.models import ApplicationMember, Contest, ContestStatus, MaterialKind, Role, User, utcnow
from roadshow.models.live import LiveSession, LiveSlot
from roadshow.services import contests
from tests.helpers import create_user, login
from tests.review_builders import make_review
from tests.web.test_materials import VIDEO, add_material

ROOT = Path(__file__).resolve().parents[2]
ORG, JUDGE, TEAM, OBSERVER, OTHER_TEAM, OUTSIDER = (
    "org@example.com", "judge@example.com", "team@example.com", "observer@example.com", "rival@example.com",
    "outsider@example.com")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
ROOM = re.compile(r'<div id="live-room"[^>]*>', re.DOTALL)


def add_session(app, setup, *, current=0, video_material_id=None) -> tuple[int, list[int]]:
    """A live session of the review's round with one slot per project; slot ``current`` is on stage."""
    with app.app_context():
        live = LiveSession(contest_id=setup.contest_id, round_id=setup.round_id, title_zh="路演直播",
                           title_en="Live roadshow", starts_at=utcnow() + timedelta(hours=1),
                           stream_url="https://cdn.example.com/live/index.m3u8")
        for position, application_id in enumerate(setup.projects):
            live.slots.append(LiveSlot(position=position, application_id=application_id,
                                       video_material_id=video_material_id if position == current else None))
        db.session.add(live)
        db.session.flush()
        if current is not None:
            live.current_slot_id = live.slots[current].id
        db.session.commit()
        return live.id, [slot.id for slot in live.slots]


@pytest.fixture
def world(app):
    """The review's contest (judges, organiser), an observer, the team of project 1 (on stage), the
    team of project 2, and a signed-in outsider with no role."""
    setup = make_review(app, judges=(JUDGE,), projects=2)
    for email in (TEAM, OBSERVER, OTHER_TEAM, OUTSIDER):
        create_user(app, email, name=email.split("@")[0].title(), locale="en")
    with app.app_context():
        contest = db.session.get(Contest, setup.contest_id)
        contests.grant_role(contest, User.by_email(OBSERVER), Role.OBSERVER)
        for email, application_id in ((TEAM, setup.projects[0]), (OTHER_TEAM, setup.projects[1])):
            user = User.by_email(email)
            db.session.add(ApplicationMember(application_id=application_id, user_id=user.id, is_leader=True))
            contests.grant_role(contest, user, Role.TEAM_MEMBER)
        db.session.commit()
    video = add_material(app, setup.projects[0], VIDEO, "video/mp4", "pitch.mp4", MaterialKind.PITCH_VIDEO)
    session_id, slots = add_session(app, setup, video_material_id=video)
    return {"setup": setup, "session": session_id, "slots": slots, "video": video}


def as_user(app, email):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def shell(html: str) -> dict:
    match = ROOM.search(html)
    assert match, "no live-room shell"
    return {name: unescape(value) for name, value in
            re.findall(r'data-([a-z-]+)=(?:"([^"]*)"|\'[^\']*\')', match.group(0)) if value or name}


def attribute(html: str, name: str) -> str:
    match = re.search(r'data-' + name + r"""=(?:"([^"]*)"|'([^']*)')""", ROOM.search(html).group(0))
    assert match, name
    return unescape(match.group(1) if match.group(1) is not None else match.group(2))


def assert_csp_clean(html: str):
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert " style=" not in html
    assert "<style" not in html


PAGES = ("", "/console", "/presenter", "/judge", "/projector")
# email -> the status of each page in PAGES
ACCESS = {
    ORG: (200, 200, 200, 403, 200),
    JUDGE: (200, 403, 403, 200, 403),
    TEAM: (200, 403, 200, 403, 403),
    OTHER_TEAM: (200, 403, 403, 403, 403),
    OBSERVER: (200, 403, 403, 403, 403),
    OUTSIDER: (200, 403, 403, 403, 403),   # the contest is public: anyone signed in may watch
}


@pytest.mark.parametrize("email", list(ACCESS))
def test_who_opens_which_page(app, world, email):
    client = as_user(app, email)
    statuses = tuple(client.get(f"/live/{world['session']}{page}").status_code for page in PAGES)
    assert statuses == ACCESS[email]


def test_anonymous_visitors_are_sent_to_log_in(app, world):
    client = app.test_client()
    for page in PAGES:
        response = client.get(f"/live/{world['session']}{page}")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_draft_contests_room_is_hidden_from_outsiders(app, world):
    with app.app_context():
        db.session.get(Contest, world["setup"].contest_id).status = ContestStatus.DRAFT
        db.session.commit()
    for page in PAGES:
        assert as_user(app, OUTSIDER).get(f"/live/{world['session']}{page}").status_code == 404
    assert as_user(app, ORG).get(f"/live/{world['session']}").status_code == 200
    assert as_user(app, OBSERVER).get(f"/live/{world['session']}").status_code == 200


def test_unknown_session_is_404(app, world):
    assert as_user(app, ORG).get("/live/999999").status_code == 404


def test_the_room_gives_each_role_its_view(app, world):
    url = f"/live/{world['session']}"
    org = as_user(app, ORG).get(url).get_data(as_text=True)
    assert attribute(org, "view") == "room" and attribute(org, "role") == "organiser"
    assert f'href="/live/{world["session"]}/console"' in org
    judge = as_user(app, JUDGE).get(url).get_data(as_text=True)
    assert attribute(judge, "view") == "judge"
    assert 'data-judges-only="true"' in judge
    team = as_user(app, TEAM).get(url).get_data(as_text=True)
    assert attribute(team, "view") == "room" and attribute(team, "role") == "team"
    assert f'href="/live/{world["session"]}/presenter"' in team
    observer = as_user(app, OBSERVER).get(url).get_data(as_text=True)
    assert attribute(observer, "view") == "room" and attribute(observer, "role") == "viewer"
    for html in (team, observer, judge):
        assert "/console" not in html
    assert 'id="interest-form"' in observer and 'id="ask-form"' in observer


@pytest.mark.parametrize("email,page", [(ORG, ""), (ORG, "/console"), (ORG, "/projector"), (ORG, "/presenter"),
                                        (JUDGE, ""), (JUDGE, "/judge"), (TEAM, "/presenter"), (OBSERVER, "")])
def test_pages_are_shells_without_inline_script_or_style(app, world, email, page):
    html = as_user(app, email).get(f"/live/{world['session']}{page}").get_data(as_text=True)
    assert_csp_clean(html)
    assert attribute(html, "session-id") == str(world["session"])
    assert attribute(html, "namespace") == "/live"
    assert attribute(html, "video-base") == f"/live/{world['session']}/slots/"
    assert attribute(html, "stream-url") == "https://cdn.example.com/live/index.m3u8"
    strings = json.loads(attribute(html, "strings"))
    assert "%(scored)s" in strings["scored-of"] and strings["degraded"]
    for script in ("vendor/socket.io/socket.io.min.js", "vendor/hls/hls.min.js", "js/live-room.js"):
        assert f'src="/static/{script}"' in html
    assert ('js/live-console.js' in html) == (page == "/console")
    assert 'href="/static/css/live.css"' in html


def test_the_console_has_every_control(app, world):
    html = as_user(app, ORG).get(f"/live/{world['session']}/console").get_data(as_text=True)
    for action in ("start_session", "end_session", "next_slot", "previous_slot", "goto_slot", "timer_start",
                   "timer_pause", "timer_resume", "timer_extend", "video_play", "video_pause", "video_seek",
                   "scoring_open", "scoring_close"):
        assert f'data-control="{action}"' in html, action
    assert 'data-phase="pitch"' in html and 'data-phase="qa"' in html
    assert 'id="leaderboard-visibility"' in html
    assert 'data-filter="pending"' in html and 'data-moderate="true"' in html
    assert f'href="/live/{world["session"]}/projector"' in html


def test_the_question_lists_offer_earlier_questions_in_the_viewers_language(app, world):
    """Questions older than the state carries are paged in from under each list that may lack some:
    not the pending list (every pending question is in the organisers' state), not the projector."""
    url = f"/live/{world['session']}"

    def lists_with_earlier(email, page=""):
        return re.findall(r'data-earlier-for="([^"]+)"', as_user(app, email).get(url + page).get_data(as_text=True))

    assert lists_with_earlier(ORG, "/console") == ["questions", "judge-questions"]
    assert lists_with_earlier(JUDGE, "/judge") == ["judge-questions", "questions"]
    assert lists_with_earlier(OBSERVER) == ["questions"]
    assert lists_with_earlier(ORG, "/projector") == []
    assert "Show earlier questions" in as_user(app, OBSERVER).get(url).get_data(as_text=True)
    with app.app_context():
        User.by_email(OBSERVER).locale = "zh_CN"
        db.session.commit()
    assert "显示更早的问题" in as_user(app, OBSERVER).get(url).get_data(as_text=True)


def test_the_judge_view_links_the_materials_and_the_score_sheet(app, world):
    setup = world["setup"]
    html = as_user(app, JUDGE).get(f"/live/{world['session']}/judge").get_data(as_text=True)
    for slot_id in world["slots"]:
        assert f'data-slot-panel="{slot_id}"' in html
    assert f'/judge/rounds/{setup.round_id}/projects/{setup.projects[0]}' in html
    assert 'data-filter="judges"' in html


def test_the_presenter_view_follows_the_current_slot(app, world):
    assert as_user(app, OTHER_TEAM).get(f"/live/{world['session']}/presenter").status_code == 403
    with app.app_context():
        db.session.get(LiveSession, world["session"]).current_slot_id = world["slots"][1]
        db.session.commit()
    assert as_user(app, OTHER_TEAM).get(f"/live/{world['session']}/presenter").status_code == 200
    assert as_user(app, TEAM).get(f"/live/{world['session']}/presenter").status_code == 403


def test_the_room_streams_the_slots_pitch_video_to_viewers(app, world):
    slot, other = world["slots"]
    observer = as_user(app, OBSERVER)
    response = observer.get(f"/live/{world['session']}/slots/{slot}/video")
    assert response.status_code == 200 and response.mimetype == "video/mp4"
    assert response.data == VIDEO
    response.close()
    partial = observer.get(f"/live/{world['session']}/slots/{slot}/video", headers={"Range": "bytes=0-3"})
    assert partial.status_code == 206 and partial.data == VIDEO[:4]
    partial.close()
    # A slot without a chosen video, a slot of another session, and viewers without the room: 404.
    assert observer.get(f"/live/{world['session']}/slots/{other}/video").status_code == 404
    assert observer.get(f"/live/{world['session'] + 1}/slots/{slot}/video").status_code == 404
    assert app.test_client().get(f"/live/{world['session']}/slots/{slot}/video").status_code == 302


def test_hls_is_vendored():
    assert (ROOT / "static/vendor/hls/hls.min.js").is_file()
    package = json.loads((ROOT / "package.json").read_text())
    assert package["dependencies"]["hls.js"].startswith("1.")
    assert '"hls.js/dist/hls.min.js": "hls/hls.min.js"' in (ROOT / "scripts/copy-vendor.mjs").read_text()
