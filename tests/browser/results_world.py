"""The world of the results journey, built straight in the live server's database.

A contest (unique slug and people, so it shares the server with other journeys) whose online-review
round has four projects, each scored by the same five judges, every sheet submitted with comments,
and a final round after it. The round's saved method is the plain mean, with a tie-break chain
that does not end with lot; the totals are chosen so that the trimmed mean (k = 1) ranks
differently and leaves two projects tied exactly at the second place:

============  =====================  ======  ====================
project       totals                 mean    trimmed mean (k = 1)
============  =====================  ======  ====================
Project 1     6, 6, 6, 6, 10         6.80    6.00  (rank 2, tied)
Project 2     6.5 × 5                6.50    6.50  (rank 1)
Project 3     6 × 5                  6.00    6.00  (rank 2, tied)
Project 4     4 × 5                  4.00    4.00  (rank 4)
============  =====================  ======  ====================

Projects 1 and 3 have the same median too, so "aggregate, median" leaves them tied. The team
member belongs to Project 1. Every criterion of a sheet gets the sheet's total (the rubric's
weights add up to 1), so the totals are what the judges "typed".
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, Contest, Role, Round, RoundKind, ScoreSheet, SheetStatus, User, utcnow,
)
from roadshow.services import contests, result_settings
from tests.browser.review_world import server_app
from tests.helpers import PASSWORD, create_user
from tests.review_builders import make_review

CONTEST_NAME_ZH = "创新创业路演大赛"
JUDGE_NAMES = ("Zhang Wei", "Li Na", "Wang Fang", "Liu Yang", "Chen Jing")
TOTALS = (("6", "6", "6", "6", "10"), ("6.5",) * 5, ("6",) * 5, ("4",) * 5)
TEAM_PROJECT = 0  # the team member's project: Project 1


def comment_of(judge: int, project: int) -> str:
    return f"Comment {judge + 1} on Project {project + 1}: clear pitch, thin market data."


def overall_of(judge: int, project: int) -> str:
    return f"Overall view {judge + 1} of Project {project + 1}."


@dataclass(frozen=True)
class ResultsWorld:
    slug: str
    contest_name_zh: str
    round_id: int
    final_id: int
    projects: list[int]          # Project 1 .. Project 4
    judge_emails: tuple[str, ...]
    organiser_email: str
    team_email: str
    password: str


def make_results_world(server) -> ResultsWorld:
    suffix = secrets.token_hex(4)
    slug = f"results-{suffix}"
    organiser_email, team_email = f"org-{suffix}@example.com", f"team-{suffix}@example.com"
    judge_emails = tuple(f"judge{i + 1}-{suffix}@example.com" for i in range(len(JUDGE_NAMES)))
    with server_app(server) as app:
        create_user(app, organiser_email, name="Olivia Organiser", locale="en")
        create_user(app, team_email, name="Tao Team", locale="en")
        for email, name in zip(judge_emails, JUDGE_NAMES):  # in order: Judge A is the first judge
            create_user(app, email, name=name, locale="en")
        setup = make_review(app, slug=slug, judges=judge_emails, projects=len(TOTALS),
                            assign={email: list(range(len(TOTALS))) for email in judge_emails},
                            organiser=organiser_email, k=len(judge_emails))
        with app.test_request_context():
            contest = db.session.get(Contest, setup.contest_id)
            contest.name_zh = CONTEST_NAME_ZH
            final = Round(contest=contest, position=2, kind=RoundKind.FINAL, name_zh="决赛", name_en="Final")
            db.session.add(final)
            team = User.by_email(team_email)
            own = db.session.get(Application, setup.projects[TEAM_PROJECT])
            own.members.append(ApplicationMember(user_id=team.id, is_leader=True))
            contests.grant_role(contest, team, Role.TEAM_MEMBER)
            for project, totals in enumerate(TOTALS):
                for judge, (email, total) in enumerate(zip(judge_emails, totals)):
                    db.session.add(ScoreSheet(
                        round_id=setup.round_id, judge_id=setup.judges[email],
                        application_id=setup.projects[project], status=SheetStatus.SUBMITTED,
                        scores={str(c): total for c in setup.criteria}, total=Decimal(total),
                        comments={str(setup.criteria[0]): comment_of(judge, project)},
                        overall_comment=overall_of(judge, project), submitted_at=utcnow(), updated_at=utcnow()))
            db.session.flush()
            result_settings.update_settings(db.session.get(Round, setup.round_id), by=User.by_email(organiser_email),
                                    aggregation="mean", trim=1, fallback="mean", tie_breaks="aggregate, median",
                                    top_n=2, bootstrap_resamples=200, bootstrap_seed=1)
            db.session.commit()
            final_id = final.id
    return ResultsWorld(slug=slug, contest_name_zh=CONTEST_NAME_ZH, round_id=setup.round_id, final_id=final_id,
                        projects=list(setup.projects), judge_emails=judge_emails,
                        organiser_email=organiser_email, team_email=team_email, password=PASSWORD)
