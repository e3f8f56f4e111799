"""The organisers' progress board of a round: who sees it, the counts it shows, reminders and
unlocking a submitted sheet from a project's drill-down."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    ApplicationMember, AuditEntry, OutboxMessage, Round, RoundKind, ScoreSheet, SheetStatus, User, utcnow,
)
from tests.helpers import create_user, csrf_token, login, make_contest
from tests.review_builders import add_conflict, make_review

J1, J2 = "judge@example.com", "judge2@example.com"


def urls(setup, slug="demo"):
    base = f"/organize/{slug}/rounds/{setup.round_id}/progress"
    return {"board": base, "json": base + ".json", "remind": base + "/remind",
            "project": f"{base}/projects/{setup.projects[0]}"}


def unlock_url(setup, sheet_id, project=0):
    base = f"/organize/demo/rounds/{setup.round_id}/progress"
    return f"{base}/projects/{setup.projects[project]}/sheets/{sheet_id}/unlock"


def add_sheet(app, setup, email, project, status, total="7.9"):
    with app.app_context():
        now = utcnow()
        sheet = ScoreSheet(round_id=setup.round_id, judge_id=setup.judges[email],
                           application_id=setup.projects[project],
                           status=status, scores={str(setup.criteria[0]): "9.5"},
                           comments={str(setup.criteria[0]): "Bold idea."}, overall_comment="Promising.",
                           total=Decimal(total) if status == SheetStatus.SUBMITTED else None,
                           submitted_at=now if status == SheetStatus.SUBMITTED else None,
                           recusal_reason="My former student." if status == SheetStatus.RECUSED else "",
                           updated_at=now)
        db.session.add(sheet)
        db.session.commit()
        return sheet.id


@pytest.fixture
def setup(app):
    setup = make_review(app, assign={J1: [0, 1], J2: [0, 2]})
    return setup


@pytest.fixture
def organiser(app, client, setup):
    login(client, "org@example.com")
    return client


def outbox(app):
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.to_email, m.subject, m.body_text) for m in messages]


def sheet_state(app, sheet_id):
    with app.app_context():
        sheet = db.session.get(ScoreSheet, sheet_id)
        return sheet.status, sheet.version, sheet.unlock_reason


# -- who may see it ---------------------------------------------------------------------------------

def test_organiser_sees_board_json_and_drill_down(app, organiser, setup):
    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    add_sheet(app, setup, J2, 0, SheetStatus.DRAFT)
    page = organiser.get(urls(setup)["board"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-judge-id="%d"' % setup.judges[J1] in html and "Project 1" in html
    assert "9.5" not in html and "Bold idea." not in html  # the board shows no score values
    assert "style=" not in html
    assert "js/progress-board.js" in html
    data = organiser.get(urls(setup)["json"]).get_json()
    assert data["totals"] == {"expected": 4, "submitted": 1, "percent": 25}
    drill = organiser.get(urls(setup)["project"]).get_data(as_text=True)
    assert "9.5" in drill and "Bold idea." in drill and "Promising." in drill and "7.9" in drill
    assert unlock_url(setup, sheet_id) in drill  # the unlock form of the submitted sheet
    assert drill.count("/unlock") == 1  # not for the draft


def test_freshly_submitted_sheet_moves_the_board(app, organiser, setup):
    before = organiser.get(urls(setup)["json"]).get_json()
    add_sheet(app, setup, J2, 2, SheetStatus.SUBMITTED)
    after = organiser.get(urls(setup)["json"]).get_json()
    assert (before["totals"]["submitted"], after["totals"]["submitted"]) == (0, 1)
    judge = next(row for row in after["judges"] if row["judge_id"] == setup.judges[J2])
    assert judge["submitted"] == 1 and judge["not_started"] == 1 and judge["last_activity"]


def test_conflict_flagged_on_the_board(app, organiser, setup):
    add_conflict(app, setup.judges[J2], setup.projects[2])
    data = organiser.get(urls(setup)["json"]).get_json()
    project = next(row for row in data["projects"] if row["application_id"] == setup.projects[2])
    assert project["conflicted_judges"] == [setup.judges[J2]] and project["missing"] == 2
    assert data["totals"]["expected"] == 3
    assert "Conflict — reassign" in organiser.get(urls(setup)["board"]).get_data(as_text=True)


@pytest.mark.parametrize("who", [J1, "team@example.com", "rival@example.com"])
def test_others_cannot_see_the_board(app, client, setup, who):
    create_user(app, "team@example.com", name="Team")
    create_user(app, "rival@example.com", name="Rival")
    make_contest(app, "other", organiser_email="rival@example.com")
    with app.app_context():
        db.session.add(ApplicationMember(application_id=setup.projects[0], user_id=User.by_email("team@example.com").id,
                                         is_leader=True))
        db.session.commit()
    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    login(client, who)
    for url in urls(setup).values():
        if url.endswith("/remind"):
            continue
        assert client.get(url).status_code in (403, 404), url
    token = csrf_token(client, "/")
    assert client.post(urls(setup)["remind"], data={"csrf_token": token, "scope": "all"}).status_code in (403, 404)
    unlocked = client.post(unlock_url(setup, sheet_id), data={"csrf_token": token, "reason": "Mine now"})
    assert unlocked.status_code in (403, 404)
    assert sheet_state(app, sheet_id)[0] == SheetStatus.SUBMITTED
    assert outbox(app) == []


def test_anonymous_is_sent_to_log_in(app, client, setup):
    for url in urls(setup).values():
        if not url.endswith("/remind"):
            assert client.get(url).status_code in (302, 401), url


def test_other_organiser_cannot_reach_the_round_through_their_contest(app, client, setup):
    create_user(app, "rival@example.com", name="Rival")
    make_contest(app, "other", organiser_email="rival@example.com")
    login(client, "rival@example.com")
    for url in urls(setup, slug="other").values():
        if not url.endswith("/remind"):
            assert client.get(url).status_code == 404, url


def test_unknown_round_or_project_is_404(app, organiser, setup):
    assert organiser.get("/organize/demo/rounds/999999/progress").status_code == 404
    assert organiser.get(f"/organize/demo/rounds/{setup.round_id}/progress/projects/999999").status_code == 404


# -- reminders ----------------------------------------------------------------------------------------

def test_remind_selected_judges(app, organiser, setup):
    add_sheet(app, setup, J2, 0, SheetStatus.SUBMITTED)
    add_sheet(app, setup, J2, 2, SheetStatus.RECUSED)  # judge2 has finished
    token = csrf_token(organiser, urls(setup)["board"])
    response = organiser.post(urls(setup)["remind"], data={"csrf_token": token, "scope": "selected",
                                                           "judge_ids": [setup.judges[J1], setup.judges[J2]]})
    assert response.status_code == 302
    mails = outbox(app)
    assert [to for to, _, _ in mails] == [J1]
    assert f"/judge/rounds/{setup.round_id}" in mails[0][2]
    # again within the hour: nobody
    organiser.post(urls(setup)["remind"], data={"csrf_token": token, "judge_ids": [setup.judges[J1]]})
    assert len(outbox(app)) == 1


def test_remind_all_late_or_unfinished(app, organiser, setup):
    add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    add_sheet(app, setup, J1, 1, SheetStatus.SUBMITTED)
    token = csrf_token(organiser, urls(setup)["board"])
    assert organiser.post(urls(setup)["remind"], data={"csrf_token": token, "scope": "all"}).status_code == 302
    assert [to for to, _, _ in outbox(app)] == [J2]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.reminded"))
        assert entry.new_values == {"judge_ids": [setup.judges[J2]]}


def test_remind_without_csrf_is_400(app, organiser, setup):
    assert organiser.post(urls(setup)["remind"], data={"scope": "all"}).status_code == 400
    assert outbox(app) == []


# -- unlocking ----------------------------------------------------------------------------------------

def test_unlock_with_a_reason(app, organiser, setup):
    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    token = csrf_token(organiser, urls(setup)["project"])
    response = organiser.post(unlock_url(setup, sheet_id), data={"csrf_token": token, "reason": "Scale mix-up."})
    assert response.status_code == 302 and response.headers["Location"].endswith(urls(setup)["project"])
    status, version, reason = sheet_state(app, sheet_id)
    assert (status, version, reason) == (SheetStatus.DRAFT, 2, "Scale mix-up.")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.unlocked"))
        assert entry.old_values["status"] == "submitted"
        assert entry.old_values["scores"] == {str(setup.criteria[0]): "9.5"}
        assert entry.new_values == {"status": "draft", "reason": "Scale mix-up."}
    (to, _, body), = outbox(app)
    assert to == J1 and "Scale mix-up." in body
    assert f"/judge/rounds/{setup.round_id}/projects/{setup.projects[0]}" in body
    board = organiser.get(urls(setup)["json"]).get_json()
    assert board["totals"]["submitted"] == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_unlock_without_reason_is_422(app, organiser, setup, reason):
    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    token = csrf_token(organiser, urls(setup)["project"])
    response = organiser.post(unlock_url(setup, sheet_id), data={"csrf_token": token, "reason": reason})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert sheet_state(app, sheet_id) == (SheetStatus.SUBMITTED, 1, "")
    assert outbox(app) == []


@pytest.mark.parametrize("status", [SheetStatus.DRAFT, SheetStatus.RECUSED])
def test_unlock_of_an_unsubmitted_sheet_is_409(app, organiser, setup, status):
    sheet_id = add_sheet(app, setup, J1, 0, status)
    token = csrf_token(organiser, urls(setup)["project"])
    response = organiser.post(unlock_url(setup, sheet_id), data={"csrf_token": token, "reason": "Why not."})
    assert response.status_code == 409
    assert sheet_state(app, sheet_id)[:2] == (status, 1)
    assert outbox(app) == []


def test_unlock_without_csrf_is_400(app, organiser, setup):
    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    assert organiser.post(unlock_url(setup, sheet_id), data={"reason": "No token."}).status_code == 400
    assert sheet_state(app, sheet_id)[0] == SheetStatus.SUBMITTED


def test_unlock_of_another_rounds_sheet_is_404(app, organiser, setup):
    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    with app.app_context():
        other = Round(contest_id=setup.contest_id, position=2, kind=RoundKind.FINAL, name_zh="决赛", name_en="Final")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    token = csrf_token(organiser, urls(setup)["project"])
    url = f"/organize/demo/rounds/{other_id}/progress/projects/{setup.projects[0]}/sheets/{sheet_id}/unlock"
    assert organiser.post(url, data={"csrf_token": token, "reason": "Wrong round."}).status_code == 404
    wrong_project = unlock_url(setup, sheet_id, project=1)
    assert organiser.post(wrong_project, data={"csrf_token": token, "reason": "Wrong project."}).status_code == 404
    assert sheet_state(app, sheet_id)[0] == SheetStatus.SUBMITTED


def test_no_inline_styles_or_scripts(app, organiser, setup):
    add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    for url in (urls(setup)["board"], urls(setup)["project"]):
        html = organiser.get(url).get_data(as_text=True)
        assert "style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_unlock_notifies_the_judge_live(app, organiser, setup):
    from roadshow.extensions import socketio
    from tests.helpers import wait_for

    sheet_id = add_sheet(app, setup, J1, 0, SheetStatus.SUBMITTED)
    judge = app.test_client()
    login(judge, J1)
    socket = socketio.test_client(app, namespace="/user", flask_test_client=judge)
    assert socket.is_connected("/user")
    token = csrf_token(organiser, urls(setup)["project"])
    organiser.post(unlock_url(setup, sheet_id), data={"csrf_token": token, "reason": "Check criterion 1."})

    def notices():
        return [m for m in socket.get_received("/user") if m["name"] == "sheet_unlocked"]

    received = wait_for(notices)
    assert received and received[0]["args"][0]["reason"] == "Check criterion 1."
    assert received[0]["args"][0]["application_id"] == setup.projects[0]
    socket.disconnect(namespace="/user")
