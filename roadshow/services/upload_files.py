"""The bytes of resumable uploads on disk: the partial file and its lock, the offset rule applied
to it, the receive loop and the running sha256. ``services.uploads`` holds the use cases and
explains the offset rule; this module knows files, not people or applications.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ClientDisconnected

from roadshow.models import Upload
from roadshow.services.errors import DomainError
from roadshow.services.materials import TooLarge

log = logging.getLogger(__name__)

READ_SIZE = 1024 * 1024
YIELD_EVERY = 16  # pieces of READ_SIZE between two chances for other requests to run
CHECKSUM_ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}


class UploadBusy(DomainError):
    """Another request is appending to this upload right now; the client retries."""

    status, code = 423, "locked"


class ChecksumMismatch(DomainError):
    """tus's 460: the bytes received are not the bytes the client hashed."""

    status, code = 460, "checksum_mismatch"


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def receive(handle: BinaryIO, start: int, body: BinaryIO, content_length: int | None, remaining: int,
             checksum: Checksum | None, running) -> tuple[int, bool, object]:
    """Copy the body to the partial file at ``start`` in pieces of :data:`READ_SIZE`, fsync it,
    and return (bytes kept, whether the body ended early, the file's sha256 so far or None).
    Never holds more than one piece. ``running`` is the sha256 of the bytes before ``start``
    (or None): a copy of it takes in the bytes kept; a discarded chunk leaves no trace in it."""
    limit = content_length if content_length is not None else remaining
    hasher = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
    running = running.copy() if running is not None else None
    buffer = bytearray(READ_SIZE)
    view = memoryview(buffer)
    received, interrupted = 0, False
    handle.seek(start)
    try:
        while received < limit:
            try:
                count = read_into(body, view[:min(READ_SIZE, limit - received)])
            except (ClientDisconnected, OSError):  # the client went away (gunicorn's NoMoreData is an OSError)
                count = 0
            if not count:
                interrupted = content_length is not None
                break
            piece = view[:count]
            handle.write(piece)
            if hasher is not None:
                hasher.update(piece)
            if running is not None:
                running.update(piece)
            received += count
            if received % (YIELD_EVERY * READ_SIZE) < count:
                let_others_run()
        if content_length is None and received == remaining and read_into(body, view[:1]):
            raise TooLarge(_l("The body runs past the end of the upload."))
        handle.flush()
        if checksum is not None and (interrupted or hasher.digest() != checksum.digest):
            truncate(handle, start)
            if interrupted:
                return 0, True, None
            raise ChecksumMismatch(_l("The chunk's checksum does not match; it was discarded. Send it again."))
        truncate(handle, start + received)
    except BaseException:
        truncate(handle, start)
        raise
    return received, interrupted, running


def read_into(body: BinaryIO, target: memoryview) -> int:
    if hasattr(body, "readinto"):
        return body.readinto(target) or 0
    data = body.read(len(target))
    target[:len(data)] = data
    return len(data)


def truncate(handle: BinaryIO, size: int) -> None:
    """Cut the file to ``size`` and make it durable (fsync)."""
    handle.flush()
    handle.truncate(size)
    os.fsync(handle.fileno())


def sha256_of(handle: BinaryIO) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    buffer = bytearray(READ_SIZE)
    view = memoryview(buffer)
    pieces = 0
    while count := handle.readinto(buffer):
        digest.update(view[:count])
        pieces += 1
        if pieces % YIELD_EVERY == 0:
            let_others_run()
    return digest.hexdigest()


def let_others_run() -> None:
    """Yield in long loops: under gunicorn's gevent worker, ``time.sleep`` is gevent's, so hashing a
    2 GB video does not freeze the live room's sockets served by the same process."""
    time.sleep(0)


class RunningDigests:
    """The sha256 of each upload's bytes so far, kept by the process that received them, so that
    completing a 2 GB upload need not read it all again (on a slow link the hashing hides in the
    waits for the network).

    Only a cache, never the record: an entry is used when it covers exactly the bytes on disk
    (the offset in force, and the file untouched since: same inode, size and modification time);
    otherwise, as after a restart or when another process took a chunk, the file is hashed from
    its start. A chunk refused (checksum, size) never reaches it.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[int, tuple, object]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _identity(handle: BinaryIO) -> tuple:
        stat = os.fstat(handle.fileno())
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def take(self, upload_id: str, offset: int, handle: BinaryIO):
        """A digest of the first ``offset`` bytes to continue, or None to hash the file at the end."""
        with self._lock:
            entry = self._entries.pop(upload_id, None)
        if offset == 0:
            return hashlib.sha256()
        if entry is not None and entry[0] == offset and entry[1] == self._identity(handle):
            return entry[2].copy()
        return None

    def keep(self, upload_id: str, offset: int, handle: BinaryIO, running) -> None:
        if running is None:
            return
        with self._lock:
            self._entries[upload_id] = (offset, self._identity(handle), running)
            self._entries.move_to_end(upload_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


running_digests = RunningDigests()


# -- terminate and expire --------------------------------------------------------------------------


@contextmanager
def locked(path: Path) -> Iterator[BinaryIO]:
    """The partial file at ``path`` (created empty if missing), opened for writing under an
    exclusive lock that other requests, in any process, see at once: 423 if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    handle = os.fdopen(fd, "r+b")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy(_l("This upload is busy with another request. Try again shortly.")) from None
        yield handle
    finally:
        handle.close()  # closing releases the lock


def reconcile(upload: Upload, handle: BinaryIO) -> int:
    """Apply the offset rule under the lock: truncate bytes past the recorded offset."""
    size = os.fstat(handle.fileno()).st_size
    offset = min(upload.offset, size)
    if size > offset:
        log.info("upload %s: cutting %d unacknowledged bytes", upload.id, size - offset)
        truncate(handle, offset)
    return offset


def unlink_unless_locked(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            path.unlink(missing_ok=True)
            return True
    except FileNotFoundError:
        return False
