"""The organisers' judge pool page (profiles, invitations, import) and the judge's own profile page."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from roadshow.extensions import db
from roadshow.models import AuditEntry, Contest, ContestRole, Invitation, JudgeProfile, Role, User
from tests.helpers import csrf_token, login, make_contest, post_form

POOL = "/organize/demo/judges"


@pytest.fixture
def contest_id(app, make_user):
    make_user("org@example.com", name="Organiser", locale="en")
    make_user("judge@example.com", name="Judge One", locale="en")
    make_user("known@example.com", name="Known Person")
    make_user("team@example.com", name="Team")
    return make_contest(app, organiser_email="org@example.com", judge_email="judge@example.com")


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def ids(app):
    with app.app_context():
        contest = db.session.get(Contest, 1) or db.session.scalar(select(Contest))
        return {"tracks": [t.id for t in contest.tracks], "judge": User.by_email("judge@example.com").id}


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def profile(app, email="judge@example.com"):
    with app.app_context():
        found = db.session.scalar(select(JudgeProfile).where(JudgeProfile.user_id == User.by_email(email).id))
        if found is not None:
            db.session.expunge(found)
        return found


def test_pool_page_lists_judges_and_invites(app, contest_id):
    organiser = signed_in(app, "org@example.com")
    html = organiser.get(POOL).get_data(as_text=True)
    assert "Judge One" in html and "No profile yet." in html
    response = post_form(organiser, f"{POOL}/invite", {"email": "newjudge@example.org", "locale": "en"})
    assert response.status_code == 302
    assert count(app, Invitation, Invitation.email == "newjudge@example.org", Invitation.role == Role.JUDGE) == 1
    assert "newjudge@example.org" in organiser.get(POOL).get_data(as_text=True)
    assert post_form(organiser, f"{POOL}/invite", {"email": "nope", "locale": "en"}, token_from=POOL).status_code == 422


def test_organiser_edits_a_judge_profile(app, contest_id):
    known = ids(app)
    organiser = signed_in(app, "org@example.com")
    url = f"{POOL}/{known['judge']}/profile"
    assert organiser.get(url).status_code == 200
    response = post_form(organiser, url, {"institution": "CAS", "expertise": [str(known["tracks"][1])],
                                          "max_load": "4"})
    assert response.status_code == 302
    saved = profile(app)
    assert (saved.institution, saved.expertise_track_ids, saved.max_load) == ("CAS", [known["tracks"][1]], 4)
    assert post_form(organiser, url, {"institution": "CAS", "max_load": "-2"}).status_code == 422
    assert post_form(organiser, url, {"institution": "CAS", "expertise": "999999"}).status_code == 422
    assert profile(app).max_load == 4
    with app.app_context():
        known_id = User.by_email("known@example.com").id
    assert organiser.get(f"{POOL}/{known_id}/profile").status_code == 404  # not a judge
    assert organiser.get(f"{POOL}/999999/profile").status_code == 404
    html = organiser.get(POOL).get_data(as_text=True)
    assert "CAS" in html and "New materials" in html


@pytest.mark.parametrize("who", ["judge@example.com", "team@example.com"])
def test_judges_and_teams_cannot_reach_the_pool(app, contest_id, who):
    client = signed_in(app, who)
    judge_id = ids(app)["judge"]
    for url in (POOL, f"{POOL}/import", f"{POOL}/template.csv", f"{POOL}/{judge_id}/profile"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/account/")
    assert client.post(f"{POOL}/{judge_id}/profile", data={"csrf_token": token, "max_load": "1"}).status_code == 403
    assert client.post(f"{POOL}/invite", data={"csrf_token": token, "email": "x@example.org"}).status_code == 403
    assert profile(app) is None and count(app, Invitation) == 0


def test_pool_posts_without_csrf_are_refused(app, contest_id):
    organiser = signed_in(app, "org@example.com")
    judge_id = ids(app)["judge"]
    assert organiser.post(f"{POOL}/{judge_id}/profile", data={"max_load": "1"}).status_code == 400
    assert organiser.post(f"{POOL}/invite", data={"email": "x@example.org", "locale": "en"}).status_code == 400
    assert profile(app) is None and count(app, Invitation) == 0


# --- import -----------------------------------------------------------------------------------


def as_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def upload(client, content: bytes, name="judges.csv"):
    token = csrf_token(client, f"{POOL}/import")
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(content), name)})
    return client.post(f"{POOL}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_template_download_has_the_headers(app, contest_id):
    organiser = signed_in(app, "org@example.com")
    response = organiser.get(f"{POOL}/template.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header = next(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert header == ["Name", "Email", "Institution", "Expertise tracks"]
    assert organiser.get(f"{POOL}/template.xlsx").status_code == 200


def test_import_happy_path(app, contest_id):
    organiser = signed_in(app, "org@example.com")
    assert "Expertise tracks" in organiser.get(f"{POOL}/import").get_data(as_text=True)
    content = as_csv([["姓名", "邮箱", "单位", "擅长赛道"],
                      ["Known Person", "known@example.com", "Peking University", "医疗器械, New materials"],
                      ["Stranger", "stranger@example.org", "Fudan", ""]])
    response = upload(organiser, content)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    known = ids(app)
    saved = profile(app, "known@example.com")
    assert (saved.institution, saved.expertise_track_ids) == ("Peking University", known["tracks"])
    assert count(app, ContestRole, ContestRole.role == Role.JUDGE) == 2
    assert count(app, Invitation, Invitation.email == "stranger@example.org", Invitation.role == Role.JUDGE) == 1
    assert count(app, AuditEntry, AuditEntry.action == "judges.imported") == 1
    assert "1 added" in organiser.get(POOL).get_data(as_text=True)


def test_import_bad_rows_store_nothing(app, contest_id):
    organiser = signed_in(app, "org@example.com")
    content = as_csv([["Name", "Email", "Institution", "Expertise tracks"],
                      ["Known Person", "known@example.com", "PKU", "Medical devices"],
                      ["Bad Email", "not-an-email", "", ""],
                      ["Unknown Track", "u@example.org", "", "Astrology"],
                      ["Twice", "KNOWN@example.com", "", ""]])
    response = upload(organiser, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html and "Astrology" in html and "Same email as row 2" in html
    assert count(app, ContestRole, ContestRole.role == Role.JUDGE) == 1
    assert count(app, JudgeProfile) == 0 and count(app, Invitation) == 0
    assert upload(organiser, b"\x00\x01garbage", "x.csv").status_code == 415


# --- the judge's own profile ------------------------------------------------------------------


def test_judge_edits_own_profile(app, contest_id):
    known = ids(app)
    judge = signed_in(app, "judge@example.com")
    assert judge.get("/judge/demo/profile").status_code == 200
    response = post_form(judge, "/judge/demo/profile", {"institution": "Zhejiang University",
                                                        "expertise": [str(t) for t in known["tracks"]],
                                                        "bio": "Biomedical engineer."})
    assert response.status_code == 302
    saved = profile(app)
    assert (saved.institution, saved.expertise_track_ids, saved.bio) == (
        "Zhejiang University", known["tracks"], "Biomedical engineer.")
    assert "Zhejiang University" in judge.get("/judge/demo/profile").get_data(as_text=True)
    response = post_form(judge, "/judge/demo/profile", {"institution": "X", "bio": "b" * 1001})
    assert response.status_code == 422
    assert profile(app).institution == "Zhejiang University"
    assert judge.post("/judge/demo/profile", data={"institution": "Y"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judge_profile.updated")).actor_id == \
            known["judge"]


@pytest.mark.parametrize("who", ["org@example.com", "team@example.com"])
def test_only_judges_have_a_judge_profile(app, contest_id, who):
    client = signed_in(app, who)
    assert client.get("/judge/demo/profile").status_code == 404
    assert client.get("/judge/nowhere/profile").status_code == 404
    token = csrf_token(client, "/account/")
    assert client.post("/judge/demo/profile", data={"csrf_token": token, "institution": "X"}).status_code == 404
    assert count(app, JudgeProfile) == 0
