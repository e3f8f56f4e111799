"""Organisers' review set-up pages: the scored rounds, a round's settings and projects, the rubric."""
from __future__ import annotations

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import ApplicationStatus, Criterion, Round, RoundEntry
from tests.application_builders import add_application
from tests.helpers import create_user, csrf_token, login, make_contest, post_form
from tests.review_builders import make_review

ROUNDS = "/organize/demo/rounds"
CRITERION = {"name_zh": "可行性", "name_en": "Feasibility", "description_zh": "", "description_en": "",
             "max_points": "10", "weight": "1", "step": "0.5", "descriptors": "10 | 优秀 | Excellent"}


def _client(app, email="org@example.com"):
    client = app.test_client()
    login(client, email)
    return client


def _criteria(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Criterion))


def test_index_lists_scored_rounds_with_counts(app):
    setup = make_review(app, assign={"judge@example.com": [0, 1]})
    with app.app_context():
        screening = Round(contest_id=setup.contest_id, position=0, kind="screening", name_zh="初审",
                          name_en="Screening round")
        db.session.add(screening)
        db.session.commit()
        screening_id = screening.id
    org = _client(app)
    assert org.get(f"{ROUNDS}/{screening_id}").status_code == 404  # not a scored round
    assert org.get(f"{ROUNDS}/{screening_id}/rubric").status_code == 404
    page = org.get(ROUNDS)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Online review" in text and "Screening round" not in text
    assert f"{ROUNDS}/{setup.round_id}" in text


def test_round_page_settings_and_entries(app):
    setup = make_review(app, open_scoring=False)
    org = _client(app)
    url = f"{ROUNDS}/{setup.round_id}"
    page = org.get(url)
    assert page.status_code == 200 and "Project 1" in page.get_data(as_text=True)
    refused = post_form(org, f"{url}/settings", {"judges_per_project": "21"}, token_from=url)
    assert refused.status_code == 422
    saved = post_form(org, f"{url}/settings", {"judges_per_project": "4", "judges_see_peer_scores": "y"},
                      token_from=url)
    assert saved.status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, setup.round_id)
        assert (round_.judges_per_project, round_.judges_see_peer_scores) == (4, True)
    extra = add_application(app, setup.contest_id, status=ApplicationStatus.SCREENED_IN, project="Late entry")
    assert post_form(org, f"{url}/entries", {}, token_from=url).status_code == 302
    assert "Late entry" in org.get(url).get_data(as_text=True)
    assert post_form(org, f"{url}/entries/{extra}/remove", {}, token_from=url).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RoundEntry.id).where(RoundEntry.application_id == extra)) is None


def test_open_scoring_with_an_empty_rubric_is_refused(app):
    setup = make_review(app, open_scoring=False)
    with app.app_context():
        for criterion in db.session.scalars(select(Criterion)):
            db.session.delete(criterion)
        db.session.commit()
    org = _client(app)
    url = f"{ROUNDS}/{setup.round_id}"
    response = post_form(org, f"{url}/open", {}, token_from=url)
    assert response.status_code == 422
    assert "no criteria" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, setup.round_id).scoring_opened_at is None


def test_rubric_add_edit_move_delete_then_open_and_frozen(app):
    setup = make_review(app, open_scoring=False)
    org = _client(app)
    url = f"{ROUNDS}/{setup.round_id}/rubric"
    page = org.get(url)
    assert page.status_code == 200 and "Maximum total: 10" in page.get_data(as_text=True)
    assert post_form(org, f"{url}/criteria", CRITERION, token_from=url).status_code == 302
    assert _criteria(app) == 4
    first, second = setup.criteria[:2]
    token = csrf_token(org, url)
    edited = org.post(f"{url}/criteria/{first}", data={"csrf_token": token, **{f"c{first}-{k}": v for k, v in
                                                                                CRITERION.items()}})
    assert edited.status_code == 302
    with app.app_context():
        assert db.session.get(Criterion, first).name_en == "Feasibility"
    assert org.post(f"{url}/criteria/{second}/up", data={"csrf_token": token}).status_code == 302
    assert org.post(f"{url}/criteria/{first}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert [c.id for c in db.session.scalars(select(Criterion).order_by(Criterion.position))][0] == second
    round_url = f"{ROUNDS}/{setup.round_id}"
    assert post_form(org, f"{round_url}/open", {}, token_from=round_url).status_code == 302
    frozen_page = org.get(url).get_data(as_text=True)
    assert "rubric-frozen" in frozen_page and "criterion-form" not in frozen_page
    refused = org.post(f"{url}/criteria", data={"csrf_token": csrf_token(org, url), **CRITERION})
    assert refused.status_code == 409 and "frozen" in refused.get_data(as_text=True)
    for path in (f"{url}/criteria/{second}/delete", f"{url}/criteria/{second}/down"):
        assert org.post(path, data={"csrf_token": csrf_token(org, url)}).status_code == 409
    assert _criteria(app) == 3


def test_invalid_criteria_are_refused_with_nothing_stored(app):
    setup = make_review(app, open_scoring=False)
    org = _client(app)
    url = f"{ROUNDS}/{setup.round_id}/rubric"
    for changes in ({"step": "0.25"}, {"max_points": "7.5", "step": "1"}, {"descriptors": "8 Good"},
                    {"descriptors": "11 | 超 | Over"}, {"weight": "0"}, {"max_points": "abc"}):
        response = post_form(org, f"{url}/criteria", {**CRITERION, **changes}, token_from=url)
        assert response.status_code == 422, changes
    response = post_form(org, f"{url}/criteria", {**CRITERION, "descriptors": "8 Good"}, token_from=url)
    text = response.get_data(as_text=True)
    assert "score | 中文 | English" in text
    assert _criteria(app) == 3


def test_csrf_missing_is_400(app):
    setup = make_review(app, open_scoring=False)
    org = _client(app)
    base = f"{ROUNDS}/{setup.round_id}"
    for path in ("/open", "/settings", "/entries", "/rubric/criteria"):
        assert org.post(base + path, data={"judges_per_project": "3", **CRITERION}).status_code == 400, path
    assert _criteria(app) == 3
    with app.app_context():
        assert db.session.get(Round, setup.round_id).scoring_opened_at is None


def test_judges_teams_and_other_organisers_are_kept_out(app):
    setup = make_review(app, open_scoring=False)
    create_user(app, "other-org@example.com")
    make_contest(app, "other", organiser_email="other-org@example.com")
    create_user(app, "team@example.com")
    base = f"{ROUNDS}/{setup.round_id}"
    pages = (ROUNDS, base, f"{base}/rubric", f"{base}/assignments", f"{base}/assignments/template.csv")
    for email in ("judge@example.com", "team@example.com", "other-org@example.com"):
        client = _client(app, email)
        for path in pages:
            assert client.get(path).status_code in (403, 404), (email, path)
        token = csrf_token(client, "/dashboard")
        assert client.post(f"{base}/rubric/criteria", data={"csrf_token": token, **CRITERION}).status_code in (403, 404)
        assert client.post(f"{base}/open", data={"csrf_token": token}).status_code in (403, 404)
    # an organiser of another contest cannot reach this round through their own contest either
    other = _client(app, "other-org@example.com")
    assert other.get(f"/organize/other/rounds/{setup.round_id}").status_code == 404
    assert app.test_client().get(ROUNDS).status_code in (302, 401)
    assert _criteria(app) == 3
