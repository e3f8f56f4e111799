"""The audit log: a hash chain that verify() checks link by link, append-only through the ORM, and
unforked when many transactions append at once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from roadshow.extensions import db
from roadshow.models import GENESIS_HASH, AppendOnlyViolation, AuditEntry, Contest, ContestRole, User
from roadshow.services import accounts, audit, contests
from tests.helpers import make_contest

PARALLEL = 8


def build_chain(app, n=5) -> list[int]:
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        ids = [audit.record("thing.changed", obj_type="thing", obj_id=i, old={"n": i}, new={"n": i + 1, "名": "值"}).id
               for i in range(n)]
        db.session.commit()
        return ids


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return found


def test_records_chain_and_verify(app):
    build_chain(app)
    chain = entries(app)
    assert chain[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert all(e.ip == "203.0.113.9" and e.at.tzinfo is not None for e in chain)
    assert chain[2].new_values == {"n": 3, "名": "值"}
    with app.app_context():
        assert audit.verify() is None
        assert audit.verify(batch=2) is None
        assert audit.count() == 5


def test_empty_log_verifies(app):
    with app.app_context():
        assert audit.verify() is None


def test_outside_a_request_no_address_and_actor_recorded(app, make_user):
    make_user("boss@example.com")
    with app.app_context():
        boss = User.by_email("boss@example.com")
        entry = audit.record("thing.made", obj_type="thing", obj_id=1, actor=boss)
        db.session.commit()
        assert (entry.ip, entry.actor_id, entry.actor_label) == (None, boss.id, "boss@example.com")


def test_tampered_values_are_reported_at_that_entry(app):
    ids = build_chain(app)
    with app.app_context():
        db.session.execute(AuditEntry.__table__.update().where(AuditEntry.id == ids[2]).values(new_values={"n": 99}))
        db.session.commit()
        broken = audit.verify()
    assert (broken.entry_id, broken.problem) == (ids[2], "hash mismatch")


def test_tampered_prev_hash_is_reported_at_that_entry(app):
    ids = build_chain(app)
    with app.app_context():
        db.session.execute(text("UPDATE audit_entries SET prev_hash = :h WHERE id = :id"), {"h": "f" * 64, "id": ids[3]})
        db.session.commit()
        broken = audit.verify()
    assert (broken.entry_id, broken.problem) == (ids[3], "prev_hash mismatch")
    assert str(ids[3]) in str(broken)


def test_a_removed_entry_breaks_the_next_link(app):
    ids = build_chain(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
        broken = audit.verify()
    assert (broken.entry_id, broken.problem) == (ids[2], "prev_hash mismatch")


def test_the_orm_refuses_to_update_or_delete_entries(app):
    ids = build_chain(app, 2)
    with app.app_context():
        entry = db.session.get(AuditEntry, ids[0])
        entry.new_values = {"n": 0}
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, ids[0]))
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()
        assert audit.verify() is None and audit.count() == 2


def test_concurrent_appends_make_one_unforked_chain(app):
    build_chain(app, 1)
    barrier = threading.Barrier(PARALLEL)
    errors = []

    def append(index):
        try:
            with app.app_context():
                barrier.wait()
                audit.record("thing.raced", obj_type="thing", obj_id=index, new={"index": index})
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    chain = entries(app)
    assert len(chain) == PARALLEL + 1
    assert len({e.prev_hash for e in chain}) == len(chain)
    assert sorted(e.object_id for e in chain[1:]) == list(range(PARALLEL))
    with app.app_context():
        assert audit.verify() is None


def test_role_changes_and_deactivation_are_recorded(app, make_user):
    make_user("org@example.com")
    make_user("judge@example.com")
    contest_id = make_contest(app, organiser_email="org@example.com")
    with app.test_request_context():
        contest = db.session.get(Contest, contest_id)
        org, judge = User.by_email("org@example.com"), User.by_email("judge@example.com")
        membership = contests.grant_role(contest, judge, contests.Role.JUDGE, by=org)
        contests.grant_role(contest, judge, contests.Role.JUDGE, by=org)  # already held: nothing recorded
        contests.revoke_role(contest, membership.id, by=org)
        accounts.set_active(judge, False, by=org)
        accounts.set_active(judge, False, by=org)  # no change: nothing recorded
        db.session.commit()
        assert db.session.get(ContestRole, membership.id) is None
    chain = entries(app)
    assert [e.action for e in chain] == ["role.granted", "role.granted", "role.revoked", "user.deactivated"]
    granted, revoked, deactivated = chain[1:]
    assert granted.new_values == {"user_id": granted.new_values["user_id"], "email": "judge@example.com", "role": "judge"}
    assert (granted.actor_label, granted.contest_id) == ("org@example.com", contest_id)
    assert revoked.old_values["role"] == "judge" and revoked.new_values is None
    assert (deactivated.old_values["active"], deactivated.new_values, deactivated.contest_id) == (True, {"active": False}, None)
    with app.app_context():
        assert audit.verify() is None


def test_cli_reports_a_tampered_sheet_submit_entry(app, runner):
    """A real submit through the API records ``sheet.submitted``; changing that row's recorded
    values with an UPDATE straight to the table makes ``flask roadshow audit-verify`` exit 1 naming
    that entry (the first broken link, though later entries follow)."""
    from tests.api.test_api import bearer, token_for
    from tests.review_builders import full_scores, make_review

    setup = make_review(app, assign={"judge@example.com": [0, 1]})
    auth, api = bearer(token_for(app, "judge@example.com")), app.test_client()
    sheets = f"/api/v1/reviews/rounds/{setup.round_id}/sheets"
    response = api.post(f"{sheets}/{setup.projects[0]}/submit",
                        json={**full_scores(setup), "idempotency_key": "audit-cli-0001"}, headers=auth)
    assert response.status_code == 200, response.get_json()
    # a later entry, so that the broken one is not simply the last
    assert api.post(f"{sheets}/{setup.projects[1]}/recuse", json={"reason": "Advised them"},
                    headers=auth).status_code == 200
    before = runner.invoke(args=["roadshow", "audit-verify"])
    assert before.exit_code == 0 and "audit log intact" in before.output, before.output
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sheet.submitted"))
        assert entry is not None and entry.object_id == response.get_json()["id"]
        entry_id, values = entry.id, dict(entry.new_values or {})
        assert values, "the submit entry records the new values"
        values["total"] = "10"  # someone raises the recorded score behind the application's back
        # an UPDATE straight to the table (the ORM refuses to change entries), portable to PostgreSQL's JSON
        db.session.execute(AuditEntry.__table__.update().where(AuditEntry.id == entry_id).values(new_values=values))
        db.session.commit()
        later = db.session.scalar(select(func.max(AuditEntry.id)))
    assert later > entry_id
    result = runner.invoke(args=["roadshow", "audit-verify"])
    assert result.exit_code == 1, result.output
    assert f"audit log broken at entry {entry_id}: hash mismatch" in result.output
