"""A contest ready for expert review, for the tests of judging: a scored round with a rubric,
projects entered in it, judges with profiles, and (optionally) assignments and declarations."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from roadshow.extensions import db
from roadshow.models import (
    ApplicationStatus, Assignment, AssignmentSource, Conflict, ConflictDeclaration, ConflictSource, Contest,
    Criterion, JudgeProfile, Role, Round, RoundEntry, RoundKind, User, utcnow,
)
from roadshow.services import contests
from tests.application_builders import add_application
from tests.helpers import create_user, make_contest

RUBRIC = [
    # name_zh, name_en, max, weight, step, comment required
    ("技术创新", "Innovation", "10", "0.4", "0.5", True),
    ("市场前景", "Market", "10", "0.3", "1", False),
    ("团队", "Team", "10", "0.3", "1", False),
]


@dataclass
class ReviewSetup:
    contest_id: int
    round_id: int
    criteria: list[int]
    projects: list[int]
    judges: dict[str, int] = field(default_factory=dict)  # email -> user id
    organiser_id: int | None = None


def make_review(app, *, slug="demo", judges=("judge@example.com", "judge2@example.com"), projects=3,
                assign: dict[str, list[int]] | None = None, declared=True, open_scoring=True,
                organiser="org@example.com", k=2) -> ReviewSetup:
    """A contest ``slug`` with an online-review round (rubric of RUBRIC), ``projects`` screened-in
    applications entered in it, the given judges (created if need be) with profiles, and an
    organiser. ``assign`` maps a judge's email to indexes into the projects; ``declared`` marks every
    judge as having declared their conflicts; ``open_scoring`` freezes the rubric."""
    for email in (organiser, *judges):
        with app.app_context():
            exists = User.by_email(email) is not None
        if not exists:
            create_user(app, email, name=email.split("@")[0].title(), locale="en")
    contest_id = make_contest(app, slug, organiser_email=organiser)
    project_ids = [
        add_application(app, contest_id, status=ApplicationStatus.SCREENED_IN, project=f"Project {i + 1}",
                        leader=f"Leader {i + 1}", institution=f"University {i + 1}", email=f"lead{i + 1}@team{i + 1}.cn",
                        track=i % 2)
        for i in range(projects)
    ]
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        round_ = Round(contest=contest, position=1, kind=RoundKind.ONLINE_REVIEW, name_zh="网评", name_en="Online review",
                       judges_per_project=k, scoring_opened_at=utcnow() if open_scoring else None)
        for i, (zh, en, top, weight, step, comment) in enumerate(RUBRIC):
            round_.criteria.append(Criterion(position=i, name_zh=zh, name_en=en, max_points=Decimal(top),
                                             weight=Decimal(weight), step=Decimal(step), comment_required=comment,
                                             description_zh=f"{zh}说明", description_en=f"About {en.lower()}",
                                             descriptors=[{"score": top, "zh": "优秀", "en": "Excellent"}]))
        db.session.add(round_)
        db.session.flush()
        for application_id in project_ids:
            db.session.add(RoundEntry(round_id=round_.id, application_id=application_id))
        judge_ids = {}
        for email in judges:
            user = User.by_email(email)
            contests.grant_role(contest, user, Role.JUDGE)
            db.session.add(JudgeProfile(contest_id=contest_id, user_id=user.id, institution="Academy of Sciences",
                                        expertise_track_ids=[contest.tracks[0].id], bio="Engineer."))
            judge_ids[email] = user.id
            if declared:
                db.session.add(ConflictDeclaration(round_id=round_.id, judge_id=user.id))
        for email, indexes in (assign or {}).items():
            for index in indexes:
                db.session.add(Assignment(round_id=round_.id, judge_id=judge_ids[email],
                                          application_id=project_ids[index], source=AssignmentSource.MANUAL))
        db.session.commit()
        return ReviewSetup(contest_id, round_.id, [c.id for c in round_.criteria], project_ids, judge_ids,
                           User.by_email(organiser).id)


def add_conflict(app, judge_id: int, application_id: int, *, source=ConflictSource.DECLARED, reason="Former colleague"):
    with app.app_context():
        from roadshow.models import Application

        application = db.session.get(Application, application_id)
        db.session.add(Conflict(contest_id=application.contest_id, judge_id=judge_id, application_id=application_id,
                                source=source, reason=reason))
        db.session.commit()


def full_scores(setup: ReviewSetup, values=("8.5", "7", "9")) -> dict:
    """A complete, valid sheet body for the RUBRIC criteria."""
    return {
        "scores": {str(cid): value for cid, value in zip(setup.criteria, values)},
        "comments": {str(setup.criteria[0]): "Strong prototype."},
        "overall_comment": "Fund it.",
    }
