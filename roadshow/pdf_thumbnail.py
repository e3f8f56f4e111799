"""Draw the first page of a PDF as a small PNG. Run only in a child process of its own.

Pure Python plus pypdfium2: no Flask, no database, no import of the ``roadshow`` package, so that
``python -I roadshow/pdf_thumbnail.py <pdf> <png>`` starts in a tenth of a second. PDFium parses
whatever the file holds, so :mod:`roadshow.services.thumbnails` runs this script under a wall-clock
time limit, and the script caps its own memory, output size and core dumps before it opens the
file: a hostile PDF can make it fail, but not hang or exhaust the web worker.

Exit status: 0 with the PNG written, anything else (an exception, a signal) without it.
"""
from __future__ import annotations

import struct
import sys
import zlib

WIDTH = 320
MAX_HEIGHT = 2 * WIDTH
MAX_MEMORY = 1024 * 1024 * 1024
MAX_OUTPUT = 4 * 1024 * 1024


def limit_resources() -> None:
    """Cap what this process may use (POSIX only; elsewhere the parent's time limit remains)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    for limit, value in ((resource.RLIMIT_AS, MAX_MEMORY), (resource.RLIMIT_FSIZE, MAX_OUTPUT),
                         (resource.RLIMIT_CORE, 0)):
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


def encode_png(width: int, height: int, stride: int, rgb: bytes) -> bytes:
    """An 8-bit RGB PNG of rows of ``stride`` bytes (of which the first ``3 * width`` are pixels)."""
    row = 3 * width
    raw = b"".join(b"\x00" + rgb[y * stride:y * stride + row] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def render_first_page(source: str) -> bytes:
    """The first page of the PDF at ``source``, :data:`WIDTH` pixels wide (a very tall page is
    scaled down further so it stays within :data:`MAX_HEIGHT`), as PNG bytes."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(source)
    try:
        if len(document) < 1:
            raise ValueError("the document has no pages")
        page = document[0]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise ValueError("the first page has no area")
        scale = min(WIDTH / width, MAX_HEIGHT / height)
        bitmap = page.render(scale=scale, rev_byteorder=True, fill_color=(255, 255, 255, 255),
                             draw_annots=True, may_draw_forms=False)
        if bitmap.n_channels != 3:
            raise ValueError(f"unexpected pixel format {bitmap.mode}")
        return encode_png(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer))
    finally:
        document.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: pdf_thumbnail.py SOURCE.pdf TARGET.png\n")
        return 2
    source, target = argv
    limit_resources()
    png = render_first_page(source)
    if len(png) > MAX_OUTPUT:
        sys.stderr.write("thumbnail too large\n")
        return 3
    with open(target, "wb") as handle:
        handle.write(png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
