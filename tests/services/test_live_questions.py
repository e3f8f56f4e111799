"""Questions, votes and interest at the service level: limits counted in the database, the atomic
counter, moderation keeping the original text, publishing only after commit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Interest, User, utcnow
from roadshow.models.live import LiveSession, Question, QuestionStatus, QuestionVote
from roadshow.services import live_questions, live_votes
from roadshow.services.errors import DomainError, Forbidden
from tests.realtime.test_live_namespace import J1, OBS, OBS2, ORG, make_live


@pytest.fixture
def room(app):
    return make_live(app)


def _live(room):
    return db.session.get(LiveSession, room.session_id)


def test_rate_limit_counts_the_last_minute_in_the_database(app, room):
    with app.test_request_context():
        user = User.by_email(OBS)
        for minutes in (5, 3, 2):   # old questions do not count
            db.session.add(Question(session_id=room.session_id, author_id=user.id, text="old",
                                    created_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()
        for n in range(3):
            live_questions.ask(_live(room), user, text=f"Q{n}")
            db.session.commit()
        with pytest.raises(DomainError) as refused:
            live_questions.ask(_live(room), user, text="one more")
        assert refused.value.code == "rate_limited"


def test_vote_counter_is_atomic_and_unique(app, room):
    with app.test_request_context():
        question = Question(session_id=room.session_id, author_id=User.by_email(OBS2).id, text="Why?",
                            status=QuestionStatus.APPROVED, votes=2)
        db.session.add(question)
        db.session.flush()
        for email in (J1, ORG):   # e.g. votes another process has just written
            db.session.add(QuestionVote(question_id=question.id, user_id=User.by_email(email).id))
        db.session.commit()
        live_votes.vote(_live(room), User.by_email(OBS), question_id=question.id, on=True)
        db.session.commit()
        assert db.session.get(Question, question.id).votes == 3
        with pytest.raises(DomainError) as refused:
            live_votes.vote(_live(room), User.by_email(OBS), question_id=question.id, on=True)
        assert refused.value.code == "already_voted"
        db.session.rollback()
        live_votes.vote(_live(room), User.by_email(OBS), question_id=question.id, on=False)
        live_votes.vote(_live(room), User.by_email(OBS), question_id=question.id, on=False)  # no-op
        db.session.commit()
        assert db.session.get(Question, question.id).votes == 2
        assert {v.user_id for v in db.session.scalars(select(QuestionVote))} == {
            User.by_email(J1).id, User.by_email(ORG).id}


def test_moderation_is_for_organisers_and_edit_keeps_the_original(app, room):
    with app.test_request_context():
        question = live_questions.ask(_live(room), User.by_email(OBS), text="Teh market?")
        db.session.commit()
        with pytest.raises(Forbidden):
            live_questions.moderate(_live(room), User.by_email(J1), question_id=question.id, action="approve")
        db.session.rollback()
        organiser = User.by_email(ORG)
        live_questions.moderate(_live(room), organiser, question_id=question.id, action="edit", text="The market?")
        live_questions.moderate(_live(room), organiser, question_id=question.id, action="edit", text="The market size?")
        live_questions.moderate(_live(room), organiser, question_id=question.id, action="approve")
        db.session.commit()
        stored = db.session.get(Question, question.id)
        assert (stored.text, stored.original_text, stored.status) == ("The market size?", "Teh market?",
                                                                     QuestionStatus.APPROVED)
        assert stored.moderated_by_id == organiser.id


def test_events_are_published_only_after_commit(app, room, monkeypatch):
    from roadshow.extensions import socketio

    sent = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, **kw: sent.append((event, kw["to"])))
    with app.test_request_context():
        live_questions.ask(_live(room), User.by_email(OBS), text="Rolled back?")
        assert sent == []
        db.session.rollback()
        assert sent == []
        live_questions.ask(_live(room), User.by_email(OBS), text="Committed?")
        db.session.commit()
        assert sent == [("question", f"live:{room.session_id}:organisers")]


def test_interest_is_one_row_per_person_and_project(app, room):
    with app.test_request_context():
        user = User.by_email(OBS)
        live_questions.interest(_live(room), user, application_id=room.projects[0], follow_up=True,
                                organisation="Park")
        live_questions.interest(_live(room), user, application_id=room.projects[0], follow_up=False, note="Later")
        db.session.commit()
        rows = db.session.scalars(select(Interest)).all()
        assert [(r.follow_up, r.organisation, r.note, r.session_id) for r in rows] == [
            (False, "", "Later", room.session_id)]
        with pytest.raises(DomainError):
            live_questions.interest(_live(room), user, application_id=room.projects[0], organisation="x" * 201)


def test_a_batch_of_votes_answers_each_as_if_one_after_the_other(app, room):
    with app.test_request_context():
        obs, obs2, judge = (User.by_email(e) for e in (OBS, OBS2, J1))
        first = Question(session_id=room.session_id, author_id=obs2.id, text="A?", status=QuestionStatus.APPROVED)
        second = Question(session_id=room.session_id, author_id=obs.id, text="B?", status=QuestionStatus.APPROVED,
                          votes=1)
        pending = Question(session_id=room.session_id, author_id=obs2.id, text="C?")
        secret = Question(session_id=room.session_id, author_id=obs2.id, text="D?", status=QuestionStatus.APPROVED,
                          judges_only=True)
        db.session.add_all([first, second, pending, secret])
        db.session.flush()
        db.session.add(QuestionVote(question_id=second.id, user_id=judge.id))   # to be withdrawn
        db.session.commit()
        Request = live_votes.VoteRequest
        outcomes = live_votes.cast_votes([
            Request(room.session_id, obs.id, "observer", first.id),             # counted
            Request(room.session_id, judge.id, "judge", first.id),              # counted
            Request(room.session_id, obs.id, "observer", first.id),             # twice in the batch
            Request(room.session_id, obs.id, "observer", second.id),            # own question
            Request(room.session_id, judge.id, "judge", second.id, on=False),   # withdrawn
            Request(room.session_id, obs.id, "observer", pending.id),           # not approved
            Request(room.session_id, obs.id, "observer", secret.id),            # judges only
            Request(room.session_id, judge.id, "judge", secret.id),             # a judge may
            Request(room.session_id, obs.id, "observer", [first.id]),           # not an id
            Request(room.session_id + 1, obs.id, "observer", first.id),         # another session's
        ])
        db.session.commit()
        counted = [(o.question_id, o.votes) if isinstance(o, live_votes.Counted) else o.code for o in outcomes]
        assert counted == [(first.id, 2), (first.id, 2), "already_voted", "own_question", (second.id, 0),
                           "not_votable", "not_votable", (secret.id, 1), "not_found", "not_found"]
        assert {(v.question_id, v.user_id) for v in db.session.scalars(select(QuestionVote))} == {
            (first.id, obs.id), (first.id, judge.id), (secret.id, judge.id)}


def test_the_vote_limit_counts_the_votes_of_the_batch_too(app, room):
    with app.test_request_context():
        author = User.by_email(OBS2)
        ids = []
        for n in range(live_votes.VOTES_PER_MINUTE + 2):
            question = Question(session_id=room.session_id, author_id=author.id, text=f"Q{n}",
                                status=QuestionStatus.APPROVED)
            db.session.add(question)
            db.session.flush()
            ids.append(question.id)
        db.session.commit()
        voter = User.by_email(OBS).id
        outcomes = live_votes.cast_votes([live_votes.VoteRequest(room.session_id, voter, "observer", qid) for qid in ids])
        db.session.commit()
        codes = [getattr(o, "code", "ok") for o in outcomes]
        assert codes == ["ok"] * live_votes.VOTES_PER_MINUTE + ["rate_limited"] * 2
