"""Organisers' applications pages over real HTTP: the list and its filters, screening one by one and
in bulk (all or nothing), and every refusal. Exports and imports: test_application_spreadsheets.py."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Application, ApplicationEvent, Contest, ContestStatus, MaterialKind, Role, User
from roadshow.services import contests
from tests.application_builders import (
    LIST, ROW, S, add_application, add_questions, bulk, listed, sign_in_organiser, statuses,
)
from tests.helpers import csrf_token, login, make_contest, post_form


@pytest.fixture
def organiser(app, make_user, client):
    return sign_in_organiser(app, make_user, client)



# --- the list -------------------------------------------------------------------------------


def test_list_leaves_drafts_out_unless_asked(app, client, organiser):
    submitted = add_application(app, organiser, project="Submitted one")
    draft = add_application(app, organiser, project="Draft one", status=S.DRAFT)
    assert listed(client) == [submitted]
    assert listed(client, f"{LIST}?status=draft") == [draft]
    page = client.get(LIST).get_data(as_text=True)
    assert "Draft one" not in page


def test_list_filters_by_track_status_and_country(app, client, organiser):
    a = add_application(app, organiser, project="A", track=0, country="CN")
    b = add_application(app, organiser, project="B", track=1, country="US", status=S.SCREENED_IN)
    c = add_application(app, organiser, project="C", track=1, country="CN", status=S.SCREENED_OUT)
    with app.app_context():
        second_track = db.session.get(Contest, organiser).tracks[1].id
    assert sorted(listed(client)) == sorted([a, b, c])
    assert sorted(listed(client, f"{LIST}?track={second_track}")) == sorted([b, c])
    assert listed(client, f"{LIST}?status=screened_in") == [b]
    assert sorted(listed(client, f"{LIST}?country=cn")) == sorted([a, c])
    assert listed(client, f"{LIST}?country=CN&track={second_track}") == [c]
    assert sorted(listed(client, f"{LIST}?status=nonsense&track=x")) == sorted([a, b, c])


@pytest.mark.parametrize("query, expected", [
    ("smart", ["Smart Pump"]),            # project name, any case
    ("WANG", ["Mould Robot"]),            # leader name
    ("zhejiang", ["Mould Robot"]),        # institution
    ("PUMP@EXAMPLE", ["Smart Pump"]),     # contact email
    ("机器人", ["机器人视觉"]),              # Chinese
    ("UNIVERSITY", ["Mould Robot", "Smart Pump"]),
    ("100%", []),                         # % is a character, not a wildcard
    ("nobody", []),
])
def test_list_search(app, client, organiser, query, expected):
    ids = {
        add_application(app, organiser, project="Smart Pump", leader="Li Lei", email="pump@example.com"): "Smart Pump",
        add_application(app, organiser, project="Mould Robot", leader="Wang Fang", institution="Zhejiang University",
                        email="mould@example.com"): "Mould Robot",
        add_application(app, organiser, project="机器人视觉", leader="张伟", institution="浙大",
                        email="vision@example.com"): "机器人视觉",
    }
    found = listed(client, f"{LIST}?q={query.replace('%', '%25')}")
    assert sorted(ids[i] for i in found) == sorted(expected)


def test_list_pages_keep_filters_and_counts_cover_every_status(app, client, organiser):
    for i in range(53):
        add_application(app, organiser, project=f"Project {i}", country="DE")
    add_application(app, organiser, project="Elsewhere", country="FR")
    add_application(app, organiser, project="Draft", status=S.DRAFT)
    first = client.get(f"{LIST}?country=DE").get_data(as_text=True)
    assert len(ROW.findall(first)) == 50
    assert "page=2" in first and "country=DE" in first
    assert len(listed(client, f"{LIST}?country=DE&page=2")) == 3
    assert len(listed(client, f"{LIST}?country=DE&page=99")) == 3  # past the end: the last page
    assert re.search(r"status=draft\">\s*\S+ <span class=\"badge[^>]*>1<", first)
    assert re.search(r"status=submitted\">\s*\S+ <span class=\"badge[^>]*>54<", first)


# --- screening ------------------------------------------------------------------------------



def test_bulk_screening_in_and_out(app, client, organiser):
    a, b, c = (add_application(app, organiser, project=name) for name in ("A", "B", "C"))
    response = bulk(client, [a, b], "screened_in")
    assert response.status_code == 302 and response.headers["Location"].endswith(LIST)
    assert statuses(app, a, b, c) == [S.SCREENED_IN, S.SCREENED_IN, S.SUBMITTED]

    assert bulk(client, [c], "screened_out").status_code == 422  # a reason is required to screen out
    assert statuses(app, c) == [S.SUBMITTED]
    assert bulk(client, [b, c], "screened_out", "Outside the contest's fields").status_code == 302
    assert statuses(app, a, b, c) == [S.SCREENED_IN, S.SCREENED_OUT, S.SCREENED_OUT]
    with app.app_context():
        application = db.session.get(Application, c)
        assert application.screening_reason == "Outside the contest's fields"
        assert application.screened_by_id == User.by_email("org@example.com").id
        assert (application.events[-1].status, application.events[-1].note) == (S.SCREENED_OUT,
                                                                                "Outside the contest's fields")


def test_bulk_screening_with_one_unscreenable_changes_nothing(app, client, organiser):
    a = add_application(app, organiser, project="Ready")
    draft = add_application(app, organiser, project="Half done", status=S.DRAFT)
    withdrawn = add_application(app, organiser, project="Gone", status=S.WITHDRAWN)
    for batch, culprit in (([a, draft], "Half done"), ([withdrawn, a], "Gone")):
        response = bulk(client, batch, "screened_in")
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert re.search(rf'alert-danger" role="alert">[^<]*{culprit}', page)  # the message names it
        assert re.search(rf'value="{a}"\s+id="select-{a}" checked', page)  # the selection is kept
    assert statuses(app, a, draft, withdrawn) == [S.SUBMITTED, S.DRAFT, S.WITHDRAWN]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApplicationEvent)
                                 .where(ApplicationEvent.status == S.SCREENED_IN)) == 0


def test_bulk_screening_needs_a_selection_and_a_valid_outcome(app, client, organiser):
    a = add_application(app, organiser)
    assert bulk(client, [], "screened_in").status_code == 422
    assert bulk(client, [a], "advanced").status_code == 422
    assert bulk(client, ["x"], "screened_in").status_code == 422
    assert statuses(app, a) == [S.SUBMITTED]


def test_screening_without_csrf_token_is_refused(app, client, organiser):
    a = add_application(app, organiser)
    assert bulk(client, [a], "screened_in", token=False).status_code == 400
    response = client.post(f"{LIST}/{a}/screen", data={"outcome": "screened_in", "reason": ""})
    assert response.status_code == 400
    assert statuses(app, a) == [S.SUBMITTED]


def test_another_contests_application_is_not_found_here(app, client, organiser):
    mine = add_application(app, organiser, project="Mine")
    other_contest = make_contest(app, "other", organiser_email="org@example.com")
    theirs = add_application(app, other_contest, project="Theirs")
    assert client.get(f"{LIST}/{theirs}").status_code == 404
    assert client.get(f"/organize/other/applications/{theirs}").status_code == 200
    response = post_form(client, f"{LIST}/{theirs}/screen", {"outcome": "screened_in"}, token_from=f"{LIST}/{mine}")
    assert response.status_code == 404
    assert bulk(client, [mine, theirs], "screened_in").status_code == 404
    assert statuses(app, mine, theirs) == [S.SUBMITTED, S.SUBMITTED]
    assert theirs not in listed(client)


def test_screening_one_application_from_its_page(app, client, organiser):
    a = add_application(app, organiser, project="Solo")
    url = f"{LIST}/{a}"
    blank_reason = post_form(client, f"{url}/screen", {"outcome": "screened_out", "reason": " "}, token_from=url)
    assert blank_reason.status_code == 422
    assert statuses(app, a) == [S.SUBMITTED]
    response = post_form(client, f"{url}/screen", {"outcome": "screened_out", "reason": "Not a talent project"},
                         token_from=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "Not a talent project" in page  # on the timeline
    assert statuses(app, a) == [S.SCREENED_OUT]
    # a decision can be revised: screened out, then in
    assert post_form(client, f"{url}/screen", {"outcome": "screened_in"}, token_from=url).status_code == 302
    assert statuses(app, a) == [S.SCREENED_IN]


def test_a_draft_cannot_be_screened_from_its_page(app, client, organiser):
    draft = add_application(app, organiser, status=S.DRAFT)
    token = csrf_token(client, LIST)
    response = client.post(f"{LIST}/{draft}/screen", data={"csrf_token": token, "outcome": "screened_in"})
    assert response.status_code == 422
    assert statuses(app, draft) == [S.DRAFT]


def test_application_page_shows_everything(app, client, organiser):
    q = add_questions(app, organiser)
    a = add_application(app, organiser, project="Full view", member_email="team@example.com",
                        summary="Line one\nLine two <b>bold</b>",
                        answers={str(q["round"]): 1, str(q["needs"]): [0, 2], str(q["patents"]): "CN123"},
                        materials=[(MaterialKind.BUSINESS_PLAN, "plan.pdf")])
    page = client.get(f"{LIST}/{a}").get_data(as_text=True)
    for text in ("Full view", "融资阶段", "Funding round", "CN123", "team@example.com", "plan.pdf", "2.0 KiB",
                 "application/pdf", "Line one<br>Line two &lt;b&gt;bold&lt;/b&gt;", "Tsinghua University"):
        assert text in page, text
    assert "Series A" in page and "Space; Talent" in page  # the organiser reads English
    if "materials.view" in app.view_functions:
        assert f'href="/applications/{a}/materials/' in page
    assert "<b>bold" not in page


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["judge@example.com", "team@example.com"])
def test_judges_and_teams_are_refused_everything(app, organiser, email):
    a = add_application(app, organiser)
    with app.test_request_context():
        contests.grant_role(db.session.get(Contest, organiser), User.by_email("team@example.com"), Role.TEAM_MEMBER)
        db.session.commit()
    client = app.test_client()
    login(client, email)
    token = csrf_token(client, "/account/")
    for url in (LIST, f"{LIST}/{a}", f"{LIST}/export.csv", f"{LIST}/export.xlsx", f"{LIST}/template.csv",
                f"{LIST}/import"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{LIST}/screen", data={"csrf_token": token, "application_ids": [a],
                                               "outcome": "screened_in"}).status_code == 403
    assert client.post(f"{LIST}/{a}/screen", data={"csrf_token": token, "outcome": "screened_in"}).status_code == 403
    upload = {"csrf_token": token, "file": (io.BytesIO(b"project_name\nX\n"), "x.csv")}
    assert client.post(f"{LIST}/import", data=upload, content_type="multipart/form-data").status_code == 403
    assert statuses(app, a) == [S.SUBMITTED]


def test_unknown_and_hidden_contests_are_not_found(app, client, organiser, make_user):
    assert client.get("/organize/no-such/applications").status_code == 404
    make_contest(app, "secret", status=ContestStatus.DRAFT)
    assert client.get("/organize/secret/applications").status_code == 404
    assert client.get("/organize/secret/applications/export.csv").status_code == 404
    anonymous = app.test_client()
    response = anonymous.get(LIST)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_site_administrators_may_screen(app, organiser, make_user):
    make_user("admin@example.com", is_admin=True)
    a = add_application(app, organiser)
    admin = app.test_client()
    login(admin, "admin@example.com")
    assert listed(admin) == [a]
    assert bulk(admin, [a], "screened_in").status_code == 302
    assert statuses(app, a) == [S.SCREENED_IN]
