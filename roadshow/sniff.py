"""What a file really is, decided by its content (magic bytes), never by its name or Content-Type.

Pure Python: no Flask, no database. :func:`detect` names the type of a file on disk or raises
:class:`RejectedContent` with a reason a person can read; :func:`allowed_for` says which types a
kind of material may be. Only a few bytes at each end of a file are read, plus, for PPTX, the zip
central directory and ``[Content_Types].xml`` (bounded): nothing is ever extracted.

What is refused, and why:

- anything that is not one of the known types (HTML, SVG, XML, text, executables, ...);
- markup in the first KiB of any file (``<html``, ``<script``, ``<svg``, ...): a browser that
  sniffs would run it, whatever the file claims to be;
- a zip appended to a file that is not a zip (a PDF/JPEG/MP4 + ZIP polyglot), found by a zip
  end-of-central-directory record that ends exactly at the end of the file;
- a PDF without ``%%EOF`` in its last KiB, a PNG with anything after its IEND chunk;
- a PPTX that is not an OOXML presentation, or whose central directory declares too many
  entries, too many uncompressed bytes, a compression ratio past :data:`MAX_ZIP_RATIO`, an entry
  name that climbs out of the package (``..``, absolute, drive letters, backslashes, NUL),
  duplicate names, or VBA macros.
"""
from __future__ import annotations

import os
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO
from xml.etree import ElementTree


@dataclass(frozen=True)
class DetectedType:
    mime: str
    extension: str


PDF = DetectedType("application/pdf", "pdf")
PNG = DetectedType("image/png", "png")
JPEG = DetectedType("image/jpeg", "jpg")
MP4 = DetectedType("video/mp4", "mp4")
WEBM = DetectedType("video/webm", "webm")
MOV = DetectedType("video/quicktime", "mov")
PPTX = DetectedType("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")

ALLOWED: dict[str, frozenset[DetectedType]] = {
    "business_plan": frozenset({PDF}),
    "slides": frozenset({PDF, PPTX}),
    "pitch_video": frozenset({MP4, WEBM, MOV}),
    "supporting": frozenset({PDF, PNG, JPEG}),
}

# Limits of a PPTX package, read from its central directory.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_UNCOMPRESSED = 500 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_RATIO_GRACE = 100 * 1024  # entries (and packages) smaller than this may compress better
MAX_CENTRAL_DIRECTORY = 16 * 1024 * 1024
MAX_CONTENT_TYPES_XML = 1024 * 1024

MARKUP_WINDOW = 1024
MARKUP = re.compile(rb"<\s*(?:html|head|body|script|svg|iframe|!doctype\s+html)\b", re.IGNORECASE)

PRESENTATION_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# ISO base media brands (ftyp) that mean a video we accept; image and audio-only brands do not.
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42",
    b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"msnv", b"f4v ", b"mmp4", b"XAVC", b"MSNV",
}
NOT_VIDEO_BRANDS = {
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis", b"M4A ",
    b"M4B ", b"M4P ", b"crx ", b"jp2 ", b"jpx ",
}
QUICKTIME_BRAND = b"qt  "

EOCD_SIGNATURE = b"PK\x05\x06"
EOCD_SIZE = 22
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
MAX_ZIP_COMMENT = 0xFFFF
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


class RejectedContent(ValueError):
    """The file is not an accepted type, or is dangerous. ``reason`` says which in English;
    ``code`` (one of :data:`REFUSAL_CODES`) and ``params`` let a caller say it in other languages."""

    def __init__(self, reason: str, code: str = "not_accepted", **params: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.params = params


REFUSAL_CODES = (
    "empty", "damaged", "not_accepted", "wrong_kind", "markup", "markup_file", "zip_appended", "truncated",
    "not_video", "not_pptx", "macros", "zip_bomb", "package_limits", "package_unsafe",
)


def allowed_for(kind: str) -> frozenset[DetectedType]:
    """The types a material of ``kind`` (a ``MaterialKind`` value) may be."""
    try:
        return ALLOWED[str(kind)]
    except KeyError:
        raise ValueError(f"unknown material kind: {kind!r}") from None


def describe(types: frozenset[DetectedType]) -> str:
    """``"MP4, MOV, WEBM"``: the accepted types as people know them."""
    return ", ".join(sorted(t.extension.upper().replace("JPG", "JPEG") for t in types))


def check(path: str | os.PathLike, kind: str) -> DetectedType:
    """Detect the type of ``path`` and refuse it unless a ``kind`` material may be that type."""
    detected = detect(path)
    allowed = allowed_for(kind)
    if detected not in allowed:
        raise RejectedContent(
            f"This file is {detected.extension.upper()}; this material must be {describe(allowed)}.",
            "wrong_kind", found=detected.extension.upper(), allowed=describe(allowed),
        )
    return detected


def detect(path: str | os.PathLike) -> DetectedType:
    """The type of the file at ``path``, by content; raises :class:`RejectedContent`.

    A file malformed in a way no check foresaw is refused too, never an unexpected error.
    """
    try:
        return _detect(path)
    except RejectedContent:
        raise
    except (struct.error, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            ValueError) as exc:
        raise RejectedContent("The file is damaged or not of an accepted type.", "damaged") from exc


def _detect(path: str | os.PathLike) -> DetectedType:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise RejectedContent("The file is empty.", "empty")
        head = handle.read(4096)
        if head.startswith(b"PK\x03\x04"):
            return _pptx(handle, size)
        if _ends_with_zip(handle, size):
            raise RejectedContent("The file has a zip archive appended to it and is refused.", "zip_appended")
        detected = _by_magic(head, handle, size)
        if MARKUP.search(head[:MARKUP_WINDOW]):
            raise RejectedContent("The file contains web markup (HTML, script or SVG) and is refused.", "markup")
        return detected


def _by_magic(head: bytes, handle: BinaryIO, size: int) -> DetectedType:
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in _tail(handle, size, 1024):
            raise RejectedContent("The PDF is truncated or has data after its end.", "truncated")
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[8:16] == b"\x00\x00\x00\x0dIHDR":
        if _tail(handle, size, len(PNG_END)) != PNG_END:
            raise RejectedContent("The PNG is truncated or has data after its end.", "truncated")
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if _ebml_doctype(head) == b"webm":
            return WEBM
        raise RejectedContent("Only WebM is accepted among Matroska files.", "not_accepted")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        raise RejectedContent("HTML, SVG and XML files are not accepted.", "markup_file")
    raise RejectedContent("The type of this file is not recognised or not accepted.", "not_accepted")


def _iso_media(head: bytes) -> DetectedType:
    """MP4 or MOV from the ``ftyp`` box: its major brand, else its compatible brands."""
    box_size = struct.unpack(">I", head[:4])[0]
    if box_size < 16 or box_size > len(head) or box_size % 4:
        raise RejectedContent("The video's header is malformed.", "damaged")
    major = head[8:12]
    compatible = {head[i:i + 4] for i in range(16, box_size, 4)}
    if major == QUICKTIME_BRAND:
        return MOV
    if major in NOT_VIDEO_BRANDS:
        raise RejectedContent("This is an image or audio file, not a video.", "not_video")
    if major in MP4_BRANDS or compatible & MP4_BRANDS:
        return MP4
    if QUICKTIME_BRAND in compatible:
        return MOV
    raise RejectedContent("This ISO media file is not an MP4 or MOV video.", "not_video")


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType of an EBML header (``webm`` or ``matroska``), read from its first bytes."""
    position = head.find(b"\x42\x82", 4, 64)
    if position < 0 or position + 3 > len(head):
        return None
    length_byte = head[position + 2]
    if not length_byte & 0x80:  # only one-byte sizes: a doctype is a few characters
        return None
    length = length_byte & 0x7F
    return head[position + 3:position + 3 + length].rstrip(b"\x00")


def _tail(handle: BinaryIO, size: int, count: int) -> bytes:
    handle.seek(max(0, size - count))
    return handle.read(count)


def _find_eocd(handle: BinaryIO, size: int) -> int | None:
    """Offset of a zip end-of-central-directory record that ends exactly at the end of the file
    (its comment running to the last byte), or None. Requiring the exact end keeps a random
    ``PK\\x05\\x06`` inside compressed video data from being mistaken for an archive."""
    window = min(size, EOCD_SIZE + MAX_ZIP_COMMENT)
    handle.seek(size - window)
    data = handle.read(window)
    position = data.rfind(EOCD_SIGNATURE)
    while position >= 0:
        if position + EOCD_SIZE <= len(data):
            comment_length = struct.unpack("<H", data[position + 20:position + 22])[0]
            if position + EOCD_SIZE + comment_length == len(data):
                return size - window + position
        position = data.rfind(EOCD_SIGNATURE, 0, position)
    return None


def _ends_with_zip(handle: BinaryIO, size: int) -> bool:
    return _find_eocd(handle, size) is not None


def _zip_directory(handle: BinaryIO, size: int) -> tuple[int, int]:
    """(entry count, central directory size) as the end records declare them, before zipfile
    reads the directory: a forged count of millions is refused without parsing any of it."""
    eocd = _find_eocd(handle, size)
    if eocd is None:
        raise RejectedContent("The file is not a complete zip package.", "damaged")
    handle.seek(eocd)
    record = handle.read(EOCD_SIZE)
    disk, cd_disk, _on_disk, entries, cd_size, _cd_offset, _comment = struct.unpack("<4xHHHHIIH", record)
    if disk or cd_disk:
        raise RejectedContent("Multi-part zip archives are not accepted.", "damaged")
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        entries, cd_size = _zip64_directory(handle, eocd)
    return entries, cd_size


def _zip64_directory(handle: BinaryIO, eocd: int) -> tuple[int, int]:
    if eocd < 20:
        raise RejectedContent("The zip package is malformed.", "damaged")
    handle.seek(eocd - 20)
    locator = handle.read(20)
    if not locator.startswith(ZIP64_LOCATOR_SIGNATURE):
        raise RejectedContent("The zip package is malformed.", "damaged")
    record_offset = struct.unpack("<Q", locator[8:16])[0]
    handle.seek(record_offset)
    record = handle.read(56)
    if len(record) < 56 or not record.startswith(ZIP64_EOCD_SIGNATURE):
        raise RejectedContent("The zip package is malformed.", "damaged")
    entries, cd_size = struct.unpack("<QQ", record[32:48])
    return entries, cd_size


def _unsafe_entry_name(name: str) -> bool:
    if "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in PurePosixPath(name).parts)


def _pptx(handle: BinaryIO, size: int) -> DetectedType:
    """An OOXML presentation, checked from its central directory without extracting anything."""
    entries, cd_size = _zip_directory(handle, size)
    if entries > MAX_ZIP_ENTRIES:
        raise RejectedContent(f"The package has more than {MAX_ZIP_ENTRIES} entries.", "package_limits")
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise RejectedContent("The package's directory is too large.", "package_limits")
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise RejectedContent("The zip package is damaged.", "damaged") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise RejectedContent(f"The package has more than {MAX_ZIP_ENTRIES} entries.", "package_limits")
        names: set[str] = set()
        total = 0
        for info in infos:
            if _unsafe_entry_name(info.orig_filename) or _unsafe_entry_name(info.filename):
                raise RejectedContent("The package contains an entry with an unsafe path.", "package_unsafe")
            if info.filename.lower() in names:
                raise RejectedContent("The package contains duplicate entries.", "package_unsafe")
            names.add(info.filename.lower())
            if info.flag_bits & 0x1:
                raise RejectedContent("Encrypted packages are not accepted.", "package_unsafe")
            total += info.file_size
            if total > MAX_ZIP_UNCOMPRESSED:
                raise RejectedContent("The package would expand to more than 500 MB.", "package_limits")
            if info.file_size > ZIP_RATIO_GRACE and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise RejectedContent("The package contains an entry compressed beyond any real document "
                                      "(a zip bomb) and is refused.", "zip_bomb")
        if total > ZIP_RATIO_GRACE and total > MAX_ZIP_RATIO * size:
            raise RejectedContent("The package is compressed beyond any real document (a zip bomb) and is refused.", "zip_bomb")
        if any(name.endswith("vbaproject.bin") for name in names):
            raise RejectedContent("Presentations with macros are not accepted.", "macros")
        if "ppt/presentation.xml" not in names:
            raise RejectedContent("The zip file is not a PowerPoint presentation (PPTX).", "not_pptx")
        if _main_content_type(archive, "/ppt/presentation.xml") != PRESENTATION_MAIN:
            raise RejectedContent("The zip file is not a PowerPoint presentation (PPTX).", "not_pptx")
    return PPTX


def _main_content_type(archive: zipfile.ZipFile, part: str) -> str | None:
    """The content type ``[Content_Types].xml`` declares for ``part``, read with a size bound and
    without DTDs (so no entity expansion)."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        raise RejectedContent("The zip file is not an Office document (no [Content_Types].xml).", "not_pptx") from None
    if info.file_size > MAX_CONTENT_TYPES_XML:
        raise RejectedContent("The package's [Content_Types].xml is too large.", "package_unsafe")
    try:
        with archive.open(info) as member:
            xml = member.read(MAX_CONTENT_TYPES_XML + 1)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise RejectedContent("The zip package is damaged.", "damaged") from exc
    if len(xml) > MAX_CONTENT_TYPES_XML or b"<!DOCTYPE" in xml.upper() or b"<!ENTITY" in xml.upper():
        raise RejectedContent("The package's [Content_Types].xml is not acceptable.", "package_unsafe")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise RejectedContent("The package's [Content_Types].xml is damaged.", "damaged") from exc
    for override in root.iter(f"{CONTENT_TYPES_NS}Override"):
        if override.get("PartName", "").lower() == part:
            return override.get("ContentType")
    return None


# -- file names ------------------------------------------------------------------------------------

MAX_FILENAME_BYTES = 255
_STRIPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_filename(raw: str | None, default: str = "file") -> str:
    """A person's file name made safe to keep as metadata (it never becomes a path).

    Keeps the last path component (``/`` and ``\\`` both count), drops NUL, CR/LF and every other
    control or invisible formatting character (bidi overrides that disguise an extension
    included), collapses white space, trims leading dots and trailing dots and spaces, and cuts
    the result to 255 bytes of UTF-8 without splitting a character, keeping a short extension.
    An empty result becomes ``default``.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name
                   if ch.isspace() or unicodedata.category(ch) not in _STRIPPED_CATEGORIES)
    name = " ".join(name.split()).lstrip(". ").rstrip(". ")
    if not name:
        return default
    return _truncate_utf8(name, MAX_FILENAME_BYTES)


def _truncate_utf8(name: str, limit: int) -> str:
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    suffix = f".{extension}" if dot and stem and len(extension.encode("utf-8")) <= 16 else ""
    if suffix:
        name = stem
    budget = limit - len(suffix.encode("utf-8"))
    cut = name.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(". ")
    return (cut + suffix) if cut else suffix.lstrip(".") or "file"
