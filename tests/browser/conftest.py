"""Browser tests: the real app under gunicorn, driven by a real Chromium through Playwright.

``live_server`` serves a fresh database for this module's run: a new PostgreSQL database when
``DATABASE_URL`` points at PostgreSQL (dropped at teardown), else a SQLite file in a temporary
instance folder. With ``REDIS_URL`` set it uses Redis database 1 (flushed at start) as the Socket.IO
message queue and rate-limit store. ``new_page(locale)`` gives a page in a fresh browser context,
so two people never share cookies. On failure, screenshots and the server log go to test-artifacts/.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-browser-" + secrets.token_hex(4)
BROWSER_REDIS_DB = 1
STARTUP_TIMEOUT = 30.0
DEFAULT_TIMEOUT_MS = 10_000
# Settings of the environment that would make the served app differ from the one under test.
SCRUBBED_ENV = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STORAGE_DIR", "BASE_URL", "MAIL_SERVER", "PREFER_HTTPS",
    "TRUSTED_PROXIES", "RATELIMIT_STORAGE_URI", "LOGIN_RATE_LIMIT", "SOCKETIO_ASYNC_MODE",
    "SOCKETIO_ALLOWED_ORIGINS", "INSTANCE_DIR", "HOST", "PORT",
)

_failures: list[str] = []


@dataclass(frozen=True)
class LiveServer:
    url: str
    backend: str
    admin_email: str
    admin_password: str
    log_path: Path

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        _failures.append(item.nodeid)
    return report


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


def _browser_redis_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{BROWSER_REDIS_DB}", parts.query, parts.fragment))


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _run_cli(args: list[str], env: dict, log) -> None:
    log.write(f"$ flask {' '.join(args)}\n".encode())
    log.flush()
    result = subprocess.run([str(VENV_BIN / "flask"), *args], cwd=PROJECT_ROOT, env=env, stdout=log,
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


def _publish_log(server: LiveServer) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"browser-server-{server.backend}.log"
    shutil.copyfile(server.log_path, target)
    return target


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served by gunicorn (gevent worker) on a free port, over a database of its own."""
    instance = tmp_path_factory.mktemp("browser-instance")
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    port = _free_port()
    env.update(FLASK_APP="wsgi.py", INSTANCE_DIR=str(instance), HOST="127.0.0.1", PORT=str(port),
               LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO").upper(), PYTHONUNBUFFERED="1")

    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        env["REDIS_URL"] = _browser_redis_url(redis_url)
        _flush_redis(env["REDIS_URL"])
    database_url = os.environ.get("DATABASE_URL")
    postgres = _PostgresDatabase(database_url) if _is_postgres(database_url) else None
    if postgres:
        postgres.create()
        env["DATABASE_URL"] = postgres.url

    server = LiveServer(
        url=f"http://127.0.0.1:{port}", backend="postgresql" if postgres else "sqlite",
        admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, log_path=instance / "server.log",
    )
    process = None
    with open(server.log_path, "wb") as log:
        try:
            _run_cli(["db", "upgrade"], env, log)
            _run_cli(["roadshow", "create-admin", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--name", "Admin"],
                     env, log)
            log.write(b"$ gunicorn -c gunicorn.conf.py --no-control-socket wsgi:app\n")
            log.flush()
            process = subprocess.Popen(
                # No control socket: gunicorn's default one is shared by every instance of the user.
                [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
            _wait_healthy(server.url, process)
        except Exception as exc:
            if process is not None:
                _stop(process)
            if postgres:
                postgres.drop()
            log.flush()
            saved = _publish_log(server)
            pytest.fail(f"the live server did not start: {exc}\n--- server log ({saved}) ---\n{server.log_tail()}",
                        pytrace=False)
        try:
            yield server
        finally:
            _stop(process)
            if postgres:
                postgres.drop()
            if redis_url:
                _flush_redis(env["REDIS_URL"])
            log.flush()
            if _failures:
                saved = _publish_log(server)
                sys.stderr.write(f"\n--- browser tests failed; server log saved to {saved}; its end: ---\n"
                                 f"{server.log_tail()}\n")


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the session (Playwright's own download does not work here)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, live_server, request):
    """``new_page(locale)``: a page in a new browser context (its own cookies), based at the live server."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(base_url=live_server.url, locale=locale)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    for number, context in enumerate(contexts):
        if failed:
            _screenshot(context, request.node.name, number)
        context.close()


def _screenshot(context, test_name: str, number: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for index, page in enumerate(context.pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{test_name}-context{number}-page{index}.png"), full_page=True)
        except Exception as exc:  # a crashed or closed page must not hide the test's own failure
            sys.stderr.write(f"screenshot of {test_name} context {number} failed: {exc}\n")
