"""Browser tests: the real app under gunicorn, driven by a real Chromium through Playwright.

``live_server`` serves a fresh database for this module's run: a new PostgreSQL database when
``DATABASE_URL`` points at PostgreSQL (dropped at teardown), else a SQLite file in a temporary
instance folder. With ``REDIS_URL`` set it uses Redis database 1 (flushed at start) as the Socket.IO
message queue and rate-limit store. ``new_page(locale)`` gives a page in a fresh browser context,
so two people never share cookies. On failure, screenshots and the server log go to test-artifacts/.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.live import ARTIFACTS, ServerFailed, deployment

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000

_failures: list[str] = []


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        _failures.append(item.nodeid)
    return report


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served by gunicorn (gevent worker) on a free port, over a database of its own."""
    try:
        with deployment(tmp_path_factory.mktemp("browser-instance")) as server:
            yield server
            if _failures:
                saved = server.publish_log("browser")
                sys.stderr.write(f"\n--- browser tests failed; server log saved to {saved}; its end: ---\n"
                                 f"{server.log_tail()}\n")
    except ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


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
