"""The material viewer's way back depends on who views: the team, an organiser or a judge."""
from __future__ import annotations

from roadshow.extensions import db
from roadshow.models import Application, ApplicationMember, MaterialKind, User
from tests.helpers import login
from tests.review_builders import make_review
from tests.web.test_materials import add_material, blank_pdf


def _setup(app, make_user):
    setup = make_review(app, assign={"judge@example.com": [0]})
    make_user("team@example.com")
    with app.app_context():
        application = db.session.get(Application, setup.projects[0])
        application.members.append(ApplicationMember(user_id=User.by_email("team@example.com").id, is_leader=False))
        db.session.commit()
    material = add_material(app, setup.projects[0], blank_pdf(), "application/pdf", "plan.pdf",
                            MaterialKind.BUSINESS_PLAN)
    return setup, f"/applications/{setup.projects[0]}/materials/{material}"


def _page(app, email, url):
    client = app.test_client()
    login(client, email)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_back_link_follows_the_viewer(app, make_user):
    setup, url = _setup(app, make_user)
    application_id = setup.projects[0]
    assert f'href="/applications/{application_id}#materials"' in _page(app, "team@example.com", url)
    assert f'href="/organize/demo/applications/{application_id}"' in _page(app, "org@example.com", url)
    judge_page = _page(app, "judge@example.com", url)
    assert f'href="/judge/rounds/{setup.round_id}/projects/{application_id}"' in judge_page
    assert f'href="/applications/{application_id}#materials"' not in judge_page


def test_a_judge_not_assigned_cannot_open_it(app, make_user):
    _setup_, url = _setup(app, make_user)
    client = app.test_client()
    login(client, "judge2@example.com")
    assert client.get(url).status_code == 404
