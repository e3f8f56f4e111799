"""``GET /api/v1/results/rounds/<id>``: the live computation for the contest's organisers; the
published fields for everyone else once published; nothing (404, or 401 anonymous) before."""
from __future__ import annotations

import pytest

from roadshow.extensions import db
from roadshow.models import ApplicationMember, Contest, ContestStatus, Round, User
from roadshow.services import publication, result_settings
from tests.api.test_api import bearer, token_for
from tests.helpers import create_user, login, make_contest
from tests.services.test_results import JUDGES, trim_world

ORGANISER, JUDGE, MEMBER, OTHER_ORG = "org@example.com", JUDGES[0], "member@example.com", "other-org@example.com"
LIVE_ONLY = {"aggregate", "raw_mean", "n_sheets", "p_top_n", "flags", "rank_low", "median", "spread"}


@pytest.fixture
def world(app):
    world = trim_world(app)
    create_user(app, MEMBER, name="Member")
    create_user(app, OTHER_ORG, name="Other organiser")
    make_contest(app, "theirs", organiser_email=OTHER_ORG)
    with app.test_request_context():
        db.session.add(ApplicationMember(application_id=world.project(0), user_id=User.by_email(MEMBER).id,
                                         is_leader=True))
        round_ = db.session.get(Round, world.round_id)
        result_settings.update_settings(round_, by=db.session.get(User, world.setup.organiser_id), bootstrap_resamples=50)
        db.session.commit()
    return world


def url(world):
    return f"/api/v1/results/rounds/{world.round_id}"


def publish(app, world, fields=("rank", "project", "score")):
    with app.test_request_context():
        round_ = db.session.get(Round, world.round_id)
        organiser = db.session.get(User, world.setup.organiser_id)
        snapshot = publication.take_snapshot(round_, by=organiser)
        publication.publish(round_, snapshot, list(fields), by=organiser)
        db.session.commit()
        return snapshot.content_hash


def test_organiser_gets_the_live_computation(app, client, world):
    response = client.get(url(world), headers=bearer(token_for(app, ORGANISER)))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.json
    assert data["view"] == "live" and data["round_id"] == world.round_id
    assert [row["project"] for row in data["rows"]] == [world.project(1), world.project(0), world.project(2)]
    assert [row["project_name"] for row in data["rows"]] == ["Project 2", "Project 1", "Project 3"]
    second = data["rows"][1]
    assert second["aggregate"] == pytest.approx(6.0) and second["raw_mean"] == pytest.approx(6.8)
    assert second["n_sheets"] == 5 and 0 <= second["p_top_n"] <= 1
    assert data["method"]["aggregation"] == "trimmed_mean" and data["method"]["scale_max"] == 10.0
    assert data["method"]["bootstrap_resamples"] == 50
    assert {judge["judge"] for judge in data["judges"]} == {world.judge(email) for email in JUDGES}
    assert data["judge_names"][str(world.judge(JUDGES[0]))] == "Judge1"
    assert set(data["by_track"]) == {str(track) for track in {row["track"] for row in data["rows"]}}
    assert "public_fields" not in data and "content_hash" not in data


def test_organiser_with_the_browser_session_too(app, client, world):
    login(client, ORGANISER)
    response = client.get(url(world))
    assert response.status_code == 200 and response.json["view"] == "live"


@pytest.mark.parametrize("who", [JUDGE, MEMBER, OTHER_ORG])
def test_before_publication_others_get_404(app, client, world, who):
    response = client.get(url(world), headers=bearer(token_for(app, who)))
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "Project" not in response.get_data(as_text=True)


def test_before_publication_anonymous_gets_401(client, world):
    response = client.get(url(world))
    assert response.status_code == 401
    assert "Project" not in response.get_data(as_text=True)
    assert client.get("/api/v1/results/rounds/999999").status_code == 401


def test_unknown_round_is_404(app, client, world):
    assert client.get("/api/v1/results/rounds/999999", headers=bearer(token_for(app, ORGANISER))).status_code == 404


@pytest.mark.parametrize("who", [JUDGE, MEMBER, OTHER_ORG, None])
def test_after_publication_others_get_only_the_public_fields(app, client, world, who):
    content_hash = publish(app, world)
    headers = bearer(token_for(app, who)) if who else {}
    response = client.get(url(world), headers=headers)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.json
    assert data["view"] == "published" and data["content_hash"] == content_hash
    assert data["public_fields"] == ["rank", "project", "score"]
    assert [row["project"] for row in data["rows"]] == ["Project 2", "Project 1", "Project 3"]
    assert all(set(row) == {"rank", "project", "score"} for row in data["rows"])
    assert data["rows"][1]["score"] == pytest.approx(6.0)
    assert not LIVE_ONLY & set().union(*map(set, data["rows"]))
    assert "judges" not in data and "method" not in data and "judge_names" not in data


def test_published_fields_the_organiser_chose_only(app, client, world):
    publish(app, world, fields=("rank", "project"))
    data = client.get(url(world)).json
    assert all(set(row) == {"rank", "project"} for row in data["rows"])


def test_organiser_still_gets_the_live_view_after_publication(app, client, world):
    publish(app, world)
    data = client.get(url(world), headers=bearer(token_for(app, ORGANISER))).json
    assert data["view"] == "live" and "judges" in data


def test_published_round_of_a_hidden_contest_stays_hidden(app, client, world):
    publish(app, world)
    with app.app_context():
        db.session.get(Contest, world.setup.contest_id).status = ContestStatus.DRAFT
        db.session.commit()
    assert client.get(url(world)).status_code == 401
    assert client.get(url(world), headers=bearer(token_for(app, OTHER_ORG))).status_code == 404


def test_openapi_documents_the_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/results/rounds/{round_id}"]["get"]
    assert {"200", "401", "404"} <= set(operation["responses"])
    assert "RoundResults" in spec["components"]["schemas"]


@pytest.mark.parametrize("fmt, kind, magic", [("csv", "text/csv", "Project"), ("xlsx", "spreadsheetml", "PK"),
                                              ("pdf", "application/pdf", "%PDF")])
def test_organisers_download_the_exports(app, client, world, fmt, kind, magic):
    response = client.get(f"{url(world)}/export.{fmt}", headers=bearer(token_for(app, ORGANISER)))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert kind in response.headers["Content-Type"] and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert magic.encode() in response.data[:200] if fmt != "csv" else magic in response.get_data(as_text=True)


@pytest.mark.parametrize("who", [JUDGE, MEMBER, OTHER_ORG])
def test_exports_are_for_organisers_only_even_after_publication(app, client, world, who):
    publish(app, world)
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(f"{url(world)}/export.{fmt}", headers=bearer(token_for(app, who))).status_code == 404
    assert client.get(f"{url(world)}/export.csv").status_code == 401


def test_a_snapshot_export_and_bad_snapshot_numbers(app, client, world):
    publish(app, world)
    auth = bearer(token_for(app, ORGANISER))
    assert client.get(f"{url(world)}/export.csv?snapshot=1", headers=auth).status_code == 200
    assert client.get(f"{url(world)}/export.csv?snapshot=99", headers=auth).status_code == 404
    assert client.get(f"{url(world)}/export.csv?snapshot=abc", headers=auth).status_code == 404
    assert client.get(f"{url(world)}/export.doc", headers=auth).status_code == 404


def test_openapi_documents_the_exports(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/results/rounds/{round_id}/export.{fmt}" in paths
