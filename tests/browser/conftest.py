"""Fixtures for the browser tests: the real app in a subprocess and Debian's chromium.

The tests skip when /usr/bin/chromium is missing. Playwright never downloads a browser here:
it drives the system chromium through ``executable_path``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .support import ARTIFACTS, CSP_RECORDER, PageWatch

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium tries to reach Google services.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Small enough that a test can paste a body over the limit and see the 413 message.
MAX_CONTENT_LENGTH = 1_000_000
# Seconds to wait for /api/health. Loading the packaged OCSF releases takes a few.
SERVER_START_TIMEOUT = 60.0
PAGE_TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_health(app_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with status {process.returncode} before answering "
                        f"/api/health; its log is in {log_path}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(app_url + "/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the app did not answer {app_url}/api/health within {SERVER_START_TIMEOUT:.0f} s;"
                f" its log is in {log_path}")


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Start ``ocsf-workbench serve`` on a free port of 127.0.0.1 for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}; "
                    "install it with apt-get install chromium")
    htmx = REPO / "static/vendor/htmx.min.js"
    if not htmx.exists():
        pytest.fail(f"{htmx} is missing; run ./scripts/setup, which copies it from the htmx.org "
                    "npm package")

    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "server.log"
    port = _free_port()
    environment = dict(os.environ, OCSF_WORKBENCH_MAX_CONTENT_LENGTH=str(MAX_CONTENT_LENGTH))
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "webapp.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser(app_url) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _open_page(browser: Browser, app_url: str, java_script: bool) -> tuple[Page, PageWatch]:
    context = browser.new_context(base_url=app_url, java_script_enabled=java_script,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    watch = PageWatch(java_script=java_script)
    watch.attach(page)
    return page, watch


@pytest.fixture()
def js_page(browser, app_url) -> Iterator[tuple[Page, PageWatch]]:
    """A fresh page with JavaScript enabled and its watch of dialogs, errors and CSP."""
    page, watch = _open_page(browser, app_url, java_script=True)
    yield page, watch
    page.context.close()


@pytest.fixture()
def nojs_page(browser, app_url) -> Iterator[tuple[Page, PageWatch]]:
    """A fresh page with JavaScript disabled, so forms post and full pages load."""
    page, watch = _open_page(browser, app_url, java_script=False)
    yield page, watch
    page.context.close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def any_page(request, browser, app_url) -> Iterator[tuple[Page, PageWatch]]:
    """The same test once with JavaScript (htmx swaps) and once without (full pages)."""
    page, watch = _open_page(browser, app_url, java_script=request.param)
    yield page, watch
    page.context.close()
