"""A judge's aggregate counts do not move when their conflicted project is scored.

The conflicted judge (forced onto project 0 and conflicted on it, also assigned project 2) and a
judge of another project (project 1, who has submitted their own sheet there, in a round where
judges may see their peers' scores after submitting) read everything they can open, through the
pages and the API. Then two other judges work on project 0: one saves a draft and submits, the
other saves a draft. Everything both observers read again is the same, byte for byte once CSRF
tokens, nonces and timestamps are set aside; the organiser's board, meanwhile, did move.
"""
from __future__ import annotations

from roadshow.extensions import db
from roadshow.models import MaterialKind, Round, ScoreSheet, SheetStatus
from tests.review_builders import add_conflict, full_scores, make_review
from tests.review_world import normalise, session_token, signed_in
from tests.web.test_materials import add_material, blank_pdf

CONFLICTED = "judge@example.com"
OTHER_PROJECT = "judge2@example.com"
SCORER = "judge3@example.com"
DRAFTER = "judge4@example.com"


def _setup(app):
    setup = make_review(app, judges=(CONFLICTED, OTHER_PROJECT, SCORER, DRAFTER),
                        assign={CONFLICTED: [0, 2], OTHER_PROJECT: [1], SCORER: [0, 1], DRAFTER: [0]})
    add_conflict(app, setup.judges[CONFLICTED], setup.projects[0])
    with app.app_context():
        db.session.get(Round, setup.round_id).judges_see_peer_scores = True
        db.session.commit()
    material = add_material(app, setup.projects[0], blank_pdf(), "application/pdf", "plan.pdf",
                            MaterialKind.BUSINESS_PLAN)
    return setup, material


def _api(client, method, url, body):
    response = client.open(url, method=method, json=body, headers={"X-CSRFToken": session_token(client)})
    assert response.status_code == 200, (url, response.get_json())
    return response.get_json()


def _sheet_url(setup, index):
    return f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[index]}"


def _urls(setup, material_id) -> list[str]:
    """Everything of the review a judge might fetch: pages, API, the conflicted project's files."""
    r, p0 = setup.round_id, setup.projects[0]
    urls = ["/judge/", f"/judge/rounds/{r}", f"/judge/rounds/{r}/conflicts", "/judge/demo/profile",
            "/api/v1/reviews/assignments"]
    for application_id in setup.projects:
        urls += [f"/judge/rounds/{r}/projects/{application_id}",
                 f"/api/v1/reviews/rounds/{r}/sheets/{application_id}"]
    urls += [f"/applications/{p0}/materials/{material_id}", f"/applications/{p0}/materials/{material_id}/download"]
    return urls


def _read_everything(client, urls) -> dict[str, tuple[int, str]]:
    """url -> (status, normalised body); a file's bytes are compared as they come."""
    return {url: (response.status_code, normalise(response.data.decode("utf-8", errors="backslashreplace")))
            for url in urls for response in [client.get(url)]}


def _differences(before, after) -> list[str]:
    return [f"{url}: {before[url][0]} -> {after[url][0]}"
            + (" (body changed)" if before[url][1] != after[url][1] else "")
            for url in before if before[url] != after[url]]


def test_scoring_the_conflicted_project_moves_nothing_the_judges_see(app):
    setup, material = _setup(app)
    urls = _urls(setup, material)
    conflicted, other = signed_in(app, CONFLICTED), signed_in(app, OTHER_PROJECT)
    scorer, drafter, organiser = signed_in(app, SCORER), signed_in(app, DRAFTER), signed_in(app, "org@example.com")
    # the judge of another project has submitted their own sheet, so peer scores are open to them there
    _api(other, "POST", f"{_sheet_url(setup, 1)}/submit", {**full_scores(setup), "idempotency_key": "other-000001"})
    _api(scorer, "POST", f"{_sheet_url(setup, 1)}/submit",
         {**full_scores(setup, ("5", "5", "5")), "idempotency_key": "scorer-00001"})
    board = f"/organize/demo/rounds/{setup.round_id}/progress.json"
    board_before = organiser.get(board).get_json()

    before = {CONFLICTED: _read_everything(conflicted, urls), OTHER_PROJECT: _read_everything(other, urls)}

    draft = _api(scorer, "PUT", _sheet_url(setup, 0), {**full_scores(setup, ("1", "2", "3")), "version": 0})
    _api(scorer, "POST", f"{_sheet_url(setup, 0)}/submit",
         {**full_scores(setup, ("10", "10", "10")), "idempotency_key": "scorer-00002", "version": draft["version"]})
    _api(drafter, "PUT", _sheet_url(setup, 0), {**full_scores(setup, ("0.5", "1", "1")), "version": 0})

    after = {CONFLICTED: _read_everything(conflicted, urls), OTHER_PROJECT: _read_everything(other, urls)}

    # the work really happened, and the organiser's board shows it
    with app.app_context():
        statuses = sorted(s.status for s in db.session.query(ScoreSheet).filter_by(application_id=setup.projects[0]))
    assert statuses == sorted([SheetStatus.SUBMITTED, SheetStatus.DRAFT])
    assert organiser.get(board).get_json() != board_before

    # the conflicted judge never opened anything of project 0, before or after
    p0 = setup.projects[0]
    for seen in (before[CONFLICTED], after[CONFLICTED]):
        of_p0 = [status for url, (status, _) in seen.items()
                 if url.endswith((f"/projects/{p0}", f"/sheets/{p0}")) or url.startswith(f"/applications/{p0}/")]
        assert of_p0 == [404] * 4
    for judge in (CONFLICTED, OTHER_PROJECT):
        moved = _differences(before[judge], after[judge])
        assert not moved, f"{judge} sees the scoring of a project they are not on: {moved}"


def test_what_the_conflicted_judge_reads_counts_only_their_own_project(app):
    setup, material = _setup(app)
    conflicted = signed_in(app, CONFLICTED)
    seen = _read_everything(conflicted, _urls(setup, material))
    r, p0, p2 = setup.round_id, setup.projects[0], setup.projects[2]
    opened = {url for url, (status, _) in seen.items() if status == 200}
    assert opened == {"/judge/", f"/judge/rounds/{r}", f"/judge/rounds/{r}/conflicts", "/judge/demo/profile",
                      "/api/v1/reviews/assignments", f"/judge/rounds/{r}/projects/{p2}",
                      f"/api/v1/reviews/rounds/{r}/sheets/{p2}"}
    assert "0 of 1 submitted" in seen["/judge/"][1]
    assert conflicted.get("/api/v1/reviews/assignments").get_json()[0]["application_id"] == p2
    assert len(conflicted.get("/api/v1/reviews/assignments").get_json()) == 1
    assert f"/projects/{p0}" not in seen[f"/judge/rounds/{r}"][1]


def test_normaliser_sets_aside_only_volatile_parts():
    page = ('<input name="csrf_token" type="hidden" value="IjAy.abc"><script nonce="r4nd0m">'
            '<time datetime="2026-11-23T14:02:48+00:00">2026-11-23 14:02</time> 3 of 4 submitted')
    assert normalise(page) == ('<input name="csrf_token" type="hidden" value="<csrf>"><script nonce="<nonce>">'
                               '<time datetime="<time>"><time></time> 3 of 4 submitted')
