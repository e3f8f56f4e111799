"""Real servers for tests that need them: gunicorn processes over a database of their own.

``deployment()`` runs the migrations, creates an administrator and starts one or several gunicorn
processes (gevent worker, as in production) that share the database, Redis and the secret key,
as a scaled-out installation does. With ``DATABASE_URL`` pointing at PostgreSQL it uses a new
database next to it (dropped afterwards), else a SQLite file.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-live-" + secrets.token_hex(4)
STARTUP_TIMEOUT = 30.0
# Settings of the environment that would make the served app differ from the one under test.
SCRUBBED_ENV = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STORAGE_DIR", "BASE_URL", "MAIL_SERVER", "PREFER_HTTPS",
    "TRUSTED_PROXIES", "RATELIMIT_STORAGE_URI", "LOGIN_RATE_LIMIT", "SOCKETIO_ASYNC_MODE",
    "SOCKETIO_ALLOWED_ORIGINS", "INSTANCE_DIR", "HOST", "PORT",
)


@dataclass
class LiveServer:
    """One or more processes serving the same installation; ``url`` is the first one's."""

    urls: list[str]
    backend: str
    admin_email: str
    admin_password: str
    log_path: Path
    env: dict = field(repr=False, default_factory=dict)

    @property
    def url(self) -> str:
        return self.urls[0]

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def publish_log(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{name}-server-{self.backend}.log"
        shutil.copyfile(self.log_path, target)
        return target


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_postgres(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0].split("+", 1)[0] in {"postgres", "postgresql"}


class _PostgresDatabase:
    """A throw-away database next to the one ``DATABASE_URL`` names, on the same server."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.base = make_url(url)
        self.name = f"roadshow_browser_{secrets.token_hex(4)}"
        self.url = self.base.set(database=self.name).render_as_string(hide_password=False)

    def _maintenance(self):
        import psycopg

        base = self.base
        return psycopg.connect(
            host=base.host or "localhost", port=base.port or 5432, user=base.username,
            password=base.password, dbname="postgres", autocommit=True, connect_timeout=10,
        )

    def create(self) -> None:
        with self._maintenance() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._maintenance() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _redis_db_url(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _run_cli(args: list[str], env: dict, log, venv_bin: Path = VENV_BIN) -> None:
    log.write(f"$ flask {' '.join(args)}\n".encode())
    log.flush()
    result = subprocess.run([str(venv_bin / "flask"), *args], cwd=PROJECT_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"flask {args[0]} {args[1]} failed with exit code {result.returncode}")


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            exc.close()
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer 200 within {STARTUP_TIMEOUT:.0f} s (last: {last})")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class ServerFailed(RuntimeError):
    pass


@contextmanager
def deployment(instance: Path, *, processes: int = 1, redis_url: str | None = None, redis_db: int = 1,
               venv_bin: Path = VENV_BIN):
    """Serve the app from ``processes`` gunicorn processes; see the module docstring.

    ``redis_url`` (else ``REDIS_URL`` from the environment, if set) becomes the installation's
    Redis, on database ``redis_db``, flushed before and after. ``venv_bin``: the environment whose
    ``flask`` and ``gunicorn`` serve it (the benchmarks' holds requirements.txt alone, as production).
    """
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    # Every browser of a test run logs in from 127.0.0.1: the per-address login limit (tested on its
    # own through the test client) would refuse the eleventh login of a minute.
    env["LOGIN_RATE_LIMIT"] = "1000 per minute"
    env.update(FLASK_APP="wsgi.py", INSTANCE_DIR=str(instance), HOST="127.0.0.1",
               LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO").upper(), PYTHONUNBUFFERED="1")
    redis_url = redis_url or os.environ.get("REDIS_URL")
    if redis_url:
        env["REDIS_URL"] = _redis_db_url(redis_url, redis_db)
        _flush_redis(env["REDIS_URL"])
    database_url = os.environ.get("DATABASE_URL")
    postgres = _PostgresDatabase(database_url) if _is_postgres(database_url) else None
    if postgres:
        postgres.create()
        env["DATABASE_URL"] = postgres.url

    ports = [_free_port() for _ in range(processes)]
    server = LiveServer(
        urls=[f"http://127.0.0.1:{port}" for port in ports], backend="postgresql" if postgres else "sqlite",
        admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, log_path=instance / "server.log", env=env,
    )
    running: list[subprocess.Popen] = []
    with open(server.log_path, "wb") as log:
        try:
            try:
                _run_cli(["db", "upgrade"], env, log, venv_bin)
                _run_cli(["roadshow", "create-admin", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--name", "Admin"],
                         env, log, venv_bin)
                for port, url in zip(ports, server.urls):
                    log.write(f"$ PORT={port} gunicorn -c gunicorn.conf.py wsgi:app\n".encode())
                    log.flush()
                    running.append(subprocess.Popen(
                        [str(venv_bin / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                        cwd=PROJECT_ROOT, env={**env, "PORT": str(port)}, stdout=log, stderr=subprocess.STDOUT,
                    ))
                    _wait_healthy(url, running[-1])
            except Exception as exc:
                log.flush()
                raise ServerFailed(f"the live server did not start: {exc}\n--- server log ---\n{server.log_tail()}") from exc
            yield server
        finally:
            for process in running:
                _stop(process)
            if postgres:
                postgres.drop()
            if redis_url:
                _flush_redis(env["REDIS_URL"])
            log.flush()
