"""One review contest with every kind of person in it, for the access-matrix and counts tests.

Contest ``demo`` has an online-review round with three projects. Project 0 ("Aortic Valve Omega")
belongs to team A and holds a PDF, a PNG and a video stored for real; project 1 belongs to team B.
Judges: ``assigned`` (projects 0 and 1, has submitted project 0), ``unassigned`` (project 2 only),
``conflicted`` (forced onto projects 0 and 2, with a declared conflict on 0). Contest ``other`` has
its own organiser and round.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, Contest, MaterialKind, Role, Round, RoundKind, User, utcnow,
)
from roadshow.services import contests
from tests.helpers import CSRF_PATTERN, create_user, login, make_contest
from tests.review_builders import add_conflict, full_scores, make_review
from tests.web.test_materials import PNG, VIDEO, BufferedClient, add_material, blank_pdf

TITLE_0 = "Aortic Valve Omega"
SUMMARY_0 = "Omega confidential summary: a valve that grows with the child."
TITLE_1 = "Bioresorbable Stent Sigma"

EMAILS = {
    "team_a": "team-a@example.com",
    "team_b": "team-b@example.com",
    "judge_assigned": "judge@example.com",
    "judge_unassigned": "judge2@example.com",
    "judge_conflicted": "judge3@example.com",
    "organiser": "org@example.com",
    "other_organiser": "org2@example.com",
}
PEOPLE = ("anonymous", *EMAILS)


@dataclass
class World:
    slug: str
    round_id: int
    other_round_id: int
    projects: list[int]
    judges: dict[str, int]
    material_pdf: int
    material_png: int
    material_video: int
    sheet_0: int  # the assigned judge's submitted sheet of project 0
    criterion_id: int
    team_a_id: int
    extra: dict = field(default_factory=dict)


def _join_team(app, application_id: int, email: str) -> int:
    with app.test_request_context():
        user = User.by_email(email)
        application = db.session.get(Application, application_id)
        application.members.append(ApplicationMember(user_id=user.id, is_leader=True))
        contests.grant_role(application.contest, user, Role.TEAM_MEMBER)
        db.session.commit()
        return user.id


def signed_in(app, email: str | None) -> BufferedClient:
    """A client of ``email`` (anonymous for None) that reads every response whole."""
    client = BufferedClient(app, app.response_class, use_cookies=True)
    if email:
        login(client, email)
    return client


def session_token(client) -> str:
    """The CSRF token of the client's session (any page with a form shows it)."""
    match = CSRF_PATTERN.search(client.get("/login").get_data(as_text=True))
    if match is None:  # signed-in people are sent away from /login: take it from their account page
        match = CSRF_PATTERN.search(client.get("/account/").get_data(as_text=True))
    assert match, "no CSRF token found"
    return match.group(1)


def build_world(app) -> World:
    for email in (EMAILS["team_a"], EMAILS["team_b"], EMAILS["other_organiser"], "judge3@example.com"):
        create_user(app, email, name=email.split("@")[0].title(), locale="en")
    setup = make_review(
        app, judges=("judge@example.com", "judge2@example.com", "judge3@example.com"),
        assign={"judge@example.com": [0, 1], "judge2@example.com": [2], "judge3@example.com": [0, 2]},
    )
    p0, p1, _ = setup.projects
    with app.app_context():
        db.session.get(Application, p0).project_name = TITLE_0
        db.session.get(Application, p0).summary = SUMMARY_0
        db.session.get(Application, p1).project_name = TITLE_1
        db.session.commit()
    team_a = _join_team(app, p0, EMAILS["team_a"])
    _join_team(app, p1, EMAILS["team_b"])
    add_conflict(app, setup.judges["judge3@example.com"], p0)
    pdf = add_material(app, p0, blank_pdf(), "application/pdf", "plan.pdf", MaterialKind.BUSINESS_PLAN)
    png = add_material(app, p0, PNG, "image/png", "team.png")
    video = add_material(app, p0, VIDEO, "video/mp4", "pitch.mp4", MaterialKind.PITCH_VIDEO)
    other = make_contest(app, "other", organiser_email=EMAILS["other_organiser"])
    with app.app_context():
        round_ = Round(contest=db.session.get(Contest, other), position=1, kind=RoundKind.ONLINE_REVIEW,
                       name_zh="网评", name_en="Other review", judges_per_project=2, scoring_opened_at=utcnow())
        db.session.add(round_)
        db.session.commit()
        other_round = round_.id
    judge = signed_in(app, "judge@example.com")
    submitted = judge.post(f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{p0}/submit",
                           json={**full_scores(setup), "idempotency_key": "world-submit-0001"},
                           headers={"X-CSRFToken": session_token(judge)})
    assert submitted.status_code == 200, submitted.get_json()
    return World("demo", setup.round_id, other_round, setup.projects,
                 {"assigned": setup.judges["judge@example.com"], "unassigned": setup.judges["judge2@example.com"],
                  "conflicted": setup.judges["judge3@example.com"]},
                 pdf, png, video, submitted.get_json()["id"], setup.criteria[0], team_a,
                 extra={"setup": setup})


# -- comparing pages across time --------------------------------------------------------------------

VOLATILE = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(data-csrf=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(nonce=")[^"]+'), r"\1<nonce>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
]


def normalise(text: str) -> str:
    """``text`` without what changes on every request: CSRF tokens, CSP nonces, timestamps."""
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text
