"""The organisers' audit log page and ``flask roadshow audit-verify``: who sees which entries, how
they are shown, and the command's exit codes."""
from __future__ import annotations

from sqlalchemy import select, text

from roadshow.extensions import db
from roadshow.models import OutboxMessage
from roadshow.services import audit
from tests.application_builders import add_application, bulk, sign_in_organiser
from tests.helpers import PASSWORD, login, make_contest, post_form

AUDIT = "/organize/demo/audit"


def test_organiser_sees_a_screening_decision_with_its_address(app, make_user, client):
    contest_id = sign_in_organiser(app, make_user, client)
    application_id = add_application(app, contest_id, project="Smart Pump")
    assert bulk(client, [application_id], "screened_out", "Out of scope <script>").status_code == 302
    page = client.get(AUDIT)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "application.screened" in html and f"application #{application_id}" in html
    assert "org@example.com" in html and "127.0.0.1" in html
    assert "Out of scope &lt;script&gt;" in html and "Out of scope <script>" not in html
    assert "screened_out" in html and "submitted" in html


def test_filter_by_action_and_newest_first(app, make_user, client):
    contest_id = sign_in_organiser(app, make_user, client)
    first = add_application(app, contest_id, project="A")
    second = add_application(app, contest_id, project="B", email="b@example.com")
    bulk(client, [first], "screened_in")
    bulk(client, [second], "screened_in")
    html = client.get(f"{AUDIT}?action=application.screened").get_data(as_text=True)
    assert html.index(f"application #{second}") < html.index(f"application #{first}")
    assert "role.granted" not in html.split("<tbody>", 1)[1]
    assert "role.granted" in client.get(AUDIT).get_data(as_text=True).split("<tbody>", 1)[1]
    assert "Nothing recorded yet" in client.get(f"{AUDIT}?action=nothing.like.this").get_data(as_text=True)


def test_pages_of_fifty(app, make_user, client):
    contest_id = sign_in_organiser(app, make_user, client)
    with app.app_context():
        for i in range(audit.PAGE_SIZE + 3):
            audit.record("thing.changed", obj_type="thing", obj_id=i, contest_id=contest_id)
        db.session.commit()
    assert client.get(AUDIT).get_data(as_text=True).count("thing #") == audit.PAGE_SIZE
    second = client.get(f"{AUDIT}?page=2").get_data(as_text=True)
    assert "thing #0<" in second and "thing #52<" not in second


def test_contest_page_links_to_the_audit_log(app, make_user, client):
    sign_in_organiser(app, make_user, client)
    assert f'href="{AUDIT}"' in client.get("/organize/demo").get_data(as_text=True)


def test_judge_and_team_are_refused(app, make_user, client):
    contest_id = sign_in_organiser(app, make_user, client)
    add_application(app, contest_id, member_email="team@example.com")
    for email in ("judge@example.com", "team@example.com"):
        other = app.test_client()
        login(other, email)
        assert other.get(AUDIT).status_code == 403


def test_organiser_of_another_contest_is_refused(app, make_user, client):
    sign_in_organiser(app, make_user, client)
    make_user("rival@example.com")
    make_contest(app, "rival", organiser_email="rival@example.com")
    rival = app.test_client()
    login(rival, "rival@example.com")
    assert rival.get("/organize/rival/audit").status_code == 200
    assert rival.get(AUDIT).status_code in (403, 404)


def test_anonymous_is_sent_to_log_in(client, app):
    make_contest(app)
    assert client.get(AUDIT).status_code == 302


def test_accepted_invitation_is_recorded(app, make_user, client):
    sign_in_organiser(app, make_user, client)
    post_form(client, "/organize/demo/invitations", {"email": "new@example.com", "role": "observer", "locale": "en"},
              token_from="/organize/demo")
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body_text
    link = body[body.index("/invitations/"):].split()[0]
    newcomer = app.test_client()
    assert post_form(newcomer, link, {"display_name": "New", "password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    html = client.get(AUDIT).get_data(as_text=True)
    assert "invitation.accepted" in html and "new@example.com" in html


def test_audit_verify_exit_codes(app, runner, make_user, client):
    result = runner.invoke(args=["roadshow", "audit-verify"])
    assert result.exit_code == 0 and "audit log intact: 0 entries" in result.output
    sign_in_organiser(app, make_user, client)  # two roles granted
    result = runner.invoke(args=["roadshow", "audit-verify"])
    assert result.exit_code == 0 and "audit log intact: 2 entries" in result.output, result.output
    with app.app_context():
        last = db.session.scalar(text("SELECT max(id) FROM audit_entries"))
        db.session.execute(text("UPDATE audit_entries SET actor_label = 'someone@else' WHERE id = :id"), {"id": last})
        db.session.commit()
    result = runner.invoke(args=["roadshow", "audit-verify"])
    assert result.exit_code == 1
    assert f"entry {last}: hash mismatch" in result.output
