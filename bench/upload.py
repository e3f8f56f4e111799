"""A large file through the tus endpoint on loopback, against a plain copy of it on the same disk.

    .venv/bin/python bench/upload.py [SIZE] [--chunk 64MiB] [--dir /tmp]

SIZE defaults to 1 GiB (suffixes KiB, MiB, GiB, or plain bytes). The run:

1. makes a temporary INSTANCE_DIR (SQLite, local storage) under --dir, runs ``flask db upgrade`` and
   creates, through the app's services, an administrator, an open contest, a team member with an
   application, and an API token;
2. writes a SIZE-byte MP4 (an ``ftyp`` box, then an ``mdat`` of random bytes) next to it;
3. starts gunicorn with gunicorn.conf.py (gevent worker) on a free port and warms it up with a
   small upload;
4. for --rounds rounds (default 3), interleaved so that both meet the same page-cache weather
   (on a VM, writing to fresh page-cache memory is several times slower than to recycled memory,
   and it varies from run to run; so each timed step is preceded by writing and deleting a scratch
   file of the same size): times ``shutil.copyfile`` of the file, the same copy followed by an
   fsync, and the upload: a plain http.client PATCH loop in --chunk pieces (sent with
   sendfile, so the client costs little CPU), timed from the creating POST to the last PATCH's
   answer, which includes the server's content check, sha256 and the move into storage. The
   worker's peak-RSS counter is reset before each upload;
5. checks the stored material (size and sha256), prints best and median throughputs, their
   ratios, and the worker's RSS and its peak growth (VmHWM - VmRSS before), then removes
   everything.

Targets: throughput ratio >= 0.5, peak RSS growth <= 100 MB. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import os
import re
import shutil
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
MiB = 1024 * 1024
UNITS = {"": 1, "b": 1, "kib": 1024, "kb": 1024, "mib": MiB, "mb": MiB, "gib": 1024 * MiB, "gb": 1024 * MiB}
SCRUBBED_ENV = ("DATABASE_URL", "REDIS_URL", "STORAGE_DIR", "SECRET_KEY", "INSTANCE_DIR", "HOST", "PORT",
                "RATELIMIT_STORAGE_URI", "PREFER_HTTPS")
TEAM_EMAIL = "bench-team@example.com"


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    return int(float(match.group(1)) * UNITS[match.group(2).lower()])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(instance: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    env.update(FLASK_APP="wsgi.py", INSTANCE_DIR=str(instance), HOST="127.0.0.1", LOG_LEVEL="WARNING",
               PYTHONUNBUFFERED="1")
    return env


def prepare(instance: Path, size: int, env: dict) -> tuple[int, str]:
    """Migrate, then create the people and the application; returns (application id, API token)."""
    subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=PROJECT_ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for key in SCRUBBED_ENV:
        os.environ.pop(key, None)
    sys.path.insert(0, str(PROJECT_ROOT))
    from roadshow import create_app
    from roadshow.extensions import db
    from roadshow.models import ContestStatus, MaterialKind, MaterialRule
    from roadshow.services import accounts, api_tokens, applications, contests

    app = create_app({"INSTANCE_DIR": str(instance)})
    with app.test_request_context():
        admin = accounts.create_user("bench-admin@example.com", "bench-password-1", "Bench admin", is_admin=True)
        contest = contests.create_contest(by=admin, slug="bench", name_zh="基准", name_en="Bench",
                                          status=ContestStatus.OPEN)
        contest.application_quota_bytes = max(contest.application_quota_bytes, 2 * size)
        db.session.flush()
        for rule in db.session.query(MaterialRule).filter_by(contest_id=contest.id, kind=MaterialKind.PITCH_VIDEO):
            rule.max_bytes = max(rule.max_bytes, size)
        team = accounts.create_user(TEAM_EMAIL, "bench-password-2", "Bench team")
        application = applications.start(contest, team)
        _, token = api_tokens.create(team, "bench")
        db.session.commit()
        application_id = application.id
    with app.app_context():
        db.engine.dispose()
    return application_id, token


def write_video(path: Path, size: int) -> None:
    """An MP4 by its header (what the server checks), random bytes after it."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2"
    mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", size - len(ftyp))
    block = os.urandom(16 * MiB)
    with path.open("wb") as handle:
        handle.write(ftyp + mdat)
        remaining = size - len(ftyp) - len(mdat)
        while remaining > 0:
            piece = block[:min(len(block), remaining)]
            handle.write(piece)
            remaining -= len(piece)


def prime_page_cache(work: Path, size: int) -> None:
    """Write and delete ``size`` bytes, so that the next timed step writes into page-cache memory
    the guest has just used rather than memory the host may have taken back (several times slower
    on a VM, and unevenly so). Every timed step gets the same treatment."""
    scratch = work / "scratch.bin"
    block = bytes(16 * MiB)
    with scratch.open("wb") as handle:
        for _ in range(0, size + 64 * MiB, len(block)):
            handle.write(block)
    scratch.unlink()


def timed_copy(source: Path, target: Path, *, fsync: bool) -> float:
    start = time.perf_counter()
    shutil.copyfile(source, target)
    if fsync:
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


def start_server(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("wb")
    process = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                               cwd=PROJECT_ROOT, env={**env, "PORT": str(port)}, stdout=log,
                               stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def worker_pid(master: int) -> int:
    """The gunicorn worker: the master's child."""
    for _ in range(50):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                return int(entry)
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker found")


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid``, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, needs the right to write clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class TusUpload:
    """A plain http.client tus client: one POST, then PATCHes of ``chunk`` bytes."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}

    def send(self, path: Path, application_id: int, chunk: int) -> str:
        size = path.stat().st_size
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
            "filename": path.name, "application": str(application_id), "kind": "pitch_video"}.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            connection.request("POST", "/api/v1/uploads/", headers={
                **self.headers, "Upload-Length": str(size), "Upload-Metadata": metadata})
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                raise RuntimeError(f"POST answered {response.status}")
            location = response.headers["Location"]
            with path.open("rb") as source:
                offset = 0
                while offset < size:
                    count = min(chunk, size - offset)
                    connection.putrequest("PATCH", location, skip_accept_encoding=True)
                    for name, value in {**self.headers, "Content-Type": "application/offset+octet-stream",
                                        "Upload-Offset": str(offset), "Content-Length": str(count)}.items():
                        connection.putheader(name, value)
                    connection.endheaders()
                    if connection.sock.sendfile(source, offset, count) != count:
                        raise RuntimeError("the body was not sent whole")
                    response = connection.getresponse()
                    body = response.read()
                    if response.status != 204:
                        raise RuntimeError(f"PATCH at {offset} answered {response.status}: {body[:300]!r}")
                    offset = int(response.headers["Upload-Offset"])
            return location
        finally:
            connection.close()


def stored_material(instance: Path) -> tuple[int, str, str]:
    with sqlite3.connect(instance / "roadshow.db") as connection:
        return connection.execute(
            "SELECT size_bytes, sha256, storage_key FROM materials ORDER BY id DESC LIMIT 1").fetchone()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(4 * MiB):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", type=parse_size, default=1024 * MiB, help="file size (default 1GiB)")
    parser.add_argument("--chunk", type=parse_size, default=64 * MiB, help="PATCH size (default 64MiB)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved copy/upload rounds (default 3)")
    parser.add_argument("--dir", default=None, help="where the temporary files go (default: the system's)")
    args = parser.parse_args()
    if args.size < 1 * MiB:
        parser.error("size must be at least 1 MiB")

    work = Path(tempfile.mkdtemp(prefix="roadshow-bench-upload-", dir=args.dir))
    process = None
    try:
        instance = work / "instance"
        env = environment(instance)
        application_id, token = prepare(instance, args.size, env)
        source = work / "pitch.mp4"
        write_video(source, args.size)
        warmup = work / "warmup.mp4"
        write_video(warmup, 2 * MiB)

        port = free_port()
        process = start_server(env, port, work / "gunicorn.log")
        worker = worker_pid(process.pid)
        client = TusUpload(port, token)
        client.send(warmup, application_id, args.chunk)  # imports, first connections, caches

        copies, synced_copies, uploads_, growths = [], [], [], []
        rss_before = rss_after = 0
        peak_reset = False
        for _ in range(args.rounds):  # interleaved, so that both meet the same page-cache weather
            prime_page_cache(work, args.size)
            copies.append(timed_copy(source, work / "copy.mp4", fsync=False))
            prime_page_cache(work, args.size)
            synced_copies.append(timed_copy(source, work / "copy.mp4", fsync=True))
            prime_page_cache(work, args.size)
            before = memory(worker)
            peak_reset = reset_peak(worker)
            start = time.perf_counter()
            client.send(source, application_id, args.chunk)
            uploads_.append(time.perf_counter() - start)
            after = memory(worker)
            growths.append(after["VmHWM"] - (before["VmRSS"] if peak_reset else before["VmHWM"]))
            rss_before = rss_before or before["VmRSS"]
            rss_after = after["VmRSS"]

        size, digest, _key = stored_material(instance)
        ok = size == args.size and digest == sha256_file(source)

        def rate(seconds: float) -> float:
            return args.size / MiB / seconds

        def line(label: str, runs: list[float]) -> str:
            best, middle = min(runs), statistics.median(runs)
            return (f"{label:<34}{rate(best):8.1f} MB/s best, {rate(middle):8.1f} MB/s median  "
                    f"(runs: {', '.join(f'{r:.2f} s' for r in runs)})")

        print(f"file: {args.size / MiB:.0f} MiB, PATCH chunks of {args.chunk / MiB:.0f} MiB, "
              f"{args.rounds} interleaved rounds, on {work} (1 MB = 2^20 bytes)")
        print(line("plain copy (shutil.copyfile):", copies))
        print(line("plain copy + fsync:", synced_copies))
        print(line("tus upload (POST..last PATCH):", uploads_))
        print(f"{'ratio upload / copy:':<34}{min(copies) / min(uploads_):8.2f} best/best, "
              f"{statistics.median(copies) / statistics.median(uploads_):.2f} median/median   (target >= 0.5)")
        print(f"{'ratio upload / copy + fsync:':<34}{min(synced_copies) / min(uploads_):8.2f} best/best, "
              f"{statistics.median(synced_copies) / statistics.median(uploads_):.2f} median/median")
        print(f"{'worker RSS first before / last after:':<34}{rss_before / MiB:8.1f} / {rss_after / MiB:.1f} MB")
        print(f"{'worker peak RSS growth (max):':<34}{max(growths) / MiB:8.1f} MB  (target <= 100 MB; "
              f"{'VmHWM reset before each upload' if peak_reset else 'VmHWM not resettable: against the old peak'})")
        print(f"stored material: {size} bytes, sha256 {'matches' if ok else 'DOES NOT MATCH'}")
        return 0 if ok else 1
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
