"""``/api/v1/uploads/``: the tus 1.0 protocol, its refusals, content validation, and a real tus
client (tuspy) against a live server."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
import tracemalloc
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from roadshow.extensions import db
from roadshow.models import Application, Contest, Material, MaterialKind, Upload, User, utcnow
from roadshow.services import api_tokens, applications
from roadshow.storage import LocalStorage
from tests.helpers import csrf_token, login, make_contest
from tests.unit.test_sniff import HTML, SVG, make_mp4, make_pdf, make_png, make_pptx, zip_bytes

TUS = {"Tus-Resumable": "1.0.0", "Accept-Language": "en"}  # messages are checked in English
ENDPOINT = "/api/v1/uploads/"


# -- helpers ---------------------------------------------------------------------------------------

def make_team(app, email="team@example.com", slug="demo", *, contest_id=None):
    """A user with a draft application in an open contest, and an API token."""
    from tests.helpers import create_user

    create_user(app, email)
    contest_id = contest_id or make_contest(app, slug)
    with app.test_request_context():
        user = User.by_email(email)
        application = applications.start(db.session.get(Contest, contest_id), user)
        _, token = api_tokens.create(user, "tests")
        db.session.commit()
        return SimpleNamespace(application_id=application.id, contest_id=contest_id, user_id=user.id,
                               headers={**TUS, "Authorization": f"Bearer {token}"})


@pytest.fixture
def team(app):
    return make_team(app)


def metadata(**values) -> str:
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())


def create(client, team, length, *, kind="business_plan", filename="plan.pdf", headers=None, **extra):
    meta = {"application": team.application_id, "kind": kind, **({"filename": filename} if filename else {}), **extra}
    return client.post(ENDPOINT, headers={**(headers or team.headers), "Upload-Length": str(length),
                                          "Upload-Metadata": metadata(**meta)})


def patch(client, team, url, chunk: bytes, offset: int, *, headers=None, checksum=None, **kwargs):
    sent = {**(headers or team.headers), "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset)}
    if checksum is not None:
        sent["Upload-Checksum"] = checksum
    return client.patch(url, data=chunk, headers=sent, **kwargs)


def sha256_header(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def upload_all(client, team, data: bytes, *, kind="business_plan", filename="plan.pdf", chunk=None):
    created = create(client, team, len(data), kind=kind, filename=filename)
    assert created.status_code == 201, created.get_data(as_text=True)
    url = created.headers["Location"]
    chunk = chunk or len(data)
    response = None
    for offset in range(0, len(data), chunk):
        piece = data[offset:offset + chunk]
        response = patch(client, team, url, piece, offset, checksum=sha256_header(piece))
        if response.status_code != 204:
            break
    return url, response


def materials_of(app, application_id) -> list[Material]:
    with app.app_context():
        return list(db.session.scalars(select(Material).where(Material.application_id == application_id)
                                       .order_by(Material.id)))


def partial_path(app, url) -> os.PathLike:
    return LocalStorage(app.config["STORAGE_DIR"]).partial_path(url.rsplit("/", 1)[1])


def set_deadline(app, contest_id, when):
    with app.app_context():
        db.session.get(Contest, contest_id).application_deadline = when
        db.session.commit()


class Unreadable(io.RawIOBase):
    """A request body that fails the test if the server reads a byte of it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def body_of(stream, declared_length: int) -> dict:
    """Environ overrides for a body of ``declared_length`` bytes (Content-Length) that ``stream``
    really delivers: fewer, as from a connection killed halfway, or none at all."""
    return {"environ_overrides": {"wsgi.input": stream, "CONTENT_LENGTH": str(declared_length)}}


# -- discovery and protocol version ----------------------------------------------------------------

def test_options_advertises_the_protocol_without_authentication(client):
    response = client.options(ENDPOINT)
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert {"creation", "termination", "checksum", "expiration"} <= set(response.headers["Tus-Extension"].split(","))
    assert "sha256" in response.headers["Tus-Checksum-Algorithm"].split(",")
    assert int(response.headers["Tus-Max-Size"]) > 2 * 1024**3


def test_requests_without_tus_resumable_are_412(client, team):
    headers = {k: v for k, v in team.headers.items() if k != "Tus-Resumable"}
    response = create(client, team, 100, headers=headers)
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.json["error"]["code"] == "tus_version"
    assert create(client, team, 100, headers={**team.headers, "Tus-Resumable": "0.2.2"}).status_code == 412


def test_anonymous_callers_are_refused(client, team, started):
    assert client.head(started.url, headers=TUS).status_code == 401
    assert create(client, team, 100, headers=TUS).status_code in (400, 401)  # no session: no CSRF token
    assert create(client, team, 100, headers={**TUS, "Authorization": "Bearer rs_forged"}).status_code == 401


# -- the happy path --------------------------------------------------------------------------------

def test_upload_in_checksummed_chunks_becomes_a_material(app, client, team):
    pdf = make_pdf(b"\n% " + b"x" * 3000)
    created = create(client, team, len(pdf), filename="商业计划书 v2.pdf")
    assert created.status_code == 201
    url = created.headers["Location"]
    assert url.startswith(ENDPOINT) and len(url.rsplit("/", 1)[1]) == 32
    assert created.headers["Tus-Resumable"] == "1.0.0" and "Upload-Expires" in created.headers

    head = client.head(url, headers=team.headers)
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == ("0", str(len(pdf)))
    assert head.headers["Cache-Control"] == "no-store"
    assert "GMT" in head.headers["Upload-Expires"]

    first = patch(client, team, url, pdf[:1000], 0, checksum=sha256_header(pdf[:1000]))
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "1000"
    assert materials_of(app, team.application_id) == []
    last = patch(client, team, url, pdf[1000:], 1000, checksum=sha256_header(pdf[1000:]))
    assert last.status_code == 204 and last.headers["Upload-Offset"] == str(len(pdf))

    [material] = materials_of(app, team.application_id)
    assert material.kind == MaterialKind.BUSINESS_PLAN
    assert material.original_filename == "商业计划书 v2.pdf"
    assert material.content_type == "application/pdf"
    assert material.size_bytes == len(pdf)
    assert material.sha256 == hashlib.sha256(pdf).hexdigest()
    stored = LocalStorage(app.config["STORAGE_DIR"]).path(material.storage_key)
    assert stored.read_bytes() == pdf
    assert "商业" not in str(stored) and not partial_path(app, url).exists()
    done = client.head(url, headers=team.headers)
    assert done.headers["Upload-Offset"] == done.headers["Upload-Length"] == str(len(pdf))


def test_browser_session_works_with_its_csrf_token(app, client, team):
    login(client)
    session_headers = dict(TUS)
    refused = create(client, team, 10, headers=session_headers)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    session_headers["X-CSRFToken"] = csrf_token(client, "/account/")
    pdf = make_pdf()
    created = create(client, team, len(pdf), headers=session_headers)
    assert created.status_code == 201
    response = patch(client, team, created.headers["Location"], pdf, 0, headers=session_headers)
    assert response.status_code == 204
    assert len(materials_of(app, team.application_id)) == 1


def test_a_new_business_plan_replaces_the_old_but_supporting_documents_accumulate(app, client, team):
    upload_all(client, team, make_pdf(b"% one"))
    [first] = materials_of(app, team.application_id)
    upload_all(client, team, make_pdf(b"% two"))
    [second] = materials_of(app, team.application_id)
    assert second.sha256 != first.sha256
    assert not LocalStorage(app.config["STORAGE_DIR"]).exists(first.storage_key)
    upload_all(client, team, make_png(), kind="supporting", filename="chart.png")
    upload_all(client, team, make_pdf(b"% patent"), kind="supporting", filename="patent.pdf")
    kinds = [m.kind for m in materials_of(app, team.application_id)]
    assert kinds.count(MaterialKind.SUPPORTING) == 2 and kinds.count(MaterialKind.BUSINESS_PLAN) == 1


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\fakepath\\路演材料.pdf", "路演材料.pdf"),
    ("plan\x00\r\nX-Injected: 1.pdf", "plan X-Injected: 1.pdf"),
    ("计" * 300 + ".pdf", None),
    (None, "file.pdf"),
])
def test_file_names_are_sanitised_and_kept_only_as_metadata(app, client, team, given, kept):
    _, response = upload_all(client, team, make_pdf(), filename=given)
    assert response.status_code == 204
    [material] = materials_of(app, team.application_id)
    if kept is None:
        assert len(material.original_filename.encode()) <= 255 and material.original_filename.endswith(".pdf")
    else:
        assert material.original_filename == kept
    assert len(material.storage_key) == 32


# -- refusals at creation --------------------------------------------------------------------------

def test_creation_refusals(app, client, team):
    assert create(client, team, 100, kind="diploma").status_code == 422
    assert create(client, team, 0).status_code == 422
    no_length = client.post(ENDPOINT, headers={**team.headers, "Upload-Metadata": metadata(
        application=team.application_id, kind="slides")})
    assert no_length.status_code == 400
    assert client.post(ENDPOINT, headers={**team.headers, "Upload-Length": "10",
                                          "Upload-Metadata": metadata(kind="slides")}).status_code == 400
    assert client.post(ENDPOINT, headers={**team.headers, "Upload-Length": "10",
                                          "Upload-Metadata": "kind !!notbase64"}).status_code == 400
    assert client.post(ENDPOINT, headers={**team.headers, "Upload-Length": "-5",
                                          "Upload-Metadata": metadata(application=team.application_id,
                                                                      kind="slides")}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Upload)).all() == []


def test_over_the_kinds_limit_or_the_quota_is_413(app, client, team):
    too_big = create(client, team, 50 * 1024 * 1024 + 1, kind="business_plan")
    assert too_big.status_code == 413
    assert too_big.json["error"]["code"] == "too_large" and "50 MB" in too_big.json["error"]["message"]
    with app.app_context():
        db.session.get(Contest, team.contest_id).application_quota_bytes = 5000
        db.session.commit()
    assert create(client, team, 3000, kind="supporting").status_code == 201
    over = create(client, team, 3000, kind="supporting")  # the first one in progress counts
    assert over.status_code == 413 and "quota" in over.json["error"]["message"]


def test_another_teams_application_is_404_and_after_the_deadline_403(app, client, team):
    other = make_team(app, "rival@example.com", contest_id=team.contest_id)
    response = create(client, team, 100, headers=other.headers)
    assert response.status_code == 404
    assert client.post(ENDPOINT, headers={**team.headers, "Upload-Length": "10", "Upload-Metadata": metadata(
        application=999999, kind="slides")}).status_code == 404
    set_deadline(app, team.contest_id, utcnow() - timedelta(minutes=1))
    late = create(client, team, 100)
    assert late.status_code == 403 and "deadline" in late.json["error"]["message"]


# -- refusals while appending ----------------------------------------------------------------------

@pytest.fixture
def started(client, team):
    data = make_pdf(b"% " + b"y" * 2000)
    response = create(client, team, len(data))
    return SimpleNamespace(url=response.headers["Location"], data=data)


def test_patch_needs_the_offset_content_type(client, team, started):
    response = client.patch(started.url, data=started.data, headers={
        **team.headers, "Content-Type": "application/octet-stream", "Upload-Offset": "0"})
    assert response.status_code == 415
    assert patch(client, team, started.url, started.data, 0, headers={**team.headers}).status_code == 204


def test_wrong_offset_is_409_and_writes_nothing(client, team, started):
    response = patch(client, team, started.url, started.data[10:], 10)
    assert response.status_code == 409
    assert client.head(started.url, headers=team.headers).headers["Upload-Offset"] == "0"
    missing = client.patch(started.url, data=b"x", headers={**team.headers,
                                                            "Content-Type": "application/offset+octet-stream"})
    assert missing.status_code == 400


def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(app, client, team, started):
    response = patch(client, team, started.url, started.data[:500], 0, checksum=sha256_header(b"something else"))
    assert response.status_code == 460
    assert response.json["error"]["code"] == "checksum_mismatch"
    assert client.head(started.url, headers=team.headers).headers["Upload-Offset"] == "0"
    assert partial_path(app, started.url).stat().st_size == 0
    assert patch(client, team, started.url, started.data[:500], 0, checksum="md5 AAAA").status_code == 400
    sha1 = "sha1 " + base64.b64encode(hashlib.sha1(started.data[:500]).digest()).decode()
    assert patch(client, team, started.url, started.data[:500], 0, checksum=sha1).status_code == 204


def test_a_body_past_the_upload_length_is_413_before_a_byte_is_read(client, team, started):
    headers = {**team.headers, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    response = client.patch(started.url, headers=headers, **body_of(Unreadable(), len(started.data) + 1))
    assert response.status_code == 413
    assert client.head(started.url, headers=team.headers).headers["Upload-Offset"] == "0"


def test_chunks_larger_than_the_apps_form_limit_are_streamed(app, client, team):
    data = make_mp4(payload=os.urandom(17 * 1024 * 1024))  # past MAX_CONTENT_LENGTH (16 MB)
    _, response = upload_all(client, team, data, kind="pitch_video", filename="pitch.mp4")
    assert response.status_code == 204
    [material] = materials_of(app, team.application_id)
    assert material.content_type == "video/mp4" and material.size_bytes == len(data)


def test_an_append_in_progress_makes_others_wait_with_423(app, client, team, started):
    import fcntl

    with partial_path(app, started.url).open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        response = patch(client, team, started.url, started.data, 0)
        assert response.status_code == 423
        assert client.head(started.url, headers=team.headers).headers["Upload-Offset"] == "0"
    assert patch(client, team, started.url, started.data, 0).status_code == 204


# -- content validation at completion --------------------------------------------------------------

@pytest.mark.parametrize("kind, filename, data", [
    ("business_plan", "plan.pdf", HTML),
    ("supporting", "logo.png", SVG),
    ("business_plan", "plan.pdf", make_pdf() + zip_bytes({"index.html": HTML})),
    ("pitch_video", "pitch.mp4", b"this is only text, named like a video\n" * 40),
    ("business_plan", "plan.pdf", make_png()),
], ids=["html-as-pdf", "svg-as-png", "pdf-with-zip", "text-as-mp4", "png-as-plan"])
def test_wrong_or_disguised_content_is_415_and_leaves_nothing(app, client, team, kind, filename, data):
    url, response = upload_all(client, team, data, kind=kind, filename=filename, chunk=max(1, len(data) // 2))
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert response.json["error"]["message"]
    assert materials_of(app, team.application_id) == []
    assert not partial_path(app, url).exists()
    assert client.head(url, headers=team.headers).status_code == 404


def test_a_zip_bomb_disguised_as_pptx_is_refused_without_extracting(app, client, team, tmp_path):
    bomb = tmp_path / "slides.pptx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        source = zipfile.ZipFile(io.BytesIO(make_pptx()))
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        with archive.open("ppt/media/video.bin", "w") as entry:  # 200 MB of zeros, written in pieces
            zeros = bytes(1024 * 1024)
            for _ in range(200):
                entry.write(zeros)
    data = bomb.read_bytes()
    assert len(data) < 1024 * 1024
    files_before = _stored_files(app)
    tracemalloc.start()
    try:
        url, response = upload_all(client, team, data, kind="slides", filename="slides.pptx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 415
    assert "zip bomb" in response.json["error"]["message"]
    assert peak < 16 * 1024 * 1024
    assert materials_of(app, team.application_id) == []
    assert not partial_path(app, url).exists() and _stored_files(app) == files_before


def test_a_real_pptx_is_accepted_as_slides(app, client, team):
    _, response = upload_all(client, team, make_pptx(), kind="slides", filename="路演.pptx")
    assert response.status_code == 204
    [material] = materials_of(app, team.application_id)
    assert material.content_type.endswith("presentationml.presentation")


def test_a_wrong_whole_file_sha256_is_refused(app, client, team):
    pdf = make_pdf()
    created = create(client, team, len(pdf), sha256=hashlib.sha256(b"other").hexdigest())
    response = patch(client, team, created.headers["Location"], pdf, 0)
    assert response.status_code == 460
    assert materials_of(app, team.application_id) == []
    good = create(client, team, len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
    assert patch(client, team, good.headers["Location"], pdf, 0).status_code == 204


def _stored_files(app) -> set[str]:
    root = LocalStorage(app.config["STORAGE_DIR"]).root / "files"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# -- interruption and resumption -------------------------------------------------------------------

def test_an_upload_killed_halfway_keeps_its_offset_and_resumes(app, client, team):
    pdf = make_pdf(b"% " + b"z" * 4000)
    url = create(client, team, len(pdf)).headers["Location"]
    half = len(pdf) // 2
    killed = client.patch(url, headers={**team.headers, "Content-Type": "application/offset+octet-stream",
                                        "Upload-Offset": "0"}, **body_of(io.BytesIO(pdf[:half]), len(pdf)))
    assert killed.status_code == 400 and killed.json["error"]["code"] == "interrupted"
    assert materials_of(app, team.application_id) == []
    head = client.head(url, headers=team.headers)
    assert head.headers["Upload-Offset"] == str(half)
    finished = patch(client, team, url, pdf[half:], half, checksum=sha256_header(pdf[half:]))
    assert finished.status_code == 204
    [material] = materials_of(app, team.application_id)
    assert material.sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_killed_chunk_with_a_checksum_keeps_nothing(client, team, started):
    killed = client.patch(started.url, headers={
        **team.headers, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0",
        "Upload-Checksum": sha256_header(started.data)}, **body_of(io.BytesIO(started.data[:700]), len(started.data)))
    assert killed.status_code == 400
    assert client.head(started.url, headers=team.headers).headers["Upload-Offset"] == "0"


# -- who may touch an upload -----------------------------------------------------------------------

def test_another_teams_upload_is_404_on_every_method(app, client, team, started):
    other = make_team(app, "rival@example.com", contest_id=team.contest_id)
    assert client.head(started.url, headers=other.headers).status_code == 404
    assert patch(client, other, started.url, started.data, 0).status_code == 404
    assert client.delete(started.url, headers=other.headers).status_code == 404
    assert client.head(ENDPOINT + "not-an-id", headers=team.headers).status_code == 404
    assert client.head(started.url, headers=team.headers).headers["Upload-Offset"] == "0"


def test_after_the_deadline_an_upload_in_progress_is_refused(app, client, team, started):
    assert patch(client, team, started.url, started.data[:100], 0).status_code == 204
    set_deadline(app, team.contest_id, utcnow() - timedelta(seconds=1))
    response = patch(client, team, started.url, started.data[100:], 100)
    assert response.status_code == 403
    assert client.head(started.url, headers=team.headers).status_code == 403


def test_a_withdrawn_application_takes_no_uploads(app, client, team):
    with app.app_context():
        application = db.session.get(Application, team.application_id)
        application.status = "withdrawn"
        db.session.commit()
    assert create(client, team, 100).status_code == 403


# -- termination and expiry ------------------------------------------------------------------------

def test_termination_removes_the_upload_and_its_partial_file(app, client, team, started):
    patch(client, team, started.url, started.data[:100], 0)
    assert partial_path(app, started.url).exists()
    response = client.delete(started.url, headers=team.headers)
    assert response.status_code == 204 and response.headers["Tus-Resumable"] == "1.0.0"
    assert not partial_path(app, started.url).exists()
    assert client.head(started.url, headers=team.headers).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Upload)).all() == []


def test_an_expired_upload_is_410_then_cleaned_up(app, client, runner, team, started):
    patch(client, team, started.url, started.data[:100], 0)
    with app.app_context():
        db.session.get(Upload, started.url.rsplit("/", 1)[1]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.head(started.url, headers=team.headers).status_code == 410
    assert patch(client, team, started.url, started.data[100:], 100).status_code == 410
    result = runner.invoke(args=["roadshow", "cleanup-uploads"])
    assert result.exit_code == 0, result.output
    assert "expired upload" in result.output and "plan.pdf" in result.output
    assert not partial_path(app, started.url).exists()
    assert client.head(started.url, headers=team.headers).status_code == 404
    again = runner.invoke(args=["roadshow", "cleanup-uploads"])
    assert "Nothing to remove." in again.output


def test_patch_pushes_the_expiry_back(app, client, team, started):
    with app.app_context():
        upload = db.session.get(Upload, started.url.rsplit("/", 1)[1])
        upload.expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    patch(client, team, started.url, started.data[:100], 0)
    with app.app_context():
        assert db.session.get(Upload, started.url.rsplit("/", 1)[1]).expires_at > utcnow() + timedelta(days=6)


# -- a real tus client -----------------------------------------------------------------------------

@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_tuspy_uploads_through_a_live_server(app, team, live_server):
    from tusclient import client as tus_client
    from tusclient.uploader import Uploader

    class Sha256Uploader(Uploader):
        CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)

    pdf = make_pdf(b"% " + os.urandom(300_000).hex().encode())
    name = "Business plan 商业计划书.pdf"
    tus = tus_client.TusClient(live_server + ENDPOINT,
                               headers={"Authorization": team.headers["Authorization"]})
    uploader = Sha256Uploader(file_stream=io.BytesIO(pdf), client=tus, chunk_size=256 * 1024, upload_checksum=True,
                              metadata={"filename": name, "application": str(team.application_id),
                                        "kind": "business_plan"})
    uploader.upload()
    assert uploader.offset == len(pdf)
    [material] = materials_of(app, team.application_id)
    assert material.original_filename == name
    assert material.sha256 == hashlib.sha256(pdf).hexdigest()

    # tuspy resumes from the server's offset: start one, stop after a chunk, then resume by URL
    second = make_pdf(b"% " + os.urandom(200_000).hex().encode())
    partial = Sha256Uploader(file_stream=io.BytesIO(second), client=tus, chunk_size=128 * 1024,
                             upload_checksum=True, metadata={"filename": "v2.pdf", "kind": "business_plan",
                                                             "application": str(team.application_id)})
    partial.upload_chunk()
    resumed = Sha256Uploader(file_stream=io.BytesIO(second), client=tus, url=partial.url, chunk_size=128 * 1024,
                             upload_checksum=True)
    assert resumed.offset == 128 * 1024
    resumed.upload()
    [material] = materials_of(app, team.application_id)
    assert material.original_filename == "v2.pdf" and material.size_bytes == len(second)
