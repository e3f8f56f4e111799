"""Organisers' result files page: downloads (live and snapshot), never cached, organisers only;
paper sheets imported through the page."""
from __future__ import annotations

import io

import pytest
from flask import url_for
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import ApplicationMember, Contest, Role, Round, ScoreSheet, SheetSource, User
from roadshow.services import contests, publication, spreadsheet_files
from tests.helpers import create_user, csrf_token, login, make_contest
from tests.services.test_result_exports import EVIL, JUDGES, ORG, results_world

FILES = ("ranking.csv", "results.xlsx", "report.pdf")


def _client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _url(world) -> str:
    return f"/organize/demo/rounds/{world.round_id}/result-files"


def test_urls(app):
    base = "/organize/demo/rounds/7/result-files"
    with app.test_request_context():
        assert url_for("organizer_result_files.index", slug="demo", round_id=7) == base
        assert url_for("organizer_result_files.download", name="ranking.csv", slug="demo", round_id=7, snapshot=2) == \
            f"{base}/ranking.csv?snapshot=2"
        assert url_for("organizer_result_files.paper_import", slug="demo", round_id=7) == f"{base}/paper-import"
        assert url_for("organizer_result_files.template", slug="demo", round_id=7, fmt="xlsx") == \
            f"{base}/template.xlsx"


def test_organiser_downloads_live_and_snapshot_files_never_cached(app):
    world = results_world(app)
    org, url = _client(app, ORG), _url(world)
    page = org.get(url)
    assert page.status_code == 200
    assert "ranking.csv" in page.get_data(as_text=True)
    for name in FILES:
        response = org.get(f"{url}/{name}")
        assert response.status_code == 200, (name, response.get_data(as_text=True)[:300])
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="demo-round')
        assert "live" in response.headers["Content-Disposition"]
    assert org.get(f"{url}/report.pdf").data.startswith(b"%PDF")
    csv_text = org.get(f"{url}/ranking.csv").get_data().decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in csv_text
    with app.test_request_context():
        snapshot = publication.take_snapshot(db.session.get(Round, world.round_id), by=User.by_email(ORG))
        db.session.commit()
        number, content_hash = snapshot.number, snapshot.content_hash
    assert content_hash in org.get(url).get_data(as_text=True)
    for name in FILES:
        response = org.get(f"{url}/{name}?snapshot={number}")
        assert response.status_code == 200 and f"snapshot{number}" in response.headers["Content-Disposition"]
    assert org.get(f"{url}/ranking.csv?snapshot=99").status_code == 404
    assert org.get(f"{url}/ranking.csv?snapshot=x").status_code == 404


@pytest.mark.parametrize("who", ["judge", "team", "other organiser", "anonymous"])
def test_nobody_but_the_contests_organisers_gets_anything(app, who):
    world = results_world(app)
    with app.test_request_context():
        snapshot = publication.take_snapshot(db.session.get(Round, world.round_id), by=User.by_email(ORG))
        db.session.commit()
        number = snapshot.number
    if who == "judge":
        client = _client(app, JUDGES[0])
    elif who == "team":
        create_user(app, "team@example.com")
        with app.test_request_context():
            contest = db.session.get(Contest, world.contest_id)
            team = User.by_email("team@example.com")
            db.session.add(ApplicationMember(application_id=world.projects[0], user_id=team.id, is_leader=True))
            contests.grant_role(contest, team, Role.TEAM_MEMBER)
            db.session.commit()
        client = _client(app, "team@example.com")
    elif who == "other organiser":
        create_user(app, "other@example.com")
        make_contest(app, "other", organiser_email="other@example.com")
        client = _client(app, "other@example.com")
    else:
        client = app.test_client()
    url = _url(world)
    for path in ("", *[f"/{name}" for name in FILES], *[f"/{name}?snapshot={number}" for name in FILES],
                 "/template.csv"):
        response = client.get(f"{url}{path}")
        assert response.status_code in (302, 403, 404), (who, path, response.status_code)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert EVIL not in response.get_data(as_text=True)
    response = client.post(f"{url}/paper-import", data={})
    assert response.status_code in (302, 400, 403, 404)


def _upload(client, url, rows, name="panel.csv"):
    body = spreadsheet_files.write_csv(rows[0], rows[1:])
    return client.post(f"{url}/paper-import", data={"csrf_token": csrf_token(client, url),
                                                    "file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def test_paper_import_through_the_page(app):
    world = results_world(app)
    with app.test_request_context():
        db.session.query(ScoreSheet).filter_by(application_id=world.projects[3]).delete()
        db.session.commit()
    org, url = _client(app, ORG), _url(world)
    template = org.get(f"{url}/template.csv?lang=en")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    text = template.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "judge email,project id,project name,Innovation,Market,Team,Innovation comment," \
                                   "overall comment"
    assert sum(1 for line in text.splitlines() if line.endswith(f",{world.projects[3]},Project 4")) == 3
    assert org.get(f"{url}/template.xlsx").status_code == 200
    header = ["judge email", "project id", "Innovation", "Market", "Team", "Innovation comment"]
    bad = _upload(org, url, [header, [JUDGES[0], str(world.projects[3]), "8", "7", "9", "ok"],
                             [JUDGES[1], str(world.projects[3]), "8.3", "7", "9", "ok"]])
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Nothing was imported" in page and "Row 3" in page
    good = _upload(org, url, [header, [JUDGES[0], str(world.projects[3]), "8", "7", "9", "ok"],
                              [JUDGES[1], str(world.projects[3]), "8.5", "7", "9", "ok"]])
    assert good.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(ScoreSheet).where(ScoreSheet.application_id == world.projects[3])).all()
        assert len(stored) == 2 and all(s.source == SheetSource.PAPER for s in stored)
    again = _upload(org, url, [header, [JUDGES[0], str(world.projects[3]), "8", "7", "9", "ok"]])
    assert again.status_code == 422 and "already submitted" in again.get_data(as_text=True)
    assert org.post(f"{url}/paper-import", data={}).status_code == 400
