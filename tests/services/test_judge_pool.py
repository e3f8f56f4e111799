"""The judge pool: profiles edited by organisers and by judges, and judges imported from a file."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, Contest, ContestRole, Invitation, JudgeProfile, OutboxMessage, Role, User
from roadshow.services import judge_import, judge_pool
from roadshow.services.errors import Forbidden, Invalid, NotFound
from tests.helpers import PASSWORD, make_contest, post_form


@pytest.fixture
def contest_id(app, make_user):
    make_user("org@example.com", name="Organiser")
    make_user("judge@example.com", name="Judge One")
    make_user("known@example.com", name="Known Person")
    make_user("team@example.com", name="Team")
    return make_contest(app, organiser_email="org@example.com", judge_email="judge@example.com")


def _ctx(app):
    return app.test_request_context(method="POST")


def _contest(contest_id):
    return db.session.get(Contest, contest_id)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_pool_lists_judges_with_profiles(app, contest_id):
    with _ctx(app):
        contest, org = _contest(contest_id), User.by_email("org@example.com")
        judge = User.by_email("judge@example.com")
        [entry] = judge_pool.pool(contest, by=org)
        assert (entry.user.id, entry.profile) == (judge.id, None)
        judge_pool.update_by_organiser(contest, judge, by=org, institution=" Tsinghua  University ",
                                       expertise_track_ids=[contest.tracks[1].id, contest.tracks[0].id], max_load=5)
        db.session.commit()
        [entry] = judge_pool.pool(contest, by=org)
        assert entry.profile.institution == "Tsinghua University"
        assert entry.profile.expertise_track_ids == [contest.tracks[0].id, contest.tracks[1].id]
        assert entry.profile.max_load == 5
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judge_profile.updated"))
        assert entry.contest_id == contest_id and entry.old_values is None and entry.new_values["max_load"] == 5
        with pytest.raises(Forbidden):
            judge_pool.pool(contest, by=judge)


def test_organiser_edit_refusals(app, contest_id):
    with _ctx(app):
        contest, org = _contest(contest_id), User.by_email("org@example.com")
        judge = User.by_email("judge@example.com")
        with pytest.raises(Invalid) as caught:
            judge_pool.update_by_organiser(contest, judge, by=org, institution="x", expertise_track_ids=[999999],
                                           max_load=-1)
        assert set(caught.value.details) == {"expertise_track_ids", "max_load"}
        with pytest.raises(NotFound):
            judge_pool.update_by_organiser(contest, User.by_email("team@example.com"), by=org, institution="",
                                           expertise_track_ids=[], max_load=None)
        with pytest.raises(Forbidden):
            judge_pool.update_by_organiser(contest, judge, by=judge, institution="", expertise_track_ids=[],
                                           max_load=None)
        assert _count(JudgeProfile) == 0


def test_judge_edits_own_profile(app, contest_id):
    with _ctx(app):
        contest, judge = _contest(contest_id), User.by_email("judge@example.com")
        judge_pool.update_own(contest, judge, institution="CAS", expertise_track_ids=[contest.tracks[0].id],
                              bio="Materials scientist.")
        db.session.commit()
        profile = judge_pool.profile_of(contest, judge)
        assert (profile.institution, profile.bio) == ("CAS", "Materials scientist.")
        with pytest.raises(Invalid) as caught:
            judge_pool.update_own(contest, judge, institution="CAS", expertise_track_ids=[], bio="b" * 1001)
        assert "bio" in caught.value.details
        with pytest.raises(NotFound):
            judge_pool.update_own(contest, User.by_email("team@example.com"), institution="", expertise_track_ids=[],
                                  bio="")


HEADER = ["Name", "Email", "Institution", "Expertise tracks"]


def _import(app, contest_id, rows, by="org@example.com"):
    numbered = list(enumerate([HEADER, *rows] if rows and rows[0] != "raw" else rows[1:], start=1))
    with _ctx(app):
        result = judge_import.import_judges(_contest(contest_id), numbered, by=User.by_email(by), locale="en",
                                          filename="judges.csv")
        db.session.commit()
        return {"added": [u.email for u in result.added], "updated": [u.email for u in result.updated],
                "invited": result.invited, "already_invited": result.already_invited}


def test_import_happy_path(app, contest_id):
    with _ctx(app):
        from roadshow.services import invitations
        invitations.invite(_contest(contest_id), "pending@example.org", Role.JUDGE,
                           by=User.by_email("org@example.com"))
        db.session.commit()
    result = _import(app, contest_id, [
        ["Known Person", "KNOWN@example.com", "Peking University", "Medical devices; 新材料"],
        ["Judge One", "judge@example.com", "CAS", "new materials"],
        ["New Person", "new.person@example.org", "Fudan", "医疗器械"],
        ["Pending", "pending@example.org", "", ""],
    ])
    assert result == {"added": ["known@example.com"], "updated": ["judge@example.com"],
                      "invited": ["new.person@example.org"], "already_invited": ["pending@example.org"]}
    with app.app_context():
        contest = _contest(contest_id)
        known = User.by_email("known@example.com")
        assert _count(ContestRole, ContestRole.user_id == known.id, ContestRole.role == Role.JUDGE) == 1
        profile = judge_pool.profile_of(contest, known)
        assert profile.institution == "Peking University"
        assert profile.expertise_track_ids == [contest.tracks[0].id, contest.tracks[1].id]
        assert judge_pool.profile_of(contest, User.by_email("judge@example.com")).expertise_track_ids == [
            contest.tracks[1].id]
        assert _count(Invitation, Invitation.email == "new.person@example.org", Invitation.role == Role.JUDGE) == 1
        assert _count(Invitation, Invitation.email == "pending@example.org") == 1
        assert _count(OutboxMessage, OutboxMessage.to_email == "new.person@example.org") == 1
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judges.imported"))
        assert entry.new_values["invited"][0]["institution"] == "Fudan"


@pytest.mark.parametrize("rows, where", [
    ([["A", "not-an-email", "", ""]], (2, "B")),
    ([["A", "a@example.org", "", "Space travel"]], (2, "D")),
    ([["", "a@example.org", "", ""]], (2, "A")),
    ([["A", "a@example.org", "", ""], ["B", "A@example.org", "", ""]], (3, "B")),
])
def test_import_bad_rows_store_nothing(app, contest_id, rows, where):
    good = ["Known Person", "known@example.com", "PKU", "Medical devices"]
    with pytest.raises(judge_import.ImportRejected) as caught:
        _import(app, contest_id, [good, *rows])
    errors = caught.value.errors
    assert (errors[0].row, errors[0].column) == (where[0] + 1, where[1])
    with app.app_context():
        assert _count(ContestRole, ContestRole.role == Role.JUDGE) == 1  # judge@ only, from the fixture
        assert _count(JudgeProfile) == 0 and _count(Invitation) == 0
        assert _count(AuditEntry, AuditEntry.action != "role.granted") == 0


def test_import_refuses_bad_headers_and_non_organisers(app, contest_id):
    with pytest.raises(judge_import.ImportRejected) as caught:
        _import(app, contest_id, ["raw", ["Name", "Phone"], ["A", "123"]])
    assert {(e.row, e.column) for e in caught.value.errors} == {(1, "B"), (1, "")}  # Phone unknown, Email missing
    with pytest.raises(judge_import.ImportRejected):
        _import(app, contest_id, ["raw", ["姓名", "邮箱"]])  # Chinese headers, but no rows
    with pytest.raises(Forbidden):
        _import(app, contest_id, [["A", "a@example.org", "", ""]], by="judge@example.com")


def _accept_last_invitation(app, email):
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == email)
                                     .order_by(OutboxMessage.id.desc())).first()
        link = re.search(r"http://localhost(/invitations/\S+)", message.body_text).group(1)
    invitee = app.test_client()
    response = post_form(invitee, link, {"display_name": "New Person", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302


def test_an_invited_judge_gets_the_imported_institution_and_tracks_on_accepting(app, contest_id):
    _import(app, contest_id, [["New Person", "new.person@example.org", "Fudan", "医疗器械; new materials"]])
    with app.app_context():
        contest = _contest(contest_id)
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == "new.person@example.org"))
        assert invitation.judge_profile == {"institution": "Fudan",
                                            "expertise_track_ids": [contest.tracks[0].id, contest.tracks[1].id]}
        assert _count(JudgeProfile) == 0
    _accept_last_invitation(app, "new.person@example.org")
    with app.app_context():
        contest = _contest(contest_id)
        judge = User.by_email("new.person@example.org")
        assert judge_pool.is_judge(contest, judge)
        profile = judge_pool.profile_of(contest, judge)
        assert profile.institution == "Fudan"
        assert profile.expertise_track_ids == [contest.tracks[0].id, contest.tracks[1].id]


def test_a_second_import_updates_a_pending_invitation_and_keeps_what_it_leaves_blank(app, contest_id):
    _import(app, contest_id, [["New Person", "new.person@example.org", "Fudan", ""]])
    result = _import(app, contest_id, [["New Person", "new.person@example.org", "", "new materials"]])
    assert result["already_invited"] == ["new.person@example.org"]
    _accept_last_invitation(app, "new.person@example.org")
    with app.app_context():
        contest = _contest(contest_id)
        profile = judge_pool.profile_of(contest, User.by_email("new.person@example.org"))
        assert (profile.institution, profile.expertise_track_ids) == ("Fudan", [contest.tracks[1].id])


def test_an_invitation_without_a_profile_gives_none(app, contest_id):
    with _ctx(app):
        from roadshow.services import invitations
        invitations.invite(_contest(contest_id), "plain@example.org", Role.JUDGE, by=User.by_email("org@example.com"))
        db.session.commit()
    _accept_last_invitation(app, "plain@example.org")
    with app.app_context():
        assert judge_pool.profile_of(_contest(contest_id), User.by_email("plain@example.org")) is None
