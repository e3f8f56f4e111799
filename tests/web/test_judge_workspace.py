"""The judge's workspace pages: the round's list in a per-judge shuffled order with statuses, the
project page with the materials and the sheet (editable, read-only once submitted, unlocked), the
judge index, and who gets a 404."""
from __future__ import annotations

import re

from roadshow.extensions import db
from roadshow.models import ScoreSheet, SheetStatus, utcnow
from tests.api.test_api import bearer, token_for
from tests.helpers import login, make_contest
from tests.review_builders import add_conflict, full_scores, make_review

JUDGE = "judge@example.com"
JUDGE2 = "judge2@example.com"
ROW = re.compile(r'<tr data-application-id="(\d+)" data-status="(\w+)"')


def round_url(setup):
    return f"/judge/rounds/{setup.round_id}"


def project_url(setup, index=0):
    return f"/judge/rounds/{setup.round_id}/projects/{setup.projects[index]}"


def listed(client, setup):
    response = client.get(round_url(setup))
    assert response.status_code == 200
    return [(int(a), status) for a, status in ROW.findall(response.get_data(as_text=True))]


def judge_client(app, email=JUDGE):
    client = app.test_client()
    login(client, email)
    return client


def test_order_is_shuffled_per_judge_and_stable(app):
    setup = make_review(app, projects=8, assign={JUDGE: list(range(8)), JUDGE2: list(range(8))})
    one, two = judge_client(app, JUDGE), judge_client(app, JUDGE2)
    first = [a for a, _ in listed(one, setup)]
    assert sorted(first) == sorted(setup.projects)
    assert [a for a, _ in listed(one, setup)] == first  # stable across visits
    second = [a for a, _ in listed(two, setup)]
    assert sorted(second) == sorted(setup.projects)
    assert second != first
    assert first != sorted(first) or second != sorted(second)


def test_round_page_shows_statuses_and_hides_conflicted_projects(app):
    setup = make_review(app, projects=4, assign={JUDGE: [0, 1, 2, 3]})
    add_conflict(app, setup.judges[JUDGE], setup.projects[3])
    auth = bearer(token_for(app, JUDGE))
    api = app.test_client()
    base = f"/api/v1/reviews/rounds/{setup.round_id}/sheets"
    saved = api.put(f"{base}/{setup.projects[0]}", json={**full_scores(setup), "version": 0}, headers=auth)
    submitted = api.post(f"{base}/{setup.projects[1]}/submit",
                         json={**full_scores(setup), "idempotency_key": "key-00000001"}, headers=auth)
    recused = api.post(f"{base}/{setup.projects[2]}/recuse", json={"reason": "Advised them"}, headers=auth)
    assert (saved.status_code, submitted.status_code, recused.status_code) == (200, 200, 200)
    client = judge_client(app)
    statuses = dict(listed(client, setup))
    assert statuses == {setup.projects[0]: "draft", setup.projects[1]: "submitted", setup.projects[2]: "recused"}
    page = client.get(round_url(setup)).get_data(as_text=True)
    assert "Project 4" not in page
    for label in ("Draft", "Submitted", "Recused"):
        assert label in page


def test_undeclared_judge_is_sent_to_declare(app):
    setup = make_review(app, assign={JUDGE: [0]}, declared=False)
    client = judge_client(app)
    response = client.get(round_url(setup))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/judge/rounds/{setup.round_id}/conflicts")
    assert client.get(project_url(setup)).status_code == 404
    index = client.get("/judge/").get_data(as_text=True)
    assert f"/judge/rounds/{setup.round_id}/conflicts" in index


def test_judge_index_links_declared_rounds(app):
    setup = make_review(app, assign={JUDGE: [0, 1]})
    page = judge_client(app).get("/judge/").get_data(as_text=True)
    assert f'href="/judge/rounds/{setup.round_id}"' in page
    assert "0 of 2 submitted" in page


def test_project_page_shows_summary_rubric_and_editable_sheet(app):
    setup = make_review(app, assign={JUDGE: [0, 1]})
    client = judge_client(app)
    response = client.get(project_url(setup))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Project 1" in page and "Leader 1" in page and "University 1" in page
    assert 'id="sheet-form"' in page
    assert f'data-sheet-url="/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[0]}"' in page
    assert 'data-version="0"' in page
    assert f'data-storage-key="roadshow-sheet-{setup.round_id}-{setup.projects[0]}-{setup.judges[JUDGE]}"' in page
    for cid in setup.criteria:
        assert f'id="score-{cid}"' in page
    assert 'step="0.5"' in page and 'max="10"' in page
    assert "Innovation" in page and "About innovation" in page and "Excellent" in page
    assert "js/score-sheet.js" in page
    assert "<script>" not in page  # no inline scripts (CSP)
    assert 'id="recuse-form"' in page


def test_project_page_shows_saved_draft_values(app):
    setup = make_review(app, assign={JUDGE: [0]})
    auth = bearer(token_for(app, JUDGE))
    url = f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[0]}"
    assert app.test_client().put(url, json={**full_scores(setup), "version": 0}, headers=auth).status_code == 200
    page = judge_client(app).get(project_url(setup)).get_data(as_text=True)
    assert 'value="8.5"' in page and "Strong prototype." in page and 'data-version="1"' in page


def test_submitted_sheet_is_read_only_and_unlocked_sheet_editable(app):
    setup = make_review(app, assign={JUDGE: [0]})
    auth = bearer(token_for(app, JUDGE))
    url = f"/api/v1/reviews/rounds/{setup.round_id}/sheets/{setup.projects[0]}/submit"
    answer = app.test_client().post(url, json={**full_scores(setup), "idempotency_key": "key-00000001"}, headers=auth)
    assert answer.status_code == 200
    client = judge_client(app)
    page = client.get(project_url(setup)).get_data(as_text=True)
    assert 'id="sheet-submitted"' in page
    assert 'id="sheet-form"' not in page and 'id="recuse-form"' not in page
    assert "8.2" in page
    with app.app_context():
        sheet = db.session.get(ScoreSheet, answer.json["id"])
        sheet.status, sheet.unlocked_at, sheet.unlock_reason = SheetStatus.DRAFT, utcnow(), "Market score typo"
        db.session.commit()
    page = client.get(project_url(setup)).get_data(as_text=True)
    assert "Unlocked by the organisers: Market score typo" in page
    assert 'id="sheet-form"' in page


def test_scoring_not_open_shows_the_rubric_without_a_form(app):
    setup = make_review(app, assign={JUDGE: [0]}, open_scoring=False)
    page = judge_client(app).get(project_url(setup)).get_data(as_text=True)
    assert 'id="scoring-closed"' in page and 'id="sheet-form"' not in page
    assert "Innovation" in page


def test_who_may_not_see_the_pages_gets_404(app, make_user):
    setup = make_review(app, assign={JUDGE: [0], JUDGE2: [0, 1]}, judges=(JUDGE, JUDGE2, "judge3@example.com"))
    add_conflict(app, setup.judges[JUDGE2], setup.projects[0])
    make_user("otherorg@example.com")
    make_contest(app, "elsewhere", organiser_email="otherorg@example.com")
    make_user("team@example.com")
    cases = {
        "unassigned judge": ("judge3@example.com", [project_url(setup)]),
        "conflicted judge": (JUDGE2, [project_url(setup)]),
        "judge of another project": (JUDGE, [project_url(setup, 1)]),
        "team member": ("team@example.com", [round_url(setup), project_url(setup)]),
        "other contest's organiser": ("otherorg@example.com", [round_url(setup), project_url(setup)]),
        "organiser": ("org@example.com", [round_url(setup), project_url(setup)]),
    }
    for who, (email, urls) in cases.items():
        client = judge_client(app, email)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
    client = judge_client(app)
    assert client.get(f"/judge/rounds/{setup.round_id}/projects/99999").status_code == 404
    assert client.get("/judge/rounds/99999").status_code == 404
    anonymous = app.test_client().get(project_url(setup))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_conflicted_judge_sees_nothing_of_the_project_in_the_round_list(app):
    setup = make_review(app, assign={JUDGE2: [0, 1]})
    add_conflict(app, setup.judges[JUDGE2], setup.projects[0])
    page = judge_client(app, JUDGE2).get(round_url(setup)).get_data(as_text=True)
    assert "Project 1" not in page and "Project 2" in page


def test_project_page_embeds_the_pdf_viewer_and_video(app):
    from roadshow.models import Material, MaterialKind
    setup = make_review(app, assign={JUDGE: [0]})
    with app.app_context():
        db.session.add(Material(application_id=setup.projects[0], kind=MaterialKind.BUSINESS_PLAN,
                                original_filename="plan.pdf", content_type="application/pdf", size_bytes=10,
                                sha256="0" * 64, storage_key="x/plan"))
        db.session.add(Material(application_id=setup.projects[0], kind=MaterialKind.PITCH_VIDEO,
                                original_filename="pitch.mp4", content_type="video/mp4", size_bytes=10,
                                sha256="1" * 64, storage_key="x/pitch"))
        db.session.commit()
    page = judge_client(app).get(project_url(setup)).get_data(as_text=True)
    assert "data-pdf-viewer" in page and "js/pdf-viewer.js" in page
    assert "<video" in page and "/stream" in page
    assert "plan.pdf" in page
