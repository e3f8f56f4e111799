"""Invitations of judges and observers: single-use links where the invitee sets a password."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import ContestRole, Invitation, OutboxMessage, Role, User, utcnow
from tests.helpers import PASSWORD, csrf_token, login, make_contest, post_form


def invitation_link(app) -> str:
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        return re.search(r"http://localhost(/invitations/\S+)", message.body_text).group(1)




def invite(client, slug="demo", email="judge@example.com", role="judge"):
    return post_form(client, f"/organize/{slug}/invitations", {"email": email, "role": role, "locale": "en"},
                     token_from=f"/organize/{slug}")


def test_organiser_invites_judge_who_sets_password_and_lands_on_judge_page(app, organiser):
    assert invite(organiser).status_code == 302
    link = invitation_link(app)

    judge = app.test_client()
    page = judge.get(link)
    assert page.status_code == 200
    response = post_form(judge, link, {"display_name": "李教授", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/judge/")
    assert "演示大赛" in judge.get("/judge/").get_data(as_text=True)
    with app.app_context():
        user = User.by_email("judge@example.com")
        roles = db.session.scalars(select(ContestRole.role).where(ContestRole.user_id == user.id)).all()
        assert roles == [Role.JUDGE]


def test_invitation_link_refuses_reuse(app, organiser):
    invite(organiser)
    link = invitation_link(app)
    judge = app.test_client()
    post_form(judge, link, {"display_name": "Judge", "password": PASSWORD, "confirm": PASSWORD})
    other = app.test_client()
    assert other.get(link).status_code == 410
    response = post_form(other, link, {"display_name": "Intruder", "password": PASSWORD, "confirm": PASSWORD},
                         token_from="/login")
    assert response.status_code == 410


def test_expired_invitation_is_refused(app, organiser):
    invite(organiser)
    link = invitation_link(app)
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(link).status_code == 410


def test_withdrawn_invitation_is_refused(app, organiser):
    invite(organiser)
    link = invitation_link(app)
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id)).one()
    organiser.post(f"/organize/demo/invitations/{invitation_id}/revoke",
                   data={"csrf_token": csrf_token(organiser, "/organize/demo")})
    assert app.test_client().get(link).status_code == 410


def test_existing_account_accepts_after_logging_in(app, make_user, organiser):
    make_user("judge@example.com")
    invite(organiser, role="observer")
    link = invitation_link(app)
    judge = app.test_client()
    assert "login" in judge.get(link).get_data(as_text=True)
    login(judge, "judge@example.com")
    response = post_form(judge, link, {})
    assert response.status_code == 302
    with app.app_context():
        user = User.by_email("judge@example.com")
        assert db.session.scalars(select(ContestRole.role).where(ContestRole.user_id == user.id)).all() == [Role.OBSERVER]


def test_judge_cannot_invite(app, make_user):
    make_user("judge@example.com")
    make_contest(app, judge_email="judge@example.com")
    judge = app.test_client()
    login(judge, "judge@example.com")
    response = post_form(judge, "/organize/demo/invitations", {"email": "x@example.com", "role": "judge",
                                                                "locale": "en"}, token_from="/judge/")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Invitation)).all() == []


def test_invitation_cannot_grant_organiser_or_team_roles(app, organiser):
    assert invite(organiser, role="organizer").status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Invitation)).all() == []
