"""Browser tests: the real app served on a free local port, driven by Playwright in Debian's
Chromium. Skipped, saying why, when /usr/bin/chromium is not installed (``.ci/run`` installs it).

Fixtures:
- ``live_server``: the app on a fresh migrated SQLite file, served in a thread; ``.url``.
- ``demo_server``: the same with the demo deliberation seeded.
- ``browser``: one headless Chromium for the session; ``page``: a fresh context (no cookies)
  and page per test.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import base_config
from flask import Flask
from werkzeug.serving import make_server

from commonground import create_app
from commonground.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
#: As the machine's own notes advise: no sandbox as root, no GPU, and none of the background
#: connections Chromium makes on start (the network here is closed; they would only fail).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class LiveServer:
    """A running server: its base URL and its app (for seeding data with an app context)."""

    url: str
    app: Flask


@pytest.fixture
def live_server(database_path, tmp_path):
    """The app on a fresh migrated SQLite copy, served by werkzeug on 127.0.0.1:<free port>."""
    app = create_app(base_config(f"sqlite:///{database_path}", tmp_path))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def demo_server(live_server):
    """The live server with the demo deliberation and its accounts."""
    from commonground.demo import seed_demo

    with live_server.app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    return live_server


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's build, never a downloaded one)."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A new page in a fresh browser context (no cookies, English browser)."""
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
