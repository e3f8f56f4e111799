"""The organisers' advancement and publication page, and the public and team results pages: who sees
what before publication, after it, and after unpublishing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, Publication, ResultSnapshot, Round, RoundEntry
from roadshow.scoring.model import FLAG_TIED, Method, RoundResult
from roadshow.services import publication
from tests.helpers import create_user, login, make_contest
from tests.services.test_advancement import row
from tests.services.test_publication import (  # noqa: F401  (fake_results is a fixture)
    HAS_REAL_RESULTS, JUDGE_NAMES, JUDGES, OBSERVER, TEAM, fake_results, results_world,
)

OTHER_ORGANISER = "org2@example.com"
PEOPLE = {"team": TEAM, "judge": JUDGES[0], "observer": OBSERVER, "other_organiser": OTHER_ORGANISER}


def client_of(app, email):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def token(client, url) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert match, url
    return match.group(1)


@pytest.fixture
def world(app, fake_results):  # noqa: F811
    world = results_world(app)
    create_user(app, OTHER_ORGANISER, name="Other Organiser", locale="en")
    make_contest(app, "other", organiser_email=OTHER_ORGANISER)
    return world


def urls(world):
    base = f"/organize/{world.slug}/rounds/{world.round_id}/publication"
    return {"index": base, "advance": f"{base}/advance", "snapshot": f"{base}/snapshots",
            "publish": f"{base}/publish", "unpublish": f"{base}/unpublish",
            "public": f"/contests/{world.slug}/results/{world.round_id}",
            "team": f"/contests/{world.slug}/results/{world.round_id}/applications/{world.projects[0]}",
            "team_other": f"/contests/{world.slug}/results/{world.round_id}/applications/{world.projects[1]}"}


def organiser(app):
    return client_of(app, "org@example.com")


def publish(app, world, fields=("score",)):
    org = organiser(app)
    u = urls(world)
    assert org.post(u["snapshot"], data={"csrf_token": token(org, u["index"])}).status_code == 302
    with app.app_context():
        snapshot_id = db.session.scalar(select(ResultSnapshot.id).where(ResultSnapshot.round_id == world.round_id)
                                        .order_by(ResultSnapshot.number.desc()))
    response = org.post(u["publish"], data={"csrf_token": token(org, u["index"]), "snapshot_id": snapshot_id,
                                            "public_fields": list(fields)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return org


# -- the organisers' page ----------------------------------------------------------------------------

def test_organiser_sees_the_ranking_and_it_is_not_cached(app, world):
    response = organiser(app).get(urls(world)["index"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert page.index("Project 1") < page.index("Project 2") < page.index("Project 4")
    assert "not published" in page


@pytest.mark.parametrize("who", [*PEOPLE, "anonymous"])
def test_organiser_routes_refuse_everyone_else(app, world, who):
    client = client_of(app, PEOPLE.get(who))
    u = urls(world)
    expected = 302 if who == "anonymous" else 403
    response = client.get(u["index"])
    assert response.status_code == expected
    if who == "anonymous":
        assert "/login" in response.headers["Location"]
    with app.app_context():
        final = db.session.get(Round, world.final_id)
    for name, data in (("advance", {"mode": "top_overall", "n": 2, "to_round": final.id}),
                       ("snapshot", {}), ("publish", {"snapshot_id": 1}), ("unpublish", {"reason": "x"})):
        response = client.post(u[name], data=data)  # no CSRF token: refused before or at the check
        assert response.status_code in (expected, 400), (name, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(ResultSnapshot.id)) is None
        assert db.session.scalar(select(RoundEntry.id).where(RoundEntry.round_id == world.final_id)) is None


@pytest.mark.parametrize("who", [*PEOPLE])
def test_organiser_posts_with_a_session_token_are_refused_too(app, world, who):
    client = client_of(app, PEOPLE[who])
    session_token = token(client, "/account/")
    u = urls(world)
    for name, data in (("advance", {"mode": "top_overall", "n": 2, "to_round": world.final_id}),
                       ("snapshot", {}), ("unpublish", {"reason": "x"})):
        assert client.post(u[name], data={"csrf_token": session_token, **data}).status_code == 403, name


def test_missing_csrf_is_a_400(app, world):
    org = organiser(app)
    u = urls(world)
    assert org.post(u["snapshot"], data={}).status_code == 400
    assert org.post(u["advance"], data={"mode": "top_overall", "n": 2, "to_round": world.final_id}).status_code == 400
    assert org.post(u["publish"], data={"snapshot_id": 1, "public_fields": ["score"]}).status_code == 400
    assert org.post(u["unpublish"], data={"reason": "Because"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ResultSnapshot.id)) is None


def _tied_result(world):
    """Projects 2 and 3 share rank 2."""
    p = world.projects
    rows = (row(p[0], 1, 90.0), row(p[1], 2, 80.0, flags=[FLAG_TIED]), row(p[2], 2, 80.0, flags=[FLAG_TIED]),
            row(p[3], 4, 60.0))
    return RoundResult(rows=rows, by_track={None: rows}, judges=(), kendalls_w=None, icc=None,
                       method=Method(top_n=3))


def test_a_cut_through_a_tie_warns_before_confirming(app, world, monkeypatch):
    monkeypatch.setattr(publication, "_compute", lambda round_, by: _tied_result(world))
    org = organiser(app)
    u = urls(world)
    response = org.post(u["advance"], data={"csrf_token": token(org, u["index"]), "mode": "top_overall", "n": 2,
                                            "to_round": world.final_id})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-kind="tie"' in page and "splits a tie" in page
    assert "Project 2, Project 3" in page
    with app.app_context():  # nothing advanced yet
        assert db.session.scalar(select(RoundEntry.id).where(RoundEntry.round_id == world.final_id)) is None
    confirm = {"csrf_token": token(org, u["index"]), "mode": "top_overall", "n": 2, "to_round": world.final_id,
               "application_ids": [world.projects[0], world.projects[1]], "confirm": "1", "reason": ""}
    response = org.post(u["advance"], data=confirm)
    assert response.status_code == 302
    with app.app_context():
        entries = db.session.execute(select(RoundEntry.application_id, RoundEntry.reason)
                                     .where(RoundEntry.round_id == world.final_id)
                                     .order_by(RoundEntry.application_id)).all()
        assert [tuple(e) for e in entries] == [(world.projects[0], "Top 2 overall"),
                                               (world.projects[1], "Top 2 overall")]
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "round.advanced")) is not None


def test_clean_cut_previews_without_warning_and_per_track(app, world):
    org = organiser(app)
    u = urls(world)
    response = org.post(u["advance"], data={"csrf_token": token(org, u["index"]), "mode": "top_overall", "n": 2,
                                            "to_round": world.final_id})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "cut-warning" not in page and "No tie or uncertain rank" in page
    response = org.post(u["advance"], data={"csrf_token": token(org, u["index"]), "mode": "top_per_track", "n": 1,
                                            "to_round": world.final_id})
    assert response.status_code == 200
    picked = re.findall(r'<li data-application-id="(\d+)"', response.get_data(as_text=True))
    assert sorted(picked) == sorted([str(world.projects[0]), str(world.projects[1])])  # tracks alternate
    assert "Top 1 in track Medical devices" in response.get_data(as_text=True)
    response = org.post(u["advance"], data={"csrf_token": token(org, u["index"]), "mode": "threshold",
                                            "threshold": "7", "to_round": world.final_id})
    assert response.status_code == 200
    assert re.findall(r'<li data-application-id="(\d+)"', response.get_data(as_text=True)) == [
        str(world.projects[0]), str(world.projects[1])]


def test_hand_picked_needs_a_reason(app, world):
    org = organiser(app)
    u = urls(world)
    data = {"csrf_token": token(org, u["index"]), "mode": "hand_picked", "to_round": world.final_id,
            "application_ids": [world.projects[3]], "reason": ""}
    assert org.post(u["advance"], data=data).status_code == 422
    data.update(confirm="1")
    assert org.post(u["advance"], data=data).status_code == 422
    data.update(reason="Best pitch of the day")
    assert org.post(u["advance"], data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RoundEntry.reason).where(RoundEntry.round_id == world.final_id)) == \
            "Best pitch of the day"


def test_advancing_to_the_same_round_is_refused(app, world):
    org = organiser(app)
    u = urls(world)
    response = org.post(u["advance"], data={"csrf_token": token(org, u["index"]), "mode": "top_overall", "n": 1,
                                            "to_round": world.round_id, "application_ids": [world.projects[0]],
                                            "confirm": "1"})
    assert response.status_code == 422  # not a choice: only later rounds are offered


def test_snapshot_publish_unpublish_from_the_page(app, world):
    org = publish(app, world, fields=("team",))
    u = urls(world)
    page = org.get(u["index"]).get_data(as_text=True)
    with app.app_context():
        current = db.session.scalar(select(Publication))
        assert current.public_fields == ["rank", "project", "team"]
        digest = current.snapshot.content_hash
    assert page.count(digest) >= 2 and "Intact" in page
    assert org.post(u["unpublish"], data={"csrf_token": token(org, u["index"]), "reason": " "}).status_code == 422
    assert org.post(u["unpublish"], data={"csrf_token": token(org, u["index"]),
                                          "reason": "Wrong sheet"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Publication)) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.unpublished"))
        assert entry.new_values == {"reason": "Wrong sheet"}


def test_publish_refuses_unknown_fields(app, world):
    org = organiser(app)
    u = urls(world)
    org.post(u["snapshot"], data={"csrf_token": token(org, u["index"])})
    with app.app_context():
        snapshot_id = db.session.scalar(select(ResultSnapshot.id))
    response = org.post(u["publish"], data={"csrf_token": token(org, u["index"]), "snapshot_id": snapshot_id,
                                            "public_fields": ["judges"]})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Publication)) is None


# -- the public pages, before, after and after unpublishing ------------------------------------------

ALL = ["anonymous", "team", "judge", "observer", "other_organiser", "organiser"]


def _client(app, who):
    return client_of(app, "org@example.com" if who == "organiser" else PEOPLE.get(who))


@pytest.mark.parametrize("who", ALL)
def test_nothing_public_before_publication(app, world, who):
    client = _client(app, who)
    u = urls(world)
    for url in (u["public"], u["team"]):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert "Project 2" not in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ALL)
def test_public_page_shows_exactly_the_chosen_fields(app, world, who):
    publish(app, world, fields=("score",))
    client = _client(app, who)
    response = client.get(urls(world)["public"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    with app.app_context():
        digest = db.session.scalar(select(Publication)).snapshot.content_hash
    assert digest in page
    assert re.findall(r'data-field="(\w+)"', page) == ["rank", "project", "score"]
    assert "Project 1" in page and "Leader 1" not in page and "Medical devices" not in page
    table = page[page.index('id="public-ranking"'):page.index("</table>")]
    assert "Judge" not in table and "judge@example.com" not in page
    assert not any(name in page for name in JUDGE_NAMES if who != "judge")
    has_link = "/applications/" in page
    assert has_link == (who == "team")


@pytest.mark.parametrize("who", ALL)
def test_team_page_only_for_the_team(app, world, who):
    publish(app, world)
    client = _client(app, who)
    u = urls(world)
    response = client.get(u["team"])
    if who != "team":
        assert response.status_code == 404
        return
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Judge A" in page and "Judge B" in page and "Judge C" in page
    assert "Comment of judge on P1" in page and "Overall from judge2" in page
    assert "Comment of judge on P2" not in page  # another project's comments
    for email in JUDGES:
        assert email not in page
    for name in JUDGE_NAMES:
        assert name not in page
    assert client.get(u["team_other"]).status_code == 404


@pytest.mark.parametrize("who", ALL)
def test_unpublished_results_are_gone_again(app, world, who):
    org = publish(app, world)
    u = urls(world)
    assert org.post(u["unpublish"], data={"csrf_token": token(org, u["index"]), "reason": "Recount"}).status_code == 302
    client = _client(app, who)
    for url in (u["public"], u["team"]):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"


def test_public_page_of_another_contests_round_is_404(app, world):
    publish(app, world)
    assert client_of(app, None).get(f"/contests/other/results/{world.round_id}").status_code == 404
    assert client_of(app, TEAM).get(
        f"/contests/other/results/{world.round_id}/applications/{world.projects[0]}").status_code == 404


@pytest.mark.skipif(not HAS_REAL_RESULTS, reason="roadshow.services.results not there yet")
def test_the_page_through_the_real_computation(app, monkeypatch):
    world = results_world(app)
    org = organiser(app)
    u = urls(world)
    page = org.get(u["index"]).get_data(as_text=True)
    assert page.index("Project 1") < page.index("Project 4")
    publish(app, world)
    response = client_of(app, TEAM).get(u["team"])
    assert response.status_code == 200 and "Judge A" in response.get_data(as_text=True)


def test_the_contest_page_links_to_results_only_once_published(app, world):
    u = urls(world)
    assert u["public"] not in app.test_client().get(f"/contests/{world.slug}").get_data(as_text=True)
    publish(app, world)
    assert u["public"] in app.test_client().get(f"/contests/{world.slug}").get_data(as_text=True)


def test_the_teams_application_page_links_to_its_result_once_published(app, world):
    team = _client(app, "team")
    application_page = f"/applications/{world.projects[0]}"
    u = urls(world)
    assert u["team"] not in team.get(application_page).get_data(as_text=True)
    publish(app, world)
    assert u["team"] in team.get(application_page).get_data(as_text=True)
