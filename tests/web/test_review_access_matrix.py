"""Who sees what of the expert review: every page, JSON route and download of the review feature,
for eight people, with the exact status each gets and what a page they may open must not show.

The world (tests/review_world.py): contest ``demo`` with project 0 of team A (with a PDF, an image
and a video), project 1 of team B, a judge assigned to projects 0 and 1 (who has submitted project
0), a judge not assigned to project 0, a judge forced onto project 0 but conflicted on it, the
organiser, and the organiser of contest ``other``.

Expected statuses: 200; ``LOGIN`` (302 to the login page, for anonymous visitors of HTML pages);
401 (anonymous API calls); 403 (an organiser page of a contest the person does not run: the
contest is public, so its existence is no secret, and a round id gets the same 403 whether it
exists or not); 404 (wherever existence must not leak: rounds, projects, sheets, materials).
``test_the_matrix_covers_every_review_route`` fails when a GET route of these blueprints appears
that the table does not cover.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Assignment, AuditEntry, Conflict, Criterion, OutboxMessage, Round, RoundEntry, ScoreSheet,
)
from tests.review_builders import full_scores
from tests.review_world import (
    EMAILS, PEOPLE, SUMMARY_0, TITLE_0, TITLE_1, World, build_world, normalise, session_token, signed_in,
)

LOGIN = "login"  # 302 to /login (?next=... for a GET)

# the columns of every row, in this order
COLUMNS = ("anonymous", "team_a", "team_b", "judge_assigned", "judge_unassigned", "judge_conflicted",
           "organiser", "other_organiser")
assert set(COLUMNS) == set(PEOPLE)

# GET routes of the review feature: every rule of these blueprints, and these single endpoints
ORGANISER_BLUEPRINTS = ("organizer_judges.", "organizer_review.", "organizer_assignments.", "organizer_progress.",
                        "organizer_audit.")
BLUEPRINTS = ORGANISER_BLUEPRINTS + ("judge_conflicts.", "judge_profile.", "judge_workspace.", "judge.", "materials.",
                                     "reviews.")
ENDPOINTS = {"team.application", "applications.ApplicationById", "applications.ApplicationMaterials"}


def row(*statuses) -> dict[str, int | str]:
    assert len(statuses) == len(COLUMNS)
    return dict(zip(COLUMNS, statuses))


def expectations(w: World) -> dict[str, dict[str, int | str]]:
    r, other_r, p0 = w.round_id, w.other_round_id, w.projects[0]
    organise, judge, material = "/organize/demo", "/judge", f"/applications/{p0}/materials"
    api = "/api/v1/reviews"
    to_organiser_view = f"/organize/demo/applications/{p0}"
    return {
        #                                          anon   teamA teamB j.asg j.una j.con  org  org2
        # -- organisers: the judge pool and conflicts
        f"{organise}/judges":                  row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/judges/{w.judges['assigned']}/profile":
                                               row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/judges/conflicts":        row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/judges/import":           row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/judges/template.csv":     row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/judges/template.xlsx":    row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        # -- organisers: rounds, rubric, assignments
        f"{organise}/rounds":                  row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/{r}":              row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/999999":           row(LOGIN, 403, 403, 403, 403, 403, 404, 403),
        f"{organise}/rounds/{r}/rubric":       row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/{r}/assignments":  row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/{r}/assignments/template.csv":
                                               row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/{r}/assignments/template.xlsx":
                                               row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        # -- organisers: progress and audit
        f"{organise}/rounds/{r}/progress":     row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/{r}/progress.json": row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/rounds/{r}/progress/projects/{p0}":
                                               row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        f"{organise}/audit":                   row(LOGIN, 403, 403, 403, 403, 403, 200, 403),
        # -- another contest's organiser on their own contest, with this contest's ids: not found
        f"/organize/other/rounds/{r}":         row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        f"/organize/other/rounds/{r}/rubric":  row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        f"/organize/other/rounds/{r}/assignments":
                                               row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        f"/organize/other/rounds/{r}/progress": row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        f"/organize/other/rounds/{r}/progress/projects/{p0}":
                                               row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        f"/organize/other/rounds/{other_r}/progress/projects/{p0}":
                                               row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        f"/organize/other/judges/{w.judges['assigned']}/profile":
                                               row(LOGIN, 403, 403, 403, 403, 403, 403, 404),
        "/organize/other/audit":              row(LOGIN, 403, 403, 403, 403, 403, 403, 200),
        # -- judges
        f"{judge}/":                           row(LOGIN, 200, 200, 200, 200, 200, 200, 200),
        f"{judge}/demo/profile":               row(LOGIN, 404, 404, 200, 200, 200, 404, 404),
        f"{judge}/other/profile":              row(LOGIN, 404, 404, 404, 404, 404, 404, 404),
        f"{judge}/rounds/{r}/conflicts":       row(LOGIN, 404, 404, 200, 200, 200, 404, 404),
        f"{judge}/rounds/{other_r}/conflicts": row(LOGIN, 404, 404, 404, 404, 404, 404, 404),
        f"{judge}/rounds/{r}":                 row(LOGIN, 404, 404, 200, 200, 200, 404, 404),
        f"{judge}/rounds/{other_r}":           row(LOGIN, 404, 404, 404, 404, 404, 404, 404),
        f"{judge}/rounds/{r}/projects/{p0}":   row(LOGIN, 404, 404, 200, 404, 404, 404, 404),
        f"{judge}/rounds/{other_r}/projects/{p0}":
                                               row(LOGIN, 404, 404, 404, 404, 404, 404, 404),
        # -- the judges' API
        f"{api}/assignments":                  row(401, 200, 200, 200, 200, 200, 200, 200),
        f"{api}/rounds/{r}/sheets/{p0}":       row(401, 404, 404, 200, 404, 404, 404, 404),
        f"{api}/rounds/{r}/sheets/{p0}/peers": row(401, 404, 404, 404, 404, 404, 200, 404),
        f"{api}/rounds/{other_r}/sheets/{p0}": row(401, 404, 404, 404, 404, 404, 404, 404),
        # -- project 0's materials and application
        f"{material}/{w.material_pdf}":        row(LOGIN, 200, 404, 200, 404, 404, 200, 404),
        f"{material}/{w.material_pdf}/download":
                                               row(LOGIN, 200, 404, 200, 404, 404, 200, 404),
        f"{material}/{w.material_pdf}/thumbnail":
                                               row(LOGIN, 200, 404, 200, 404, 404, 200, 404),
        f"{material}/{w.material_png}/image":  row(LOGIN, 200, 404, 200, 404, 404, 200, 404),
        f"{material}/{w.material_video}/stream":
                                               row(LOGIN, 200, 404, 200, 404, 404, 200, 404),
        f"/applications/{p0}":                 row(LOGIN, 200, 404, 404, 404, 404, to_organiser_view, 404),
        f"/api/v1/applications/{p0}":          row(401, 200, 404, 404, 404, 404, 200, 404),
        f"/api/v1/applications/{p0}/materials": row(401, 200, 404, 404, 404, 404, 200, 404),
    }


# -- what each person may read on the pages they may open ---------------------------------------
# The summary of project 0 is for its team, the organiser and the judge who scores it. Its title
# also reaches every judge of the round on the declaration page (they need it to declare).
MAY_READ_SUMMARY_0 = {"team_a", "organiser", "judge_assigned"}
MAY_READ_TITLE_0 = MAY_READ_SUMMARY_0


def _status(response) -> int | str:
    if response.status_code == 302:
        location = response.headers["Location"]
        return LOGIN if urlsplit(location).path == "/login" else location
    return response.status_code


@pytest.fixture
def world(app) -> World:
    return build_world(app)


def _client(app, person):
    return signed_in(app, EMAILS.get(person))


@pytest.mark.parametrize("person", COLUMNS)
def test_each_person_gets_exactly_their_statuses(app, world, person):
    client = _client(app, person)
    wrong, leaks = [], []
    for url, expected in expectations(world).items():
        response = client.get(url)
        got = _status(response)
        if got != expected[person]:
            wrong.append(f"{url}: expected {expected[person]}, got {got}")
        body = response.data
        if person not in MAY_READ_SUMMARY_0 and SUMMARY_0.encode() in body:
            leaks.append(f"{url}: shows project 0's summary")
        declaring = url.endswith(f"/rounds/{world.round_id}/conflicts") and person.startswith("judge")
        if person not in MAY_READ_TITLE_0 and not declaring and TITLE_0.encode() in body:
            leaks.append(f"{url}: shows project 0's title")
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks)


def test_the_matrix_covers_every_review_route(app, world):
    """A new GET route of the review blueprints must be added to the table above."""
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(url.split("?")[0], method="GET")[0] for url in expectations(world)}
    review_gets = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and (rule.endpoint.startswith(BLUEPRINTS) or rule.endpoint in ENDPOINTS)
    }
    assert review_gets - covered == set(), f"GET routes missing from the access matrix: {review_gets - covered}"
    assert len(review_gets) >= 25  # the prefixes above still name the review blueprints


# -- what the pages that open show --------------------------------------------------------------

def test_round_pages_list_only_what_each_judge_may_score(app, world):
    r = world.round_id
    assigned = _client(app, "judge_assigned").get(f"/judge/rounds/{r}").get_data(as_text=True)
    assert TITLE_0 in assigned and TITLE_1 in assigned
    for person in ("judge_conflicted", "judge_unassigned"):
        client = _client(app, person)
        page = client.get(f"/judge/rounds/{r}").get_data(as_text=True)
        assert TITLE_0 not in page and f"/projects/{world.projects[0]}" not in page, person
        assert "Project 3" in page, person  # their own assignment is there
        index = client.get("/judge/").get_data(as_text=True)
        assert TITLE_0 not in index, person
        listed = client.get("/api/v1/reviews/assignments").get_json()
        assert [item["application_id"] for item in listed] == [world.projects[2]], person
        assert TITLE_0 not in str(listed), person
    listed = _client(app, "judge_assigned").get("/api/v1/reviews/assignments").get_json()
    assert sorted(item["application_id"] for item in listed) == sorted(world.projects[:2])


def test_declaration_page_shows_titles_but_no_project_details(app, world):
    for person in ("judge_assigned", "judge_unassigned", "judge_conflicted"):
        page = _client(app, person).get(f"/judge/rounds/{world.round_id}/conflicts").get_data(as_text=True)
        assert TITLE_0 in page and TITLE_1 in page and "Project 3" in page, person
        assert SUMMARY_0 not in page and "/materials/" not in page, person


def test_the_project_page_shows_the_assigned_judge_the_project(app, world):
    page = _client(app, "judge_assigned").get(
        f"/judge/rounds/{world.round_id}/projects/{world.projects[0]}").get_data(as_text=True)
    assert TITLE_0 in page and SUMMARY_0 in page
    assert f"/applications/{world.projects[0]}/materials/{world.material_pdf}" in page


def test_team_b_never_reads_project_0(app, world):
    client = _client(app, "team_b")
    for url in (*expectations(world), "/team/", f"/applications/{world.projects[1]}", "/dashboard"):
        body = client.get(url).data
        assert TITLE_0.encode() not in body and SUMMARY_0.encode() not in body, url
    assert TITLE_1 in client.get(f"/applications/{world.projects[1]}").get_data(as_text=True)


def test_the_other_organiser_reads_nothing_of_this_contest(app, world):
    client = _client(app, "other_organiser")
    for url in ("/organize/other/audit", "/organize/other/judges", "/organize/other/judges/conflicts",
                "/organize/other/rounds", f"/organize/other/rounds/{world.other_round_id}",
                f"/organize/other/rounds/{world.other_round_id}/assignments",
                f"/organize/other/rounds/{world.other_round_id}/progress",
                f"/organize/other/rounds/{world.other_round_id}/progress.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for secret in (TITLE_0, TITLE_1, "Project 3", "judge@example.com", "judge3@example.com", "sheet.submitted"):
            assert secret not in body, (url, secret)


def test_concealed_things_look_like_things_that_do_not_exist(app, world):
    """For a judge who may not see project 0, its 404s are the same as for ids that exist nowhere."""
    r, p0 = world.round_id, world.projects[0]
    pairs = [
        (f"/judge/rounds/{r}/projects/{p0}", f"/judge/rounds/{r}/projects/999999"),
        (f"/api/v1/reviews/rounds/{r}/sheets/{p0}", f"/api/v1/reviews/rounds/{r}/sheets/999999"),
        (f"/applications/{p0}/materials/{world.material_pdf}/download",
         "/applications/999999/materials/999999/download"),
        (f"/applications/{p0}/materials/{world.material_pdf}", f"/applications/{p0}/materials/999999"),
        (f"/judge/rounds/{world.other_round_id}", "/judge/rounds/999999"),
    ]
    for person in ("judge_conflicted", "judge_unassigned", "team_b"):
        client = _client(app, person)
        for hidden, missing in pairs:
            one, two = client.get(hidden), client.get(missing)
            assert (one.status_code, two.status_code) == (404, 404), (person, hidden)
            # the page links back to itself (language switch): that is the one expected difference
            shown = normalise(one.get_data(as_text=True)).replace(hidden, "<url>")
            assert shown == normalise(two.get_data(as_text=True)).replace(missing, "<url>"), (person, hidden)


# -- refusals of changes ------------------------------------------------------------------------

FILL = {"slug": "demo", "fmt": "csv", "direction": "up", "action": "activate"}


def _post_urls(app, w: World) -> list[str]:
    """Every POST route of the organisers' review blueprints, with this world's ids."""
    with app.app_context():
        conflict_id = db.session.scalar(select(Conflict.id).where(Conflict.judge_id == w.judges["conflicted"]))
    values = {**FILL, "round_id": w.round_id, "application_id": w.projects[0], "criterion_id": w.criterion_id,
              "conflict_id": conflict_id, "sheet_id": w.sheet_0, "user_id": w.judges["assigned"]}
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint.startswith(ORGANISER_BLUEPRINTS):
            urls.append(rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1])
    return sorted(urls)


def _state(app) -> tuple:
    """Everything an organiser's change or a judge's sheet could alter."""
    with app.app_context():
        def count(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        sheets = tuple(db.session.execute(
            select(ScoreSheet.id, ScoreSheet.judge_id, ScoreSheet.application_id, ScoreSheet.status,
                   ScoreSheet.version).order_by(ScoreSheet.id)).all())
        rounds = tuple(db.session.execute(
            select(Round.id, Round.judges_per_project, Round.scoring_opened_at, Round.judges_see_peer_scores)
            .order_by(Round.id)).all())
        criteria = tuple(db.session.execute(
            select(Criterion.id, Criterion.position, Criterion.name_en, Criterion.max_points).order_by(Criterion.id)
        ).all())
        assignments = tuple(db.session.execute(
            select(Assignment.judge_id, Assignment.application_id).order_by(Assignment.id)).all())
        conflicts = tuple(db.session.execute(
            select(Conflict.judge_id, Conflict.application_id, Conflict.active).order_by(Conflict.id)).all())
        return (sheets, rounds, criteria, assignments, conflicts, count(RoundEntry), count(AuditEntry),
                count(OutboxMessage))


@pytest.mark.parametrize("person", [p for p in COLUMNS if p != "organiser"])
def test_only_the_organiser_may_post_to_organiser_routes(app, world, person):
    urls = _post_urls(app, world)
    assert len(urls) >= 20
    client = _client(app, person)
    token = session_token(client)
    before = _state(app)
    expected = LOGIN if person == "anonymous" else 403
    wrong = []
    for url in urls:
        got = _status(client.post(url, data={"csrf_token": token, "reason": "Because", "confirm": "y"}))
        if got != expected:
            wrong.append(f"{url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
    assert _state(app) == before


def test_other_organiser_posting_this_contests_ids_under_their_own_contest_is_not_found(app, world):
    client = _client(app, "other_organiser")
    token = session_token(client)
    before = _state(app)
    urls = [url.replace("/organize/demo/", "/organize/other/") for url in _post_urls(app, world)
            if f"/rounds/{world.round_id}/" in url or url.endswith(("/lift", "/profile"))]
    assert len(urls) >= 15
    wrong = []
    for url in urls:
        response = client.post(url, data={"csrf_token": token, "reason": "Because", "confirm": "y"})
        if response.status_code != 404:
            wrong.append(f"{url}: expected 404, got {_status(response)}")
    assert not wrong, "\n".join(wrong)
    assert _state(app) == before


@pytest.mark.parametrize("person", ["team_a", "team_b", "organiser", "other_organiser"])
def test_non_judges_cannot_declare_or_edit_a_judge_profile(app, world, person):
    client = _client(app, person)
    token = session_token(client)
    before = _state(app)
    assert client.post(f"/judge/rounds/{world.round_id}/conflicts",
                       data={"csrf_token": token, "confirm": "y"}).status_code == 404
    assert client.post("/judge/demo/profile", data={"csrf_token": token, "bio": "Me."}).status_code == 404
    assert _state(app) == before


def test_judges_cannot_declare_in_another_contests_round(app, world):
    client = _client(app, "judge_assigned")
    token = session_token(client)
    assert client.post(f"/judge/rounds/{world.other_round_id}/conflicts",
                       data={"csrf_token": token, "confirm": "y"}).status_code == 404
    assert client.post("/judge/other/profile", data={"csrf_token": token, "bio": "Me."}).status_code == 404


SHEET_EXPECTED = {"anonymous": 401, "team_a": 404, "team_b": 404, "judge_unassigned": 404,
                  "judge_conflicted": 404, "organiser": 404, "other_organiser": 404}


@pytest.mark.parametrize("person", list(SHEET_EXPECTED))
def test_only_the_assigned_judge_may_write_project_0s_sheet(app, world, person):
    setup = world.extra["setup"]
    client = _client(app, person)
    headers = {"X-CSRFToken": session_token(client)}
    base = f"/api/v1/reviews/rounds/{world.round_id}/sheets/{world.projects[0]}"
    before = _state(app)
    answers = {
        "PUT": client.put(base, json={**full_scores(setup), "version": 0}, headers=headers).status_code,
        "submit": client.post(f"{base}/submit", json={**full_scores(setup), "idempotency_key": "matrix-key-0001"},
                              headers=headers).status_code,
        "recuse": client.post(f"{base}/recuse", json={"reason": "Curious"}, headers=headers).status_code,
    }
    expected = SHEET_EXPECTED[person]
    assert answers == {"PUT": expected, "submit": expected, "recuse": expected}
    assert _state(app) == before


def test_the_assigned_judge_cannot_edit_their_submitted_sheet(app, world):
    setup = world.extra["setup"]
    client = _client(app, "judge_assigned")
    headers = {"X-CSRFToken": session_token(client)}
    base = f"/api/v1/reviews/rounds/{world.round_id}/sheets/{world.projects[0]}"
    before = _state(app)
    assert client.put(base, json={**full_scores(setup), "version": 1}, headers=headers).status_code == 409
    assert client.post(f"{base}/recuse", json={"reason": "Too late"}, headers=headers).status_code == 409
    assert _state(app) == before
