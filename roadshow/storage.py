"""Where uploaded files live: under STORAGE_DIR, outside the web root, by generated names only.

A file becomes visible under its key only when complete: it is written to a temporary file,
fsynced, then renamed into place, so a crash never leaves half a file behind a key. Keys are
random hex strings; nothing a person typed ever becomes part of a path.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
COPY_BUFFER = 1024 * 1024


class LocalStorage:
    """Files on the local disk (or a shared volume when several hosts serve the app)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(16)

    def path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key or ""):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / "files" / key[:2] / key

    def partial_path(self, upload_id: str) -> Path:
        """Where a resumable upload accumulates its bytes until it is complete."""
        if not KEY_PATTERN.match(upload_id or ""):
            raise ValueError(f"not an upload id: {upload_id!r}")
        return self.root / "partial" / upload_id

    def temp_dir(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def adopt(self, source: Path, key: str) -> Path:
        """Move a complete file (on the same file system) under ``key``: fsync, then rename."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(source, target)
        _fsync_dir(target.parent)
        return target

    def save_stream(self, stream: BinaryIO, key: str, max_bytes: int) -> int:
        """Copy ``stream`` under ``key`` through a temporary file; refuse more than ``max_bytes``."""
        temp = self.temp_dir() / f"{key}.part"
        written = 0
        try:
            with temp.open("wb") as handle:
                while chunk := stream.read(COPY_BUFFER):
                    written += len(chunk)
                    if written > max_bytes:
                        raise OverflowError(max_bytes)
                    handle.write(chunk)
            self.adopt(temp, key)
        finally:
            temp.unlink(missing_ok=True)
        return written

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def storage() -> LocalStorage:
    """The storage of the current application."""
    return LocalStorage(current_app.config["STORAGE_DIR"])
