"""PDF thumbnails: drawn in a child process, checked, time-limited, and never an error."""
from __future__ import annotations

import hashlib
import io
import logging
import struct
import sys
import time
import zlib

import pytest

from roadshow import pdf_thumbnail
from roadshow.extensions import db
from roadshow.models import Application, Material, MaterialKind
from roadshow.services import thumbnails
from roadshow.services.thumbnails import ThumbnailFailed
from roadshow.storage import storage
from tests.helpers import make_contest


def minimal_pdf(width: int = 595, height: int = 842) -> bytes:
    """A real one-page PDF written by hand: a blue rectangle and a line of Helvetica."""
    content = b"0.1 0.3 0.8 rg 50 50 200 300 re f BT /F1 36 Tf 60 700 Td (Roadshow) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>" % (width, height),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of a PNG as our encoder writes it (8-bit RGB, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunks[kind] = chunks.get(kind, b"") + data[position + 8:position + 8 + length]
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    rows = [raw[y * stride:(y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def test_encode_png_round_trips():
    pixels = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9])
    width, height, rows = read_png(pdf_thumbnail.encode_png(2, 2, 6, pixels))
    assert (width, height) == (2, 2)
    assert rows == [pixels[:6], pixels[6:]]


@pytest.mark.parametrize("size, expected", [((595, 842), (320, 453)), ((1280, 720), (320, 180)),
                                            ((100, 5000), (13, 640))])
def test_renders_the_first_page_within_bounds(tmp_path, size, expected):
    source, target = tmp_path / "in.pdf", tmp_path / "out.png"
    source.write_bytes(minimal_pdf(*size))
    thumbnails.render(source, target, timeout=20)
    width, height, rows = read_png(target.read_bytes())
    assert (width, height) == expected
    if size == (595, 842):
        blue = bytes([0x1a, 0x4d, 0xcc])  # the rectangle, 0.1 0.3 0.8
        assert any(blue in row for row in rows)
        assert rows[0][:3] == b"\xff\xff\xff"


def test_a_file_that_is_not_a_pdf_fails_in_the_child(tmp_path):
    source = tmp_path / "in.pdf"
    source.write_bytes(b"%PDF-1.7\nthis is not a PDF\n%%EOF\n")
    with pytest.raises(ThumbnailFailed, match="exited with status"):
        thumbnails.render(source, tmp_path / "out.png", timeout=20)
    assert not (tmp_path / "out.png").exists()


def test_the_time_limit_kills_a_renderer_that_hangs(tmp_path, monkeypatch):
    monkeypatch.setattr(thumbnails, "renderer_command",
                        lambda source, target: [sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    with pytest.raises(ThumbnailFailed, match="timed out"):
        thumbnails.render(tmp_path / "in.pdf", tmp_path / "out.png", timeout=0.3)
    assert time.monotonic() - started < 10


def test_output_that_is_not_a_small_png_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(thumbnails, "renderer_command", lambda source, target: [
        sys.executable, "-c", f"open({str(target)!r}, 'wb').write(b'<svg onload=alert(1)>')"])
    with pytest.raises(ThumbnailFailed, match="not a small PNG"):
        thumbnails.render(tmp_path / "in.pdf", tmp_path / "out.png", timeout=20)


@pytest.fixture
def stored_pdf(app, ctx):
    """A factory of PDF materials, their bytes in storage."""
    contest_id = make_contest(app)
    application = Application(contest_id=contest_id, project_name="P", answers={})
    db.session.add(application)
    db.session.flush()

    def make(data: bytes, content_type: str = "application/pdf") -> Material:
        store = storage()
        key = store.new_key()
        store.save_stream(io.BytesIO(data), key, len(data))
        material = Material(application_id=application.id, kind=MaterialKind.BUSINESS_PLAN, original_filename="x.pdf",
                            storage_key=key, content_type=content_type, size_bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest())
        db.session.add(material)
        db.session.flush()
        return material

    return make


def test_make_thumbnail_stores_a_png_under_the_material(stored_pdf):
    material = stored_pdf(minimal_pdf())
    key = thumbnails.make_thumbnail(material)
    assert key and material.thumbnail_key == key
    assert thumbnails.available(material)
    with storage().open(key) as handle:
        assert read_png(handle.read())[:2] == (320, 453)


def test_a_pdf_that_times_out_gets_the_placeholder_and_a_log_line(app, stored_pdf, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "THUMBNAIL_TIMEOUT", 0.3)
    monkeypatch.setattr(thumbnails, "renderer_command",
                        lambda source, target: [sys.executable, "-c", "import time; time.sleep(60)"])
    material = stored_pdf(minimal_pdf())
    with caplog.at_level(logging.WARNING, logger="roadshow.services.thumbnails"):
        key = thumbnails.make_thumbnail(material)
    assert key == material.thumbnail_key
    with storage().open(key) as handle:
        assert handle.read() == thumbnails.PLACEHOLDER.read_bytes()
    assert any("timed out" in record.getMessage() for record in caplog.records)


def test_other_types_have_no_thumbnail(stored_pdf):
    deck = stored_pdf(b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
    assert thumbnails.make_thumbnail(deck) is None
    assert deck.thumbnail_key is None


def test_of_two_thumbnails_drawn_at_once_the_first_recorded_wins(stored_pdf):
    material = stored_pdf(minimal_pdf())
    first, second = thumbnails.render_thumbnail(material), thumbnails.render_thumbnail(material)
    assert thumbnails.record_thumbnail(material, first, None) == first
    assert thumbnails.record_thumbnail(material, second, None) == first
    assert storage().exists(first) and not storage().exists(second)
