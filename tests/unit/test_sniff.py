"""Content sniffing and file-name cleaning (pure: no app). The sample builders below make small,
real files of each type; the upload tests use them too."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadshow import sniff
from roadshow.sniff import JPEG, MOV, MP4, PDF, PNG, PPTX, WEBM, RejectedContent

# -- samples ---------------------------------------------------------------------------------------

def make_pdf(body: bytes = b"") -> bytes:
    """A minimal valid one-page PDF (objects, xref table, trailer, %%EOF)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>" + body,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png() -> bytes:
    """A 1x1 grey PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + _png_chunk(b"IEND", b""))


def make_jpeg(comment: bytes = b"") -> bytes:
    """A baseline 1x1 grey JPEG: quantisation and Huffman tables, one block coded DC 0 + EOB."""
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    huffman_one_code = bytes([1] + [0] * 15) + b"\x00"
    parts = [
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xFE, comment) if comment else b"",
        segment(0xDB, b"\x00" + bytes([1] * 64)),
        segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00"),
        segment(0xC4, b"\x00" + huffman_one_code),
        segment(0xC4, b"\x10" + huffman_one_code),
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",
        b"\xff\xd9",
    ]
    return b"".join(parts)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload) + 8) + kind + payload


def make_mp4(brand: bytes = b"isom", compatible: tuple[bytes, ...] = (b"isom", b"iso2", b"avc1", b"mp41"),
             payload: bytes = b"\x00" * 64) -> bytes:
    """An ISO base media file: ``ftyp``, an empty ``moov`` and an ``mdat``."""
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 0x200) + b"".join(compatible))
    return ftyp + _box(b"moov", _box(b"mvhd", b"\x00" * 100)) + _box(b"mdat", payload)


def make_mov() -> bytes:
    return make_mp4(brand=b"qt  ", compatible=(b"qt  ",))


def _ebml(element_id: bytes, payload: bytes) -> bytes:
    return element_id + bytes([0x80 | len(payload)]) + payload


def make_webm(doctype: bytes = b"webm") -> bytes:
    """An EBML header (DocType webm) followed by a Segment of unknown size."""
    header = b"".join([
        _ebml(b"\x42\x86", b"\x01"), _ebml(b"\x42\xf7", b"\x01"), _ebml(b"\x42\xf2", b"\x04"),
        _ebml(b"\x42\xf3", b"\x08"), _ebml(b"\x42\x82", doctype), _ebml(b"\x42\x87", b"\x04"),
        _ebml(b"\x42\x85", b"\x02"),
    ])
    segment = b"\x18\x53\x80\x67\x01" + b"\xff" * 7  # a Segment of unknown size
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment + b"\x00" * 32


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/ppt/presentation.xml" ContentType="{main}"/>'
    '<Override PartName="/ppt/slides/slide1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="ppt/presentation.xml"/></Relationships>'
)
PRESENTATION = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/>'
    '</p:presentation>'
)


def make_pptx(extra: dict[str, bytes] | None = None, *, main: str = sniff.PRESENTATION_MAIN,
              omit: tuple[str, ...] = ()) -> bytes:
    """A PPTX package with the parts that make it one: content types, relationships, the
    presentation and a slide."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(main=main).encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "ppt/presentation.xml": PRESENTATION.encode(),
        "ppt/_rels/presentation.xml.rels": ROOT_RELS.replace("ppt/presentation.xml", "slides/slide1.xml").encode(),
        "ppt/slides/slide1.xml": b'<?xml version="1.0"?><p:sld xmlns:p="http://schemas.openxmlformats.org/'
                                 b'presentationml/2006/main"/>',
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name not in omit:
                archive.writestr(name, data)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def write(tmp_path):
    def write(data: bytes, name: str = "upload.bin"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


# -- detection -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    (make_pdf(), PDF), (make_png(), PNG), (make_jpeg(), JPEG), (make_mp4(), MP4),
    (make_mp4(brand=b"mp42", compatible=(b"mp42", b"isom")), MP4), (make_mov(), MOV), (make_webm(), WEBM),
    (make_pptx(), PPTX),
], ids=["pdf", "png", "jpeg", "mp4", "mp4-mp42", "mov", "webm", "pptx"])
def test_detects_real_files_by_content(write, data, expected):
    assert sniff.detect(write(data, "misleading-name.txt")) == expected


@pytest.mark.parametrize("kind, data", [
    ("business_plan", make_pdf()), ("slides", make_pdf()), ("slides", make_pptx()),
    ("pitch_video", make_mp4()), ("pitch_video", make_mov()), ("pitch_video", make_webm()),
    ("supporting", make_pdf()), ("supporting", make_png()), ("supporting", make_jpeg()),
])
def test_each_kind_accepts_its_types(write, kind, data):
    assert sniff.check(write(data), kind) in sniff.allowed_for(kind)


@pytest.mark.parametrize("kind, data", [
    ("business_plan", make_png()), ("business_plan", make_pptx()), ("slides", make_mp4()),
    ("pitch_video", make_pdf()), ("supporting", make_mp4()), ("supporting", make_pptx()),
])
def test_a_type_outside_the_kind_is_refused_saying_what_is_allowed(write, kind, data):
    with pytest.raises(RejectedContent, match="this material must be") as refused:
        sniff.check(write(data), kind)
    assert refused.value.code == "wrong_kind" and refused.value.params["allowed"]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        sniff.allowed_for("diploma")


@pytest.mark.parametrize("data, reason", [
    (HTML, "HTML"),
    (b"   \n" + HTML, "HTML"),
    (SVG, "HTML, SVG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "HTML, SVG"),
    (b"just some text, saved as video.mp4\n" * 20, "not recognised"),
    (b"MZ\x90\x00" + b"\x00" * 200, "not recognised"),
    (b"", "empty"),
    (make_pdf(b"<script>alert(1)</script>"), "web markup"),
    (make_jpeg(comment=b"<html><script>alert(1)</script>"), "web markup"),
    (make_pdf()[:-30], "truncated"),
    (make_png() + b"<html>trailing</html>", "PNG"),
    (make_webm(b"matroska"), "WebM"),
    (make_mp4(brand=b"heic", compatible=(b"mif1", b"heic")), "image or audio"),
    (make_mp4(brand=b"M4A ", compatible=(b"M4A ", b"mp42")), "image or audio"),
    (make_mp4(brand=b"abcd", compatible=(b"abcd",)), "not an MP4"),
    (b"\x00\x00\x00\x09ftypisom" + b"\x00" * 64, "malformed"),
], ids=["html", "html-leading-space", "svg-xml", "svg", "text-as-mp4", "exe", "empty", "pdf-script",
        "jpeg-html-comment", "pdf-truncated", "png-trailing", "matroska", "heic", "m4a", "unknown-brand",
        "bad-ftyp"])
def test_refusals(write, data, reason):
    with pytest.raises(RejectedContent, match=reason) as refused:
        sniff.detect(write(data))
    assert refused.value.code in sniff.REFUSAL_CODES


@pytest.mark.parametrize("carrier", [make_pdf(), make_jpeg(), make_png(), make_mp4()],
                         ids=["pdf", "jpeg", "png", "mp4"])
def test_a_zip_appended_to_a_non_zip_is_refused(write, carrier):
    polyglot = carrier + zip_bytes({"payload.html": HTML})
    with pytest.raises(RejectedContent, match="zip archive appended"):
        sniff.detect(write(polyglot))


def test_a_zip_hidden_behind_a_pdf_trailer_comment_is_still_found(write):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x.html", HTML)
        zf.comment = b"\n%%EOF\n"
    with pytest.raises(RejectedContent, match="zip"):
        sniff.detect(write(make_pdf() + archive.getvalue()))


def test_random_eocd_signature_inside_video_data_is_not_mistaken_for_a_zip(write):
    data = make_mp4(payload=b"\x00" * 100 + b"PK\x05\x06" + b"\x11" * 100)
    assert sniff.detect(write(data)) == MP4


# -- PPTX packages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data, reason", [
    (zip_bytes({"hello.txt": b"hi"}), "not a PowerPoint"),
    (make_pptx(omit=("[Content_Types].xml",)), "Office document"),
    (make_pptx(main="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
     "not a PowerPoint"),
    (make_pptx(omit=("ppt/presentation.xml",)), "not a PowerPoint"),
    (make_pptx({"../../evil.sh": b"rm -rf /"}), "unsafe path"),
    (make_pptx({"/etc/cron.d/evil": b"x"}), "unsafe path"),
    (make_pptx({"ppt\\..\\..\\evil": b"x"}), "unsafe path"),
    (make_pptx({"C:/Windows/evil.dll": b"x"}), "unsafe path"),
    (make_pptx({"ppt/vbaProject.bin": b"macro"}), "macros"),
    (make_pptx({"ppt/media/zeros.bin": bytes(2 * 1024 * 1024)}), "zip bomb"),
    (make_pptx()[:-5], "not a complete zip"),
], ids=["plain-zip", "no-content-types", "docx", "no-presentation", "traversal", "absolute", "backslash", "drive",
        "macro", "ratio", "truncated"])
def test_pptx_refusals(write, data, reason):
    with pytest.raises(RejectedContent, match=reason) as refused:
        sniff.detect(write(data))
    assert refused.value.code in sniff.REFUSAL_CODES


def _pptx_with_a_second_presentation() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        source = zipfile.ZipFile(io.BytesIO(make_pptx()))
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        archive.writestr("ppt/presentation.xml", b"<other/>")
    return out.getvalue()


def test_pptx_with_duplicate_entries_is_refused(write):
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = _pptx_with_a_second_presentation()
    with pytest.raises(RejectedContent, match="duplicate"):
        sniff.detect(write(data))


def test_pptx_entry_count_is_read_from_the_end_record_before_parsing(write, monkeypatch):
    monkeypatch.setattr(sniff, "MAX_ZIP_ENTRIES", 5)
    many = make_pptx({f"ppt/media/{i}.txt": b"x" for i in range(10)})
    monkeypatch.setattr(zipfile, "ZipFile", None)  # refused before zipfile is ever asked
    with pytest.raises(RejectedContent, match="more than 5 entries"):
        sniff.detect(write(many))


def test_pptx_total_uncompressed_size_is_bounded(write, monkeypatch):
    monkeypatch.setattr(sniff, "MAX_ZIP_UNCOMPRESSED", 64 * 1024)
    data = make_pptx({"ppt/media/noise.bin": bytes(range(256)) * 512})
    with pytest.raises(RejectedContent, match="expand to more than"):
        sniff.detect(write(data))


def test_pptx_content_types_with_a_doctype_is_refused(write):
    evil = ('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]>' + CONTENT_TYPES.format(
        main=sniff.PRESENTATION_MAIN).split("?>", 1)[1])
    data = make_pptx({"[Content_Types].xml": evil.encode()})
    with pytest.raises(RejectedContent):
        sniff.detect(write(data))


@given(st.sampled_from([make_pdf(), make_png(), make_jpeg(), make_mp4(), make_webm(), make_pptx()]),
       st.integers(min_value=0, max_value=10_000), st.binary(min_size=1, max_size=64), st.booleans())
def test_damaged_files_are_detected_or_refused_never_an_unexpected_error(original, position, garbage, cut):
    """Overwrite or cut a real file anywhere: the answer is a type or a RejectedContent."""
    import tempfile

    position %= len(original)
    damaged = original[:position] if cut else original[:position] + garbage + original[position + len(garbage):]
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(damaged)
        handle.flush()
        try:
            detected = sniff.detect(handle.name)
        except RejectedContent as exc:
            assert exc.reason
        else:
            assert detected in {PDF, PNG, JPEG, MP4, MOV, WEBM, PPTX}


# -- file names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("plan.pdf", "plan.pdf"),
    ("商业计划书（终版）.pdf", "商业计划书（终版）.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\李雷\\Desktop\\路演.pptx", "路演.pptx"),
    ("/var/www/index.html", "index.html"),
    ("plan\x00.pdf.exe", "plan.pdf.exe"),
    ("evil\r\nSet-Cookie: a=b.pdf", "evil Set-Cookie: a=b.pdf"),
    ("tab\there.pdf", "tab here.pdf"),
    ("bell\x07\x1b[31m.pdf", "bell[31m.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("..", "file.pdf"),
    ("...pdf", "pdf"),
    ("   ", "file.pdf"),
    ("", "file.pdf"),
    (None, "file.pdf"),
    ("dir/", "file.pdf"),
    (".htaccess", "htaccess"),
    ("e\u0301te\u0301.pdf", "été.pdf"),
])
def test_clean_filename(raw, expected):
    assert sniff.clean_filename(raw, default="file.pdf") == expected


def test_long_names_are_cut_to_255_bytes_without_splitting_characters_and_keep_the_extension():
    name = "路演视频" * 100 + ".mp4"
    cleaned = sniff.clean_filename(name)
    assert len(cleaned.encode("utf-8")) <= 255
    assert cleaned.endswith(".mp4") and cleaned.startswith("路演视频")
    emoji = "🎬" * 100
    assert sniff.clean_filename(emoji) == "🎬" * 63  # 4 bytes each: 63 fit in 255


@given(st.text(max_size=400))
def test_clean_filename_is_always_safe(raw):
    cleaned = sniff.clean_filename(raw)
    assert cleaned
    assert len(cleaned.encode("utf-8")) <= 255
    assert "/" not in cleaned and "\\" not in cleaned and "\x00" not in cleaned
    assert not any(ch in cleaned for ch in "\r\n\t")
    assert cleaned == sniff.clean_filename(cleaned)
