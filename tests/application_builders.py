"""Contests with applications in every state, for the tests of the organisers' applications pages."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationEvent, ApplicationMember, ApplicationQuestion, ApplicationStatus, Contest, Material,
    ProjectStage, QuestionKind, User,
)
from tests.helpers import csrf_token, login, make_contest

S = ApplicationStatus
LIST = "/organize/demo/applications"
ROW = re.compile(r'name="application_ids" value="(\d+)"')


def add_questions(app, contest_id: int) -> dict[str, int]:
    """A single choice, a multiple choice and a text question; returns their ids by short name."""
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        questions = {
            "round": ApplicationQuestion(kind=QuestionKind.SINGLE_CHOICE, label_zh="融资阶段", label_en="Funding round",
                                         required=True, position=0,
                                         options=[{"zh": "天使轮", "en": "Angel"}, {"zh": "A轮", "en": "Series A"}]),
            "needs": ApplicationQuestion(kind=QuestionKind.MULTIPLE_CHOICE, label_zh="需要的支持",
                                         label_en="Support needed", position=1,
                                         options=[{"zh": "场地", "en": "Space"}, {"zh": "资金", "en": "Funding"},
                                                  {"zh": "人才", "en": "Talent"}]),
            "patents": ApplicationQuestion(kind=QuestionKind.TEXT, label_zh="专利", label_en="Patents", position=2),
        }
        contest.questions.extend(questions.values())
        db.session.commit()
        return {name: question.id for name, question in questions.items()}


def add_application(app, contest_id: int, *, status=S.SUBMITTED, project="Smart Pump", leader="Li Lei",
                    institution="Tsinghua University", email="lead@example.com", country="CN", track=0,
                    answers=None, member_email=None, materials=(), summary="A pump.") -> int:
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        application = Application(
            contest=contest, track_id=contest.tracks[track].id if track is not None else None, status=status,
            project_name=project, summary=summary, stage=ProjectStage.PROTOTYPE, funding_sought=Decimal("5000000"),
            leader_name=leader, leader_title="Professor", leader_degree="PhD", leader_institution=institution,
            country=country, contact_email=email, contact_phone="+86 138 0000 0000", answers=answers or {},
            submitted_at=datetime(2026, 3, 1, 2, 30, tzinfo=timezone.utc) if status != S.DRAFT else None,
        )
        application.events.append(ApplicationEvent(status=S.DRAFT))
        if status != S.DRAFT:
            application.events.append(ApplicationEvent(status=S.SUBMITTED))
        if member_email:
            user = User.by_email(member_email)
            application.members.append(ApplicationMember(user_id=user.id, is_leader=True))
        for i, (kind, name) in enumerate(materials):
            application.materials.append(Material(kind=kind, original_filename=name, storage_key=f"{i:032x}",
                                                  content_type="application/pdf", size_bytes=2048, sha256="0" * 64))
        db.session.add(application)
        db.session.commit()
        return application.id


def statuses(app, *ids) -> list[ApplicationStatus]:
    with app.app_context():
        return [db.session.get(Application, i).status for i in ids]


def sign_in_organiser(app, make_user, client) -> int:
    """The demo contest, with an organiser (signed in on ``client``, reading English), a judge and
    a team lead; returns the contest's id."""
    make_user("org@example.com", name="Organiser", locale="en")
    make_user("judge@example.com", name="Judge")
    make_user("team@example.com", name="Team Lead")
    contest_id = make_contest(app, organiser_email="org@example.com", judge_email="judge@example.com")
    login(client, "org@example.com")
    return contest_id


def listed(client, url=LIST) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [int(i) for i in ROW.findall(response.get_data(as_text=True))]


def bulk(client, ids, outcome, reason="", *, token=True):
    data = {"application_ids": [str(i) for i in ids], "outcome": outcome, "reason": reason, "next": LIST}
    if token:
        data["csrf_token"] = csrf_token(client, LIST)
    return client.post(f"{LIST}/screen", data=data)
