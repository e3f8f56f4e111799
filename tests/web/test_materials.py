"""Seeing pitch materials: who may, through which routes, and with which headers."""
from __future__ import annotations

import hashlib
import io
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
from flask.testing import FlaskClient

from roadshow.config import PROJECT_ROOT
from roadshow.extensions import db
from roadshow.models import Application, ApplicationMember, Contest, Material, MaterialKind, Role, User
from roadshow.pdf_thumbnail import encode_png
from roadshow.services import contests, thumbnails
from roadshow.storage import storage
from tests.helpers import login, make_contest

SANDBOX = "default-src 'none'; sandbox"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CHINESE_NAME = "商业计划书 终版.pdf"
VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
PNG = encode_png(2, 1, 6, b"\xff\x00\x00\x00\x00\xff")


def blank_pdf(width=595, height=842) -> bytes:
    document = pdfium.PdfDocument.new()
    document.new_page(width, height)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def make_application(app, contest_id: int, email: str, name: str) -> int:
    with app.test_request_context():
        user = User.by_email(email)
        application = Application(contest_id=contest_id, project_name=name, created_by_id=user.id, answers={})
        application.members.append(ApplicationMember(user_id=user.id, is_leader=True))
        db.session.add(application)
        contests.grant_role(db.session.get(Contest, contest_id), user, Role.TEAM_MEMBER)
        db.session.commit()
        return application.id


def add_material(app, application_id: int, data: bytes, content_type: str, filename: str,
                 kind=MaterialKind.SUPPORTING) -> int:
    """A material as the upload code leaves it: the bytes in storage under a generated key."""
    with app.app_context():
        store = storage()
        key = store.new_key()
        store.save_stream(io.BytesIO(data), key, len(data))
        material = Material(application_id=application_id, kind=kind, original_filename=filename, storage_key=key,
                            content_type=content_type, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        db.session.add(material)
        db.session.commit()
        return material.id


@pytest.fixture
def world(app, make_user):
    """Two contests; in ``demo`` our team's application A and a rival's B, in ``other`` an
    application C organised by someone else. A holds one material of each type."""
    for email in ("team", "rival", "org", "judge", "observer", "org2", "team2", "nobody"):
        make_user(f"{email}@example.com")
    make_user("admin@example.com", is_admin=True)
    demo = make_contest(app, "demo", organiser_email="org@example.com", judge_email="judge@example.com",
                        observer_email="observer@example.com")
    other = make_contest(app, "other", organiser_email="org2@example.com")
    a = make_application(app, demo, "team@example.com", "Heart valve")
    b = make_application(app, demo, "rival@example.com", "Rival")
    c = make_application(app, other, "team2@example.com", "Elsewhere")
    pdf = blank_pdf()
    return {
        "a": a, "b": b, "c": c, "pdf_bytes": pdf,
        "pdf": add_material(app, a, pdf, "application/pdf", CHINESE_NAME, MaterialKind.BUSINESS_PLAN),
        "video": add_material(app, a, VIDEO, "video/mp4", "路演视频.mp4", MaterialKind.PITCH_VIDEO),
        "image": add_material(app, a, PNG, "image/png", "team.png"),
        "pptx": add_material(app, a, b"PK\x03\x04 not really a deck", PPTX, "slides.pptx", MaterialKind.SLIDES),
        "b_pdf": add_material(app, b, pdf, "application/pdf", "rival.pdf", MaterialKind.BUSINESS_PLAN),
        "c_pdf": add_material(app, c, pdf, "application/pdf", "elsewhere.pdf", MaterialKind.BUSINESS_PLAN),
    }


def url(application_id, material_id, route=""):
    return f"/applications/{application_id}/materials/{material_id}" + (f"/{route}" if route else "")


class BufferedClient(FlaskClient):
    """A test client that reads every response whole and closes it (send_file responses hold
    an open file until they are closed)."""

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def anonymous(app) -> BufferedClient:
    return BufferedClient(app, app.response_class, use_cookies=True)


def signed_in(app, email) -> BufferedClient:
    client = anonymous(app)
    login(client, email)
    return client


def every_route(world):
    a = world["a"]
    return [url(a, world["pdf"]), url(a, world["pdf"], "download"), url(a, world["pdf"], "thumbnail"),
            url(a, world["video"], "stream"), url(a, world["image"], "image"), url(a, world["pptx"], "download")]


@pytest.mark.parametrize("email", ["team@example.com", "org@example.com", "admin@example.com"])
def test_team_organiser_and_admin_see_every_material(app, world, email):
    client = signed_in(app, email)
    for route in every_route(world):
        assert client.get(route).status_code == 200, route
    assert client.get(url(world["a"], world["pdf"], "download")).data == world["pdf_bytes"]
    assert client.get(url(world["a"], world["video"], "stream")).data == VIDEO
    assert client.get(url(world["a"], world["image"], "image")).data == PNG


@pytest.mark.parametrize("email", ["rival@example.com", "judge@example.com", "observer@example.com",
                                   "org2@example.com", "team2@example.com", "nobody@example.com"])
def test_everyone_else_gets_not_found(app, world, email):
    """Another team, a judge or observer without an assignment, another contest's organiser:
    the same 404 as for a file that does not exist."""
    client = signed_in(app, email)
    for route in every_route(world):
        assert client.get(route).status_code == 404, route


def test_anonymous_visitors_are_sent_to_log_in(app, world):
    client = anonymous(app)
    page = client.get(url(world["a"], world["pdf"]))
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    fetched = client.get(url(world["a"], world["pdf"], "download"), headers={"Accept": "application/json"})
    assert fetched.status_code == 401
    assert fetched.get_json()["error"]["code"] == "unauthenticated"
    for route in every_route(world):
        assert client.get(route).status_code in (302, 401), route


@pytest.mark.parametrize("email", ["team@example.com", "org@example.com", "admin@example.com"])
def test_a_material_is_found_only_through_its_own_application(app, world, email):
    """Whoever may see A and B (or every application) still cannot reach B's or C's file through
    A's URL, nor A's file through B's or C's."""
    client = signed_in(app, email)
    a, b, c = world["a"], world["b"], world["c"]
    for route in ("", "download", "thumbnail"):
        assert client.get(url(a, world["b_pdf"], route)).status_code == 404
        assert client.get(url(a, world["c_pdf"], route)).status_code == 404
        assert client.get(url(b, world["pdf"], route)).status_code == 404
        assert client.get(url(c, world["pdf"], route)).status_code == 404
        assert client.get(url(a, 999_999, route)).status_code == 404
        assert client.get(url(999_999, world["pdf"], route)).status_code == 404


def test_organiser_of_the_other_contest_cannot_reach_a_file_through_their_own_application(app, world):
    client = signed_in(app, "org2@example.com")
    assert client.get(url(world["c"], world["c_pdf"], "download")).status_code == 200
    assert client.get(url(world["c"], world["pdf"], "download")).status_code == 404
    assert client.get(url(world["c"], world["b_pdf"])).status_code == 404


def test_download_headers(app, world):
    client = signed_in(app, "team@example.com")
    response = client.get(url(world["a"], world["pdf"], "download"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="material-{world["pdf"]}.pdf"' in disposition
    assert f"filename*=UTF-8''{quote(CHINESE_NAME, safe='')}" in disposition
    assert "%E5%95%86%E4%B8%9A" in disposition  # 商业, percent-encoded UTF-8
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.getlist("Content-Security-Policy") == [SANDBOX]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"] == f'"{hashlib.sha256(world["pdf_bytes"]).hexdigest()}"'


@pytest.mark.parametrize("name, fallback, encoded", [
    ("Plan (final) v2.pdf", "Plan_final_v2.pdf", "Plan%20%28final%29%20v2.pdf"),
    ('evil"; filename=x.html\r\n.pdf', "evil_filename_x.html.pdf", "evil%22%3B%20filename%3Dx.html.pdf"),
    ("../../etc/passwd", "passwd", "passwd"),
    ("Café 计划.pdf", "Cafe.pdf", "Caf%C3%A9%20%E8%AE%A1%E5%88%92.pdf"),
    ("\u202egpj.exe", "gpj.exe", "gpj.exe"),
])
def test_the_file_name_is_only_ever_a_safe_header_value(app, world, name, fallback, encoded):
    material_id = add_material(app, world["a"], b"%PDF-1.4 whatever", "application/pdf", name)
    response = signed_in(app, "team@example.com").get(url(world["a"], material_id, "download"))
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")


def test_video_streams_with_range_requests(app, world):
    client = signed_in(app, "team@example.com")
    route = url(world["a"], world["video"], "stream")
    whole = client.get(route)
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.mimetype == "video/mp4"
    assert whole.headers["Content-Disposition"].startswith("inline; ")

    part = client.get(route, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part.data == VIDEO[100:1124]
    assert part.headers["Content-Range"] == f"bytes 100-1123/{len(VIDEO)}"
    assert part.headers["Content-Length"] == "1024"
    assert part.headers["X-Content-Type-Options"] == "nosniff"
    assert part.headers.getlist("Content-Security-Policy") == [SANDBOX]

    tail = client.get(route, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.data == VIDEO[-16:]

    refused = client.get(route, headers={"Range": f"bytes={len(VIDEO) + 10}-"})
    assert refused.status_code == 416
    assert refused.headers["Content-Range"] == f"bytes */{len(VIDEO)}"
    assert refused.headers.getlist("Content-Security-Policy") == [SANDBOX]


def test_image_is_sent_with_its_exact_type_and_sandboxed(app, world):
    response = signed_in(app, "org@example.com").get(url(world["a"], world["image"], "image"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.getlist("Content-Security-Policy") == [SANDBOX]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_inline_routes_serve_only_their_own_kind(app, world):
    """A PDF or a PPTX is never sent inline: not through the image route, not as a 'video'."""
    client = signed_in(app, "team@example.com")
    a = world["a"]
    for material in ("pdf", "pptx", "video"):
        assert client.get(url(a, world[material], "image")).status_code == 404
    for material in ("pdf", "pptx", "image"):
        assert client.get(url(a, world[material], "stream")).status_code == 404
    for material in ("pptx", "image", "video"):
        assert client.get(url(a, world[material], "thumbnail")).status_code == 404


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_bodies.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_pdf_viewer_page_has_no_inline_script_and_uses_the_vendored_pdfjs(app, world):
    client = signed_in(app, "team@example.com")
    response = client.get(url(world["a"], world["pdf"]))
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    page = parse(html)
    assert page.script_bodies == []
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert all(attrs.get("src", "").startswith("/static/") for attrs in scripts)
    assert {"type": "module", "src": "/static/js/pdf-viewer.js"} in scripts
    assert not any(name.startswith("on") or name == "style" for _, attrs in page.tags for name in attrs)
    viewer = next(attrs for tag, attrs in page.tags if "data-pdf-viewer" in attrs)
    assert viewer["data-pdfjs"] == "/static/vendor/pdfjs/pdf.min.mjs"
    assert viewer["data-worker"] == "/static/vendor/pdfjs/pdf.worker.min.mjs"
    assert viewer["data-source"] == url(world["a"], world["pdf"], "download")
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert CHINESE_NAME in html


def test_vendored_pdfjs_and_viewer_are_served_as_javascript(app):
    client = anonymous(app)
    if not (PROJECT_ROOT / "static" / "vendor" / "pdfjs" / "pdf.min.mjs").exists():
        pytest.skip("static/vendor is not built (make assets)")
    for path in ("/static/vendor/pdfjs/pdf.min.mjs", "/static/vendor/pdfjs/pdf.worker.min.mjs",
                 "/static/js/pdf-viewer.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype in ("text/javascript", "application/javascript"), path


def test_viewer_shows_images_videos_and_offers_other_types_for_download(app, world):
    client = signed_in(app, "org@example.com")
    a = world["a"]
    image = parse(client.get(url(a, world["image"])).get_data(as_text=True))
    assert any(tag == "img" and attrs.get("src") == url(a, world["image"], "image") for tag, attrs in image.tags)
    video = parse(client.get(url(a, world["video"])).get_data(as_text=True))
    assert any(tag == "video" and "controls" in attrs and attrs.get("src") == url(a, world["video"], "stream")
               for tag, attrs in video.tags)
    deck_html = client.get(url(a, world["pptx"])).get_data(as_text=True)
    deck = parse(deck_html)
    assert "PPTX" in deck_html and "data-download-only" in deck_html
    assert any(tag == "a" and attrs.get("href") == url(a, world["pptx"], "download") for tag, attrs in deck.tags)
    assert not any(tag == "script" and "pdf-viewer" in attrs.get("src", "") for tag, attrs in deck.tags)
    for html in (image, video, deck):
        assert html.script_bodies == []


def test_thumbnail_is_drawn_once_then_served(app, world, monkeypatch):
    client = signed_in(app, "judge@example.com")  # refused: nothing is drawn for them
    assert client.get(url(world["a"], world["pdf"], "thumbnail")).status_code == 404
    client = signed_in(app, "team@example.com")
    response = client.get(url(world["a"], world["pdf"], "thumbnail"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.getlist("Content-Security-Policy") == [SANDBOX]
    with app.app_context():
        key = db.session.get(Material, world["pdf"]).thumbnail_key
    assert key and response.headers["ETag"] == f'"{key}"'

    def must_not_draw(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr(thumbnails, "render", must_not_draw)
    assert client.get(url(world["a"], world["pdf"], "thumbnail")).data == response.data


def test_a_pdf_that_cannot_be_drawn_gets_the_placeholder(app, world, caplog):
    material_id = add_material(app, world["a"], b"%PDF-1.7\n garbage \n%%EOF\n", "application/pdf", "broken.pdf")
    response = signed_in(app, "team@example.com").get(url(world["a"], material_id, "thumbnail"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == thumbnails.PLACEHOLDER.read_bytes()
    assert any("no thumbnail for material" in record.getMessage() for record in caplog.records)


def test_a_refusal_says_nothing_about_the_file(app, world):
    """The 404 page for a refused material says nothing of the file (name, type, size)."""
    html = signed_in(app, "rival@example.com").get(url(world["a"], world["pdf"])).get_data(as_text=True)
    assert CHINESE_NAME not in html and "Heart valve" not in html
    assert not re.search(r"/materials/\d+/download", html)


def test_preview_macro_shows_a_thumbnail_for_pdfs_and_a_type_label_otherwise(app, world):
    with app.test_request_context():
        macro = app.jinja_env.get_template("materials/_macros.html").module.material_preview
        pdf, deck = db.session.get(Material, world["pdf"]), db.session.get(Material, world["pptx"])
        pdf_html, deck_html = str(macro(pdf)), str(macro(deck))
    assert url(world["a"], world["pdf"], "thumbnail") in pdf_html
    assert "thumbnail" not in deck_html and "file-icon.svg" in deck_html and "PPTX" in deck_html
    assert url(world["a"], world["pptx"]) in deck_html
