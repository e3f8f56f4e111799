"""The upload and material services below the protocol: the offset rule after a crash, quota and
replacement, superseded uploads, and the clean-up of expired and orphan partial files."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from roadshow import sniff
from roadshow.extensions import db
from roadshow.models import Application, Contest, Material, MaterialKind, Upload, User, utcnow
from roadshow.services import materials, uploads
from roadshow.services.errors import Conflict, NotFound
from roadshow.storage import LocalStorage
from tests.api.test_tus import make_team
from tests.unit.test_sniff import make_pdf


@pytest.fixture
def team(app):
    return make_team(app)


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def user(team) -> User:
    return db.session.get(User, team.user_id)


def new_upload(team, length, kind="business_plan", filename="plan.pdf") -> Upload:
    upload = uploads.create(user(team), application_id=team.application_id, kind=kind, filename=filename,
                            length=length)
    db.session.commit()
    return upload


def append(team, upload_id, data: bytes, offset: int):
    return uploads.append(user(team), upload_id, offset=offset, body=io.BytesIO(data), content_length=len(data),
                          checksum=None, commit=db.session.commit)


def partial(app, upload_id):
    return LocalStorage(app.config["STORAGE_DIR"]).partial_path(upload_id)


def test_bytes_written_but_never_recorded_are_cut_off(app, team, ctx):
    """A crash between the fsync and the commit leaves the file longer than the recorded offset."""
    pdf = make_pdf(b"% " + b"a" * 1000)
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf[:400], 0)
    with partial(app, upload.id).open("ab") as handle:
        handle.write(pdf[400:700])  # written, never acknowledged
    assert uploads.offset_of(db.session.get(Upload, upload.id)) == 400
    assert partial(app, upload.id).stat().st_size == 400
    with pytest.raises(Conflict):
        append(team, upload.id, pdf[700:], 700)
    append(team, upload.id, pdf[400:], 400)
    assert db.session.scalar(select(Material.size_bytes)) == len(pdf)


def test_a_partial_file_shorter_than_the_record_wins(app, team, ctx):
    """If the disk lost acknowledged bytes, the file is what there is: resume from its size."""
    pdf = make_pdf(b"% " + b"b" * 1000)
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf[:600], 0)
    os.truncate(partial(app, upload.id), 250)
    assert uploads.offset_of(db.session.get(Upload, upload.id)) == 250
    append(team, upload.id, pdf[250:], 250)
    assert db.session.get(Upload, upload.id).completed_at is not None


def test_a_lost_partial_file_restarts_from_zero(app, team, ctx):
    pdf = make_pdf()
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf[:100], 0)
    partial(app, upload.id).unlink()
    assert uploads.offset_of(db.session.get(Upload, upload.id)) == 0


def test_a_new_upload_supersedes_unfinished_ones_of_the_same_single_kind(app, team, ctx):
    first = new_upload(team, 1000)
    append(team, first.id, b"%PDF-" + b"x" * 95, 0)
    second = new_upload(team, 1000)
    assert db.session.get(Upload, first.id) is None and not partial(app, first.id).exists()
    supporting = [new_upload(team, 1000, kind="supporting") for _ in range(2)]
    assert all(db.session.get(Upload, u.id) for u in [second, *supporting])


def test_quota_counts_materials_less_the_one_replaced(app, team, ctx):
    pdf = make_pdf(b"% " + b"c" * 3000)
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf, 0)
    application = db.session.get(Application, team.application_id)
    application.contest.application_quota_bytes = len(pdf) + 100
    db.session.commit()
    materials.check_size(application, MaterialKind.BUSINESS_PLAN, len(pdf))  # replaces: fits
    with pytest.raises(materials.TooLarge):
        materials.check_size(application, MaterialKind.SUPPORTING, len(pdf))  # adds: does not


def test_removing_a_material_deletes_its_file_after_commit(app, team, ctx):
    pdf = make_pdf()
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf, 0)
    material = db.session.scalar(select(Material))
    stored = LocalStorage(app.config["STORAGE_DIR"]).path(material.storage_key)
    materials.remove(material, user(team))
    assert stored.exists()
    db.session.commit()
    assert not stored.exists()


def test_a_terminated_upload_cannot_be_appended_to(app, team, ctx):
    upload = new_upload(team, 1000)
    uploads.terminate(user(team), upload.id)
    db.session.commit()
    with pytest.raises(NotFound):
        append(team, upload.id, b"%PDF-", 0)


def test_cleanup_removes_expired_uploads_and_old_orphans_only(app, team, ctx):
    expired = new_upload(team, 1000, kind="supporting", filename="old.pdf")
    append(team, expired.id, b"%PDF-" + b"x" * 95, 0)
    fresh = new_upload(team, 1000, kind="supporting", filename="fresh.pdf")
    append(team, fresh.id, b"%PDF-" + b"y" * 95, 0)
    done_pdf = make_pdf()
    done = new_upload(team, len(done_pdf))
    append(team, done.id, done_pdf, 0)
    for upload in (db.session.get(Upload, expired.id), db.session.get(Upload, done.id)):
        upload.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    old_orphan = partial(app, LocalStorage.new_key())
    old_orphan.write_bytes(b"left behind")
    an_hour_ago = time.time() - uploads.ORPHAN_GRACE_SECONDS - 60
    os.utime(old_orphan, (an_hour_ago, an_hour_ago))
    young_orphan = partial(app, LocalStorage.new_key())  # an upload being created right now
    young_orphan.write_bytes(b"")

    removed = uploads.cleanup()
    db.session.commit()
    assert len(removed) == 3
    assert any("old.pdf" in line for line in removed) and any(old_orphan.name in line for line in removed)
    assert not partial(app, expired.id).exists() and not old_orphan.exists()
    assert young_orphan.exists() and partial(app, fresh.id).exists()
    assert {u.id for u in db.session.scalars(select(Upload))} == {fresh.id}
    assert db.session.scalar(select(Material)) is not None  # a completed upload's material stays
    assert uploads.cleanup() == []
    young_orphan.unlink()


def test_a_contest_rule_sets_the_kinds_limit(app, team, ctx):
    from roadshow.models import MaterialRule

    contest = db.session.get(Contest, team.contest_id)
    rule = db.session.scalar(select(MaterialRule).where(MaterialRule.contest_id == contest.id,
                                                        MaterialRule.kind == MaterialKind.PITCH_VIDEO))
    if rule is None:
        rule = MaterialRule(contest_id=contest.id, kind=MaterialKind.PITCH_VIDEO, required=True)
        db.session.add(rule)
    rule.max_bytes = 10 * 1024 * 1024
    db.session.commit()
    application = db.session.get(Application, team.application_id)
    assert materials.max_bytes_for(application, MaterialKind.PITCH_VIDEO) == 10 * 1024 * 1024
    assert materials.max_bytes_for(application, MaterialKind.SLIDES) == 50 * 1024 * 1024
    with pytest.raises(materials.TooLarge, match="10 MB"):
        new_upload(team, 10 * 1024 * 1024 + 1, kind="pitch_video")


def test_every_refusal_of_the_sniffer_has_a_translatable_message(ctx):
    assert set(uploads.REFUSALS) == set(sniff.REFUSAL_CODES) - {"wrong_kind"}
    wrong = sniff.RejectedContent("x", "wrong_kind", found="PNG", allowed="PDF")
    assert str(uploads.refusal_message(wrong)) == "This file is PNG; this material must be PDF."


def append_with(team, upload_id, data: bytes, offset: int, *, declared=None, checksum=None):
    return uploads.append(user(team), upload_id, offset=offset, body=io.BytesIO(data),
                          content_length=declared if declared is not None else len(data),
                          checksum=checksum, commit=db.session.commit)


def sha256_of_material() -> str:
    return db.session.scalar(select(Material.sha256))


def test_the_files_digest_is_carried_from_chunk_to_chunk(team, ctx, monkeypatch):
    import hashlib

    pdf = make_pdf(b"% " + b"d" * 3000)
    upload = new_upload(team, len(pdf))
    monkeypatch.setattr(uploads, "sha256_of", lambda handle: pytest.fail("the file was read again"))
    for offset in range(0, len(pdf), 1000):
        append(team, upload.id, pdf[offset:offset + 1000], offset)
    assert sha256_of_material() == hashlib.sha256(pdf).hexdigest()


def test_discarded_and_cut_chunks_leave_no_trace_in_the_digest(team, ctx):
    import hashlib

    pdf = make_pdf(b"% " + b"e" * 3000)
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf[:1000], 0)
    wrong = uploads.Checksum("sha256", hashlib.sha256(b"not this").digest())
    with pytest.raises(uploads.ChecksumMismatch):
        append_with(team, upload.id, b"X" * 500, 1000, checksum=wrong)
    with pytest.raises(uploads.Interrupted):  # cut, with a checksum: nothing kept
        append_with(team, upload.id, b"Y" * 300, 1000, declared=800,
                    checksum=uploads.Checksum("sha256", hashlib.sha256(b"Y" * 800).digest()))
    with pytest.raises(uploads.Interrupted):  # cut, without: what arrived is kept
        append_with(team, upload.id, pdf[1000:1400], 1000, declared=2000)
    assert db.session.get(Upload, upload.id).offset == 1400
    append(team, upload.id, pdf[1400:], 1400)
    assert sha256_of_material() == hashlib.sha256(pdf).hexdigest()


def test_a_file_changed_behind_the_process_is_hashed_again(app, team, ctx, monkeypatch):
    import hashlib

    pdf = make_pdf(b"% " + b"f" * 3000)
    upload = new_upload(team, len(pdf))
    append(team, upload.id, pdf[:1000], 0)
    with partial(app, upload.id).open("r+b") as handle:  # the disk lost the end, then got it back
        handle.truncate(600)
    append(team, upload.id, pdf[600:1000], 600)
    read_again = []
    real = uploads.sha256_of
    monkeypatch.setattr(uploads, "sha256_of", lambda handle: read_again.append(1) or real(handle))
    append(team, upload.id, pdf[1000:], 1000)
    assert read_again and sha256_of_material() == hashlib.sha256(pdf).hexdigest()
